"""Structural identity of a kernel: its Python AST with names canonicalised and literals erased.

Two kernels that differ only in identifier names or constant values hash the same, so the
planner can drop such near-duplicates before they reach different splits.

The hashed text is, byte for byte, what ``ast.dump(tree, annotate_fields=False)`` (CPython 3.11)
printed once an ``ast.NodeTransformer`` had renamed the author's identifiers ``n0, n1, ...`` in
the order it met them and replaced every constant by its type name. Released datasets store
those hashes, so ``_dump`` prints that text in one direct pass over the parsed tree instead (no
transformer, no node copies, no ``ast.walk``); ``tests/test_structure_equivalence.py`` holds
the original implementation and checks the two agree.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
from collections.abc import Callable
from typing import Any

from builder.plan.kernel_ast import definitions

# Names that are not the kernel author's to choose: the module alias and Python builtins
# Warp understands (``float``, ``int``, ``range``, ...). They keep their spelling.
_FREE_NAMES = frozenset({"wp"}) | frozenset(dir(builtins))

# Field-less node classes (contexts, operators) -> their text, e.g. ``Load()``.
_LEAVES: dict[type, str] = {
    cls: f"{cls.__name__}()"
    for cls in vars(ast).values()
    if isinstance(cls, type) and issubclass(cls, ast.AST) and cls._fields == () and not cls.__subclasses__()
}
# Node class -> (field names, which are optional), the flags None when no field is.
_FIELDS: dict[type, tuple[tuple[str, ...], tuple[bool, ...] | None]] = {}
# Constant value type -> the erased constant's text, e.g. ``Constant('float')``.
_CONSTANTS: dict[type, str] = {}


def _fields(cls: type) -> tuple[tuple[str, ...], tuple[bool, ...] | None]:
    """``cls``'s fields and, unless none is, which are optional (class default None)."""
    spec = _FIELDS.get(cls)
    if spec is None:
        optional = tuple(getattr(cls, name, ...) is None for name in cls._fields)
        spec = _FIELDS[cls] = (cls._fields, optional if any(optional) else None)
    return spec


def _struct_fields(tree: ast.Module, python_source: str) -> frozenset[str]:
    """Field names declared in class bodies (``@wp.struct``), which are the author's names too."""
    if "class" not in python_source:  # no ``class`` keyword, no ClassDef: skip the search
        return frozenset()
    return frozenset(
        item.target.id
        for node in definitions(tree)
        if isinstance(node, ast.ClassDef)
        for item in node.body
        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
    )


def _dump(tree: ast.Module, struct_fields: frozenset[str]) -> str:
    """The canonical text of ``tree``, which stays untouched.

    Fields print in ``_fields`` order, which is also the order the transformer visited them, so
    identifiers get their canonical names in the same first-seen order.
    """
    names: dict[str, str] = {}  # author's identifier -> repr of its canonical name

    def rename(name: str) -> str:
        text = names.get(name)
        if text is None:
            if name in _FREE_NAMES:
                return repr(name)
            text = names[name] = f"'n{len(names)}'"
        return text

    def text(value: Any) -> str:
        # Any field value: a node, a list, or a scalar (identifier, int, None).
        handler = handlers.get(type(value))
        if handler is not None:
            return handler(value)
        leaf = _LEAVES.get(type(value))
        if leaf is not None:
            return leaf
        if isinstance(value, ast.AST):
            return generic(value)
        return repr(value)

    def sequence(values: list[Any]) -> str:
        return f"[{', '.join([text(value) for value in values])}]"

    def generic(node: ast.AST, head: str | None = None) -> str:
        # ast.dump's rules: a None optional field is left out and every later field is printed
        # as ``name=value``. ``head`` is the first field (an identifier) already renamed.
        cls = type(node)
        fields, optional = _fields(cls)
        if optional is None and head is None:
            return f"{cls.__name__}({', '.join([text(getattr(node, name)) for name in fields])})"
        parts = [] if head is None else [head]
        keywords = False
        for index in range(len(parts), len(fields)):
            name = fields[index]
            value = getattr(node, name)
            if value is None and optional is not None and optional[index]:
                keywords = True
                continue
            parts.append(f"{name}={text(value)}" if keywords else text(value))
        return f"{cls.__name__}({', '.join(parts)})"

    def named(node: ast.FunctionDef | ast.ClassDef | ast.arg) -> str:
        # The transformer renamed a def, class or argument before visiting its children.
        return generic(node, rename(getattr(node, node._fields[0])))

    def name(node: ast.Name) -> str:
        return f"Name({rename(node.id)}, {_LEAVES[type(node.ctx)]})"

    def attribute(node: ast.Attribute) -> str:
        # The transformer visited the value before renaming a struct field: keep that order.
        value = text(node.value)
        attr = rename(node.attr) if node.attr in struct_fields else repr(node.attr)
        return f"Attribute({value}, {attr}, {_LEAVES[type(node.ctx)]})"

    def constant(node: ast.Constant) -> str:
        # Keep the literal's type (1 and 1.0 mean different things to Warp), not its value.
        kind = type(node.value)
        text = _CONSTANTS.get(kind)
        if text is None:
            text = _CONSTANTS[kind] = f"Constant({kind.__name__!r})"
        return text

    # The most frequent nodes with only required fields, spelled out: ``generic`` prints the same.
    def call(node: ast.Call) -> str:
        return f"Call({text(node.func)}, {sequence(node.args)}, {sequence(node.keywords)})"

    def subscript(node: ast.Subscript) -> str:
        return f"Subscript({text(node.value)}, {text(node.slice)}, {_LEAVES[type(node.ctx)]})"

    def binary(node: ast.BinOp) -> str:
        return f"BinOp({text(node.left)}, {_LEAVES[type(node.op)]}, {text(node.right)})"

    def unary(node: ast.UnaryOp) -> str:
        return f"UnaryOp({_LEAVES[type(node.op)]}, {text(node.operand)})"

    def compare(node: ast.Compare) -> str:
        return f"Compare({text(node.left)}, {sequence(node.ops)}, {sequence(node.comparators)})"

    handlers: dict[type, Callable[[Any], str]] = {
        list: sequence,
        ast.Name: name,
        ast.Attribute: attribute,
        ast.Constant: constant,
        ast.FunctionDef: named,
        ast.ClassDef: named,
        ast.arg: named,
        ast.Call: call,
        ast.Subscript: subscript,
        ast.BinOp: binary,
        ast.UnaryOp: unary,
        ast.Compare: compare,
    }
    return text(tree)


