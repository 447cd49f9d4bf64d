"""Several independent and nested conditions joined with ``and`` / ``or`` / ``not``."""

import random

from generators.program import FLOAT, INT, Exprs, KernelParts, pick_name
from generators.spec import KernelSpec
from generators.statements import Statements

CATEGORY = "multi_conditional"


def synthesize(rng: random.Random) -> KernelSpec:
    k = KernelParts(rng)
    n_in, n_blocks = rng.randint(1, 3), rng.randint(2, 5)
    for _ in range(n_in):
        k.input_array(FLOAT)
    outputs = [k.output_array(FLOAT) for _ in range(rng.randint(1, 2))]
    exprs = Exprs(rng, k.body, ("int",) if rng.random() < 0.3 else ())
    result = k.body.assign("result", FLOAT, "float(0.0)")
    types = [FLOAT, INT] if rng.random() < 0.3 else [FLOAT]
    stmts = Statements(rng, k.body, exprs, types, ("assign", "update", "augment", "if", "ifelse", "elif"), max_nesting=rng.randint(2, 3), budget=rng.randint(4, 24))
    for _ in range(n_blocks):
        kind = rng.choice(("if", "ifelse", "elif", "where"))
        if kind == "where":
            k.body.line(f"{result} = wp.where({exprs.condition(2).text}, {exprs.scalar(1).text}, {result})")
            continue
        with k.body.block(f"if {exprs.condition(2).text}"):
            stmts.emit(rng.randint(0, 2))
            op = rng.choice(("=", "+=", "-="))
            value = exprs.scalar(2)
            if op == "=":
                k.body.store(result, FLOAT, value.text)
            else:
                k.body.line(f"{result} {op} {value.operand()}")
        if kind == "elif":
            with k.body.block(f"elif {exprs.condition(2).text}"):
                stmts.emit(rng.randint(1, 2))
        if kind in ("ifelse", "elif"):
            with k.body.block("else"):
                stmts.emit(rng.randint(1, 2))
    for out in outputs:
        k.body.line(f"{out}[tid] = {exprs.scalar(1).text}")
    name = pick_name(rng, ("classify", "mask", "grade", "partition", "select", "filter"), ("regions", "samples", "cases", "bands", "values"))
    desc = f"{n_blocks} condition blocks with compound predicates over {n_in} float input(s)."
    return KernelSpec(name, CATEGORY, desc, k.source(name))
