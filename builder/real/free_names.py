"""The names a piece of Python reads without binding them, with the attribute chains read through each."""

from __future__ import annotations

import ast


def free_names(node: ast.AST) -> dict[str, set[tuple[str, ...]]]:
    """Names read but not bound in ``node``, each with the attribute chains read through it."""
    bound: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, (ast.Store, ast.Del)):
            bound.add(sub.id)
        elif isinstance(sub, ast.arg):
            bound.add(sub.arg)
    chains: dict[int, tuple[str, ...]] = {}
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and id(sub) not in chains:
            path, inner = [], sub
            while isinstance(inner, ast.Attribute):
                chains[id(inner)] = ()
                path.insert(0, inner.attr)
                inner = inner.value
            if isinstance(inner, ast.Name):
                chains[id(inner)] = tuple(path)
    free: dict[str, set[tuple[str, ...]]] = {}
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load) and sub.id not in bound:
            free.setdefault(sub.id, set()).add(chains.get(id(sub), ()))
    return free
