"""if / elif / else chains with compound conditions (``and``, ``or``, ``not``)."""

import random

from generators.draft import simple_kernel
from generators.spec import KernelSpec
from generators.swarm import FLOAT_SCALARS, INT_SCALARS, draw

CATEGORY = "multi_conditional"


def synthesize(rng: random.Random) -> KernelSpec:
    swarm = draw(
        rng,
        type_kinds=("scalar", "vector"),
        scalars=FLOAT_SCALARS + INT_SCALARS,
        kinds=("assign", "update", "store", "elif", "elif", "ifelse", "ternary"),
        budget=(6, 20),
        max_nesting=(1, 2),
    )
    return simple_kernel(
        rng,
        swarm,
        CATEGORY,
        ("classify", "bucket", "grade", "dispatch", "label", "select"),
        ("regions", "samples", "particles", "cases", "cells"),
        f"Multi-way if/elif/else chains with compound conditions over {len(swarm.types)} type(s).",
        n_params=(1, 2),
    )
