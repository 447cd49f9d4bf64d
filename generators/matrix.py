"""Matrix algebra: mat22-44 in every float precision, products, transposes, inverses."""

import random

from generators.draft import simple_kernel
from generators.spec import KernelSpec
from generators.swarm import FLOAT_SCALARS, SIMPLE, draw

CATEGORY = "matrix"


def synthesize(rng: random.Random) -> KernelSpec:
    swarm = draw(
        rng,
        type_kinds=("matrix", "vector", "scalar"),
        scalars=FLOAT_SCALARS,
        n_types=(2, 4),
        kinds=SIMPLE + ("if", "for"),
        budget=(3, 14),
        main_precision=0.85,
        include_kind="matrix",
    )
    types = ", ".join(t.name for t in swarm.types)
    return simple_kernel(
        rng,
        swarm,
        CATEGORY,
        ("transform", "solve", "rotate", "deform", "project", "compose"),
        ("frames", "bases", "tensors", "jacobians", "stresses"),
        f"Matrix algebra over {types} in {swarm.budget} statement(s).",
    )
