"""Line-count distributions of a release: a table and PNG plots for the card.

Read from the release's parquet files alone, like ``builder.release.stats``, so a card always shows
what the files hold.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from builder.schema import BACKEND_PREFIX, IR_PARTS

SOURCE_PLOT = "source_lines.png"
IR_PLOT = "ir_lines.png"
SOURCE_COLUMN = "python_source"
_IR_COLUMNS = tuple(f"{prefix}_{part}" for prefix in BACKEND_PREFIX.values() for part in IR_PARTS[:2])


class LineCounter:
    """Lines per row of ``python_source`` (non-blank) and of each forward/backward IR column, batch by batch."""

    def __init__(self, names: list[str]) -> None:
        self.columns = [c for c in _IR_COLUMNS if c in names]
        self.counts: dict[str, list[np.ndarray]] = {SOURCE_COLUMN: [], **{c: [] for c in self.columns}}

    def add(self, batch: pa.RecordBatch | pa.Table) -> None:
        self.counts[SOURCE_COLUMN].append(pc.struct_field(batch.column("metadata"), "source_lines").to_numpy())
        for column in self.columns:
            self.counts[column].extend(map(_lines, _chunks(batch.column(column))))

    def result(self) -> dict[str, np.ndarray]:
        return {column: np.concatenate(parts) for column, parts in self.counts.items()}


def _chunks(column: pa.Array | pa.ChunkedArray) -> list[pa.Array]:
    return column.chunks if isinstance(column, pa.ChunkedArray) else [column]


def _lines(texts: pa.Array) -> np.ndarray:
    """Lines per string of ``texts`` (newlines + 1), found in its data buffer at once: Arrow's
    ``count_substring`` searches row by row, three times slower on IR columns."""
    _, offsets, data = texts.buffers()
    width = np.int64 if pa.types.is_large_string(texts.type) else np.int32
    ends = np.frombuffer(offsets, width)[texts.offset : texts.offset + len(texts) + 1]
    if data is None:
        return np.ones(len(texts), np.int64)
    newlines = np.flatnonzero(np.frombuffer(data, np.uint8)[ends[0] : ends[-1]] == 10) + ends[0]
    return np.diff(np.searchsorted(newlines, ends)) + 1


def line_counts(files: list[Path]) -> dict[str, np.ndarray]:
    """Lines per row of ``python_source`` (non-blank) and of every forward/backward IR column in ``files``."""
    counter = LineCounter(pq.read_schema(files[0]).names)
    for path in files:
        for batch in pq.ParquetFile(path).iter_batches(columns=["metadata", *counter.columns]):
            counter.add(batch)
    return counter.result()


def distribution_table(counts: dict[str, np.ndarray]) -> str:
    """Markdown table: mean, median, p95 and max lines per column."""
    lines = ["| column | mean | median | p95 | max |", "|---|---:|---:|---:|---:|"]
    for column, values in counts.items():
        p50, p95 = np.percentile(values, [50, 95])
        lines.append(f"| `{column}` | {values.mean():.1f} | {p50:g} | {p95:.0f} | {values.max()} |")
    return "\n".join(lines)


def write_plots(counts: dict[str, np.ndarray], folder: Path) -> list[Path]:
    """``source_lines.png`` and ``ir_lines.png`` in ``folder``; returns their paths."""
    from matplotlib.figure import (
        Figure,  # no pyplot: no global figure state, no GUI backend
    )

    folder.mkdir(parents=True, exist_ok=True)
    source = counts[SOURCE_COLUMN]
    figure = Figure(figsize=(7, 3.6), dpi=110)
    axes = figure.subplots()
    axes.hist(source, bins=np.arange(source.min(), source.max() + 2) - 0.5, color="#4c72b0")
    axes.axvline(np.median(source), color="#c44e52", linestyle="--", label=f"median {np.median(source):g}")
    axes.set(
        xlabel="non-blank lines of python_source",
        ylabel="kernels",
        title=f"Python source lines ({len(source)} kernels)",
    )
    axes.legend()
    figure.tight_layout()
    paths = [_save(figure, folder / SOURCE_PLOT)]

    ir = {c: v for c, v in counts.items() if c != SOURCE_COLUMN}
    figure = Figure(figsize=(7, 3.6), dpi=110)
    axes = figure.subplots()
    top = max(int(np.percentile(v, 99)) for v in ir.values())
    bins = np.linspace(0, top, 50)
    for column, values in ir.items():
        axes.hist(
            np.minimum(values, top),
            bins=bins,
            histtype="step",
            linewidth=1.5,
            label=f"{column} (median {np.median(values):g})",
        )
    axes.set(
        xlabel="lines (last bin: 99th percentile and above)", ylabel="kernels", title="Generated IR lines per function"
    )
    axes.legend(fontsize="small")
    figure.tight_layout()
    paths.append(_save(figure, folder / IR_PLOT))
    return paths


def _save(figure, path: Path) -> Path:
    # No "Software" text chunk: the PNG bytes then depend on the data and matplotlib's renderer only.
    figure.savefig(path, format="png", metadata={"Software": None})
    return path
