"""Matrix algebra on mat22/mat33/mat44: products, transposes, outer products, determinants."""

import random

from generators.program import FLOAT, Exprs, KernelParts, mat_type, pick_name, vec_type
from generators.spec import KernelSpec
from generators.statements import Statements

CATEGORY = "matrix"


def synthesize(rng: random.Random) -> KernelSpec:
    n = rng.choice((2, 3, 4))
    mt, vt = mat_type(n), vec_type(n)
    k = KernelParts(rng)
    n_mat, n_vec, n_stmt = rng.randint(1, 2), rng.randint(0, 2), rng.randint(1, 5)
    for _ in range(n_mat):
        k.input_array(mt)
    for _ in range(n_vec):
        k.input_array(vt)
    out_types = rng.choice(([mt], [vt], [FLOAT], [mt, FLOAT], [vt, FLOAT]))
    outputs = [(k.output_array(t), t) for t in out_types]
    exprs = Exprs(rng, k.body, ("matrix", "vector"))
    Statements(rng, k.body, exprs, [mt, mt, vt, FLOAT], ("assign", "assign", "update", "augment"), expr_depth=2).emit(n_stmt)
    for out, t in outputs:
        k.body.line(f"{out}[tid] = {exprs.of(t, rng.randint(1, 2)).text}")
    name = pick_name(rng, ("transform", "compose", "apply", "invert", "project", "solve"), ("matrices", "frames", "bases", "tensors", f"mat{n}{n}"))
    desc = f"Matrix algebra on mat{n}{n} data ({n_mat} matrix and {n_vec} vector input(s), {n_stmt} statement(s)) writing {' and '.join(out_types)}."
    return KernelSpec(name, CATEGORY, desc, k.source(name))
