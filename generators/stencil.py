"""Stencils: each thread reads neighbours at clamped offsets (1-D or 2-D) and writes its own cell."""

import random

from generators.draft import Draft
from generators.program import pick_name
from generators.spec import KernelSpec
from generators.swarm import FLOAT_SCALARS, draw

CATEGORY = "stencil"


def synthesize(rng: random.Random) -> KernelSpec:
    ndim = rng.choice((1, 2, 2))
    swarm = draw(
        rng,
        type_kinds=("scalar", "vector"),
        scalars=FLOAT_SCALARS,
        n_types=(1, 2),
        kinds=("assign", "update", "augment", "ternary", "if"),
        budget=(2, 8),
        max_nesting=(1, 2),
        main_precision=0.9,
    )
    t = swarm.types[0]
    d = Draft(rng, swarm, ndim=ndim)
    field = d.kb.input_array(t, load=False)
    d.add_outputs(1, [t])
    taps = []
    radius = rng.randint(1, 2)
    offsets = (
        [(o,) for o in range(-radius, radius + 1)]
        if ndim == 1
        else [
            (a, b) for a in range(-radius, radius + 1) for b in range(-radius, radius + 1) if abs(a) + abs(b) <= radius
        ]
    )
    for offset in rng.sample(offsets, min(len(offsets), rng.randint(3, 6))):
        parts = []
        for axis, (index, delta) in enumerate(zip(d.kb.indices, offset, strict=False)):
            shifted = index if delta == 0 else f"{index} {'+' if delta > 0 else '-'} {abs(delta)}"
            parts.append(shifted if delta == 0 else f"wp.clamp({shifted}, 0, {field}.shape[{axis}] - 1)")
        taps.append(d.body.assign("c" if not any(offset) else "n", t, f"{field}[{', '.join(parts)}]"))
    weights = [d.exprs.literal(t if t.is_scalar else d.swarm.types[-1]).text for _ in taps] if t.is_scalar else None
    terms = [f"{w} * {tap}" for w, tap in zip(weights, taps, strict=False)] if weights else taps
    combined = " + ".join(terms)
    d.body.assign("lap", t, combined)
    d.statements.run()
    name = pick_name(
        rng,
        ("diffuse", "blur", "laplacian", "smooth", "relax", "filter"),
        ("grid", "image", "field", "heat", "pressure"),
    )
    return d.finish(
        name, CATEGORY, f"{ndim}-D stencil over {t.name} with {len(taps)} taps at clamped offsets up to {radius}."
    )
