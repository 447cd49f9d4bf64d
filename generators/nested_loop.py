"""Nested ``for`` loops (constant or parameter trip counts) accumulating over neighbours."""

import random

from generators.program import FLOAT, INT, Exprs, KernelParts, pick_name
from generators.spec import KernelSpec
from generators.statements import MAX_UNROLL, Statements, constant_range

CATEGORY = "nested_loop"


def synthesize(rng: random.Random) -> KernelSpec:
    k = KernelParts(rng)
    arrays = [k.input_array(FLOAT, load=rng.random() < 0.7) for _ in range(rng.randint(1, 2))]
    bound = k.scalar_param(INT) if rng.random() < 0.4 else None
    out = k.output_array(FLOAT)
    exprs = Exprs(rng, k.body, ("int",) + (("math",) if rng.random() < 0.4 else ()))
    body = k.body
    acc = body.assign("acc", FLOAT, "float(0.0)")
    stmts = Statements(rng, body, exprs, [FLOAT], ("assign", "update", "augment", "if"), expr_depth=2, max_nesting=4, budget=rng.randint(2, 10))
    levels = rng.randint(2, 3)
    loops = []

    def nest(level: int, offset: str) -> None:
        index = body.fresh(("i", "j", "k", "l")[level])
        trips = 1  # a dynamic trip count is never unrolled
        if bound is not None and level == 0:
            header = f"range(wp.min({bound}, 16))"
        else:
            bounds, trips = constant_range(rng, stmts.unrolled, 2, 8)
            header = f"range({bounds})"
        loops.append(header)
        trips = trips if trips <= MAX_UNROLL else 1
        with body.block(f"for {index} in {header}"):
            body.bind(index, INT, mutable=False)
            stmts.unrolled *= trips
            position = f"{offset} + {index}"
            if rng.random() < 0.5:
                stmts.emit(rng.randint(0, 2))
            if level + 1 < levels:
                nest(level + 1, position)
            else:
                array = rng.choice(arrays)
                neighbour = body.assign("nb", FLOAT, f"{array}[({position}) % {array}.shape[0]]")
                stmts.emit(rng.randint(0, 2))
                body.line(f"{acc} {rng.choice(('+=', '-='))} {exprs.scalar(2).operand()} * {neighbour}")
            stmts.unrolled //= trips

    nest(0, "tid")
    body.line(f"{out}[tid] = {exprs.scalar(1).text}")
    name = pick_name(rng, ("convolve", "accumulate", "sum", "smooth", "correlate", "integrate"), ("window", "neighbors", "stencil", "patch", "band"))
    desc = f"{levels} nested loops ({', '.join(loops)}) accumulating neighbour values from {len(arrays)} array(s)."
    return KernelSpec(name, CATEGORY, desc, k.source(name))
