"""Everything at once: all value kinds, branches, loops, guarded exits and helper calls."""

import random

from generators.draft import Draft
from generators.program import pick_name
from generators.spec import KernelSpec
from generators.swarm import ALL_KINDS, FLOAT_SCALARS, draw

CATEGORY = "combined"


def synthesize(rng: random.Random) -> KernelSpec:
    swarm = draw(rng, scalars=FLOAT_SCALARS, n_types=(2, 4), kinds=ALL_KINDS, budget=(8, 26), max_nesting=(1, 3))
    d = Draft(rng, swarm)
    if rng.random() < 0.4:
        d.helper()
    d.standard(n_inputs=(1, 3), n_params=(0, 2))
    d.statements.run()
    name = pick_name(
        rng,
        ("simulate", "update", "advect", "shade", "integrate", "relax"),
        ("particles", "bodies", "samples", "agents", "points"),
    )
    return d.finish(
        name,
        CATEGORY,
        f"Mixed kernel: {len(swarm.types)} value type(s), branches, loops and guarded exits in {swarm.budget} "
        "statement(s).",
    )
