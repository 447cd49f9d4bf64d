"""Branching kernels: if / elif / else chains, ternaries, early returns and bounded loops."""

import random

from generators.program import FLOAT, INT, Exprs, KernelParts, pick_name
from generators.spec import KernelSpec
from generators.statements import Statements

CATEGORY = "control_flow"


def synthesize(rng: random.Random) -> KernelSpec:
    k = KernelParts(rng)
    n_in, n_stmt = rng.randint(1, 3), rng.randint(2, 5)
    for _ in range(n_in):
        k.input_array(FLOAT)
    out = k.output_array(FLOAT)
    types = [FLOAT, FLOAT, INT] if rng.random() < 0.3 else [FLOAT]
    exprs = Exprs(rng, k.body, ("math",) if rng.random() < 0.4 else ())
    kinds = ("assign", "update", "ternary", "if", "ifelse", "elif", "guard_exit", "while", "for")
    Statements(rng, k.body, exprs, types, kinds, max_nesting=rng.randint(1, 3), budget=rng.randint(6, 24)).emit(n_stmt)
    k.body.line(f"{out}[tid] = {exprs.scalar(rng.randint(1, 2)).text}")
    name = pick_name(rng, ("select", "branch", "gate", "route", "classify", "threshold"), ("values", "signal", "samples", "field", "weights"))
    desc = f"Data-dependent control flow (branches, ternaries, early exits) over {n_in} float input(s) in {n_stmt} top-level statement(s)."
    return KernelSpec(name, CATEGORY, desc, k.source(name))
