"""Reductions: each thread folds a strip of the input, then one atomic combines the strips."""

import random

from generators.draft import Draft
from generators.program import pick_name
from generators.spec import KernelSpec
from generators.swarm import draw
from generators.types import INT32, by_name, scalar_literal

CATEGORY = "reduction"
_COMBINE = {
    "float32": ("add", "min", "max"),
    "float64": ("add", "min", "max"),
    "int32": ("add", "min", "max", "or", "xor"),
    "uint32": ("add", "max", "and", "or"),
}


def synthesize(rng: random.Random) -> KernelSpec:
    element = by_name(rng.choice(sorted(_COMBINE)))
    swarm = draw(
        rng,
        type_kinds=("scalar",),
        scalars=(element.name,),
        n_types=(1, 1),
        kinds=("assign", "update", "augment", "if", "ternary"),
        budget=(2, 7),
        max_nesting=(1, 2),
    )
    d = Draft(rng, swarm)
    data = d.kb.input_array(element, load=False)
    total = d.kb.output_array(element, ndim=1)
    strip = d.kb.value_param(INT32) if rng.random() < 0.5 else str(rng.choice((2, 4, 8, 16)))
    if rng.random() < 0.5:
        d.add_outputs(1, [element])
    d.statements.emit(rng.randint(0, 3))
    op = rng.choice(_COMBINE[element.name])
    zero = scalar_literal(element, 0)
    init = {
        "add": zero,
        "or": zero,
        "xor": zero,
        "and": f"~{element.text}(0)",
        "min": f"{data}[0]",
        "max": f"{data}[0]",
    }[op]
    acc = d.body.assign("partial", element, init)
    index = d.body.fresh("k")
    limit = f"wp.min({strip}, 32)" if not strip.isdigit() else strip
    with d.body.block(f"for {index} in range({limit})"):
        d.body.bind_loop_index(index)
        # Contiguous strips, or strided so neighbouring threads read neighbouring elements.
        position = f"tid * {limit} + {index}" if rng.random() < 0.5 else f"{index} * {rng.randint(2, 9)} + tid"
        x = d.body.assign("x", element, f"{data}[({position}) % {data}.shape[0]]")
        d.statements.in_loop += 1
        d.statements.emit(rng.randint(0, 3))
        if rng.random() < 0.3:
            with d.body.block(f"if {d.exprs.condition(1).text}"):
                d.body.line("continue")
        d.statements.in_loop -= 1
        value = d.exprs.of(element, 1).text if rng.random() < 0.5 else x
        fold = {
            "add": f"{acc} + {value}",
            "min": f"wp.min({acc}, {value})",
            "max": f"wp.max({acc}, {value})",
            "or": f"{acc} | ({value})",
            "xor": f"{acc} ^ ({value})",
            "and": f"{acc} & ({value})",
        }[op]
        d.body.store(acc, element, fold)
    d.statements.run()
    d.body.line(f"wp.atomic_{op}({total}, 0, {acc})")
    name = pick_name(
        rng, ("reduce", "fold", "total", "aggregate", "combine"), ("strips", "values", "chunks", "blocks", "partials")
    )
    return d.finish(
        name,
        CATEGORY,
        f"Each thread folds a strip of {element.name} values with {op}; one atomic_{op} combines the strips into slot "
        "0.",
    )
