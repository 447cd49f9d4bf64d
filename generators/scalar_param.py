"""Kernels driven by by-value parameters of every value kind (scalars, vectors, matrices, quats)."""

import random

from generators.draft import Draft
from generators.program import pick_name
from generators.spec import KernelSpec
from generators.swarm import ALL_KINDS_OF_TYPE, FLOAT_SCALARS, INT_SCALARS, SIMPLE, draw

CATEGORY = "scalar_param"


def synthesize(rng: random.Random) -> KernelSpec:
    swarm = draw(
        rng,
        type_kinds=ALL_KINDS_OF_TYPE,
        scalars=FLOAT_SCALARS + INT_SCALARS,
        n_types=(2, 4),
        kinds=SIMPLE + ("if", "for_dynamic"),
        budget=(3, 12),
    )
    d = Draft(rng, swarm)
    d.standard(n_inputs=(0, 1), n_outputs=(1, 2), n_params=(2, 5))
    d.statements.run()
    name = pick_name(
        rng,
        ("apply", "configure", "parameterize", "scale", "offset", "tune"),
        ("field", "values", "grid", "samples", "weights"),
    )
    return d.finish(
        name,
        CATEGORY,
        f"Uses {len(d.kb.params)} parameter(s), by-value ones of {len(swarm.types)} value type(s), to compute its "
        "outputs.",
    )
