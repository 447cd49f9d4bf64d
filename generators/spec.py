"""The unit every synthesizer produces: one kernel's Python source and what it is about."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cached_property, lru_cache

# Decorators and annotation helpers are syntax, not builtins the kernel body computes with.
_NOT_BUILTINS = frozenset({"kernel", "func", "struct", "array", "array2d", "array3d", "array4d"})
# Registry keys behind Python operators and constructors (``a + b`` calls ``add``).
_BINARY = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.FloorDiv: "floordiv", ast.Mod: "mod", ast.BitAnd: "bit_and", ast.BitOr: "bit_or", ast.BitXor: "bit_xor", ast.LShift: "lshift", ast.RShift: "rshift", ast.Pow: "pow"}
_UNARY = {ast.USub: "neg", ast.UAdd: "pos", ast.Invert: "invert", ast.Not: "unot"}
_CONSTRUCTOR_KEYS = {"vector": "vector", "spatial_vector": "vector", "matrix": "matrix", "spatial_matrix": "matrix", "quat": "quaternion", "transform": "transformation"}


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
    value_types: tuple[str, ...] = ()  # Warp type names of every value the kernel computes with

    @cached_property
    def builtins(self) -> tuple[str, ...]:
        """The ``wp.*`` builtins the source calls.

        Derived on first use: parsing is most of a spec's cost, and planning (which parses for
        the structural hash) never needs it; rows read it in the worker processes.
        """
        return used_builtins(self.python_source)


@lru_cache(maxsize=None)
def _constructor_keys() -> dict[str, str]:
    """Type spelling after ``wp.`` -> the registry key of its constructor."""
    from generators.types import universe

    return {t.text.removeprefix("wp."): _CONSTRUCTOR_KEYS.get(t.kind, t.name) for t in universe()}


def used_builtins(python_source: str) -> tuple[str, ...]:
    """Sorted registry keys the source calls: ``wp.X(...)``, ``float(...)`` / ``int(...)``, operators.

    Operators count as the builtins Warp resolves them to (``a + b`` is ``add``, ``-x`` is
    ``neg``, ``x += y`` is ``add``); a type constructor counts as its constructor builtin
    (``wp.vec3(...)`` is ``vector``, ``wp.float16(x)`` is ``float16``).
    """
    constructors = _constructor_keys()
    names = set()
    for node in ast.walk(ast.parse(python_source)):
        if isinstance(node, ast.Call):
            function = node.func
            if isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name) and function.value.id == "wp":
                if function.attr not in _NOT_BUILTINS:
                    names.add(constructors.get(function.attr, function.attr))
            elif isinstance(function, ast.Name) and function.id in ("float", "int"):
                names.add(function.id)
        elif isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in _BINARY:
            names.add(_BINARY[type(node.op)])
        elif isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            names.add(_UNARY[type(node.op)])
    return tuple(sorted(names))
