"""Mixed kernels: vector math, loops, branches and library math in one body."""

import random

from generators.program import FLOAT, INT, Exprs, KernelParts, pick_name, vec_type
from generators.spec import KernelSpec
from generators.statements import ALL_KINDS, Statements

CATEGORY = "combined"


def synthesize(rng: random.Random) -> KernelSpec:
    n = rng.choice((2, 3, 4))
    vt = vec_type(n)
    k = KernelParts(rng)
    k.input_array(vt)
    for _ in range(rng.randint(0, 2)):
        k.input_array(FLOAT)
    bound = k.scalar_param(INT) if rng.random() < 0.4 else None
    out_types = rng.choice(([vt], [FLOAT], [vt, FLOAT]))
    outputs = [(k.output_array(t), t) for t in out_types]
    exprs = Exprs(rng, k.body, ("vector", "math", "int"))
    n_stmt = rng.randint(3, 7)
    Statements(rng, k.body, exprs, [vt, FLOAT, FLOAT], ALL_KINDS, max_nesting=rng.randint(1, 3), loop_bound=bound, budget=rng.randint(8, 30)).emit(n_stmt)
    for out, t in outputs:
        k.body.line(f"{out}[tid] = {exprs.of(t, rng.randint(1, 2)).text}")
    name = pick_name(rng, ("simulate", "update", "advect", "shade", "integrate", "relax"), ("particles", "bodies", "samples", "agents", "points"))
    desc = f"Vector math, loops and branches together on vec{n} data in {n_stmt} top-level statement(s)."
    return KernelSpec(name, CATEGORY, desc, k.source(name))
