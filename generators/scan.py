"""Prefix patterns: inclusive / exclusive prefix sums and one Hillis-Steele scan step."""

import random
from dataclasses import replace

from generators.draft import Draft
from generators.program import pick_name
from generators.spec import KernelSpec
from generators.swarm import draw
from generators.types import INT32, by_name, scalar_literal

CATEGORY = "scan"


def synthesize(rng: random.Random) -> KernelSpec:
    element = by_name(rng.choice(("float32", "float32", "float64", "int32", "int64", "vec3f", "vec2d")))
    swarm = draw(
        rng,
        type_kinds=("scalar", "vector"),
        scalars=(element.scalar,),
        n_types=(1, 2),
        kinds=("assign", "update", "ternary", "if"),
        budget=(1, 6),
        max_nesting=(1, 1),
    )
    swarm = replace(swarm, types=tuple(dict.fromkeys((element,) + swarm.types)))
    d = Draft(rng, swarm)
    data = d.kb.input_array(element, load=False)
    out = d.kb.output_array(element)
    form = rng.choice(("inclusive", "exclusive", "step"))
    if form == "step":
        offset = d.kb.value_param(INT32)
        with d.body.block(f"if tid >= {offset} and {offset} > 0"):
            d.body.line(f"{out}[tid] = {data}[tid] + {data}[tid - {offset}]")
        with d.body.block("else"):
            d.body.line(f"{out}[tid] = {data}[tid]")
        d.statements.run()
    else:
        acc = d.body.assign(
            "running", element, scalar_literal(element, 0) if element.is_scalar else f"{element.text}()"
        )
        index = d.body.fresh("k")
        stop = "tid + 1" if form == "inclusive" else "tid"
        with d.body.block(f"for {index} in range({stop})"):
            d.body.bind_loop_index(index)
            d.statements.in_loop += 1
            d.statements.emit(rng.randint(0, 2))
            d.statements.in_loop -= 1
            d.body.line(f"{acc} += {data}[{index}]")
        d.statements.run()
        d.body.line(f"{out}[tid] = {acc}")
    name = pick_name(rng, ("prefix", "scan", "cumulate", "running"), ("sum", "totals", "offsets", "counts"))
    return d.finish(
        name,
        CATEGORY,
        f"{form.capitalize()} prefix pattern over {element.name}: output i combines inputs before (or at) i.",
    )
