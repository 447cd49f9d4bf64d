"""Shards: a plan's splits cut into units of work, the same for the datasets builder and datatrove."""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from typing import TypeVar

from builder.plan.planner import Plan
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


class Shard(tuple):
    """One shard's planned kernels: a tuple that pickles itself with the C pickler.

    ``datasets`` hands each ``num_proc`` job its shards pickled by ``dill``, whose pure-Python
    pickler remembers every object it meets: a 14,000-kernel train split took 1.9 s and 26 MB to
    pickle that way, and 0.1 s and 5 MB as one ``pickle.dumps`` per shard; at 100,000 kernels the
    main process grew by 200 MB for a few seconds at the start of each split.
    """

    __slots__ = ()

    def __reduce__(self):
        return _unpickled_shard, (pickle.dumps(tuple(self), pickle.HIGHEST_PROTOCOL),)


def _unpickled_shard(data: bytes) -> Shard:
    return Shard(pickle.loads(data))


def split_shards(plan: Plan, num_shards: int | None = None) -> dict[str, list[Shard]]:
    """Each split's kernels in plan order, cut into ``num_shards`` shards (default: see ``KERNELS_PER_SHARD``).

    The one sharding both executors use, so a shard is the same unit of work and of output for
    ``datasets`` and for datatrove.
    """
    return {
        split: [
            Shard(piece)
            for piece in shard(kernels, num_shards or max(-(-len(kernels) // KERNELS_PER_SHARD), MIN_SHARDS))
        ]
        for split, kernels in plan.splits.items()
    }
