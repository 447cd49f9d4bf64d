"""Straight-line scalar arithmetic over every scalar width: operators, casts and basic math."""

import random

from generators.draft import simple_kernel
from generators.spec import KernelSpec
from generators.swarm import FLOAT_SCALARS, INT_SCALARS, draw

CATEGORY = "arithmetic"


def synthesize(rng: random.Random) -> KernelSpec:
    swarm = draw(
        rng,
        type_kinds=("scalar",),
        scalars=FLOAT_SCALARS + INT_SCALARS,
        n_types=(1, 3),
        kinds=("assign", "update", "augment", "store"),
        budget=(3, 14),
        require=("add", "sub", "mul", "div"),
    )
    types = ", ".join(t.name for t in swarm.types)
    description = (
        f"Straight-line arithmetic on {types} values in {swarm.budget} statement(s), written at the thread's index."
    )
    return simple_kernel(
        rng,
        swarm,
        CATEGORY,
        ("compute", "combine", "scale", "mix", "evaluate", "transform"),
        ("values", "terms", "samples", "inputs", "scalars"),
        description,
    )
