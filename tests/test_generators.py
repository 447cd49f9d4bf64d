import ast
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from warp._src.context import builtin_functions

import generators
from builder.codegen.ir import extract
from builder.plan.planner import make_plan
from builder.plan.structure import structural_hash
from generators import CATEGORIES, category_of, synthesize
from generators.draft import MAX_LINES, line_count
from generators.spec import used_builtins
from generators.types import universe

ROOT = Path(__file__).resolve().parents[1]
THE_OLD_TEN = (
    "arithmetic",
    "vector",
    "matrix",
    "control_flow",
    "math",
    "atomic",
    "nested_loop",
    "multi_conditional",
    "combined",
    "scalar_param",
)
NEW = (
    "reduction",
    "stencil",
    "scan",
    "struct",
    "helper_function",
    "random",
    "quaternion_transform",
    "spatial",
    "integer_bitwise",
    "multi_dim",
    "while_break",
    "geometry_query",
    "tile",
)


def test_registry_holds_the_old_ten_then_the_new_categories_in_a_fixed_order():
    assert CATEGORIES == THE_OLD_TEN + NEW
    assert [category_of(i) for i in range(25)] == [*CATEGORIES, CATEGORIES[0], CATEGORIES[1]]


@pytest.mark.parametrize("category", CATEGORIES)
def test_each_category_yields_well_formed_specs(category):
    position = CATEGORIES.index(category)
    for draw in range(40):
        spec = synthesize(7, position + draw * len(CATEGORIES))
        assert spec.category == category
        tree = ast.parse(spec.python_source)
        kernels = [
            n for n in tree.body if isinstance(n, ast.FunctionDef) and ast.unparse(n.decorator_list[0]) == "wp.kernel"
        ]
        assert [k.name for k in kernels] == [spec.kernel_name]
        assert "import" not in spec.python_source
        assert spec.description and "\n" not in spec.description
        assert spec.builtins == used_builtins(spec.python_source)
        assert list(spec.builtins) == sorted(set(spec.builtins))
        assert set(spec.builtins) <= set(builtin_functions), set(spec.builtins) - set(builtin_functions)
        assert "tid" in spec.builtins
        assert spec.value_types and set(spec.value_types) <= {t.name for t in universe()}
        assert line_count(spec.python_source) <= MAX_LINES


@pytest.mark.parametrize("category", CATEGORIES)
def test_each_category_is_structurally_diverse(category):
    """Not one template with new names: 100 draws give (almost) 100 distinct structures."""
    position = CATEGORIES.index(category)
    hashes = {structural_hash(synthesize(0, position + d * len(CATEGORIES)).python_source) for d in range(100)}
    assert len(hashes) >= 95


def test_a_2300_kernel_plan_has_100_distinct_structures_per_category_and_few_duplicates():
    plan = make_plan(seed=0, num_examples=2300)
    per_category = {c: set() for c in CATEGORIES}
    for kernels in plan.splits.values():
        for k in kernels:
            per_category[k.spec.category].add(k.structural_hash)
    assert {c: len(h) for c, h in per_category.items()} == {c: 100 for c in CATEGORIES}
    assert plan.duplicate_rate < 0.01, plan.duplicates


def test_synthesis_is_deterministic_and_leaves_global_random_state_alone():
    random.seed(12345)
    state = random.getstate()
    first = [synthesize(3, i) for i in range(30)]
    assert random.getstate() == state
    assert first == [synthesize(3, i) for i in range(30)]
    assert random.getstate() == state
    assert first != [synthesize(4, i) for i in range(30)]


def test_synthesis_is_the_same_in_another_process_with_another_hash_seed():
    code = (
        "import generators, sys; "
        "sys.stdout.write(''.join(generators.synthesize(5, i).python_source for i in range(46)))"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert outputs == {"".join(synthesize(5, i).python_source for i in range(46))}


@pytest.mark.parametrize("category", CATEGORIES)
def test_every_category_generates_code_on_both_backends(category):
    position = CATEGORIES.index(category)
    for draw in range(12):
        spec = synthesize(11, position + draw * len(CATEGORIES))
        ir = extract(spec)
        assert set(ir) == {"cpu", "cuda"}
        assert f"{spec.kernel_name}_cpu_kernel_forward(" in ir["cpu"].forward
        assert f"{spec.kernel_name}_cuda_kernel_backward(" in ir["cuda"].backward


def test_generator_version_is_recorded():
    assert generators.GENERATOR_VERSION.count(".") == 2
