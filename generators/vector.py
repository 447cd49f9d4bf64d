"""Vector algebra: vec2-4 in every precision, dot / cross / length / normalize and friends."""

import random

from generators.draft import Draft
from generators.program import pick_name
from generators.spec import KernelSpec
from generators.swarm import FLOAT_SCALARS, INT_SCALARS, SIMPLE, draw

CATEGORY = "vector"


def synthesize(rng: random.Random) -> KernelSpec:
    scalars = FLOAT_SCALARS if rng.random() < 0.75 else INT_SCALARS
    swarm = draw(rng, type_kinds=("vector", "scalar"), scalars=scalars, n_types=(2, 4), kinds=SIMPLE + ("if",), budget=(3, 14))
    if not any(t.kind == "vector" for t in swarm.types):
        return synthesize(rng)
    d = Draft(rng, swarm)
    d.standard(n_params=(0, 2))
    d.statements.run()
    name = pick_name(rng, ("blend", "project", "reflect", "advect", "orient", "offset"), ("points", "normals", "directions", "velocities", "rays"))
    types = ", ".join(t.name for t in swarm.types)
    return d.finish(name, CATEGORY, f"Vector algebra over {types} in {swarm.budget} statement(s).")
