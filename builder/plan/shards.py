"""Shards: a plan's splits cut into units of work, the same for the datasets builder and datatrove."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from builder.plan.planner import Plan, PlannedKernel
from builder.plan.splits import balanced_counts

# Shards per split when ``num_shards`` is not set: one per KERNELS_PER_SHARD kernels, and at
# least MIN_SHARDS (when there are that many kernels) so up to that many processes have work.
KERNELS_PER_SHARD = 250
MIN_SHARDS = 16

T = TypeVar("T")


def shard(items: Sequence[T], num_shards: int) -> list[tuple[T, ...]]:
    """``items`` cut into at most ``num_shards`` contiguous, non-empty, near-equal pieces."""
    num_shards = max(1, min(num_shards, len(items)))
    sizes = balanced_counts(len(items), num_shards)
    pieces, start = [], 0
    for size in sizes:
        pieces.append(tuple(items[start : start + size]))
        start += size
    return pieces


def split_shards(plan: Plan, num_shards: int | None = None) -> dict[str, list[tuple[PlannedKernel, ...]]]:
    """Each split's kernels in plan order, cut into ``num_shards`` shards (default: see ``KERNELS_PER_SHARD``).

    The one sharding both executors use, so a shard is the same unit of work and of output for
    ``datasets`` and for datatrove.
    """
    return {
        split: shard(kernels, num_shards or max(-(-len(kernels) // KERNELS_PER_SHARD), MIN_SHARDS))
        for split, kernels in plan.splits.items()
    }
