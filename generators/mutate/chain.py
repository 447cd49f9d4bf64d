"""The edits a mutant is made of, and how a chain of them is drawn and applied."""

from __future__ import annotations

from collections.abc import Callable

from generators.mutate import dtypes, guards, helpers, names, values
from generators.mutate.edit import EditContext

# Edit name -> (function, weight). Weights favour the edits people make most: renames, constants,
# swapped operations; structural edits (types, guards, outputs, helpers) are rarer.
EDITS: dict[str, tuple[Callable[[EditContext], str | None], int]] = {
    "rename": (names.rename_identifier, 6),
    "constant": (values.change_constant, 4),
    "swap": (values.swap_builtin, 3),
    "loop": (values.change_loop, 2),
    "precision": (dtypes.change_precision, 2),
    "int_width": (dtypes.change_int_width, 1),
    "dimension": (dtypes.change_dimension, 1),
    "guard_add": (guards.add_guard, 1),
    "guard_remove": (guards.remove_guard, 1),
    "output_add": (guards.add_output, 1),
    "output_remove": (guards.remove_output, 1),
    "inline": (helpers.inline_helper, 1),
    "outline": (helpers.outline_expression, 1),
}
# How many edits of each kind a chain draws: cosmetic ones (names, values), then structural ones.
COSMETIC_COUNTS = (0, 1, 1, 2, 2, 3)
STRUCTURAL_COUNTS = (1, 1, 2, 2, 3)
# Edits a chain may apply more than once (at other sites); the others once, and not with their opposite.
REPEATABLE = frozenset({"rename", "constant", "swap", "loop"})
OPPOSITE = {"guard_add": "guard_remove", "output_add": "output_remove", "inline": "outline"}
OPPOSITE |= {b: a for a, b in OPPOSITE.items()}
# Edits that change names or literal values only, which the structural hash erases: a chain of
# only those is a near-duplicate of its parent that the planner's near-duplicate pass drops.
COSMETIC = frozenset({"rename", "constant"})


def apply_chain(ctx: EditContext) -> list[str]:
    """Draw how many cosmetic and structural edits, their order, then each edit by weight; what each did.

    An edit that does not apply to this kernel (no loop to change, no helper to inline) is
    dropped from the draw for the rest of the chain, so the chain never loops on it; when no
    structural edit applies, the chain is cosmetic only (and the mutant check refuses it).
    """
    rng = ctx.rng
    slots = [True] * _draw(STRUCTURAL_COUNTS, rng) + [False] * _draw(COSMETIC_COUNTS, rng)
    rng.shuffle(slots)
    available = dict(EDITS)
    applied: list[str] = []
    for structural in slots:
        while True:
            pool = {k: v for k, v in available.items() if (k not in COSMETIC) == structural}
            if not pool:
                break
            key = _weighted(pool, rng)
            done = available[key][0](ctx)
            if done is None:
                del available[key]
                continue
            applied.append(done)
            for spent in (key, OPPOSITE.get(key)) if key not in REPEATABLE else ():
                available.pop(spent, None)  # a second one would undo the first, or redo it
            break
    return applied


def _draw(options: tuple[int, ...], rng) -> int:
    return options[rng.randrange(len(options))]


def _weighted(pool: dict, rng) -> str:
    pick = rng.randrange(sum(weight for _, weight in pool.values()))
    for key, (_, weight) in pool.items():
        pick -= weight
        if pick < 0:
            return key
    raise AssertionError("unreachable: pick < total weight")


def edit_kind(edit: str) -> str:
    """What kind of edit a description is: ``rename``, ``swap``, ``dtype float32->float64``, ``guard add`` ..."""
    words = edit.split()
    return " ".join(words[:2]) if words[0] in ("dtype", "guard", "output") else words[0]
