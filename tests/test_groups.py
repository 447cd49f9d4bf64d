"""Groups of motif kernels that share a split: links by live core and by near-duplicate, whole groups per split."""

from test_quality import LIVE, NOISY

import generators
from builder.plan.groups import Groups
from builder.plan.liveness import live_keys
from builder.plan.near_duplicates import NearDuplicateIndex, cross_split_near_duplicates, signature
from builder.plan.planner import make_plan
from builder.plan.quality_report import live_core_in_train


def test_matches_lists_every_near_duplicate_and_nothing_else():
    index = NearDuplicateIndex()
    index.add(signature(LIVE))
    index.add(signature(NOISY))
    index.add(signature(LIVE.replace("scatter", "spread")))
    assert index.matches(signature(LIVE.replace("0.0", "1.0"))) == [0, 2]
    assert index.matches(signature(NOISY)) == [1]


def test_links_join_groups_transitively():
    groups = Groups()
    core, _ = live_keys(LIVE)
    other_core, _ = live_keys(NOISY)
    a = groups.add(core, signature(NOISY))  # the core of one, the tokens of the other
    b = groups.add("unrelated", signature(LIVE))
    c = groups.add(core, signature(LIVE.replace("out", "dst")))  # same core as a, near b
    d = groups.add(other_core + "x", signature(NOISY + "\n# a comment\n"))  # near a only
    e = groups.add("alone", signature("x = 1\n" * 3))
    assert groups.root(a) == groups.root(c) == groups.root(d) == 0
    assert groups.root(b) == groups.root(c)
    assert groups.root(e) == e == 4
    assert groups.sizes() == [4, 1]


def test_a_motif_plan_keeps_every_live_core_and_near_duplicate_in_one_split():
    plan = make_plan(11, 450, generator="motif")
    counts = plan.counts()
    for category in plan.categories:
        got = [counts[s].get(category, 0) for s in ("train", "validation", "test")]
        assert sum(got) == 30 and abs(got[0] - 21) <= 2 and abs(got[1] - 4.5) <= 2, (category, got)
    sources = [
        (s, generators.synthesize(11, k.index, "motif").python_source) for s, ks in plan.splits.items() for k in ks
    ]
    assert live_core_in_train(sources) == {
        "kernel": {"validation": 0.0, "test": 0.0},
        "kernel_and_helpers": {"validation": 0.0, "test": 0.0},
    }
    assert cross_split_near_duplicates(sources) == {"validation": 0.0, "test": 0.0}
    assert make_plan(11, 450, generator="motif", num_proc=2).splits == plan.splits


def test_analyze_parses_once_and_agrees_with_the_separate_passes():
    import ast

    import generators
    from builder.plan.candidates import analyze
    from builder.plan.liveness import live_structure
    from builder.plan.structure import structure_of

    for index in range(60):
        source = generators.synthesize(2, index, "motif").python_source
        analysis = analyze(source, "motif")
        assert analysis.structural_hash == live_structure(source)
        assert analysis.live_core == live_keys(source)[0]
        assert analysis.complexity == structure_of(ast.parse(source), source)[1]
