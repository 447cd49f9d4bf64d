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
from typing import Any

import pyarrow.parquet as pq

from generators import CATEGORIES
from generators.registry import documented_keys
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
    tree = ast.parse(python_source)
    found: set[str] = set()
    functions = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    helpers = [n for n in tree.body if isinstance(n, ast.FunctionDef) and _decorator(n) == "func"]
    if helpers:
        found.add("@wp.func helper")
    if len(functions) != len(set(functions)):
        found.add("@wp.func overload")
    if any(isinstance(n, ast.ClassDef) for n in tree.body):
        found.add("@wp.struct")
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            found.add("if")
            if node.orelse:
                found.add("elif" if len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If) else "else")
        elif isinstance(node, ast.IfExp):
            found.add("conditional expression")
        elif isinstance(node, ast.For):
            constant = all(isinstance(a, ast.Constant) for a in getattr(node.iter, "args", ()))
            found.add("for (constant range)" if constant else "for (dynamic range)")
        elif isinstance(node, ast.While):
            found.add("while")
        elif isinstance(node, ast.Break):
            found.add("break")
        elif isinstance(node, ast.Continue):
            found.add("continue")
        elif isinstance(node, ast.AugAssign):
            found.add("augmented assignment")
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Tuple) and _calls(node.value, "tid"):
            found.add("multi-dimensional launch")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name = node.func.attr
            if name.startswith("atomic_"):
                found.add("atomic")
            elif name.startswith("tile"):
                found.add("tile")
            elif name.startswith(("mesh_query", "bvh_query", "hash_grid_query", "volume_sample", "volume_lookup")):
                found.add("spatial query")
            elif name.startswith("rand"):
                found.add("random numbers")
    kernel = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and _decorator(n) == "kernel")
    if any(isinstance(n, ast.Return) for n in ast.walk(kernel)) or any(_early_return(h) for h in helpers):
        found.add("early return")
    return found


def _decorator(node: ast.FunctionDef) -> str:
    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Attribute):
            return decorator.attr
    return ""


def _calls(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == name


def _early_return(function: ast.FunctionDef) -> bool:
    """A ``return`` anywhere but as the function's last statement."""
    return any(isinstance(n, ast.Return) for statement in function.body[:-1] for n in ast.walk(statement))


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


def release_table_files(release: Path) -> list[Path]:
    """The parquet files of one config of a release (``paired`` when present: it has every kernel)."""
    for config in ("paired", "cpu", "cuda"):
        files = sorted((release / config).glob("*.parquet"))
        if files:
            return files
    raise FileNotFoundError(f"{release}: no parquet files under paired/, cpu/ or cuda/")


def measure(files: list[Path], planning: dict[str, Any]) -> Coverage:
    """Coverage of the rows in ``files``."""
    categories: Counter = Counter()
    keys: set[str] = set()
    types: set[str] = set()
    used: Counter = Counter()
    lines: list[int] = []
    for path in files:
        data = pq.read_table(path, columns=["category", "python_source", "metadata"]).to_pydict()
        for category, source, metadata in zip(data["category"], data["python_source"], data["metadata"]):
            categories[CATEGORIES[category] if isinstance(category, int) else category] += 1
            keys.update(metadata["builtins"])
            types.update(metadata["value_types"])
            lines.append(metadata["source_lines"])
            used.update(constructs(source))
    if not lines:
        raise ValueError("the release has no rows")
    documented = documented_keys()
    ordered = sorted(lines)
    return Coverage(
        rows=len(lines),
        per_category={c: categories[c] for c in CATEGORIES if categories[c]},
        builtin_keys=tuple(sorted(keys & documented)),
        documented_keys=len(documented),
        value_types=tuple(sorted(types)),
        possible_value_types=len(universe()),
        constructs={c: used[c] for c in CONSTRUCTS},
        lines_mean=statistics.fmean(lines),
        lines_p50=statistics.median(lines),
        lines_p95=ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))],
        lines_max=ordered[-1],
        planning=dict(planning),
    )


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
