"""Mutants of real kernels: corpus reading, each kind of edit, liveness, checked and deterministic chains."""

import random

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from generators.mutate import dtypes, guards, helpers, values
from generators.mutate.check import check_spec
from generators.mutate.corpus import CorpusError, merge_corpora, read_corpus
from generators.mutate.edit import EditContext
from generators.mutate.liveness import dead_statements
from generators.mutate.mutant import MutantSource
from generators.mutate.names import rename_identifier
from generators.mutate.tree import parse_module
from generators.mutate.vocab import mine_vocabulary
from generators.spec import KernelSpec

SCALE = """@wp.func
def damp(v: wp.vec3, k: float):
    s = 1.0 - k
    return v * s


@wp.kernel
def integrate(x: wp.array(dtype=wp.vec3), v: wp.array(dtype=wp.vec3), out: wp.array(dtype=float), dt: float):
    tid = wp.tid()
    vel = damp(v[tid], 0.1)
    x[tid] = x[tid] + vel * dt
    out[tid] = wp.length(vel)
"""
SUM = """@wp.kernel
def row_sum(a: wp.array2d(dtype=float), total: wp.array(dtype=float), n: int):
    i = wp.tid()
    if i >= n:
        return
    s = float(0.0)
    for j in range(8):
        s += wp.min(a[i, j], 2.0)
    wp.atomic_add(total, 0, s)
"""
COUNT = """@wp.kernel
def count_positive(values: wp.array(dtype=wp.int32), counts: wp.array(dtype=wp.int32), flags: wp.array(dtype=wp.int32)):
    i = wp.tid()
    v = values[i]
    if v > 0:
        wp.atomic_add(counts, 0, 1)
    flags[i] = v * 2
"""
KERNELS = {"integrate": SCALE, "row_sum": SUM, "count_positive": COUNT}


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    (folder / "paired").mkdir()
    names = ["integrate", "row_sum", "count_positive", "row_sum"]  # a repeated source is kept once
    rows = {
        "id": [f"real-{n}" for n in (3, 1, 2, 0)],
        "kernel_name": names,
        "python_source": [KERNELS[n] for n in names],
        "metadata": [{"source_file": f"sim/{n}.py", "package": "demo", "package_version": "1.0"} for n in names],
    }
    pq.write_table(pa.table(rows), folder / "paired" / "test-00000-of-00001.parquet")
    return folder


def _ctx(source: str, name: str, seed: int = 0) -> EditContext:
    vocab = mine_vocabulary([(s, n) for n, s in KERNELS.items()])
    return EditContext(parse_module(source, name), random.Random(seed), vocab, (0.25, 0.5, 2.0))


def _generates(ctx: EditContext) -> bool:
    return check_spec(KernelSpec(ctx.module.kernel_name, "arithmetic", "", ctx.module.source())) == ""


def test_corpus_is_read_sorted_by_id_with_provenance(corpus_dir, tmp_path):
    parents = read_corpus(corpus_dir)
    assert [p.id for p in parents] == ["real-0", "real-2", "real-3"]
    assert parents[0].kernel_name == "row_sum" and parents[0].split == "test"
    assert (parents[0].package, parents[0].version, parents[0].family) == ("demo", "1.0", "demo:sim/row_sum.py")
    with pytest.raises(CorpusError, match="no parquet files"):
        read_corpus(tmp_path)


def test_vocabulary_has_names_by_role():
    vocab = mine_vocabulary([(s, n) for n, s in KERNELS.items()])
    assert vocab.names["array"] == ("a", "counts", "flags", "out", "total", "v", "values", "x")
    assert vocab.names["index"] == ("i", "tid") and vocab.names["func"] == ("damp",)


def test_rename_uses_a_free_name_of_the_same_role():
    ctx = _ctx(SUM, "row_sum", seed=4)
    done = rename_identifier(ctx)
    role, change = done.split()[1:]
    old, new = change.split("->")
    assert new in ctx.vocab.names[role] and new not in SUM.split() and _generates(ctx)


def test_precision_change_declares_literals_and_generates():
    ctx = _ctx(SUM, "row_sum", seed=1)
    assert dtypes.change_precision(ctx) == "dtype float32->float64"
    source = ctx.module.source()
    assert "wp.array2d(dtype=wp.float64)" in source and "s = wp.float64(0.0)" in source
    assert "wp.min(a[i, j], wp.float64(2.0))" in source and _generates(ctx)


