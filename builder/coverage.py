"""Coverage of a release: which Warp builtins, value types and constructs its kernels use.

Computed from a release's parquet files alone (plus the planning figures the card records),
so ``warp-ir-pairs stats DIR`` and the dataset card report the same numbers.
"""

from __future__ import annotations

import ast
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from generators import CATEGORIES
from generators.registry import documented_keys
from generators.spec import child_fields
from generators.types import universe

CONSTRUCTS = (
    "if",
    "elif",
    "else",
    "conditional expression",
    "for (constant range)",
    "for (dynamic range)",
    "while",
    "break",
    "continue",
    "early return",
    "augmented assignment",
    "atomic",
    "@wp.func helper",
    "@wp.func overload",
    "@wp.struct",
    "multi-dimensional launch",
    "tile",
    "spatial query",
    "random numbers",
)


def constructs(python_source: str) -> set[str]:
    """The control-flow and language constructs one kernel source uses (names from ``CONSTRUCTS``)."""
    return constructs_in(ast.parse(python_source))


def constructs_in(tree: ast.Module) -> set[str]:
    """``constructs`` of an already parsed source."""
    found: set[str] = set()
    functions = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    helpers = [n for n in tree.body if isinstance(n, ast.FunctionDef) and _decorator(n) == "func"]
    if helpers:
        found.add("@wp.func helper")
    if len(functions) != len(set(functions)):
        found.add("@wp.func overload")
    if any(isinstance(n, ast.ClassDef) for n in tree.body):
        found.add("@wp.struct")
    kernel = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and _decorator(n) == "kernel")
    # One pass over the module, a top-level statement at a time: a ``return`` anywhere in the
    # kernel is early, in a helper only when it is not in the helper's last statement.
    early_return = False
    for statement in tree.body:
        if statement is kernel:
            early_return |= _scan([statement], found)
        elif any(statement is helper for helper in helpers):
            early_return |= _scan(statement.body[:-1], found)
            _scan([*statement.body[-1:], statement.args, *statement.decorator_list, statement.returns], found)
        else:
            _scan([statement], found)
    if early_return:
        found.add("early return")
    return found


def _scan(roots: list[Any], found: set[str]) -> bool:
    """Add the constructs used in the subtrees ``roots`` to ``found``; whether they hold a ``return``."""
    has_return = False
    stack = list(roots)
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is ast.If:
            found.add("if")
            if node.orelse:
                found.add("elif" if len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If) else "else")
        elif kind is ast.IfExp:
            found.add("conditional expression")
        elif kind is ast.For:
            constant = all(isinstance(a, ast.Constant) for a in getattr(node.iter, "args", ()))
            found.add("for (constant range)" if constant else "for (dynamic range)")
        elif kind is ast.While:
            found.add("while")
        elif kind is ast.Break:
            found.add("break")
        elif kind is ast.Continue:
            found.add("continue")
        elif kind is ast.AugAssign:
            found.add("augmented assignment")
        elif kind is ast.Return:
            has_return = True
        elif kind is ast.Assign:
            if isinstance(node.targets[0], ast.Tuple) and _calls(node.value, "tid"):
                found.add("multi-dimensional launch")
        elif kind is ast.Call and isinstance(node.func, ast.Attribute):
            name = node.func.attr
            if name.startswith("atomic_"):
                found.add("atomic")
            elif name.startswith("tile"):
                found.add("tile")
            elif name.startswith(("mesh_query", "bvh_query", "hash_grid_query", "volume_sample", "volume_lookup")):
                found.add("spatial query")
            elif name.startswith("rand"):
                found.add("random numbers")
        for field in child_fields(kind):
            value = getattr(node, field)
            if type(value) is list:
                stack.extend(value)
            elif value is not None:
                stack.append(value)
    return has_return


def _decorator(node: ast.FunctionDef) -> str:
    """``kernel`` for ``@wp.kernel``, ``@wp.kernel(...)`` and ``@kernel`` (real code spells it all three ways)."""
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute):
            return target.attr
        if isinstance(target, ast.Name):
            return target.id
    return ""


def _calls(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == name


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


# The config whose files describe a release, in order of preference: paired has every column.
TABLE_CONFIGS = ("paired", "cpu", "cuda")


def release_table_files(release: Path) -> list[Path]:
    """The parquet files of one config of a release (``paired`` when present: it has every kernel)."""
    for config in TABLE_CONFIGS:
        files = sorted((release / config).glob("*.parquet"))
        if files:
            return files
    raise FileNotFoundError(f"{release}: no parquet files under paired/, cpu/ or cuda/")


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
        from builder.rows import ROW_CATEGORIES  # not at the top: builder.rows imports this module through builder.plan

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
            per_category={c: self.categories[c] for c in [*CATEGORIES, *sorted(set(self.categories) - set(CATEGORIES))] if self.categories[c]},
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
        f"python source lines per kernel: mean {c.lines_mean:.1f}, p50 {c.lines_p50:g}, p95 {c.lines_p95}, max {c.lines_max}",
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
            f"- Python source lines per kernel (non-blank): mean {c.lines_mean:.1f}, median {c.lines_p50:g}, p95 {c.lines_p95}, max {c.lines_max}",
            f"- distinct Warp builtin keys used: {len(c.builtin_keys)} of the {c.documented_keys} documented keys of Warp's registry",
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
