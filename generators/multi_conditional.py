"""if / elif / else chains with compound conditions (``and``, ``or``, ``not``)."""

import random

from generators.draft import Draft
from generators.program import pick_name
from generators.spec import KernelSpec
from generators.swarm import FLOAT_SCALARS, INT_SCALARS, draw

CATEGORY = "multi_conditional"


def synthesize(rng: random.Random) -> KernelSpec:
    swarm = draw(rng, type_kinds=("scalar", "vector"), scalars=FLOAT_SCALARS + INT_SCALARS, kinds=("assign", "update", "store", "elif", "elif", "ifelse", "ternary"), budget=(6, 20), max_nesting=(1, 2))
    d = Draft(rng, swarm)
    d.standard(n_params=(1, 2))
    d.statements.run()
    name = pick_name(rng, ("classify", "bucket", "grade", "dispatch", "label", "select"), ("regions", "samples", "particles", "cases", "cells"))
    return d.finish(name, CATEGORY, f"Multi-way if/elif/else chains with compound conditions over {len(swarm.types)} type(s).")
