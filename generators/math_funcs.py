"""Library math: trigonometric, exponential, power and rounding functions kept in their domains."""

import random

from generators.program import FLOAT, Exprs, KernelParts, pick_name
from generators.spec import KernelSpec
from generators.statements import Statements

CATEGORY = "math"


def synthesize(rng: random.Random) -> KernelSpec:
    k = KernelParts(rng)
    n_in, n_out, n_stmt = rng.randint(1, 3), rng.randint(1, 2), rng.randint(1, 5)
    for _ in range(n_in):
        k.input_array(FLOAT)
    outputs = [k.output_array(FLOAT) for _ in range(n_out)]
    exprs = Exprs(rng, k.body, ("math",))
    Statements(rng, k.body, exprs, [FLOAT], ("assign", "assign", "update", "augment"), expr_depth=4).emit(n_stmt)
    for out in outputs:
        k.body.line(f"{out}[tid] = {exprs.scalar(rng.randint(2, 3)).text}")
    name = pick_name(rng, ("eval", "activate", "smooth", "warp", "attenuate", "shape"), ("curve", "signal", "response", "falloff", "profile"))
    desc = f"Math-library functions over {n_in} float input(s) in {n_stmt} statement(s), writing {n_out} output array(s)."
    return KernelSpec(name, CATEGORY, desc, k.source(name))
