"""The language constructs a kernel source uses: the plan records them, the card counts them."""

from __future__ import annotations

import ast
from typing import Any

from generators.spec import child_fields

CONSTRUCTS = (
    "if",
    "elif",
    "else",
    "conditional expression",
    "for (constant range)",
    "for (dynamic range)",
    "while",
    "break",
    "continue",
    "early return",
    "augmented assignment",
    "atomic",
    "@wp.func helper",
    "@wp.func overload",
    "@wp.struct",
    "multi-dimensional launch",
    "tile",
    "spatial query",
    "random numbers",
)


def constructs(python_source: str) -> set[str]:
    """The control-flow and language constructs one kernel source uses (names from ``CONSTRUCTS``)."""
    return constructs_in(ast.parse(python_source))


def constructs_in(tree: ast.Module) -> set[str]:
    """``constructs`` of an already parsed source."""
    found: set[str] = set()
    functions = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    helpers = [n for n in tree.body if isinstance(n, ast.FunctionDef) and _decorator(n) == "func"]
    if helpers:
        found.add("@wp.func helper")
    if len(functions) != len(set(functions)):
        found.add("@wp.func overload")
    if any(isinstance(n, ast.ClassDef) for n in tree.body):
        found.add("@wp.struct")
    kernel = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and _decorator(n) == "kernel")
    # One pass over the module, a top-level statement at a time: a ``return`` anywhere in the
    # kernel is early, in a helper only when it is not in the helper's last statement.
    early_return = False
    for statement in tree.body:
        if statement is kernel:
            early_return |= _scan([statement], found)
        elif any(statement is helper for helper in helpers):
            early_return |= _scan(statement.body[:-1], found)
            _scan([*statement.body[-1:], statement.args, *statement.decorator_list, statement.returns], found)
        else:
            _scan([statement], found)
    if early_return:
        found.add("early return")
    return found


def _scan(roots: list[Any], found: set[str]) -> bool:
    """Add the constructs used in the subtrees ``roots`` to ``found``; whether they hold a ``return``."""
    has_return = False
    stack = list(roots)
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind not in _TELLING:
            pass  # most nodes (names, constants, operators, subscripts) name no construct
        elif kind is ast.If:
            found.add("if")
            if node.orelse:
                found.add("elif" if len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If) else "else")
        elif kind is ast.IfExp:
            found.add("conditional expression")
        elif kind is ast.For:
            constant = all(isinstance(a, ast.Constant) for a in getattr(node.iter, "args", ()))
            found.add("for (constant range)" if constant else "for (dynamic range)")
        elif kind is ast.While:
            found.add("while")
        elif kind is ast.Break:
            found.add("break")
        elif kind is ast.Continue:
            found.add("continue")
        elif kind is ast.AugAssign:
            found.add("augmented assignment")
        elif kind is ast.Return:
            has_return = True
        elif kind is ast.Assign:
            if isinstance(node.targets[0], ast.Tuple) and _calls(node.value, "tid"):
                found.add("multi-dimensional launch")
        elif kind is ast.Call and isinstance(node.func, ast.Attribute):
            name = node.func.attr
            if name.startswith("atomic_"):
                found.add("atomic")
            elif name.startswith("tile"):
                found.add("tile")
            elif name.startswith(("mesh_query", "bvh_query", "hash_grid_query", "volume_sample", "volume_lookup")):
                found.add("spatial query")
            elif name.startswith("rand"):
                found.add("random numbers")
        for field in child_fields(kind):
            value = getattr(node, field)
            if type(value) is list:
                stack.extend(value)
            elif value is not None:
                stack.append(value)
    return has_return


# The node types ``_scan`` reads a construct from.
_TELLING = frozenset(
    {ast.If, ast.IfExp, ast.For, ast.While, ast.Break, ast.Continue, ast.AugAssign, ast.Return, ast.Assign, ast.Call}
)


def _decorator(node: ast.FunctionDef) -> str:
    """``kernel`` for ``@wp.kernel``, ``@wp.kernel(...)`` and ``@kernel`` (real code spells it all three ways)."""
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute):
            return target.attr
        if isinstance(target, ast.Name):
            return target.id
    return ""


def _calls(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == name
