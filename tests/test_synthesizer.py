"""The typed synthesizer: registry-derived signatures, safety rules, swarm configurations, coverage."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import read_split
from warp._src.context import builtin_functions

from builder.cli import main
from builder.plan.constructs import constructs
from builder.plan.difficulty import difficulty, difficulty_bounds
from builder.plan.structure import structure
from builder.release.layout import table_files as release_table_files
from builder.release.stats import measure
from generators import CATEGORIES, kernel_rng, synthesize
from generators.registry import HAND_WRITTEN, documented_keys, signatures
from generators.swarm import draw
from generators.types import universe

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = [synthesize(13, i) for i in range(len(CATEGORIES) * 40)]


def test_signatures_come_from_warps_registry():
    found = signatures()
    keys = {s.key for s in found}
    assert len(found) > 1500 and len(keys) > 100
    for signature in found[::50]:
        overloads = builtin_functions[signature.key].overloads
        assert any(tuple(o.input_types) == signature.names for o in overloads), signature
    # Keys nobody wrote a table for are there because the registry has them.
    assert {"erf", "erfcinv", "quat_slerp", "spatial_cross", "bit_count", "skew"} <= keys
    assert not keys & HAND_WRITTEN
    assert len(documented_keys()) > 300


def test_value_types_cover_every_width_and_kind():
    names = {t.name for t in universe()}
    assert {"float16", "float64", "int8", "uint8", "int64", "uint64", "bool"} <= names
    assert {"vec2b", "vec4ul", "mat33d", "quath", "transformd", "spatial_vectorh", "spatial_matrixf"} <= names
    assert len(names) == 66


def _positive_literal(node: ast.AST) -> bool:
    """A positive number, or a type constructor / vector of positive numbers."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (int, float)) and not isinstance(node.value, bool) and node.value > 0
    if isinstance(node, ast.Call) and node.args and not node.keywords:
        return all(_positive_literal(a) for a in node.args)
    return False


def _nonzero_denominator(node: ast.AST) -> bool:
    if _positive_literal(node):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):  # wp.abs(x) + 1.0
        return (
            isinstance(node.left, ast.Call)
            and ast.unparse(node.left.func) == "wp.abs"
            and _positive_literal(node.right)
        )
    # ``x % a.shape[0]``: arrays passed to a kernel are not empty.
    return isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "shape"


def test_divisors_and_shift_amounts_are_safe_by_construction():
    checked = 0
    for spec in SAMPLE:
        for node in ast.walk(ast.parse(spec.python_source)):
            if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Div, ast.FloorDiv, ast.Mod)):
                assert _nonzero_denominator(node.right), f"{spec.kernel_name}: {ast.unparse(node)}"
                checked += 1
            if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.LShift, ast.RShift)):
                amount = node.right.args[0] if isinstance(node.right, ast.Call) else node.right
                assert isinstance(amount, ast.Constant) and 1 <= amount.value <= 7, ast.unparse(node)
                checked += 1
    assert checked > 500


def test_swarms_differ_per_kernel_and_repeat_per_seed():
    swarms = [draw(kernel_rng(0, i)) for i in range(50)]
    assert len({(s.types, s.kinds, s.budget) for s in swarms}) >= 45
    assert swarms == [draw(kernel_rng(0, i)) for i in range(50)]


def test_every_statement_kind_and_construct_appears():
    seen = set().union(*(constructs(s.python_source) for s in SAMPLE))
    assert seen >= {
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
    }


def test_sample_uses_many_builtins_and_value_types():
    keys = set().union(*(s.builtins for s in SAMPLE)) & documented_keys()
    types = set().union(*(s.value_types for s in SAMPLE))
    assert len(keys) >= 150, len(keys)
    assert len(types) >= 60, len(types)


def test_difficulty_is_the_complexity_tercile():
    assert difficulty_bounds(list(range(1, 10))) == (3, 6)
    assert [difficulty(c, (3, 6)) for c in (1, 3, 4, 6, 7)] == ["easy", "easy", "medium", "medium", "hard"]


def test_rows_carry_complexity_difficulty_and_value_types(release):
    table = read_split(release, "paired", "train").to_pylist()
    for row in table:
        assert row["complexity"] == structure(row["python_source"])[1]
        assert row["metadata"]["value_types"]
    by_category = {}
    for row in table:
        by_category.setdefault(row["category"], []).append(row["difficulty"])
    for labels in by_category.values():
        assert set(labels) <= {0, 1, 2}
        assert len(set(labels)) >= 2  # terciles of 20 kernels, 14 of them in train


def test_stats_reports_coverage_of_a_release(release, capsys):
    assert main(["stats", str(release)]) == 0
    out = capsys.readouterr().out
    coverage = measure(release_table_files(release), {})
    assert f"rows: {coverage.rows}" in out and coverage.rows == 460
    assert f"distinct Warp builtin keys used: {len(coverage.builtin_keys)} of {len(documented_keys())}" in out
    assert len(coverage.builtin_keys) >= 120 and len(coverage.value_types) >= 55
    assert "raw structural-duplicate rate before dedup: " in out
    assert "  tile: 20" in out
    assert 10 <= coverage.lines_mean and coverage.lines_max <= 100


def test_card_shows_the_coverage_figures(release):
    text = (release / "README.md").read_text()
    coverage = measure(release_table_files(release), {})
    assert f"distinct Warp builtin keys used: {len(coverage.builtin_keys)} of the" in text
    assert f"distinct value types: {len(coverage.value_types)} of 66" in text
    assert "raw structural-duplicate rate before dedup:" in text and "| geometry_query | 14 | 3 | 3 | 20 |" in text


def test_stats_on_a_folder_that_is_not_a_release_fails(tmp_path, capsys):
    assert main(["stats", str(tmp_path)]) == 1
    assert "not a release" in capsys.readouterr().err


@pytest.mark.parametrize("seed", [5])
def test_a_sample_runs_on_the_cpu_under_warps_debug_checks(seed):
    """Two kernels per category, compiled with bounds checks and launched on seeded inputs."""
    result = subprocess.run(
        [sys.executable, "-m", "builder.verify.launch", "--seed", str(seed), "--count", str(2 * len(CATEGORIES))],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert f"launched {2 * len(CATEGORIES)} of {2 * len(CATEGORIES)} kernels without a crash" in result.stdout
