"""Vector algebra: vec2-4 in every precision, dot / cross / length / normalize and friends."""

import random

from generators.draft import simple_kernel
from generators.spec import KernelSpec
from generators.swarm import FLOAT_SCALARS, INT_SCALARS, SIMPLE, draw

CATEGORY = "vector"


def synthesize(rng: random.Random) -> KernelSpec:
    scalars = FLOAT_SCALARS if rng.random() < 0.75 else INT_SCALARS
    swarm = draw(
        rng,
        type_kinds=("vector", "scalar"),
        scalars=scalars,
        n_types=(2, 4),
        kinds=SIMPLE + ("if",),
        budget=(3, 14),
        include_kind="vector",
    )
    types = ", ".join(t.name for t in swarm.types)
    return simple_kernel(
        rng,
        swarm,
        CATEGORY,
        ("blend", "project", "reflect", "advect", "orient", "offset"),
        ("points", "normals", "directions", "velocities", "rays"),
        f"Vector algebra over {types} in {swarm.budget} statement(s).",
    )
