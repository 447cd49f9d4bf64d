"""Family-aware splits: every kernel of a family in one split, per-category counts as exact as families allow.

A family is what must not straddle splits: the mutants of one real kernel together with kernels
of the same real file, or a synthesized kernel alone. Families are placed whole, largest first
(ties in a seeded order), each into the split it overfills least; the single-kernel families
placed last fill the remaining per-category quotas exactly, so when families are small next to
the split sizes the counts equal ``split_counts`` of each category, as for the plain planner.
A family may be pinned to a split: the mutants of a kernel in the real release's test split
must sit in test, whatever that costs the ratios.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence

from builder.options import check_ratios as validate_ratios
from builder.plan.splits import SPLITS, split_counts


def family_splits(
    items: Sequence[tuple[str, str, str]],
    ratios: Sequence[float],
    *,
    pinned: Mapping[str, str] | None = None,
    seed: int | str = 0,
) -> dict[str, str]:
    """``id -> split`` for ``(id, category, family)`` items; every family in one split.

    ``pinned`` maps a family to the split it must take. ``ValueError`` for a repeated id, a bad
    ratio or a pin to an unknown split.
    """
    ratios = validate_ratios(ratios)
    pinned = dict(pinned or {})
    bad = {f: s for f, s in pinned.items() if s not in SPLITS}
    if bad:
        raise ValueError(f"pinned splits {bad}: each must be one of {', '.join(SPLITS)}")
    members: dict[str, list[str]] = {}
    counts: dict[str, Counter] = {}
    per_category: Counter = Counter()
    seen: set[str] = set()
    for kid, category, family in items:
        if kid in seen:
            raise ValueError(f"id {kid!r} appears twice in the items to split")
        seen.add(kid)
        members.setdefault(family, []).append(kid)
        counts.setdefault(family, Counter())[category] += 1
        per_category[category] += 1
    remaining = {s: Counter() for s in SPLITS}
    for category, total in per_category.items():
        for split, count in zip(SPLITS, split_counts(total, ratios), strict=True):
            remaining[split][category] = count
    order = sorted(members, key=lambda f: (f not in pinned, -len(members[f]), _tiebreak(seed, f)))
    assignment: dict[str, str] = {}
    for family in order:
        split = pinned.get(family) or _best_split(counts[family], remaining)
        remaining[split].subtract(counts[family])
        for kid in members[family]:
            assignment[kid] = split
    return assignment


def _tiebreak(seed: int | str, family: str) -> str:
    """A seeded order of equal-sized families, so no naming scheme decides which split a family gets."""
    return hashlib.sha256(f"{seed}/{family}".encode()).hexdigest()


def _best_split(family: Counter, remaining: dict[str, Counter]) -> str:
    """The split this family overfills least; then the one with most room left for its categories."""

    def cost(split: str) -> tuple[int, int, int]:
        room = remaining[split]
        over = sum(max(0, n - max(room[c], 0)) for c, n in family.items())
        space = sum(max(room[c], 0) for c in family)
        return (over, -space, SPLITS.index(split))

    return min(SPLITS, key=cost)


def split_deviation(
    assignment: Mapping[str, str], items: Sequence[tuple[str, str, str]], ratios: Sequence[float]
) -> int:
    """How many kernels sit in another split than exact per-category ``split_counts`` would put them (0: exact)."""
    ratios = validate_ratios(ratios)
    got: dict[str, Counter] = {}
    for kid, category, _ in items:
        got.setdefault(category, Counter())[assignment[kid]] += 1
    off = 0
    for splits in got.values():
        target = split_counts(sum(splits.values()), ratios)
        off += sum(abs(splits[s] - t) for s, t in zip(SPLITS, target, strict=True)) // 2
    return off


def families_across_splits(assignment: Mapping[str, str], items: Sequence[tuple[str, str, str]]) -> list[str]:
    """Families whose kernels sit in more than one split (none when ``assignment`` keeps families whole)."""
    splits: dict[str, set[str]] = {}
    for kid, _, family in items:
        splits.setdefault(family, set()).add(assignment[kid])
    return sorted(f for f, s in splits.items() if len(s) > 1)
