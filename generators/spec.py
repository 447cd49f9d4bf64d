"""The unit every synthesizer produces: one kernel's Python source and what it is about."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from typing import Any

# Decorators and annotation helpers are syntax, not builtins the kernel body computes with.
_NOT_BUILTINS = frozenset({"kernel", "func", "struct", "array", "array2d", "array3d", "array4d"})
# Registry keys behind Python operators and constructors (``a + b`` calls ``add``).
_BINARY = {
    ast.Add: "add",
    ast.Sub: "sub",
    ast.Mult: "mul",
    ast.Div: "div",
    ast.FloorDiv: "floordiv",
    ast.Mod: "mod",
    ast.BitAnd: "bit_and",
    ast.BitOr: "bit_or",
    ast.BitXor: "bit_xor",
    ast.LShift: "lshift",
    ast.RShift: "rshift",
    ast.Pow: "pow",
}
_UNARY = {ast.USub: "neg", ast.UAdd: "pos", ast.Invert: "invert", ast.Not: "unot"}
_CONSTRUCTOR_KEYS = {
    "vector": "vector",
    "spatial_vector": "vector",
    "matrix": "matrix",
    "spatial_matrix": "matrix",
    "quat": "quaternion",
    "transform": "transformation",
}


@dataclass(frozen=True, slots=True)  # slots: a plan holds one per kernel, 100,000s in one process
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
    generator: str = "random"  # the synthesizer that made it: "random", "motif" or "mutant" (metadata.generator)
    # A mutant's parent and edits, as (metadata field, value) pairs (generators.mutate.provenance.PROVENANCE_FIELDS).
    provenance: tuple[tuple[str, object], ...] = ()

    @property
    def builtins(self) -> tuple[str, ...]:
        """The ``wp.*`` builtins the source calls.

        Derived, not stored: parsing is most of a spec's cost, planning (which parses for the
        structural hash) never needs it, and rows read it once, in the worker processes.
        """
        return used_builtins(self.python_source)


@cache
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
    return builtins_in(ast.parse(python_source))


def builtins_in(tree: ast.AST) -> tuple[str, ...]:
    """``used_builtins`` of an already parsed source."""
    constructors = _constructor_keys()
    names = set()
    stack: list[Any] = [tree]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is ast.Call:
            function = node.func
            if type(function) is ast.Attribute:
                value = function.value
                if type(value) is ast.Name and value.id == "wp" and function.attr not in _NOT_BUILTINS:
                    names.add(constructors.get(function.attr, function.attr))
            elif type(function) is ast.Name and function.id in ("float", "int"):
                names.add(function.id)
        elif kind is ast.BinOp or kind is ast.AugAssign:
            if type(node.op) in _BINARY:
                names.add(_BINARY[type(node.op)])
        elif kind is ast.UnaryOp:
            if type(node.op) in _UNARY:
                names.add(_UNARY[type(node.op)])
        fields = _CHILD_FIELDS.get(kind)
        for field in child_fields(kind) if fields is None else fields:
            value = getattr(node, field)
            if type(value) is list:
                stack.extend(value)
            elif value is not None:
                stack.append(value)
    return tuple(sorted(names))


# Fields that never hold a statement or expression (identifiers, ints, strings, contexts,
# operators, import aliases), so a traversal looking for those need not descend into them.
_LEAF_FIELDS = frozenset(
    {"ctx", "op", "ops", "id", "attr", "arg", "name", "asname", "module", "level", "names"}
    | {"type_comment", "kind", "conversion", "is_async"}
)
# Node class (or any other type met in a field) -> the fields worth descending into. A
# Constant's value is a Python object, never a node.
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {ast.Constant: (), ast.Name: ()}


def child_fields(kind: type) -> tuple[str, ...]:
    """The fields of ``kind`` that may hold statements or expressions (none for a non-node).

    A traversal that pops a node and pushes ``getattr(node, field)`` for these (a list's items,
    a value unless None) meets every statement and expression once, in no particular order;
    it may also meet other values (``None`` in ``Dict.keys``, ``MatchSingleton`` constants),
    which have no child fields.
    """
    fields = _CHILD_FIELDS.get(kind)
    if fields is None:
        fields = _CHILD_FIELDS[kind] = tuple(name for name in getattr(kind, "_fields", ()) if name not in _LEAF_FIELDS)
    return fields
