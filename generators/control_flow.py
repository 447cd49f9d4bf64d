"""Branching: if / else, conditional expressions and early returns around arithmetic."""

import random

from generators.draft import simple_kernel
from generators.spec import KernelSpec
from generators.swarm import ALL_KINDS_OF_TYPE, FLOAT_SCALARS, INT_SCALARS, draw

CATEGORY = "control_flow"


def synthesize(rng: random.Random) -> KernelSpec:
    swarm = draw(
        rng,
        type_kinds=ALL_KINDS_OF_TYPE[:3],
        scalars=FLOAT_SCALARS + INT_SCALARS,
        kinds=("assign", "update", "augment", "ternary", "store", "if", "ifelse", "ifelse", "guard_exit"),
        budget=(5, 18),
        max_nesting=(1, 3),
    )
    return simple_kernel(
        rng,
        swarm,
        CATEGORY,
        ("select", "threshold", "classify", "route", "mask", "gate"),
        ("values", "samples", "cells", "events", "signals"),
        f"Branches, conditional expressions and guarded returns over {len(swarm.types)} type(s), nested up to "
        f"{swarm.max_nesting} deep.",
        n_params=(0, 2),
    )
