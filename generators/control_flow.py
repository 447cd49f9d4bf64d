"""Branching: if / else, conditional expressions and early returns around arithmetic."""

import random

from generators.draft import Draft
from generators.program import pick_name
from generators.spec import KernelSpec
from generators.swarm import ALL_KINDS_OF_TYPE, FLOAT_SCALARS, INT_SCALARS, draw

CATEGORY = "control_flow"


def synthesize(rng: random.Random) -> KernelSpec:
    swarm = draw(rng, type_kinds=ALL_KINDS_OF_TYPE[:3], scalars=FLOAT_SCALARS + INT_SCALARS, kinds=("assign", "update", "augment", "ternary", "store", "if", "ifelse", "ifelse", "guard_exit"), budget=(5, 18), max_nesting=(1, 3))
    d = Draft(rng, swarm)
    d.standard(n_params=(0, 2))
    d.statements.run()
    name = pick_name(rng, ("select", "threshold", "classify", "route", "mask", "gate"), ("values", "samples", "cells", "events", "signals"))
    return d.finish(name, CATEGORY, f"Branches, conditional expressions and guarded returns over {len(swarm.types)} type(s), nested up to {swarm.max_nesting} deep.")
