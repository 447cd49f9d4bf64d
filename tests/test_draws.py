"""``builder.plan.draws``: one deduplication and one grouping for every generator of a plan."""

from __future__ import annotations

from builder.plan.draws import Draws
from builder.plan.near_duplicates import signature
from builder.plan.plan import PlannedKernel

SOURCE = (
    "@wp.kernel\ndef k(a: wp.array(dtype=float), b: wp.array(dtype=float)):\n    i = wp.tid()\n    b[i] = a[i] * 2.0\n"
)
OTHER = (
    "@wp.kernel\ndef k(x: wp.array(dtype=wp.vec3), n: wp.array(dtype=float)):\n"
    "    i = wp.tid()\n    n[i] = wp.length(x[i])\n"
)


def _kernel(index: int, digest: str, generator: str, category: str = "arithmetic") -> PlannedKernel:
    return PlannedKernel(1, index, digest, 10, category=category, generator=generator)


def test_a_hash_kept_by_one_generator_is_a_duplicate_for_the_next():
    draws = Draws(1)
    assert not draws.duplicate("h1")
    draws.keep(_kernel(0, "h1", "motif"), ("core-a", signature(SOURCE)))
    assert draws.duplicate("h1") and not draws.duplicate("h2")
    assert draws.duplicates == 1


def test_kernels_of_two_generators_with_one_live_core_or_near_duplicates_share_a_group():
    draws = Draws(1)
    draws.keep(_kernel(0, "h1", "motif"), ("core-a", signature(SOURCE)))
    draws.keep(_kernel(7, "h2", "mutant"), ("core-a", signature(OTHER)), family="pkg:sim.py")
    draws.keep(_kernel(9, "h3", "mutant"), ("core-b", signature(SOURCE + "\n")), family="pkg:other.py")
    draws.keep(_kernel(11, "h4", "mutant"), ("core-c", signature(OTHER + "# x\n")), family="pkg:sim.py")
    draws.keep(_kernel(12, "h5", "random"))  # no link: a family of its own
    group_of, pinned = draws.roots()
    assert group_of == {0: 0, 7: 0, 9: 0, 11: 0}
    assert pinned == {}
    assert draws.count("arithmetic") == 5 and [k.index for k in draws.kept["arithmetic"]] == [0, 7, 9, 11, 12]


def test_a_plan_without_links_has_no_groups():
    draws = Draws(1)
    draws.keep(_kernel(0, "h1", "random"))
    assert draws.roots() == (None, None)


def test_a_kernel_that_would_join_a_pinned_group_to_a_free_one_is_left_out_and_counted():
    from builder.plan.draws import CONFLICT

    draws = Draws(1)
    assert draws.keep(_kernel(0, "h1", "mutant"), ("core-a", signature(SOURCE)), family="pkg:t.py", pin="test")
    assert draws.keep(_kernel(1, "h2", "mutant"), ("core-b", signature(OTHER)), family="pkg:u.py")
    # a free kernel with the pinned group's live core, a pinned one near-duplicating the free group
    assert not draws.keep(_kernel(2, "h3", "motif"), ("core-a", signature(OTHER + "\n")))
    assert not draws.keep(_kernel(3, "h4", "mutant"), ("core-c", signature(OTHER)), family="pkg:t.py", pin="test")
    # the pinned family's own next mutant joins its group
    assert draws.keep(_kernel(4, "h5", "mutant"), ("core-d", signature("x = 1\n")), family="pkg:t.py", pin="test")
    assert draws.failures == {CONFLICT: 2}
    assert not draws.duplicate("h3") and [k.index for k in draws.kept["arithmetic"]] == [0, 1, 4]
    group_of, pinned = draws.roots()
    assert group_of == {0: 0, 1: 1, 4: 0} and pinned == {0: "test"}
