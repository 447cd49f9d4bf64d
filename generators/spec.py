"""The unit every synthesizer produces: one kernel's Python source and what it is about."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cached_property

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

    @cached_property
    def builtins(self) -> tuple[str, ...]:
        """The ``wp.*`` builtins the source calls.

        Derived on first use: parsing is most of a spec's cost, and planning (which parses for
        the structural hash) never needs it; rows read it in the worker processes.
        """
        return used_builtins(self.python_source)


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
