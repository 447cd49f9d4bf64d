"""Coverage of a release: which Warp builtins, value types and constructs its kernels use.

Computed from a release's parquet files alone (plus the planning figures the card records),
so ``warp-ir-pairs stats DIR`` and the dataset card report the same numbers.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from builder.plan.constructs import CONSTRUCTS, constructs
from builder.schema import ROW_CATEGORIES
from generators import CATEGORIES
from generators.registry import documented_keys
from generators.types import universe


@dataclass(frozen=True)
class Coverage:
    """Figures that describe a release's kernels (see ``report``)."""

    rows: int
    per_category: dict[str, int]
    builtin_keys: tuple[str, ...]  # documented registry keys the kernels call
    documented_keys: int
    value_types: tuple[str, ...]
    possible_value_types: int
    constructs: dict[str, int]  # construct -> kernels that use it
    lines_mean: float
    lines_p50: float
    lines_p95: int
    lines_max: int
    planning: dict[str, Any]  # draws, duplicates, duplicate_rate ... as the card recorded them

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class CoverageCounter:
    """Coverage figures gathered batch by batch (rows with ``COLUMNS``), so any release fits in memory."""

    COLUMNS = ("category", "python_source", "metadata")

    def __init__(self) -> None:
        self.categories: Counter = Counter()
        self.keys: set[str] = set()
        self.types: set[str] = set()
        self.used: Counter = Counter()
        self.lines: list[int] = []

    def add(self, batch: pa.RecordBatch | pa.Table, used: Iterable[Iterable[str]] | None = None) -> None:
        """Count ``batch``'s rows; ``used``: their constructs when known (else parsed from ``python_source``)."""
        metadata = batch.column("metadata")
        for category in batch.column("category").to_pylist():
            self.categories[ROW_CATEGORIES[category] if isinstance(category, int) else category] += 1
        self.keys.update(pc.unique(pc.list_flatten(pc.struct_field(metadata, "builtins"))).to_pylist())
        self.types.update(pc.unique(pc.list_flatten(pc.struct_field(metadata, "value_types"))).to_pylist())
        self.lines.extend(pc.struct_field(metadata, "source_lines").to_pylist())
        if used is None:
            used = (constructs(source) for source in batch.column("python_source").to_pylist())
        for names in used:
            self.used.update(names)

    def result(self, planning: dict[str, Any]) -> Coverage:
        """The figures of every row added so far."""
        if not self.lines:
            raise ValueError("the release has no rows")
        documented = documented_keys()
        ordered = sorted(self.lines)
        return Coverage(
            rows=len(ordered),
            per_category={
                c: self.categories[c]
                for c in [*CATEGORIES, *sorted(set(self.categories) - set(CATEGORIES))]
                if self.categories[c]
            },
            builtin_keys=tuple(sorted(self.keys & documented)),
            documented_keys=len(documented),
            value_types=tuple(sorted(self.types)),
            possible_value_types=len(universe()),
            constructs={c: self.used[c] for c in CONSTRUCTS},
            lines_mean=statistics.fmean(ordered),
            lines_p50=statistics.median(ordered),
            lines_p95=ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))],
            lines_max=ordered[-1],
            planning=dict(planning),
        )


def measure(files: list[Path], planning: dict[str, Any]) -> Coverage:
    """Coverage of the rows in ``files``."""
    counter = CoverageCounter()
    for path in files:
        for batch in pq.ParquetFile(path).iter_batches(columns=list(CoverageCounter.COLUMNS)):
            counter.add(batch)
    return counter.result(planning)


def _duplicate_line(planning: dict[str, Any]) -> str:
    if "duplicate_rate" not in planning:
        return "raw structural-duplicate rate: not recorded in this release's card"
    return (
        f"raw structural-duplicate rate before dedup: {100 * planning['duplicate_rate']:.2f}% "
        f"({planning['duplicates']} of {planning['draws']} candidates drawn)"
    )


def report(coverage: Coverage) -> str:
    """Plain-text coverage report, one figure per line."""
    c = coverage
    lines = [
        f"rows: {c.rows}",
        f"distinct Warp builtin keys used: {len(c.builtin_keys)} of {c.documented_keys} documented registry keys",
        f"distinct value types: {len(c.value_types)} of {c.possible_value_types}",
        f"python source lines per kernel: mean {c.lines_mean:.1f}, p50 {c.lines_p50:g}, p95 {c.lines_p95}, max "
        f"{c.lines_max}",
        _duplicate_line(c.planning),
        "control-flow and language constructs (kernels using each):",
        *(f"  {name}: {count}" for name, count in c.constructs.items()),
        "kernels per category:",
        *(f"  {name}: {count}" for name, count in c.per_category.items()),
    ]
    return "\n".join(lines)


def markdown(coverage: Coverage) -> str:
    """The card's coverage section (the category table is the card's count table)."""
    c = coverage
    constructs = ", ".join(f"{name} ({count})" for name, count in c.constructs.items() if count)
    return "\n".join(
        [
            f"- Python source lines per kernel (non-blank): mean {c.lines_mean:.1f}, median {c.lines_p50:g}, p95 "
            f"{c.lines_p95}, max {c.lines_max}",
            f"- distinct Warp builtin keys used: {len(c.builtin_keys)} of the {c.documented_keys} documented keys of "
            "Warp's registry",
            f"- distinct value types: {len(c.value_types)} of {c.possible_value_types} ({', '.join(c.value_types)})",
            f"- {_duplicate_line(c.planning)}",
            f"- constructs (kernels using each): {constructs}",
            "",
            "<details><summary>Builtin keys used</summary>",
            "",
            ", ".join(f"`{k}`" for k in c.builtin_keys),
            "",
            "</details>",
        ]
    )
