"""Matrix algebra: mat22-44 in every float precision, products, transposes, inverses."""

import random

from generators.draft import Draft
from generators.program import pick_name
from generators.spec import KernelSpec
from generators.swarm import FLOAT_SCALARS, SIMPLE, draw

CATEGORY = "matrix"


def synthesize(rng: random.Random) -> KernelSpec:
    swarm = draw(rng, type_kinds=("matrix", "vector", "scalar"), scalars=FLOAT_SCALARS, n_types=(2, 4), kinds=SIMPLE + ("if", "for"), budget=(3, 14), main_precision=0.85)
    if not any(t.kind == "matrix" for t in swarm.types):
        return synthesize(rng)
    d = Draft(rng, swarm)
    d.standard(n_params=(0, 2))
    d.statements.run()
    name = pick_name(rng, ("transform", "solve", "rotate", "deform", "project", "compose"), ("frames", "bases", "tensors", "jacobians", "stresses"))
    types = ", ".join(t.name for t in swarm.types)
    return d.finish(name, CATEGORY, f"Matrix algebra over {types} in {swarm.budget} statement(s).")
