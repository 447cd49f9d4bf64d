"""Liveness of a mutant: no unreachable statement and no dead store.

A stand-in for the liveness checker of the motif synthesizer (issue 17): ``dead_statements`` is
the one function to replace when it lands. ``prune_dead_stores`` is what edits that remove code
run afterwards, so a removed output takes the values only it needed with it.
"""

from __future__ import annotations

import ast

from generators.mutate.tree import loaded_names, statement_lists

_EXITS = (ast.Return, ast.Break, ast.Continue)


def dead_statements(tree: ast.Module) -> list[str]:
    """``line: why`` for each statement of each function in ``tree`` that can never matter.

    Unreachable: it follows a ``return`` / ``break`` / ``continue`` in its block, or sits under
    ``if False`` / ``while False``. Dead store: it binds local names no statement of the
    function ever reads (loop variables and names starting with ``_`` excepted; of an unpacking
    such as ``i, j = wp.tid()``, one name read keeps the statement live).
    """
    problems = []
    for function in (n for n in tree.body if isinstance(n, ast.FunctionDef)):
        for block in statement_lists(function):
            for position, stmt in enumerate(block[:-1]):
                if isinstance(stmt, _EXITS):
                    problems.append(f"{block[position + 1].lineno}: unreachable after {type(stmt).__name__.lower()}")
                    break
        for node in ast.walk(function):
            if isinstance(node, (ast.If, ast.While)) and isinstance(node.test, ast.Constant) and not node.test.value:
                problems.append(f"{node.lineno}: never runs ({ast.unparse(node.test)})")
        read = loaded_names(function)
        for node in ast.walk(function):
            names = [n for n in _bound_names(node) if not n.startswith("_")]
            if names and not set(names) & read:  # unpacking binds every element: one read keeps them all
                problems.append(f"{node.lineno}: dead store to {', '.join(names)}")
    return problems


def _bound_names(stmt: ast.AST) -> list[str]:
    if isinstance(stmt, ast.Assign):
        targets = [e for t in stmt.targets for e in (t.elts if isinstance(t, ast.Tuple) else [t])]
    elif isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
        targets = [stmt.target]
    else:
        return []
    return [t.id for t in targets if isinstance(t, ast.Name)]


def prune_dead_stores(function: ast.FunctionDef) -> int:
    """Remove assignments whose names nothing reads, until none is left; how many were removed.

    An assignment whose value calls something (an atomic, a helper that may write) is kept.
    """
    removed = 0
    while True:
        read = loaded_names(function)
        victim = None
        for block in statement_lists(function):
            for stmt in block:
                names = _bound_names(stmt)
                calls = any(isinstance(n, ast.Call) and "atomic" in ast.unparse(n.func) for n in ast.walk(stmt))
                if names and not calls and all(n not in read for n in names):
                    victim = (block, stmt)
                    break
            if victim:
                break
        if victim is None:
            return removed
        block, stmt = victim
        block.remove(stmt)
        if not block:
            block.append(ast.Pass())
        removed += 1
