"""Spatial (6-D) algebra: spatial vectors and matrices, twists and wrenches, as in rigid-body dynamics."""

import random
from dataclasses import replace

from generators.draft import Draft
from generators.program import pick_name
from generators.spec import KernelSpec
from generators.swarm import FLOAT_SCALARS, SIMPLE, draw
from generators.types import vector_of

CATEGORY = "spatial"


def synthesize(rng: random.Random) -> KernelSpec:
    swarm = draw(
        rng,
        type_kinds=("spatial_vector", "spatial_matrix", "vector", "scalar"),
        scalars=FLOAT_SCALARS,
        n_types=(2, 4),
        kinds=SIMPLE + ("if", "for"),
        budget=(3, 12),
        main_precision=1.0,
        include_kind=rng.choice(("spatial_vector", "spatial_matrix")),
    )
    scalar = swarm.types[0].scalar
    core = [t for t in swarm.types if t.kind.startswith("spatial")]
    types = tuple(dict.fromkeys(swarm.types + (vector_of(scalar, 3),)))
    swarm = replace(swarm, types=types)
    d = Draft(rng, swarm)
    d.inputs(rng.randint(1, 2), core)
    d.add_outputs(rng.randint(1, 2))
    d.value_params(rng.randint(0, 1))
    d.statements.run()
    name = pick_name(
        rng,
        ("propagate", "accumulate", "transform", "project", "apply"),
        ("twists", "wrenches", "inertias", "motions", "forces"),
    )
    return d.finish(name, CATEGORY, f"Spatial vector and matrix algebra in {scalar} (twists, wrenches, 6x6 inertias).")
