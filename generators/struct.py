"""User structs: ``@wp.struct`` definitions as parameters, array elements and locals."""

import random

from generators.draft import Draft
from generators.program import pick_name
from generators.spec import KernelSpec
from generators.swarm import ALL_KINDS_OF_TYPE, FLOAT_SCALARS, INT_SCALARS, SIMPLE, draw

CATEGORY = "struct"


def synthesize(rng: random.Random) -> KernelSpec:
    swarm = draw(
        rng,
        type_kinds=ALL_KINDS_OF_TYPE,
        scalars=FLOAT_SCALARS + INT_SCALARS,
        n_types=(2, 4),
        kinds=SIMPLE + ("if", "for"),
        budget=(2, 10),
        max_nesting=(1, 2),
    )
    d = Draft(rng, swarm)
    record = d.struct(rng.randint(2, 4))
    uses = []
    if rng.random() < 0.6:
        d.kb.input_array(record)
        uses.append("array element")
    if rng.random() < 0.5 or not uses:
        d.kb.value_param(record)
        uses.append("parameter")
    d.inputs(rng.randint(0, 1))
    d.add_outputs(rng.randint(0, 1))
    d.statements.emit(rng.randint(1, 3))
    local = d.body.fresh(rng.choice(("s", "rec", "item", "obj")))
    d.body.line(f"{local} = {record.name}()")
    d.body.bind(local, record)
    for field, t in record.fields:
        if rng.random() < 0.8:
            d.body.line(f"{local}.{field} = {d.exprs.of(t).text}")
    uses.append("local")
    d.statements.run()
    if rng.random() < 0.5:
        out = d.kb.output_array(record)
        d.body.line(f"{out}[tid] = {local}")
        uses.append("output element")
    name = pick_name(
        rng,
        ("update", "integrate", "pack", "advance", "gather", "step"),
        ("particles", "bodies", "records", "states", "contacts"),
    )
    fields = ", ".join(f"{f}: {t.name}" for f, t in record.fields)
    return d.finish(name, CATEGORY, f"Struct {record.name} ({fields}) used as {', '.join(uses)}.")