def dump(node: ast.AST) -> str:
    """``ast.dump(node)`` with its default arguments (field names, no positions, one line) of a parsed
    tree, printed by one direct recursion: the live-core hash dumps every motif candidate's kernel
    and helpers (``tests/test_structure_equivalence.py`` compares the two)."""
    return _annotated(node)


def _annotated(value: Any) -> str:
    leaf = _LEAVES.get(type(value))
    if leaf is not None:
        return leaf
    handler = _ANNOTATED.get(type(value))
    if handler is not None:
        return handler(value)
    if isinstance(value, ast.AST):
        cls = type(value)
        fields, optional = _fields(cls)
        parts = []
        for index, name in enumerate(fields):
            try:
                field = getattr(value, name)
            except AttributeError:  # a field never set: ast.dump leaves it out too
                continue
            if field is None and optional is not None and optional[index]:
                continue
            parts.append(f"{name}={_annotated(field)}")
        return f"{cls.__name__}({', '.join(parts)})"
    if isinstance(value, list):
        return f"[{', '.join([_annotated(item) for item in value])}]"
    return repr(value)


def _annotated_constant(node: ast.Constant) -> str:
    if node.kind is None:
        return f"Constant(value={node.value!r})"
    return f"Constant(value={node.value!r}, kind={node.kind!r})"


# The most frequent nodes, spelled out: the generic branch of ``_annotated`` prints the same.
_ANNOTATED: dict[type, Callable[[Any], str]] = {
    ast.Name: lambda n: f"Name(id={n.id!r}, ctx={_LEAVES[type(n.ctx)]})",
    ast.Constant: _annotated_constant,
    ast.Attribute: lambda n: f"Attribute(value={_annotated(n.value)}, attr={n.attr!r}, ctx={_LEAVES[type(n.ctx)]})",
    ast.Call: lambda n: (
        f"Call(func={_annotated(n.func)}, args={_annotated(n.args)}, keywords={_annotated(n.keywords)})"
    ),
    ast.Subscript: lambda n: (
        f"Subscript(value={_annotated(n.value)}, slice={_annotated(n.slice)}, ctx={_LEAVES[type(n.ctx)]})"
    ),
    ast.BinOp: lambda n: f"BinOp(left={_annotated(n.left)}, op={_LEAVES[type(n.op)]}, right={_annotated(n.right)})",
    ast.UnaryOp: lambda n: f"UnaryOp(op={_LEAVES[type(n.op)]}, operand={_annotated(n.operand)})",
    ast.Compare: lambda n: (
        f"Compare(left={_annotated(n.left)}, ops={_annotated(n.ops)}, comparators={_annotated(n.comparators)})"
    ),
}


def canonical_dump(python_source: str) -> str:
    """The canonical AST text that ``structural_hash`` hashes."""
    tree = ast.parse(python_source)
    return _dump(tree, _struct_fields(tree, python_source))


def structural_hash(python_source: str) -> str:
    """16 hex digits identifying the kernel's structure."""
    return structure(python_source)[0]


def structure(python_source: str) -> tuple[str, int]:
    """The structural hash and the complexity (AST node count) of a kernel, from one parse."""
    return structure_of(ast.parse(python_source), python_source)


def structure_of(tree: ast.Module, python_source: str) -> tuple[str, int]:
    """``structure`` of an already parsed ``python_source`` (the tree is left untouched)."""
    text = _dump(tree, _struct_fields(tree, python_source))
    # Every node prints as ``Class(...)`` and nothing else in the text has a "(": the other
    # values are identifiers, ints, None and constant type names. So "(" counts the nodes.
    return hashlib.sha256(text.encode()).hexdigest()[:16], text.count("(")
