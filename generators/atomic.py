"""Scatter and reduction through atomics: wp.atomic_add/sub/min/max/and/or/xor/exch and ``+=``.

Every atomic index is in bounds by construction: slot 0, the thread's index modulo the array
length, or a bin computed from a value and clamped into ``[0, len - 1]``.
"""

import random
from dataclasses import replace

from generators.draft import Draft
from generators.expressions import Exprs
from generators.program import pick_name
from generators.spec import KernelSpec
from generators.swarm import draw
from generators.types import by_name

CATEGORY = "atomic"
# Element types Warp's atomics support on both backends, and the operations each allows.
_OPS = {
    "float32": ("add", "sub", "min", "max", "exch", "inplace_add", "inplace_sub"),
    "float64": ("add", "sub", "min", "max", "exch", "inplace_add"),
    "int32": ("add", "sub", "min", "max", "and", "or", "xor", "exch", "inplace_add"),
    "uint32": ("add", "min", "max", "and", "or", "xor", "exch"),
    "int64": ("add", "sub", "min", "max", "and", "or", "xor"),
    "uint64": ("add", "min", "max", "and", "or", "xor"),
    "vec3f": ("add", "sub", "inplace_add"),
    "vec2f": ("add", "sub"),
}


def atomic_index(rng: random.Random, exprs: Exprs, array: str, tid: str) -> str:
    """An index into 1-D ``array`` that is in bounds whatever the values are."""
    kind = rng.choice(("zero", "modulo", "bin"))
    if kind == "zero":
        return "0"
    if kind == "modulo":
        return f"{tid} % {array}.shape[0]"
    value = exprs.of(by_name("float32"), 1).text
    return f"wp.clamp(int(wp.clamp({value}, -1000.0, 1000.0)), 0, {array}.shape[0] - 1)"


def synthesize(rng: random.Random) -> KernelSpec:
    element = by_name(rng.choice(sorted(_OPS)))
    swarm = draw(
        rng,
        type_kinds=("scalar", "vector"),
        scalars=(element.scalar, "float32"),
        n_types=(1, 2),
        kinds=("assign", "update", "augment", "if"),
        budget=(2, 8),
        max_nesting=(1, 1),
    )
    swarm = replace(swarm, types=tuple(dict.fromkeys((element,) + swarm.types)))
    d = Draft(rng, swarm)
    d.inputs(rng.randint(1, 2))
    targets = [d.kb.output_array(element, ndim=1) for _ in range(rng.randint(1, 2))]
    d.statements.emit(rng.randint(1, 4))
    ops = []
    for _ in range(rng.randint(1, 4)):
        array = rng.choice(targets)
        index, value = atomic_index(rng, d.exprs, array, "tid"), d.exprs.of(element, rng.randint(0, 2)).text
        op = rng.choice(_OPS[element.name])
        ops.append(op)
        guarded = rng.random() < 0.3
        if guarded:
            d.body.line(f"if {d.exprs.condition(1).text}:")
        pad = "    " if guarded else ""
        if op.startswith("inplace"):
            d.body.line(f"{pad}{array}[{index}] {'+=' if op == 'inplace_add' else '-='} {value}")
        elif op == "exch" or rng.random() < 0.2:
            old = d.body.fresh("prev")
            d.body.line(f"{pad}{old} = wp.atomic_{op}({array}, {index}, {value})")
        else:
            d.body.line(f"{pad}wp.atomic_{op}({array}, {index}, {value})")
    name = pick_name(
        rng,
        ("accumulate", "scatter", "reduce", "histogram", "count", "gather_max"),
        ("values", "bins", "totals", "counts", "extrema"),
    )
    return d.finish(
        name,
        CATEGORY,
        f"Atomic {element.name} updates ({', '.join(sorted(set(ops)))}) into {len(targets)} shared array(s).",
    )
