"""Splits of a real release by source file: all kernels of one file sit in one split.

Files are taken largest first (ties in an order seeded by ``seed``), each into the split furthest
below its share of the kernels, so the splits come close to the ratios while no file, and so no
family of near-identical kernels written together, crosses splits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

from builder.plan.splits import SPLITS


def file_splits(kernels_per_file: Mapping[str, int], ratios: Sequence[float], seed: int = 0) -> dict[str, str]:
    """``{file: split}`` for ``SPLITS`` (train, validation, test) at ``ratios``."""
    total = sum(kernels_per_file.values())
    targets = {split: ratio * total for split, ratio in zip(SPLITS, ratios, strict=True)}
    taken = dict.fromkeys(SPLITS, 0)
    order = sorted(
        kernels_per_file, key=lambda f: (-kernels_per_file[f], hashlib.sha256(f"{seed}:{f}".encode()).hexdigest())
    )
    assigned = {}
    for file in order:
        split = max(SPLITS, key=lambda s: (targets[s] - taken[s], -SPLITS.index(s)))
        assigned[file] = split
        taken[split] += kernels_per_file[file]
    return assigned
