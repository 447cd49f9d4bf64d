"""``builder.plan.recent_specs``: the plan's last specs, handed once to the rows made after it."""

from __future__ import annotations

import pytest

import generators
from builder.plan import recent_specs
from builder.plan.planner import make_plan


@pytest.fixture(autouse=True)
def empty():
    recent_specs.forget()
    yield
    recent_specs.forget()


def test_a_plan_made_in_this_process_keeps_the_specs_it_kept_and_they_equal_a_new_synthesis():
    plan = make_plan(3, 40, generator="motif", num_proc=1)
    kernels = [k for split in plan.splits.values() for k in split]
    assert len(recent_specs._recent) == 40  # the kept kernels only, not the duplicates drawn
    for kernel in kernels:
        spec, _ = kernel.contents
        assert spec == generators.synthesize(kernel.seed, kernel.index, "motif")
    assert not recent_specs._recent  # each handed out once
    again, _ = kernels[0].contents  # and made again after that
    assert again == generators.synthesize(kernels[0].seed, kernels[0].index, "motif")


def test_take_hands_a_spec_out_once_and_only_for_its_key():
    spec = generators.synthesize(1, 2, "random")
    recent_specs.keep(1, 2, "random", spec)
    assert recent_specs.take(1, 2, "motif") is None
    assert recent_specs.take(2, 1, "random") is None
    assert recent_specs.take(1, 2, "random") is spec
    assert recent_specs.take(1, 2, "random") is None


def test_the_oldest_are_forgotten_beyond_the_bound_and_mutants_are_not_kept(monkeypatch):
    monkeypatch.setattr(recent_specs, "MAX_SPECS", 3)
    spec = generators.synthesize(1, 0, "random")
    for index in range(5):
        recent_specs.keep(1, index, "random", spec)
    recent_specs.keep(1, 9, "mutant", spec)  # a mutant's spec depends on the corpus too
    assert sorted(recent_specs._recent) == [(1, 2, "random"), (1, 3, "random"), (1, 4, "random")]


def test_a_new_plan_forgets_the_last_ones_specs():
    make_plan(3, 40, generator="random", num_proc=1)
    second = make_plan(4, 10, generator="random", num_proc=1)
    assert sorted(recent_specs._recent) == sorted(
        (k.seed, k.index, "random") for split in second.splits.values() for k in split
    )
