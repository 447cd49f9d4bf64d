"""Integer kernels over every int width: masks, shifts, xor mixing, ``//`` and ``%`` by constants."""

import random

from generators.draft import simple_kernel
from generators.spec import KernelSpec
from generators.swarm import INT_SCALARS, draw

CATEGORY = "integer_bitwise"
BITWISE = ("bit_and", "bit_or", "bit_xor", "lshift", "rshift", "invert", "mod", "floordiv")


def synthesize(rng: random.Random) -> KernelSpec:
    swarm = draw(
        rng,
        type_kinds=("scalar", "vector"),
        scalars=INT_SCALARS,
        n_types=(1, 3),
        kinds=("assign", "assign", "update", "augment", "ternary", "store", "if", "for"),
        budget=(3, 14),
        max_nesting=(1, 2),
        require=BITWISE,
    )
    types = ", ".join(t.name for t in swarm.types)
    return simple_kernel(
        rng,
        swarm,
        CATEGORY,
        ("hash", "pack", "mix", "encode", "mask", "scramble"),
        ("bits", "keys", "codes", "ids", "flags"),
        f"Bitwise and integer arithmetic on {types}: masks, shifts by constants, division by positive constants.",
        n_params=(0, 2),
    )
