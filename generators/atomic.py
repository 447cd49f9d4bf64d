"""Scatter and reduction through atomics: wp.atomic_add/sub/min/max and ``+=`` on array slots.

Every atomic index is in bounds by construction: slot 0, ``tid`` modulo the array length, or a
bin computed from a value and clamped to ``[0, len - 1]``.
"""

import random

from generators.program import FLOAT, INT, Exprs, KernelParts, pick_name
from generators.spec import KernelSpec
from generators.statements import Statements

CATEGORY = "atomic"


def _index(rng: random.Random, exprs: Exprs, array: str) -> str:
    kind = rng.choice(("zero", "modulo", "bin"))
    if kind == "zero":
        return "0"
    if kind == "modulo":
        return f"tid % {array}.shape[0]"
    value = exprs.scalar(1).text
    return f"wp.clamp(int(wp.clamp({value}, -1000.0, 1000.0)), 0, {array}.shape[0] - 1)"


def synthesize(rng: random.Random) -> KernelSpec:
    element = FLOAT if rng.random() < 0.7 else INT
    k = KernelParts(rng)
    n_in, n_stmt, n_atomic = rng.randint(1, 2), rng.randint(0, 3), rng.randint(1, 3)
    for _ in range(n_in):
        k.input_array(element)
    targets = [k.output_array(element) for _ in range(rng.randint(1, 2))]
    exprs = Exprs(rng, k.body, ("int",) if element == INT else ("math",))
    Statements(rng, k.body, exprs, [element], ("assign", "assign", "update")).emit(n_stmt)
    ops = []
    for _ in range(n_atomic):
        array = rng.choice(targets)
        index, value = _index(rng, exprs, array), exprs.of(element, rng.randint(0, 2)).text
        op = rng.choice(("add", "sub", "min", "max", "inplace_add", "inplace_sub", "old"))
        ops.append(op)
        guarded = rng.random() < 0.3
        if guarded:
            k.body.line(f"if {exprs.condition(1).text}:")
        pad = "    " if guarded else ""
        if op.startswith("inplace"):
            k.body.line(f"{pad}{array}[{index}] {'+=' if op == 'inplace_add' else '-='} {value}")
        elif op == "old":
            old = k.body.fresh("prev")
            k.body.line(f"{pad}{old} = wp.atomic_add({array}, {index}, {value})")
        else:
            k.body.line(f"{pad}wp.atomic_{op}({array}, {index}, {value})")
    name = pick_name(rng, ("accumulate", "scatter", "reduce", "histogram", "count", "gather_max"), ("values", "bins", "totals", "counts", "extrema"))
    desc = f"Atomic {element} updates ({', '.join(sorted(set(ops)))}) into {len(targets)} shared array(s) from {n_in} input(s)."
    return KernelSpec(name, CATEGORY, desc, k.source(name))
