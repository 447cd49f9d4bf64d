"""Split ratios and exact per-category split counts."""

from __future__ import annotations

import math
from collections.abc import Sequence

SPLITS = ("train", "validation", "test")
DEFAULT_RATIOS = (0.7, 0.15, 0.15)


def validate_ratios(ratios: Sequence[float]) -> tuple[float, float, float]:
    """Three finite, non-negative ratios summing to 1 (train, validation, test)."""
    values = tuple(float(r) for r in ratios)
    if len(values) != len(SPLITS):
        raise ValueError(f"split ratios {list(ratios)}: need {len(SPLITS)} values for {', '.join(SPLITS)}")
    if any(not math.isfinite(r) or r < 0 for r in values):
        raise ValueError(f"split ratios {list(values)}: each must be a finite number >= 0")
    if abs(sum(values) - 1.0) > 1e-6:
        raise ValueError(f"split ratios {list(values)} sum to {sum(values):g}; they must sum to 1")
    if values[0] == 0:
        raise ValueError(f"split ratios {list(values)}: the train ratio must be > 0")
    return values  # type: ignore[return-value]


def split_counts(total: int, ratios: Sequence[float]) -> tuple[int, ...]:
    """``total`` divided by ``ratios`` exactly (largest remainder; ties go to the earlier split)."""
    quotas = [total * r for r in ratios]
    counts = [math.floor(q) for q in quotas]
    by_remainder = sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - counts[i]), i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return tuple(counts)


def balanced_counts(total: int, groups: int) -> tuple[int, ...]:
    """``total`` spread over ``groups`` as evenly as possible; earlier groups take the remainder."""
    base, extra = divmod(total, groups)
    return tuple(base + (1 if i < extra else 0) for i in range(groups))
