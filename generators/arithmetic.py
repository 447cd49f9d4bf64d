"""Element-wise arithmetic on float or int arrays: +, -, *, safe division, int modulo."""

import random

from generators.program import FLOAT, INT, Exprs, KernelParts, pick_name
from generators.spec import KernelSpec
from generators.statements import Statements

CATEGORY = "arithmetic"


def synthesize(rng: random.Random) -> KernelSpec:
    element = FLOAT if rng.random() < 0.7 else INT
    k = KernelParts(rng)
    n_in, n_out, n_stmt = rng.randint(1, 3), rng.randint(1, 2), rng.randint(1, 6)
    for _ in range(n_in):
        k.input_array(element)
    outputs = [k.output_array(element) for _ in range(n_out)]
    exprs = Exprs(rng, k.body, families=("int",) if element == INT else ())
    Statements(rng, k.body, exprs, [element], ("assign", "assign", "update", "augment"), expr_depth=3).emit(n_stmt)
    for out in outputs:
        k.body.line(f"{out}[tid] = {exprs.of(element, rng.randint(1, 2)).text}")
    name = pick_name(rng, ("add", "combine", "mix", "scale", "affine", "fma", "blend", "arith"), ("values", "arrays", "terms", "elements", "fields"))
    desc = f"Element-wise {element} arithmetic over {n_in} input array(s) in {n_stmt} statement(s), writing {n_out} output array(s)."
    return KernelSpec(name, CATEGORY, desc, k.source(name))
