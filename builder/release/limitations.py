"""The figures behind a card's "Limitations and intended use" section, measured on the release itself.

Measured on the rows as the writer writes them, or read back from a release's parquet files
(``read_sample``): the realism measures of
``builder.plan.quality`` (dead statements, literal-only conditions, gather/scatter ...) over an
evenly spaced sample of kernels, and how much of each CUDA forward function is a line-for-line
copy of the C++ one (what makes ``cpp_to_cuda`` an easy task).
"""

from __future__ import annotations

import bisect
import hashlib
import multiprocessing
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from builder.plan.near_duplicates import token_count
from builder.plan.quality import kernel_quality, summarize
from builder.release.checksums import file_sha256
from builder.schema import BACKEND_PREFIX, IR_PARTS

# The IR text columns whose cost per row the card shows (those a config has).
IR_TEXT_COLUMNS = tuple(f"{prefix}_{part}" for prefix in BACKEND_PREFIX.values() for part in IR_PARTS)
# Kernels measured (all of a smaller release): the measures take a millisecond a kernel.
SAMPLE = 1000
# Rows of the sample whose text columns are lexed for the token counts: lexing every sampled row's
# IR (tens of kB a row) in Python cost about a third of a 2,000-kernel build, 100 rows still 7%.
# The bytes are measured on the whole sample, tokens per byte (regular for generated code) on these rows.
TOKEN_ROWS = 20
# Real kernels by the same measures (warp-lang 1.19.0's examples and newton 1.8.0, 1,448 kernels),
# the reference a synthetic release is read against.
REAL_REFERENCE = {
    "dead": 0.006,
    "litcond": 0.001,
    "trivial": 0.001,
    "litcall": 0.015,
    "const_out": 0.032,
    "gather": 0.426,
    "nontid_write": 0.385,
    "helper": 0.40,
    "arrays_mean": 6.3,
}
# (measure, label, kind): kind "share" prints a percentage, "mean" a number.
ROWS = (
    ("dead", "kernels with a dead statement (its value reaches no output)", "share"),
    ("litcond", "a branch condition made of literals only", "share"),
    ("trivial", "a trivial operation (`x - x`, `min(x, x)`)", "share"),
    ("litcall", "a `wp.*` call on literals only", "share"),
    ("const_out", "an output that depends on no input", "share"),
    ("gather", "gather/scatter through an index array", "share"),
    ("nontid_write", "a write at an index other than the thread's", "share"),
    ("helper", "a call of a `@wp.func`", "share"),
    ("arrays_mean", "arrays per kernel (mean)", "mean"),
)


@dataclass(frozen=True)
class Limits:
    """What the Limitations section states of one release."""

    kernels: int  # kernels measured
    realism: dict  # builder.plan.quality.summarize of the sample
    copied_lines: float | None  # share of CUDA forward lines equal to a C++ forward line; None without both
    # Text column -> (mean UTF-8 bytes, mean lexer tokens) per row of the sample; a null column is left out.
    row_cost: dict[str, tuple[float, float]] = field(default_factory=dict)

    def row_cost_table(self) -> str:
        """Markdown: what a row's text columns cost, in bytes and in lexer tokens (the sample's means)."""
        if not self.row_cost:
            return "(no rows measured)"
        lines = ["| column | bytes per row | lexer tokens per row |", "|---|---:|---:|"]
        for column, (size, tokens) in self.row_cost.items():
            lines.append(f"| `{column}` | {size:,.0f} | {tokens:,.0f} |")
        size, tokens = (sum(v[i] for v in self.row_cost.values()) for i in (0, 1))
        lines.append(f"| all of these | {size:,.0f} | {tokens:,.0f} |")
        return "\n".join(lines)

    def realism_table(self) -> str:
        """Markdown: each measure in this release and in real kernels."""
        lines = ["| per kernel | this release | real kernels |", "|---|---:|---:|"]
        for key, label, kind in ROWS:
            ours, real = self.realism.get(key), REAL_REFERENCE[key]
            if ours is None:
                continue
            shown = (f"{100 * ours:.1f}%", f"{100 * real:.1f}%") if kind == "share" else (f"{ours:.1f}", f"{real:.1f}")
            lines.append(f"| {label} | {shown[0]} | {shown[1]} |")
        identifiers = self.realism.get("distinct_identifiers")
        if identifiers is not None:
            lines.append(f"| distinct identifiers in the sample | {identifiers} | 8,876 in 1,448 kernels |")
        return "\n".join(lines)

    def copy_sentence(self) -> str:
        if self.copied_lines is None:
            return "This release holds one backend only, so the CPU-CUDA overlap was not measured."
        return (
            f"In this release {100 * self.copied_lines:.1f}% of the lines of a CUDA forward function equal a line "
            "of the C++ forward function of the same kernel"
        )


def read_sample(files: list[Path], sample: int = SAMPLE) -> LimitsSample:
    """The ``LimitsSample`` of the rows in ``files``, read row group by row group."""
    names = pq.read_schema(files[0]).names if files else []
    rows = LimitsSample(names, sum(pq.ParquetFile(f).metadata.num_rows for f in files), sample)
    for path in files:
        parquet = pq.ParquetFile(path)
        for group in range(parquet.metadata.num_row_groups):
            picked = rows.advance(parquet.metadata.row_group(group).num_rows)
            if picked:
                rows.add(parquet.read_row_group(group, columns=rows.columns), picked)
                pa.default_memory_pool().release_unused()
    return rows


