"""Straight-line scalar arithmetic over every scalar width: operators, casts and basic math."""

import random

from generators.draft import Draft
from generators.program import pick_name
from generators.spec import KernelSpec
from generators.swarm import FLOAT_SCALARS, INT_SCALARS, draw

CATEGORY = "arithmetic"


def synthesize(rng: random.Random) -> KernelSpec:
    swarm = draw(rng, type_kinds=("scalar",), scalars=FLOAT_SCALARS + INT_SCALARS, n_types=(1, 3), kinds=("assign", "update", "augment", "store"), budget=(3, 14), require=("add", "sub", "mul", "div"))
    d = Draft(rng, swarm)
    d.standard(n_params=(0, 2))
    d.statements.run()
    name = pick_name(rng, ("compute", "combine", "scale", "mix", "evaluate", "transform"), ("values", "terms", "samples", "inputs", "scalars"))
    types = ", ".join(t.name for t in swarm.types)
    return d.finish(name, CATEGORY, f"Straight-line arithmetic on {types} values in {swarm.budget} statement(s), written at the thread's index.")
