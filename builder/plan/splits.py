"""Split names, the default ratios and exact per-category split counts (``builder.options`` checks ratios)."""

from __future__ import annotations

import math
from collections.abc import Sequence

SPLITS = ("train", "validation", "test")
DEFAULT_RATIOS = (0.7, 0.15, 0.15)


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
