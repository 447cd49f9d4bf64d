"""What the edits need to know about a kernel module's syntax tree: its parts, names and types."""

from __future__ import annotations

import ast
import builtins
import keyword
from dataclasses import dataclass

# Names that are never the kernel's own: Warp's module, Python builtins the kernel language knows.
RESERVED = frozenset({"wp", "warp", "self", "math", "np"}) | frozenset(dir(builtins)) | frozenset(keyword.kwlist)


@dataclass
class Module:
    """A parsed kernel source: the module, its kernel, its ``@wp.func`` helpers and ``@wp.struct`` classes."""

    tree: ast.Module
    kernel: ast.FunctionDef
    funcs: list[ast.FunctionDef]
    structs: list[ast.ClassDef]

    @property
    def kernel_name(self) -> str:
        return self.kernel.name

    def source(self) -> str:
        """The module as Python text: ``ast.unparse``, then laid out as formatted code is (see ``layout``)."""
        return layout(self.tree)


MAX_LINE = 120


def layout(tree: ast.Module) -> str:
    """``tree`` unparsed, with two blank lines between top-level definitions and a signature longer
    than ``MAX_LINE`` split one argument a line, as formatted real code has them."""
    ast.fix_missing_locations(tree)
    parts = []
    for node in tree.body:
        text = ast.unparse(node)
        if isinstance(node, ast.FunctionDef):
            text = "\n".join(_split_signature(line, node) for line in text.split("\n"))
        parts.append(text)
    return "\n\n\n".join(parts) + "\n"


def _split_signature(line: str, node: ast.FunctionDef) -> str:
    if len(line) <= MAX_LINE or not line.startswith(f"def {node.name}("):
        return line
    args = node.args
    if args.vararg or args.kwarg or args.kwonlyargs or args.posonlyargs:
        return line
    defaults = [None] * (len(args.args) - len(args.defaults)) + list(args.defaults)
    items = [
        ast.unparse(a) + (f" = {ast.unparse(d)}" if d is not None else "")
        for a, d in zip(args.args, defaults, strict=True)
    ]
    returns = f" -> {ast.unparse(node.returns)}" if node.returns is not None else ""
    return f"def {node.name}(\n" + "".join(f"    {item},\n" for item in items) + f"){returns}:"


def decorator_name(node: ast.expr) -> str:
    """``kernel`` for ``@wp.kernel`` and ``@wp.kernel(enable_backward=...)``; '' for others."""
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "wp":
        return target.attr
    return target.id if isinstance(target, ast.Name) else ""


def parse_module(source: str, kernel_name: str) -> Module:
    """The parts of ``source``; ``ValueError`` if it defines no ``@wp.kernel`` named ``kernel_name``."""
    tree = ast.parse(source)
    kernels, funcs, structs = [], [], []
    for node in tree.body:
        kinds = {decorator_name(d) for d in getattr(node, "decorator_list", [])}
        if isinstance(node, ast.FunctionDef) and "kernel" in kinds:
            kernels.append(node)
        elif isinstance(node, ast.FunctionDef) and "func" in kinds:
            funcs.append(node)
        elif isinstance(node, ast.ClassDef) and "struct" in kinds:
            structs.append(node)
    named = [k for k in kernels if k.name == kernel_name] or kernels[-1:]
    if not named:
        raise ValueError(f"source defines no @wp.kernel named {kernel_name!r}")
    return Module(tree, named[0], funcs, structs)


def functions(module: Module) -> list[ast.FunctionDef]:
    """The kernel and its helpers."""
    return [*module.funcs, module.kernel]


def all_names(tree: ast.AST) -> set[str]:
    """Every identifier spelled in ``tree``: names, arguments, definitions, attributes, keywords."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.keyword) and node.arg:
            names.add(node.arg)
    return names


def stored_names(function: ast.FunctionDef) -> list[str]:
    """Local names ``function`` binds, first binding first (arguments excluded)."""
    out: list[str] = []
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id not in out:
            out.append(node.id)
    return out


def loaded_names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def annotation_text(node: ast.expr | None) -> str:
    return ast.unparse(node) if node is not None else ""


def array_dtype(annotation: ast.expr | None) -> str:
    """``wp.vec3`` for ``wp.array(dtype=wp.vec3)``, ``wp.array2d(dtype=...)``, ``wp.array[wp.vec3]``; '' for others."""
    if isinstance(annotation, ast.Call) and decorator_name(annotation).startswith("array"):
        for kw in annotation.keywords:
            if kw.arg == "dtype":
                return ast.unparse(kw.value)
        if annotation.args:
            return ast.unparse(annotation.args[0])
    if isinstance(annotation, ast.Subscript) and decorator_name(annotation.value).startswith("array"):
        return ast.unparse(annotation.slice)  # wp.array[wp.vec3], the newer spelling
    return ""


def tid_names(kernel: ast.FunctionDef) -> list[str]:
    """Names bound to ``wp.tid()`` at the kernel's top level (``i = wp.tid()``, ``i, j = wp.tid()``)."""
    for stmt in kernel.body:
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call) and decorator_name(stmt.value) == "tid":
            target = stmt.targets[0]
            elts = target.elts if isinstance(target, ast.Tuple) else [target]
            return [e.id for e in elts if isinstance(e, ast.Name)]
    return []


def statement_lists(node: ast.AST) -> list[list[ast.stmt]]:
    """Every statement list under ``node`` (bodies, else branches), outermost first."""
    lists = []
    for child in ast.walk(node):
        for name in ("body", "orelse", "finalbody"):
            value = getattr(child, name, None)
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                lists.append(value)
    return lists


def value_types(module: Module) -> dict[str, str]:
    """Names of the kernel whose Warp type the syntax says: arguments, array loads, constructors, ``wp.tid()``."""
    types: dict[str, str] = {}
    arrays: dict[str, str] = {}
    for arg in module.kernel.args.args:
        dtype = array_dtype(arg.annotation)
        if dtype:
            arrays[arg.arg] = dtype
        elif arg.annotation is not None:
            types[arg.arg] = annotation_text(arg.annotation)
    tids = tid_names(module.kernel)
    types.update({name: "int" for name in tids})
    for stmt in module.kernel.body:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
            continue
        name, value = stmt.targets[0].id, stmt.value
        known = _expression_type(value, arrays, types)
        if known and name not in types:
            types[name] = known
    return types


def _expression_type(value: ast.expr, arrays: dict[str, str], types: dict[str, str]) -> str:
    if isinstance(value, ast.Subscript) and isinstance(value.value, ast.Name) and value.value.id in arrays:
        return arrays[value.value.id]
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and decorator_name(value) in _CONSTRUCTED:
        return ast.unparse(value.func)
    if isinstance(value, ast.Name) and value.id in types:
        return types[value.id]
    return ""


# Type constructors whose call's type is the constructor itself (``wp.vec3(...)`` is a ``wp.vec3``).
_CONSTRUCTED = frozenset(
    {"float16", "float32", "float64", "int32", "int64", "uint32", "vec2", "vec3", "vec4", "vec2d", "vec3d", "vec4d"}
    | {"vec2f", "vec3f", "vec4f", "mat22", "mat33", "mat44", "quat", "transform", "spatial_vector", "vec2i", "vec3i"}
)
