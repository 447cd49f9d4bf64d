"""Nested ``for`` loops (constant or parameter trip counts) accumulating over neighbours."""

import random
from dataclasses import replace

from generators.draft import Draft
from generators.program import pick_name
from generators.spec import KernelSpec
from generators.statements import MAX_UNROLL, constant_range
from generators.swarm import FLOAT_SCALARS, draw
from generators.types import by_name

CATEGORY = "nested_loop"


def synthesize(rng: random.Random) -> KernelSpec:
    swarm = draw(
        rng,
        type_kinds=("scalar", "vector"),
        scalars=FLOAT_SCALARS,
        n_types=(1, 2),
        kinds=("assign", "update", "augment", "if", "guard_exit"),
        budget=(3, 12),
        max_nesting=(3, 4),
    )
    # The accumulator multiplies weights by neighbours: a float scalar.
    scalar = by_name(rng.choice([t.scalar for t in swarm.types]))
    swarm = replace(swarm, types=tuple(dict.fromkeys((scalar,) + swarm.types)))
    d = Draft(rng, swarm)
    arrays = [d.kb.input_array(scalar, load=rng.random() < 0.6) for _ in range(rng.randint(1, 2))]
    bound = d.bound_param() if rng.random() < 0.4 else None
    d.add_outputs(1, [scalar])
    stmts = d.statements
    acc = d.body.assign("acc", scalar, d.exprs.literal(scalar).text)
    levels = rng.randint(2, 3)
    headers = []

    def nest(level: int, offset: str) -> None:
        index = d.body.fresh(("i", "j", "k", "l")[level])
        trips = 1  # a dynamic trip count is never unrolled
        if bound is not None and level == 0:
            header = f"range(wp.min({bound}, 16))"
        else:
            bounds, trips = constant_range(rng, stmts.unrolled, 2, 8)
            header = f"range({bounds})"
        headers.append(header)
        trips = trips if trips <= MAX_UNROLL else 1
        with d.body.block(f"for {index} in {header}"):
            d.body.bind_loop_index(index)
            stmts.unrolled *= trips
            stmts.in_loop += 1
            position = f"{offset} + {index}"
            if rng.random() < 0.5:
                stmts.emit(rng.randint(1, 2))
            if level + 1 < levels:
                nest(level + 1, position)
            else:
                array = rng.choice(arrays)
                neighbour = d.body.assign("nb", scalar, f"{array}[({position}) % {array}.shape[0]]")
                stmts.emit(rng.randint(0, 2))
                d.body.line(f"{acc} {rng.choice(('+=', '-='))} {d.exprs.of(scalar, 1).operand()} * {neighbour}")
            stmts.in_loop -= 1
            stmts.unrolled //= trips

    nest(0, "tid")
    name = pick_name(
        rng,
        ("convolve", "accumulate", "sum", "smooth", "correlate", "integrate"),
        ("window", "neighbors", "stencil", "patch", "band"),
    )
    return d.finish(
        name,
        CATEGORY,
        f"{levels} nested loops ({', '.join(headers)}) accumulating {scalar.name} neighbour values from {len(arrays)} "
        "array(s).",
    )
