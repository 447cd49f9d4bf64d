"""Checks a row's description and category against its live code.

A description names arrays and values in backticks (`particle_q`) and operations in words
("atomic", "hash-grid", "CSR", "softmax"...). Each named value must be a parameter of the kernel
(or a field of a struct parameter) that the kernel reads or writes, and each operation word must
have its construct in the code. A category (motif family) is true of the code when the family's
namesake construct is there; the liveness pass (``builder.plan.quality``) says that all of the code is live.
"""

from __future__ import annotations

import ast
import re

from builder.plan.kernel_ast import find_kernels, walk

# Operation words of a description -> the construct that must be in the code.
OPERATION_WORDS: dict[str, str] = {
    r"\batomics?\b": r"wp\.atomic_\w+\(",
    r"\bhash-grid\b": r"wp\.hash_grid_query\(",
    r"\bmesh\b": r"wp\.mesh_query_\w+\(",
    r"\bCSR\b": r"for \w+ in range\(\w+, \w+\)",
    r"\bsoftmax\b": r"wp\.exp\(",
    r"\bray\b": r"wp\.mesh_query_ray\(",
    r"\bRNG\b|\brandom\b": r"wp\.rand_init\(",
    r"\bquaternion\b": r"wp\.quat",
    r"\bLaplacian\b": r"\+ .*\[.*\] - ",
    r"\bhistogram\b": r"wp\.atomic_add\(",
}
# Category (motif family) -> a construct its code must hold for the label to be true.
FAMILY_MARKERS: dict[str, str] = {
    "particle_integration": r"= \w+ \+ \w+ \* [\w.]+\n",
    "spring_forces": r"wp\.atomic_(add|sub)\(",
    "collision_response": r"wp\.dot\(",
    "neighbor_sum": r"wp\.hash_grid_query\(",
    "mesh_query": r"wp\.mesh_query_\w+\(",
    "grid_stencil": r"wp\.array2d\([\s\S]*[+-] 1\b",
    "reduction_histogram": r"wp\.atomic_(add|max|min)\(",
    "sparse_matvec": r"for \w+ in range\(\w+, \w+\):|for \w+ in range\([^)]*\]\):|\w+\[\w+\[\w+(, \w+)?\]\]",
    "fem_assembly": r"wp\.vec[34]i\)",
    "rigid_transform": r"wp\.(transform_\w+|quat_\w+|spatial_\w+|transform)\(",
    "activation_normalization": r"wp\.(exp|max|tanh|sqrt|where|log|clamp|abs)\(",
    "random_sampling": r"wp\.rand_init\(",
    "scan_compaction": r"for \w+ in range\(.*shape\[1\]\):|\[\w+\] = \w+\[\w+\]\n|wp\.atomic_add\(|\[\w+ - 1\]\n",
    "dense_layer": r"\w+\[\w+, \w+\] \* \w+\[\w+(, \w+)?\]|\[\w+ % \w+\.shape\[0\]\] \* ",
    "quaternion_kinematics": r"wp\.(quat\w*|spatial_vector)\(|dtype=wp\.quat\)",
}


def _names(source: str) -> tuple[set[str], set[str]]:
    """(parameters and struct-parameter fields, every name the kernel body loads or stores)."""
    tree = ast.parse(source)
    fn = find_kernels(tree)[-1]
    structs = {
        n.name: [t.target.id for t in n.body if isinstance(t, ast.AnnAssign) and isinstance(t.target, ast.Name)]
        for n in walk(tree)
        if isinstance(n, ast.ClassDef)
    }
    params: set[str] = set()
    for a in fn.args.args:
        params.add(a.arg)
        params |= set(structs.get(ast.unparse(a.annotation) if a.annotation is not None else "", ()))
    used = {n.id for st in fn.body for n in walk(st) if isinstance(n, ast.Name)}
    used |= {n.attr for st in fn.body for n in walk(st) if isinstance(n, ast.Attribute)}
    return params, used


def description_problems(source: str, description: str) -> list[str]:
    """What the description claims that the code does not hold (empty when it checks out)."""
    problems = []
    params, used = _names(source)
    named = set(re.findall(r"`(\w+)`", description))
    if not named:
        problems.append("names no array or value")
    for name in sorted(named):
        if name not in params:
            problems.append(f"`{name}` is not a parameter")
        elif name not in used:
            problems.append(f"`{name}` is not used by the kernel")
    for word, construct in OPERATION_WORDS.items():
        if re.search(word, description) and not re.search(construct, source):
            problems.append(f"says {word.strip(chr(92) + 'b')!r} but the code has no {construct!r}")
    return problems


def label_true(source: str, category: str) -> bool | None:
    """Whether the family's namesake construct is in the code; None for a category without a marker."""
    marker = FAMILY_MARKERS.get(category)
    return None if marker is None else bool(re.search(marker, source))
