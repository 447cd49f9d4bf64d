"""Vector algebra on vec2/vec3/vec4 arrays: sums, scaling, dot, cross, length, normalize."""

import random

from generators.program import FLOAT, Exprs, KernelParts, pick_name, vec_type
from generators.spec import KernelSpec
from generators.statements import Statements

CATEGORY = "vector"


def synthesize(rng: random.Random) -> KernelSpec:
    n = rng.choice((2, 3, 3, 4))
    vt = vec_type(n)
    k = KernelParts(rng)
    n_in, n_stmt = rng.randint(1, 3), rng.randint(1, 6)
    for _ in range(n_in):
        k.input_array(vt)
    if rng.random() < 0.4:
        k.input_array(FLOAT)
    out_types = rng.choice(([vt], [FLOAT], [vt, FLOAT]))
    outputs = [(k.output_array(t), t) for t in out_types]
    families = ("vector", "math") if rng.random() < 0.5 else ("vector",)
    exprs = Exprs(rng, k.body, families)
    Statements(rng, k.body, exprs, [vt, vt, FLOAT], ("assign", "assign", "update", "augment")).emit(n_stmt)
    for out, t in outputs:
        k.body.line(f"{out}[tid] = {exprs.of(t, rng.randint(1, 2)).text}")
    name = pick_name(rng, ("project", "reflect", "normalize", "blend", "offset", "rotate", "combine"), ("points", "directions", "velocities", "normals", f"vec{n}s"))
    desc = f"Vector algebra on vec{n} arrays ({n_in} input(s), {n_stmt} statement(s)) writing {' and '.join(out_types)} results."
    return KernelSpec(name, CATEGORY, desc, k.source(name))