class LimitsSample:
    """The rows at ``evenly_spaced(total, sample)`` of one config's ``total`` rows, read in row order
    (from its parquet files, or from the tables being written: ``builder.release.writer``)."""

    def __init__(self, names: Iterable[str], total: int, sample: int = SAMPLE) -> None:
        names = set(names)
        self.cost = RowCost(["python_source"] + [c for c in IR_TEXT_COLUMNS if c in names])
        self.pair = ["cpp_forward", "cuda_forward"] if {"cpp_forward", "cuda_forward"} <= names else []
        self.total, self.wanted, self.position = total, evenly_spaced(total, sample), 0
        self.sources: list[str] = []
        self.same = self.cuda_lines = 0

    @property
    def columns(self) -> list[str]:
        """The columns ``add`` reads."""
        return self.cost.columns

    def advance(self, count: int) -> list[int]:
        """Pass the next ``count`` rows: the positions among them (from 0) the sample holds."""
        first = bisect.bisect_left(self.wanted, self.position)
        last = bisect.bisect_left(self.wanted, self.position + count)
        picked = [row - self.position for row in self.wanted[first:last]]
        self.position += count
        return picked

    def add(self, table: pa.Table, picked: list[int]) -> None:
        """Measure the rows at ``picked`` of ``table``, the rows ``advance`` passed last."""
        # Only the texts measured in Python are made Python objects: the IR columns' sizes are summed by Arrow.
        table = table.select(self.columns).take(picked)
        self.cost.add_table(table)
        self.sources.extend(table.column("python_source").to_pylist())
        if self.pair:
            for cpp, cuda in zip(*(table.column(c).to_pylist() for c in self.pair), strict=True):
                matched, lines = _copied(cpp, cuda)
                self.same, self.cuda_lines = self.same + matched, self.cuda_lines + lines

    def result(self, *, num_proc: int = 1, meanwhile: Callable[[], object] | None = None) -> Limits:
        """The ``Limits`` of the sample; with ``num_proc`` > 1 its kernels are measured in that many
        processes (the release is written by one, and these measures are most of its Python work),
        while this one calls ``meanwhile`` (called here in any case)."""
        if self.position != self.total:
            raise ValueError(f"limits: {self.position} rows passed of {self.total}")
        if num_proc > 1 and len(self.sources) > 1:
            with multiprocessing.get_context().Pool(num_proc) as pool:
                chunks = max(1, len(self.sources) // (4 * num_proc))
                measuring = pool.map_async(kernel_quality, self.sources, chunksize=chunks)
                if meanwhile is not None:
                    meanwhile()
                measures = measuring.get()
        else:
            if meanwhile is not None:
                meanwhile()
            measures = [kernel_quality(source) for source in self.sources]
        copied = self.same / self.cuda_lines if self.cuda_lines else None
        return Limits(len(measures), summarize(measures), copied, self.cost.means())


def evenly_spaced(total: int, sample: int) -> list[int]:
    """``min(total, sample)`` row positions of ``0 .. total - 1``, evenly spaced from 0, ascending."""
    count = min(total, sample)
    return [i * total // count for i in range(count)]


@dataclass
class RowCost:
    """Per text column (in ``columns`` order): UTF-8 bytes summed over the sampled rows, lexer tokens
    (``builder.plan.near_duplicates.token_count``) over the first ``TOKEN_ROWS`` of them (nulls skipped)."""

    columns: list[str]
    rows: Counter = field(default_factory=Counter)
    size: Counter = field(default_factory=Counter)
    lexed_size: Counter = field(default_factory=Counter)
    tokens: Counter = field(default_factory=Counter)

    def add_table(self, table: pa.Table) -> None:
        """Count the rows of ``table``, which holds every column of ``columns``."""
        for column in self.columns:
            present = table.column(column).drop_null()
            if not len(present):
                continue
            lengths = pc.binary_length(present)
            self.size[column] += pc.sum(lengths).as_py()
            lexed = min(len(present), max(0, TOKEN_ROWS - self.rows[column]))
            if lexed:
                self.lexed_size[column] += pc.sum(lengths.slice(0, lexed)).as_py()
                self.tokens[column] += sum(map(token_count, present.slice(0, lexed).to_pylist()))
            self.rows[column] += len(present)

    def means(self) -> dict[str, tuple[float, float]]:
        """Column -> (mean bytes, mean tokens: mean bytes times the lexed rows' tokens per byte) per row."""
        out = {}
        for column in (c for c in self.columns if self.rows[c]):
            size = self.size[column] / self.rows[column]
            per_byte = self.tokens[column] / self.lexed_size[column] if self.lexed_size[column] else 0.0
            out[column] = (size, size * per_byte)
        return out


def _copied(cpp: str, cuda: str) -> tuple[int, int]:
    """CUDA lines that also occur in the C++ function (as a multiset, kernel suffixes aside), and CUDA lines."""
    cpp_lines = Counter(line.strip().replace("_cpu_kernel_", "_kernel_") for line in cpp.splitlines() if line.strip())
    matched = lines = 0
    for line in cuda.splitlines():
        key = line.strip().replace("_cuda_kernel_", "_kernel_")
        if not key:
            continue
        lines += 1
        if cpp_lines[key] > 0:
            cpp_lines[key] -= 1
            matched += 1
    return matched, lines


def content_hash(files: list[Path]) -> str:
    """sha256 over the names and bytes of a release's parquet files: what to cite a release by."""
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: (p.parent.name, p.name)):
        digest.update(f"{path.parent.name}/{path.name}\n".encode())
        digest.update(bytes.fromhex(file_sha256(path)))  # read in chunks: a file can be 100s of MB
    return digest.hexdigest()
