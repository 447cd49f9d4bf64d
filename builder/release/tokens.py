"""Token counts of a release's text columns, for length control (``warp-ir-pairs stats --tokens``).

The tokenizer is a byte-level BPE trained on the release itself (``tokenizers``, deterministic for
the same files), or a ``tokenizer.json`` of a model's tokenizer given by path. Figures per column:
median, p95, max and the share of rows over 2k, 4k and 8k tokens.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

TEXT_COLUMNS = ("python_source", "cpp_forward", "cpp_backward", "cuda_forward", "cuda_backward")
LIMITS = (2048, 4096, 8192)
DEFAULT_VOCAB = 8000
TRAIN_CHARACTERS = 8_000_000  # text the BPE is trained on, from the first rows


def load_tokenizer(path: str | Path):
    """A ``tokenizers.Tokenizer`` from a ``tokenizer.json`` file."""
    from tokenizers import Tokenizer

    if not Path(path).is_file():
        raise ValueError(f"tokenizer {str(path)!r}: no such file; allowed: a tokenizer.json, or 'bpe' to train one")
    return Tokenizer.from_file(str(path))


def train_tokenizer(files: list[Path], vocab_size: int = DEFAULT_VOCAB):
    """A byte-level BPE tokenizer trained on the text columns of ``files``."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False
    )
    tokenizer.train_from_iterator(_texts(files), trainer=trainer)
    return tokenizer


def _texts(files: list[Path], budget: int = TRAIN_CHARACTERS) -> Iterator[str]:
    """The text columns' values, row by row, up to ``budget`` characters (training time grows with the text)."""
    for path in files:
        table = pq.read_table(path, columns=[c for c in TEXT_COLUMNS if c in pq.read_schema(path).names])
        for row in table.to_pylist():
            for text in row.values():
                if text and budget > 0:
                    budget -= len(text)
                    yield text


def token_counts(files: list[Path], tokenizer) -> dict[str, list[int]]:
    """Tokens per row of every text column present in ``files``."""
    counts: dict[str, list[int]] = {}
    for path in files:
        names = pq.read_schema(path).names
        table = pq.read_table(path, columns=[c for c in TEXT_COLUMNS if c in names])
        for column in table.column_names:
            texts = [t or "" for t in table.column(column).to_pylist()]
            counts.setdefault(column, []).extend(len(e.ids) for e in tokenizer.encode_batch(texts))
    return counts


def token_figures(counts: dict[str, list[int]]) -> dict[str, dict[str, float]]:
    """Per column: median, p95, max, and the share of rows over each of ``LIMITS``."""
    figures = {}
    for column, values in counts.items():
        array = np.asarray(values)
        figures[column] = {
            "median": round(float(np.median(array)), 1),
            "p95": round(float(np.percentile(array, 95)), 1),
            "max": int(array.max()),
            **{f"over_{limit // 1024}k": round(float((array > limit).mean()), 4) for limit in LIMITS},
        }
    return figures


def token_table(figures: dict[str, dict[str, float]], tokenizer_name: str) -> str:
    """The figures as a markdown table."""
    head = "| column | median | p95 | max | " + " | ".join(f"> {limit // 1024}k" for limit in LIMITS) + " |"
    lines = [f"Tokens per row ({tokenizer_name}):", "", head, "|---|---|---|---|" + "---|" * len(LIMITS)]
    for column, f in figures.items():
        shares = " | ".join(f"{100 * f[f'over_{limit // 1024}k']:.1f}%" for limit in LIMITS)
        lines.append(f"| {column} | {f['median']:.0f} | {f['p95']:.0f} | {f['max']} | {shares} |")
    return "\n".join(lines) + "\n"


def release_tokens(files: list[Path], tokenizer: str) -> tuple[dict[str, dict[str, float]], str]:
    """Figures and markdown table of ``files`` with ``tokenizer``: ``bpe`` (trained here) or a tokenizer.json path."""
    if tokenizer == "bpe":
        model, name = train_tokenizer(files), f"byte-level BPE, {DEFAULT_VOCAB} tokens, trained on this release"
    else:
        model, name = load_tokenizer(tokenizer), Path(tokenizer).name
    figures = token_figures(token_counts(files, model))
    return figures, token_table(figures, name)
