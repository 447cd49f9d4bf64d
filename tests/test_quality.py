"""The liveness and realism measures, the description checker and the near-duplicate index on hand-written kernels."""

from builder.plan.descriptions import description_problems, label_true
from builder.plan.liveness import live_structure
from builder.plan.near_duplicates import NearDuplicateIndex, signature, similarity
from builder.plan.quality import kernel_quality

NOISY = """@wp.kernel
def noisy(a: wp.array(dtype=float), out: wp.array(dtype=float)):
    tid = wp.tid()
    unused = a[tid] * 2.0
    h = wp.sin(1.0)
    if float(-1.0) != (-1.5):
        out[tid] = h - h
"""
LIVE = '''@wp.func
def weight(x: float):
    return wp.max(x, 0.0)


@wp.kernel
def scatter(idx: wp.array(dtype=wp.int32), a: wp.array(dtype=float), out: wp.array(dtype=float), n: int):
    """Scatter weighted values."""
    tid = wp.tid()
    if tid >= n:
        return
    i = idx[tid]
    wp.atomic_add(out, i, weight(a[tid]))
'''


def test_defects_of_a_noisy_kernel_are_found():
    q = kernel_quality(NOISY)
    assert q.dead == 1 and q.litcond and q.trivial and q.litcall and q.const_out
    assert set(q.defects) == {"dead", "litcond", "trivial", "litcall", "const_out"}
    assert not q.gather and not q.helper and q.arrays == 2


def test_a_live_scatter_kernel_has_no_defect_and_its_features():
    q = kernel_quality(LIVE)
    assert q.defects == () and q.dead == 0
    assert q.gather and q.nontid_write and q.helper and q.bounds_guard and q.early_return and q.docstring
    assert q.arrays == 3 and {"tid", "atomic_add"} <= q.wp_calls


def test_description_checker_confirms_names_and_operations():
    assert description_problems(LIVE, "Adds `a` into `out` at `idx` with atomics.") == []
    problems = description_problems(LIVE, "Sums `b` over a hash-grid into `out`.")
    assert "`b` is not a parameter" in problems and any("hash-grid" in p for p in problems)
    assert label_true(LIVE, "reduction_histogram") and not label_true(LIVE, "neighbor_sum")


def test_live_structure_ignores_names_literals_docstrings_and_dead_code():
    renamed = (
        LIVE.replace("scatter", "spread")
        .replace("out", "dst")
        .replace("0.0", "1.0")
        .replace('    """Scatter weighted values."""\n', "")
    )
    assert live_structure(renamed) == live_structure(LIVE)
    padded = LIVE.replace("    i = idx[tid]\n", "    i = idx[tid]\n    junk = i * 3\n")
    assert live_structure(padded) == live_structure(LIVE)
    assert live_structure(LIVE.replace("wp.atomic_add", "wp.atomic_max")) != live_structure(LIVE)


def test_near_duplicates_are_found_and_distinct_kernels_are_not():
    index = NearDuplicateIndex()
    index.add(signature(LIVE))
    assert index.match(signature(LIVE.replace("scatter", "spread").replace("0.0", "2.0"))) == 0
    assert index.match(signature(NOISY)) is None
    assert similarity(signature(LIVE), signature(NOISY)) < 0.5


def test_same_agrees_with_comparing_dumps_on_every_pair_of_expressions():
    import ast

    from builder.plan.quality import _same

    nodes = [n for source in (NOISY, LIVE) for n in ast.walk(ast.parse(source)) if isinstance(n, ast.expr)]
    pairs = [(a, b) for a in nodes for b in nodes]
    assert all(_same(a, b) == (ast.dump(a) == ast.dump(b)) for a, b in pairs)
    assert sum(_same(a, b) for a, b in pairs) > len(nodes)  # equal subtrees other than a node with itself (h - h)


NESTED = '''
class A:
    def f(self):
        def g():
            pass
try:
    def h(): pass
except ValueError:
    class B: pass
else:
    def i(): pass
finally:
    def j(): pass
match x:
    case 1:
        def k(): pass
with ctx:
    if c:
        def m(): pass
    else:
        while d:
            def n(): pass
for e in f:
    pass
else:
    def o(): pass
@wp.kernel
def kern():
    def inner(): pass
'''


def test_definitions_are_the_walks_definitions_in_its_order():
    import ast
    from pathlib import Path

    import warp

    from builder.plan.kernel_ast import _DEFS, definitions, walk

    trees = [ast.parse(NESTED)]
    trees += [ast.parse(p.read_text(encoding="utf-8")) for p in sorted(Path(warp.__file__).parent.rglob("*.py"))[:150]]
    for tree in trees:
        assert definitions(tree) == [n for n in walk(tree) if isinstance(n, _DEFS)]
    names = [d.name for d in definitions(trees[0])]
    assert names == ["A", "kern", "f", "h", "i", "j", "o", "inner", "g", "B", "k", "m", "n"]  # by depth, as walk
    assert sum(len(definitions(t)) for t in trees) > 1000  # Warp's files: many definitions, nested ones too
