from collections import Counter

import pytest

import generators
from builder.plan.planner import PlanError, kernel_id, make_plan
from builder.plan.shards import shard
from builder.plan.splits import split_counts
from generators import CATEGORIES, KernelSpec


def test_plan_counts_are_exact_per_category_and_split():
    plan = make_plan(seed=2, num_examples=1003)
    base, extra = divmod(1003, len(CATEGORIES))  # 43 each, the remainder (14) to the first ones
    targets = {c: base + (i < extra) for i, c in enumerate(CATEGORIES)}
    counts = plan.counts()
    for category, target in targets.items():
        expected = dict(zip(("train", "validation", "test"), split_counts(target, (0.7, 0.15, 0.15)), strict=False))
        assert {s: counts[s][category] for s in plan.splits} == expected
    assert sum(len(k) for k in plan.splits.values()) == 1003


def test_plan_rows_are_unique_sorted_and_reproducible():
    plan = make_plan(seed=9, num_examples=400, split_ratios=(0.5, 0.25, 0.25))
    kernels = [k for split in plan.splits.values() for k in split]
    assert len({k.structural_hash for k in kernels}) == len(kernels) == 400
    assert len({k.index for k in kernels}) == 400
    for split in plan.splits.values():
        assert [k.index for k in split] == sorted(k.index for k in split)
    again = make_plan(seed=9, num_examples=400, split_ratios=(0.5, 0.25, 0.25))
    assert {s: [k.id for k in ks] for s, ks in again.splits.items()} == {
        s: [k.id for k in ks] for s, ks in plan.splits.items()
    }


def test_category_subset_keeps_each_kernels_identity():
    full = make_plan(seed=4, num_examples=100)
    subset = make_plan(seed=4, num_examples=20, categories=["vector", "atomic"])
    assert subset.categories == ("vector", "atomic")
    sub_ids = {k.id: k.spec for ks in subset.splits.values() for k in ks}
    full_ids = {k.id: k.spec for ks in full.splits.values() for k in ks}
    assert {generators.category_of(int(i.split("-")[1])) for i in sub_ids} == {"vector", "atomic"}
    shared = set(sub_ids) & set(full_ids)
    assert shared and all(sub_ids[i] == full_ids[i] for i in shared)


def test_zero_ratio_splits_are_left_out():
    plan = make_plan(seed=0, num_examples=30, split_ratios=(1.0, 0.0, 0.0))
    assert list(plan.splits) == ["train"] and len(plan.splits["train"]) == 30


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"num_examples": 0}, "num_examples 0: must be an integer >= 1"),
        ({"num_examples": -5}, "num_examples -5"),
        ({"num_examples": 10, "categories": ["vector", "tensor"]}, "unknown category 'tensor'; allowed: arithmetic"),
        ({"num_examples": 10, "categories": []}, "no categories given"),
        ({"num_examples": 10, "split_ratios": (0.7, 0.2, 0.2)}, "sum to 1.1"),
        ({"num_examples": 10, "seed": -1}, "seed -1"),
    ],
)
def test_bad_plan_arguments_name_the_value(kwargs, message):
    with pytest.raises(PlanError, match=message):
        make_plan(**{"seed": 0, **kwargs})


def test_a_category_that_runs_dry_stops_the_plan_naming_it(monkeypatch):
    constant = KernelSpec(
        "same", "vector", "always the same", "@wp.kernel\ndef same(a: wp.array(dtype=float)):\n    tid = wp.tid()\n"
    )
    monkeypatch.setitem(generators.SYNTHESIZERS, "vector", lambda rng: constant)
    with pytest.raises(PlanError, match=r"category 'vector' reached 1 of 5 structurally distinct kernels in 300 draws"):
        make_plan(seed=0, num_examples=5, categories=["vector"])


def test_a_category_whose_synthesis_always_fails_stops_the_plan(monkeypatch):
    def broken(rng):
        raise ValueError("no kernel today")

    monkeypatch.setitem(generators.SYNTHESIZERS, "vector", broken)
    for num_proc in (1, 2):
        with pytest.raises(
            PlanError, match=r"category 'vector' reached 0 of 5 structurally distinct kernels in 300 draws"
        ):
            make_plan(seed=0, num_examples=5, categories=["vector"], num_proc=num_proc)


def test_synthesis_failures_are_counted_and_replaced(monkeypatch):
    real = generators.SYNTHESIZERS["math"]
    calls = Counter()

    def flaky(rng):
        calls["n"] += 1
        if calls["n"] % 3 == 0:
            raise ZeroDivisionError("synthetic bug")
        return real(rng)

    monkeypatch.setitem(generators.SYNTHESIZERS, "math", flaky)
    plan = make_plan(seed=0, num_examples=20, categories=["math"])
    assert sum(len(k) for k in plan.splits.values()) == 20
    assert plan.failures == Counter({"synthesis ZeroDivisionError": calls["n"] // 3})
    assert plan.draws == calls["n"]


def test_shards_are_contiguous_and_cover_everything():
    assert shard(list(range(10)), 3) == [(0, 1, 2, 3), (4, 5, 6), (7, 8, 9)]
    assert shard([1, 2], 16) == [(1,), (2,)]
    assert kernel_id(3, 42) == "s3-000000042"


def test_planning_in_two_processes_gives_the_same_plan(monkeypatch):
    for kwargs in (
        {"seed": 3, "num_examples": 700},
        {"seed": 1, "num_examples": 90, "categories": ["tile", "vector", "scan"]},
    ):
        assert make_plan(**kwargs, num_proc=2) == make_plan(**kwargs)
    real = generators.SYNTHESIZERS["math"]

    def flaky(rng):  # fails for a fixed set of indices: the kernel's own RNG decides
        if rng.random() < 0.3:
            raise ZeroDivisionError("synthetic bug")
        return real(rng)

    monkeypatch.setitem(generators.SYNTHESIZERS, "math", flaky)  # the pool's forked processes see it too
    serial, parallel = (
        make_plan(seed=0, num_examples=40, categories=["math"]),
        make_plan(seed=0, num_examples=40, categories=["math"], num_proc=2),
    )
    assert parallel == serial
    assert (
        serial.failures["synthesis ZeroDivisionError"] > 5
        and serial.draws == 40 + serial.duplicates + serial.failures["synthesis ZeroDivisionError"]
    )