def test_dimension_and_int_width_changes_generate():
    ctx = _ctx(SCALE, "integrate")
    assert dtypes.change_dimension(ctx) == "dtype vec3->vec2" and "wp.vec2" in ctx.module.source() and _generates(ctx)
    ctx = _ctx(COUNT, "count_positive")
    assert dtypes.change_int_width(ctx) == "dtype int32->int64" and _generates(ctx)
    assert "wp.atomic_add(counts, 0, wp.int64(1))" in ctx.module.source()


def test_swaps_constants_and_loops():
    ctx = _ctx(SUM, "row_sum", seed=2)
    assert values.swap_builtin(ctx) in (
        "swap min->max",
        "swap atomic_add->atomic_sub",
        "swap atomic_add->atomic_max",
        "swap atomic_add->atomic_min",
        "swap GtE->Gt",
    )
    assert values.change_loop(ctx).startswith("loop range(8)->range(") and _generates(ctx)
    assert values.change_constant(ctx).startswith("constant 2.0->") and _generates(ctx)


def test_guards_outputs_and_helpers():
    ctx = _ctx(SUM, "row_sum")
    assert guards.remove_guard(ctx) == "guard remove i >= n" and _generates(ctx)
    assert guards.add_guard(ctx) in ("guard add i >= n", "guard add i >= a.shape[0]") and _generates(ctx)
    ctx = _ctx(COUNT, "count_positive")
    assert guards.remove_output(ctx) in ("output remove counts", "output remove flags") and _generates(ctx)
    assert dead_statements(ctx.module.tree) == []
    ctx = _ctx(SCALE, "integrate")
    assert helpers.inline_helper(ctx) == "inline damp" and not ctx.module.funcs and _generates(ctx)
    ctx = _ctx(COUNT, "count_positive", seed=3)
    assert guards.add_output(ctx).endswith(" <- v") and _generates(ctx)
    ctx = _ctx(
        SUM.replace("s += wp.min", "s += wp.min").replace(
            "    s = float(0.0)", "    c = a[i, 0] * 2.0 + a[i, 1]\n    s = c"
        ),
        "row_sum",
    )
    assert helpers.outline_expression(ctx).startswith("outline ") and len(ctx.module.funcs) == 1 and _generates(ctx)


def test_liveness_finds_dead_stores_and_unreachable_statements():
    tree = parse_module(SUM.replace("    wp.atomic_add", "    t = s\n    return\n    wp.atomic_add"), "row_sum").tree
    assert dead_statements(tree) == ["11: unreachable after return", "9: dead store to t"]
    assert dead_statements(parse_module(SUM, "row_sum").tree) == []


def test_mutants_are_checked_deterministic_and_carry_provenance(corpus_dir):
    source = MutantSource.of(read_corpus(corpus_dir))
    again = MutantSource.of(read_corpus(corpus_dir), usable=source.parent_ids())
    assert again.parents == source.parents and not again.excluded
    mutants = [source.mutant(7, i) for i in range(12)]
    assert [m.spec for m in mutants] == [again.mutant(7, i).spec for i in range(12)]
    assert len({m.parent.id for m in mutants}) == 3
    for m in mutants:
        assert check_spec(m.spec) == "" and m.edits
        assert len(dead_statements(parse_module(m.spec.python_source, m.spec.kernel_name).tree)) == 0
        assert m.spec.description.startswith(f"Mutant of {m.parent.kernel_name} (demo 1.0, sim/")
    first = mutants[0].provenance()
    assert set(first) == {
        "family",
        "parent_id",
        "parent_package",
        "parent_version",
        "parent_file",
        "parent_kernel",
        "parent_split",
        "edits",
    }
    assert first["parent_split"] == "test" and first["edits"] == list(mutants[0].edits)
    assert sum(source.failures.values()) == sum(m.attempt for m in mutants)


def test_layout_splits_long_signatures_and_spaces_definitions():
    module = parse_module(
        SCALE.replace("dt: float", "dt: float, " + ", ".join(f"extra_{n}: float" for n in range(8))), "integrate"
    )
    text = module.source()
    assert "\n\n\n@wp.kernel\ndef integrate(\n    x: wp.array(dtype=wp.vec3),\n" in text
    assert "    extra_7: float,\n):\n    tid = wp.tid()" in text and max(len(line) for line in text.splitlines()) <= 120


def test_merged_corpora_keep_one_row_per_source(corpus_dir):
    parents = read_corpus(corpus_dir)
    assert merge_corpora(parents, parents[:1]) == parents
