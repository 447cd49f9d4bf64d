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
CHAIN_LENGTHS = (1, 2, 2, 3, 3, 4, 5)
# Edits a chain may apply more than once (at other sites); the others once, and not with their opposite.
REPEATABLE = frozenset({"rename", "constant", "swap", "loop"})
OPPOSITE = {"guard_add": "guard_remove", "output_add": "output_remove", "inline": "outline"}
OPPOSITE |= {b: a for a, b in OPPOSITE.items()}
# Edits that change names or literal values only, which the structural hash erases.
COSMETIC = frozenset({"rename", "constant"})


def apply_chain(ctx: EditContext) -> list[str]:
    """Draw a chain length, then edits by weight until that many applied; what each did, in order.

    An edit that does not apply to this kernel (no loop to change, no helper to inline) is
    dropped from the draw for the rest of the chain, so the chain never loops on it.
    """
    rng = ctx.rng
    length = CHAIN_LENGTHS[rng.randrange(len(CHAIN_LENGTHS))]
    available = dict(EDITS)
    applied: list[str] = []
    while len(applied) < length and available:
        keys = list(available)
        total = sum(available[k][1] for k in keys)
        pick = rng.randrange(total)
        for key in keys:
            pick -= available[key][1]
            if pick < 0:
                break
        done = available[key][0](ctx)
        if done is None:
            del available[key]
        else:
            applied.append(done)
            for spent in (key, OPPOSITE.get(key)) if key not in REPEATABLE else ():
                available.pop(spent, None)  # a second one would undo the first, or redo it
    # Renames and new constant values leave the structural hash alone: a chain of only those is a
    # near-duplicate of its parent that the planner would drop, so one structural edit follows.
    for key in _shuffled([k for k in available if k not in COSMETIC], rng):
        if all(edit_kind(e) in COSMETIC for e in applied):
            done = available[key][0](ctx)
            applied += [done] if done else []
    return applied


def _shuffled(keys: list[str], rng) -> list[str]:
    rng.shuffle(keys)
    return keys


def edit_kind(edit: str) -> str:
    """What kind of edit a description is: ``rename``, ``swap``, ``dtype float32->float64``, ``guard add`` ..."""
    words = edit.split()
    return " ".join(words[:2]) if words[0] in ("dtype", "guard", "output") else words[0]
