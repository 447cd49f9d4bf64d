"""Kernels written in a file whose definition did not run at import: inside a function (a test, a
factory nobody called) or a branch not taken.

Each such ``def`` statement, decorators included, is executed alone in a copy of the imported
module's globals, under the file's own name and line numbers (so ``inspect`` reads its source
from the file). A kernel that reads names of its enclosing function's locals cannot be made this
way; it fails later, when its source is made self-contained and generated alone, with that reason.
"""

from __future__ import annotations

import ast
import tokenize
from dataclasses import dataclass

from builder.errors import one_line


@dataclass(frozen=True)
class Unrun:
    """A kernel definition that did not run at import and could not be run alone."""

    line: int  # of its first decorator
    name: str
    reason: str
    detail: str


def kernel_decorator_line(node: ast.AST) -> int | None:
    """The first decorator line of a ``def`` decorated ``@wp.kernel`` / ``@warp.kernel`` (with or without arguments)."""
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute) and target.attr == "kernel" and isinstance(target.value, ast.Name):
            if target.value.id in ("wp", "warp"):
                return min(d.lineno for d in node.decorator_list)
    return None


def unrun_kernels(module, path: str, ran: set[int]) -> tuple[list, list[Unrun]]:
    """The kernels of ``path`` whose first decorator line is not in ``ran``, each made by running its ``def`` alone."""
    import warp

    with tokenize.open(path) as file:  # the encoding its coding line declares (UTF-8 without one)
        tree = ast.parse(file.read(), path)
    kernels, failures = [], []
    for node in ast.walk(tree):
        line = kernel_decorator_line(node)
        if line is None or line in ran:
            continue
        namespace = dict(vars(module))
        try:
            exec(compile(ast.Module([node], type_ignores=[]), path, "exec"), namespace)
        except Exception as error:  # the decorator reads what only the enclosing function binds
            failures.append(
                Unrun(line, node.name, f"not defined at import: {type(error).__name__}", one_line(error, typed=False))
            )
            continue
        kernel = namespace.get(node.name)
        if isinstance(kernel, warp.Kernel):
            kernels.append(kernel)
        else:
            failures.append(Unrun(line, node.name, "not defined at import: no kernel", "its def made no warp.Kernel"))
    return kernels, failures
