"""Bounded ``while`` loops with guarded ``break`` / ``continue``, iterative refinement style."""

import random

from generators.draft import Draft
from generators.program import pick_name
from generators.spec import KernelSpec
from generators.swarm import FLOAT_SCALARS, INT_SCALARS, draw

CATEGORY = "while_break"


def synthesize(rng: random.Random) -> KernelSpec:
    swarm = draw(
        rng,
        type_kinds=("scalar", "vector"),
        scalars=FLOAT_SCALARS + INT_SCALARS,
        n_types=(1, 3),
        kinds=("assign", "update", "augment", "if", "guard_exit", "guard_exit"),
        budget=(4, 14),
        max_nesting=(2, 3),
    )
    d = Draft(rng, swarm)
    d.standard(n_params=(0, 1))
    stmts = d.statements
    stmts.emit(rng.randint(0, 2))
    for _ in range(rng.randint(1, 2)):
        stmts._while()
    stmts.run()
    name = pick_name(
        rng,
        ("iterate", "refine", "search", "converge", "march", "bisect"),
        ("root", "step", "values", "ray", "interval"),
    )
    return d.finish(
        name, CATEGORY, "Bounded while loops (counter limit, optional data condition) with guarded break/continue."
    )
