"""Generated ``@wp.func`` helpers: an acyclic call graph, sometimes with overloads."""

import random

from generators.draft import Draft
from generators.program import pick_name
from generators.spec import KernelSpec
from generators.swarm import ALL_KINDS_OF_TYPE, FLOAT_SCALARS, SIMPLE, draw

CATEGORY = "helper_function"


def synthesize(rng: random.Random) -> KernelSpec:
    swarm = draw(
        rng,
        type_kinds=ALL_KINDS_OF_TYPE[:4],
        scalars=FLOAT_SCALARS,
        n_types=(2, 3),
        kinds=SIMPLE + ("if", "ifelse", "for", "guard_exit"),
        budget=(2, 8),
        max_nesting=(1, 2),
        main_precision=0.8,
    )
    d = Draft(rng, swarm)
    helpers = [d.helper() for _ in range(rng.randint(1, 3))]
    overloads = 0
    if rng.random() < 0.35:
        if d.helper(overload_of=rng.choice(helpers)) not in helpers:
            overloads += 1
    d.standard(n_params=(0, 1))
    d.statements.run()
    for helper in d.kb.helpers:
        if helper.name not in d.exprs.used_helpers:
            args = ", ".join(d.exprs.of(p, 1).text for p in helper.params)
            d.body.assign(d.statements.stem(helper.result), helper.result, f"{helper.name}({args})")
            d.exprs.used_helpers.add(helper.name)
    name = pick_name(
        rng, ("apply", "evaluate", "compose", "process", "map"), ("kernel", "weights", "points", "field", "samples")
    )
    return d.finish(
        name,
        CATEGORY,
        f"Calls {len(helpers)} generated @wp.func helper(s) with {overloads} overload(s); helpers call only earlier "
        "helpers.",
    )
