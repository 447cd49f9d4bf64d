"""The category of a mutant, read from what its code does.

First the motif families whose markers (``builder.plan.descriptions.FAMILY_MARKERS``, the check of
the motif synthesizer's labels) name a specific construct, most specific first (a hash-grid query
before a quaternion); the families marked by a common construct (an atomic add, a dot product) are
not inferred, since the construct alone does not say what a real kernel computes. A kernel no
specific marker matches gets a construct category of the random synthesizer, by the rules below
(again from the most specific: tiles before loops).
"""

from __future__ import annotations

import ast
import re

from builder.plan.descriptions import FAMILY_MARKERS
from generators import MUTANT_FAMILIES
from generators.spec import builtins_in

# (category, test on the set of builtins used and the set of syntax node kinds), first match wins.
_RULES: tuple[tuple[str, object], ...] = (
    ("tile", lambda b, k: any(x.startswith("tile") for x in b)),
    ("geometry_query", lambda b, k: any(x.startswith(("mesh_", "bvh_", "hash_grid_", "volume_")) for x in b)),
    ("random", lambda b, k: any(x.startswith("rand") for x in b) or "noise" in b),
    ("atomic", lambda b, k: any(x.startswith("atomic_") for x in b)),
    ("quaternion_transform", lambda b, k: any(x.startswith(("quat", "transform")) for x in b)),
    ("spatial", lambda b, k: any(x.startswith("spatial_") for x in b)),
    ("struct", lambda b, k: "ClassDef" in k),
    ("while_break", lambda b, k: "While" in k or "Break" in k),
    ("nested_loop", lambda b, k: "NestedFor" in k),
    ("matrix", lambda b, k: "matrix" in b or any(x in b for x in ("outer", "transpose", "determinant", "inverse"))),
    ("helper_function", lambda b, k: "FuncDef" in k),
    ("reduction", lambda b, k: "For" in k and "AugAssign" in k),
    ("multi_conditional", lambda b, k: "ElifOrMany" in k),
    ("control_flow", lambda b, k: "If" in k or "For" in k),
    ("vector", lambda b, k: "vector" in b or any(x in b for x in ("dot", "cross", "length", "normalize"))),
    ("integer_bitwise", lambda b, k: any(x in b for x in ("bit_and", "bit_or", "bit_xor", "lshift", "rshift"))),
    ("math", lambda b, k: any(x in b for x in ("sin", "cos", "exp", "log", "sqrt", "pow", "tanh", "atan2"))),
)


def classify(python_source: str) -> str:
    """The category of ``python_source``: a motif family its code shows, else by the constructs it uses
    (``arithmetic`` when none stands out)."""
    family = next((f for f in MUTANT_FAMILIES if re.search(FAMILY_MARKERS[f], python_source)), None)
    if family is not None:
        return family
    tree = ast.parse(python_source)
    used = set(builtins_in(tree))
    kinds = {type(n).__name__ for n in ast.walk(tree)}
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    if len(functions) > 1:
        kinds.add("FuncDef")
    if any(
        isinstance(inner, ast.For)
        for outer in ast.walk(tree)
        if isinstance(outer, ast.For)
        for inner in ast.walk(outer)
        if inner is not outer
    ):
        kinds.add("NestedFor")
    if sum(isinstance(n, ast.If) for n in ast.walk(tree)) >= 3:
        kinds.add("ElifOrMany")
    return next((category for category, test in _RULES if test(used, kinds)), "arithmetic")
