"""The motif generator: live, idiomatic kernels built from the computations Warp users write.

One module per motif family (its category); ``synthesize(seed, index)`` picks the family of an
index by its position in ``MOTIF_CATEGORIES`` (as the random generator does with its categories)
and builds the kernel from a ``random.Random`` seeded with (seed, index). What each family draws
(types, arrays, guards, helpers, comments) follows ``generators.policy.POLICY``.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from generators.motifs import (
    activation,
    collision,
    dense,
    fem,
    mesh,
    neighbors,
    particles,
    quaternion,
    reduce,
    rigid,
    sampling,
    scan,
    sparse,
    springs,
    stencil,
)
from generators.policy import POLICY, Policy
from generators.spec import KernelSpec

# Order is part of the data contract: it maps indices to families.
FAMILIES: dict[str, Callable[[random.Random, Policy], KernelSpec]] = {
    module.FAMILY: module.build
    for module in (
        particles,
        springs,
        collision,
        neighbors,
        mesh,
        stencil,
        reduce,
        sparse,
        fem,
        rigid,
        activation,
        sampling,
        scan,
        dense,
        quaternion,
    )
}
MOTIF_CATEGORIES: tuple[str, ...] = tuple(FAMILIES)


def motif_rng(seed: int, index: int) -> random.Random:
    """The RNG behind motif kernel (seed, index), apart from the random generator's stream."""
    return random.Random(f"warp-ir-pairs/motif/{seed}/{index}")


def synthesize(seed: int, index: int, policy: Policy = POLICY) -> KernelSpec:
    """The motif kernel at (seed, index)."""
    family = MOTIF_CATEGORIES[index % len(MOTIF_CATEGORIES)]
    return FAMILIES[family](motif_rng(seed, index), policy)
