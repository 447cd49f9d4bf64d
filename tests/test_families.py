"""Family-aware splits: families whole, per-category counts exact when families are small, pins held."""

import random
from collections import Counter

import pytest

from builder.plan.families import families_across_splits, family_splits, split_deviation
from builder.plan.splits import split_counts

RATIOS = (0.7, 0.15, 0.15)


def _items(families: int, seed: int = 1) -> list[tuple[str, str, str]]:
    """Families of 1-6 kernels over three categories, plus as many single-kernel families."""
    rng = random.Random(seed)
    items = []
    for f in range(families):
        for k in range(rng.randint(1, 6)):
            items.append((f"m{f}-{k}", rng.choice("abc"), f"pkg:file{f}.py"))
    items += [(f"s{n}", "abc"[n % 3], f"s{n}") for n in range(families * 3)]
    return items


def test_singletons_give_exact_stratified_counts():
    items = [(f"k{n}", "abc"[n % 3], f"k{n}") for n in range(301)]
    assignment = family_splits(items, RATIOS)
    per = Counter((c, assignment[k]) for k, c, _ in items)
    for category in "abc":
        total = sum(1 for _, c, _ in items if c == category)
        assert tuple(per[(category, s)] for s in ("train", "validation", "test")) == split_counts(total, RATIOS)
    assert split_deviation(assignment, items, RATIOS) == 0


def test_families_stay_whole_and_counts_stay_exact():
    items = _items(200)
    assignment = family_splits(items, RATIOS, seed=3)
    assert families_across_splits(assignment, items) == []
    assert len(assignment) == len(items)
    assert split_deviation(assignment, items, RATIOS) == 0


def test_pinned_family_sits_in_its_split_and_others_compensate():
    items = _items(100)
    pinned = {f"pkg:file{f}.py": "test" for f in range(0, 100, 4)}
    assignment = family_splits(items, RATIOS, pinned=pinned)
    assert families_across_splits(assignment, items) == []
    pinned_ids = [k for k, _, f in items if f in pinned]
    assert pinned_ids and all(assignment[k] == "test" for k in pinned_ids)
    assert split_deviation(assignment, items, RATIOS) == 0


def test_deterministic_and_seeded():
    items = _items(80)
    assert family_splits(items, RATIOS, seed=5) == family_splits(list(items), RATIOS, seed=5)
    assert family_splits(items, RATIOS, seed=5) != family_splits(items, RATIOS, seed=6)


def test_one_family_too_big_for_a_split_is_kept_whole():
    items = [(f"big{n}", "a", "big") for n in range(50)] + [(f"k{n}", "a", f"k{n}") for n in range(50)]
    assignment = family_splits(items, RATIOS)
    assert {assignment[f"big{n}"] for n in range(50)} == {"train"}
    assert Counter(assignment.values()) == Counter({"train": 70, "validation": 15, "test": 15})


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="appears twice"):
        family_splits([("a", "x", "f"), ("a", "x", "g")], RATIOS)
    with pytest.raises(ValueError, match="pinned splits"):
        family_splits([("a", "x", "f")], RATIOS, pinned={"f": "holdout"})
    with pytest.raises(ValueError, match="sum to"):
        family_splits([("a", "x", "f")], (0.5, 0.1, 0.1))
