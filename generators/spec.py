"""The unit every synthesizer produces: one kernel's Python source and what it is about."""

from __future__ import annotations

import ast
from dataclasses import dataclass

# Decorators and annotation helpers are syntax, not builtins the kernel body computes with.
_NOT_BUILTINS = frozenset({"kernel", "func", "struct", "array", "array2d", "array3d", "array4d"})


@dataclass(frozen=True)
class KernelSpec:
    """One synthesized kernel.

    ``python_source`` holds the kernel plus every ``@wp.func`` / ``@wp.struct`` it needs,
    decorators included, and no import line: it runs with ``wp`` bound to the ``warp`` module.
    """

    kernel_name: str
    category: str
    description: str
    python_source: str
    builtins: tuple[str, ...]

    @classmethod
    def from_source(cls, kernel_name: str, category: str, description: str, python_source: str) -> KernelSpec:
        """Build a spec, reading the ``wp.*`` builtins the source calls from its AST."""
        return cls(kernel_name, category, description, python_source, used_builtins(python_source))


def used_builtins(python_source: str) -> tuple[str, ...]:
    """Sorted names ``X`` of every ``wp.X(...)`` call in the source, decorators excluded."""
    names = set()
    for node in ast.walk(ast.parse(python_source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "wp"
            and node.func.attr not in _NOT_BUILTINS
        ):
            names.add(node.func.attr)
    return tuple(sorted(names))
