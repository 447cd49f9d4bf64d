"""Rigid transforms: quaternions and transforms in every float precision, applied to points."""

import random
from dataclasses import replace

from generators.draft import Draft
from generators.program import pick_name
from generators.spec import KernelSpec
from generators.swarm import FLOAT_SCALARS, SIMPLE, draw
from generators.types import vector_of

CATEGORY = "quaternion_transform"


def synthesize(rng: random.Random) -> KernelSpec:
    swarm = draw(
        rng,
        type_kinds=("quat", "transform", "vector", "scalar"),
        scalars=FLOAT_SCALARS,
        n_types=(2, 4),
        kinds=SIMPLE + ("if", "for"),
        budget=(3, 12),
        main_precision=1.0,
        include_kind=rng.choice(("quat", "transform")),
    )
    scalar = swarm.types[0].scalar
    core = [t for t in swarm.types if t.kind in ("quat", "transform")]
    types = tuple(dict.fromkeys(swarm.types + (vector_of(scalar, 3),)))
    swarm = replace(swarm, types=types)
    d = Draft(rng, swarm)
    d.inputs(1, core)
    d.inputs(rng.randint(0, 1), [vector_of(scalar, 3)])
    d.add_outputs(rng.randint(1, 2))
    d.value_params(rng.randint(0, 1))
    d.statements.run()
    name = pick_name(
        rng,
        ("rotate", "pose", "compose", "interpolate", "transform", "orient"),
        ("points", "frames", "bodies", "joints", "cameras"),
    )
    return d.finish(
        name, CATEGORY, f"Quaternion and transform math in {scalar}: composition, rotation and point transforms."
    )
