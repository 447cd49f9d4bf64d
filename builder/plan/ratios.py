"""Realised split ratios: what exact per-category rounding gives a small build, and how to fix it.

Every category is split on its own with exact largest-remainder counts, so a small build over
many categories can end far from the asked ratios (200 kernels over 23 categories: 138/39/23,
validation above test). The summary and the card state the realised ratios, and a build whose
ratios are off by more than ``TOLERANCE`` gets a warning naming the smallest count that fits.
"""

from __future__ import annotations

from collections.abc import Sequence

from builder.plan.splits import SPLITS, balanced_counts, split_counts

# Largest gap, as a fraction, between an asked and a realised ratio before a build warns.
TOLERANCE = 0.03
# How far past the asked count the search for a count that fits goes.
SEARCH_FACTOR = 20


def planned_split_sizes(total: int, categories: int, ratios: Sequence[float]) -> tuple[int, ...]:
    """Kernels per split when ``total`` kernels are balanced over ``categories`` and each is split exactly."""
    sizes = [0] * len(SPLITS)
    for count in balanced_counts(total, categories):
        for i, n in enumerate(split_counts(count, ratios)):
            sizes[i] += n
    return tuple(sizes)


def split_sizes(plan) -> tuple[int, ...]:
    """Kernels per split of a ``builder.plan.planner.Plan``, in ``SPLITS`` order."""
    return tuple(len(plan.splits.get(split, ())) for split in SPLITS)


def ratio_gap(sizes: Sequence[int], ratios: Sequence[float]) -> float:
    """The largest difference between a realised ratio and the asked one (0.05 is 5 points)."""
    total = sum(sizes)
    if total == 0:
        return 0.0
    return max(abs(n / total - r) for n, r in zip(sizes, ratios, strict=False))


def fitting_count(total: int, categories: int, ratios: Sequence[float], tolerance: float = TOLERANCE) -> int | None:
    """The smallest count >= ``total`` whose realised ratios are within ``tolerance``; None if none is near."""
    for candidate in range(total, max(total * SEARCH_FACTOR, total + 1000)):
        if ratio_gap(planned_split_sizes(candidate, categories, ratios), ratios) <= tolerance:
            return candidate
    return None


def ratio_lines(sizes: Sequence[int], ratios: Sequence[float], *, categories: int) -> list[str]:
    """The summary's split line, and a warning line when the realised ratios are off by more than ``TOLERANCE``."""
    total = sum(sizes)
    realised = [n / total if total else 0.0 for n in sizes]
    parts = ", ".join(f"{split} {n} ({100 * r:.1f}%)" for split, n, r in zip(SPLITS, sizes, realised, strict=False))
    asked = "/".join(f"{100 * r:g}" for r in ratios)
    lines = [f"splits: {parts}; asked {asked}"]
    gap = ratio_gap(sizes, ratios)
    if gap > TOLERANCE:
        worst = max(range(len(SPLITS)), key=lambda i: abs(realised[i] - ratios[i]))
        head = (
            f"warning: realised split ratios differ from the asked ones by {100 * gap:.1f} points "
            f"({SPLITS[worst]}: {100 * realised[worst]:.1f}% for {100 * ratios[worst]:g}%) because "
        )
        if ratio_gap(planned_split_sizes(total, categories, ratios), ratios) > TOLERANCE:
            fix = fitting_count(total, categories, ratios)
            within = f"gives ratios within {100 * TOLERANCE:g} points"
            advice = f"--num-examples {fix} {within}" if fix else "no nearby count fits"
            lines.append(f"{head}each of {categories} categories is split on its own; {advice}")
        else:  # rounding alone would fit: groups placed whole (families, live cores, pinned test parents) did it
            lines.append(
                f"{head}kernels that must share a split (a mutant family, one live core, near-duplicates, "
                "mutants of real test kernels) are placed whole"
            )
    return lines
