"""Multi-dimensional launches: 2-4-D ``wp.tid()`` over arrays of matching dimension."""

import random

from generators.draft import Draft
from generators.program import pick_name
from generators.spec import KernelSpec
from generators.swarm import ALL_KINDS_OF_TYPE, FLOAT_SCALARS, INT_SCALARS, SIMPLE, draw
from generators.types import INT32

CATEGORY = "multi_dim"


def synthesize(rng: random.Random) -> KernelSpec:
    ndim = rng.choice((2, 2, 3, 4))
    swarm = draw(
        rng,
        type_kinds=ALL_KINDS_OF_TYPE[:3],
        scalars=FLOAT_SCALARS + INT_SCALARS,
        n_types=(1, 3),
        kinds=SIMPLE + ("if", "for"),
        budget=(2, 10),
        max_nesting=(1, 2),
    )
    d = Draft(rng, swarm, ndim=ndim)
    d.standard(n_params=(0, 1))
    if rng.random() < 0.5:
        # A linear index over the launch, as kernels that address flattened storage compute it.
        axes = d.kb.indices
        flat = axes[0]
        for axis in axes[1:]:
            flat = f"({flat}) * 4 + {axis}"
        d.body.assign("flat", INT32, flat)
    d.statements.run()
    name = pick_name(
        rng, ("sweep", "fill", "sample", "transform", "update"), ("grid", "volume", "image", "tensor", "lattice")
    )
    return d.finish(name, CATEGORY, f"{ndim}-D launch over {ndim}-D arrays; each thread works on its own element.")
