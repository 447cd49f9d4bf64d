"""Kernels driven by by-value parameters: float, int and vector scalars next to arrays."""

import random

from generators.program import FLOAT, INT, Exprs, KernelParts, pick_name, vec_type
from generators.spec import KernelSpec
from generators.statements import Statements

CATEGORY = "scalar_param"


def synthesize(rng: random.Random) -> KernelSpec:
    k = KernelParts(rng)
    n = rng.choice((2, 3, 4))
    vt = vec_type(n)
    use_vectors = rng.random() < 0.35
    for _ in range(rng.randint(1, 2)):
        k.input_array(vt if use_vectors and rng.random() < 0.5 else FLOAT)
    param_types = [rng.choice((FLOAT, FLOAT, INT) + ((vt,) if use_vectors else ())) for _ in range(rng.randint(1, 4))]
    params = [k.scalar_param(t) for t in param_types]
    bound = next((p for p, t in zip(params, param_types) if t == INT), None)
    out_type = vt if use_vectors and rng.random() < 0.5 else FLOAT
    out = k.output_array(out_type)
    exprs = Exprs(rng, k.body, ("int", "vector") if use_vectors else ("int",))
    types = [FLOAT, vt] if use_vectors else [FLOAT]
    kinds = ("assign", "assign", "update", "augment", "ternary", "if") + (("for_dynamic",) if bound else ())
    n_stmt = rng.randint(1, 5)
    Statements(rng, k.body, exprs, types, kinds, loop_bound=bound).emit(n_stmt)
    k.body.line(f"{out}[tid] = {exprs.of(out_type, rng.randint(1, 2)).text}")
    name = pick_name(rng, ("scale", "shift", "apply", "configure", "parametrize", "tune"), ("values", "inputs", "signal", "states", "coefficients"))
    desc = f"Array update controlled by {len(params)} by-value parameter(s) ({', '.join(param_types)}) in {n_stmt} statement(s)."
    return KernelSpec(name, CATEGORY, desc, k.source(name))
