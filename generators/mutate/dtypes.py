"""Change a kernel's types consistently: float precision, integer width, vector dimension.

A type change rewrites every spelling of the type (annotations, array dtypes, constructors,
``float(...)`` / ``int(...)`` casts) and declares the literals that meet values of the new type
with its constructor, since Warp never promotes (``float64 * 0.5`` fails; ``wp.float64(0.5)`` works).
"""

from __future__ import annotations

import ast

from generators.mutate.edit import EditContext
from generators.mutate.tree import decorator_name

# Warp type names by precision: the same shapes, suffixed.
_SHAPES = ("vec2", "vec3", "vec4", "mat22", "mat33", "mat44", "quat", "transform", "spatial_vector", "spatial_matrix")
PRECISIONS = {
    "float32": {"float32": "float32", **{s: s for s in _SHAPES}, **{s + "f": s for s in _SHAPES}},
    "float64": {"float64": "float64", **{s + "d": s for s in _SHAPES}},
    "float16": {"float16": "float16", **{s + "h": s for s in _SHAPES}},
}
_SPELL = {"float32": "", "float64": "d", "float16": "h"}
INT_WIDTHS = ("int32", "int64")
# Geometry queries, noise and tiles take float32 values only: kernels calling them keep their precision.
_FLOAT32_ONLY = ("mesh_", "bvh_", "hash_grid_", "volume_", "tile", "noise", "pnoise", "curlnoise", "rand")
# float16 has no transform, quaternion or spatial arithmetic worth writing; leave kernels using them alone.
_NO_HALF = ("quat", "transform", "spatial_vector", "spatial_matrix")


def _wp_attributes(tree: ast.AST) -> list[ast.Attribute]:
    return [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "wp"
    ]


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _type_positions(tree: ast.AST) -> set[ast.AST]:
    """Nodes standing for a type: annotations and ``dtype=`` values (where a bare ``float`` / ``int`` names one)."""
    found: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.arg) and node.annotation is not None:
            found.add(node.annotation)
        elif isinstance(node, ast.AnnAssign):
            found.add(node.annotation)
        elif isinstance(node, ast.keyword) and node.arg == "dtype":
            found.add(node.value)
        elif isinstance(node, ast.Call) and decorator_name(node).startswith("array") and node.args:
            found.add(node.args[0])  # wp.array(float, ...) / wp.array[float] spelled as a call
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr.startswith("array")
        ):
            found.add(node.slice)  # wp.array[float]
    return found


def _literal_sites(tree: ast.AST, kind: type) -> list[ast.expr]:
    """Literals of ``kind`` that compute with values (not indices, loop bounds, constructor arguments or type names)."""
    parents = _parents(tree)
    sites = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and type(node.value) is kind):
            continue
        site: ast.expr = node
        if isinstance(parents.get(site), ast.UnaryOp):
            site = parents[site]
        parent = parents.get(site)
        if _in_index(site, parents):
            continue
        if isinstance(parent, ast.Call) and (_takes_literals(parent) or _is_index_argument(parent, site)):
            continue
        if isinstance(parent, ast.keyword) or isinstance(parent, ast.AnnAssign) and parent.annotation is site:
            continue
        sites.append(site)
    return sites


def _in_index(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Whether ``node`` is part of an index (``a[i * 2 + 1]``): index arithmetic stays in the thread index's type."""
    while node in parents and not isinstance(node, ast.stmt):
        parent = parents[node]
        if isinstance(parent, ast.Subscript) and parent.slice is node:
            return True
        node = parent
    return False


def _is_index_argument(call: ast.Call, argument: ast.expr) -> bool:
    """An index of an atomic (``wp.atomic_add(a, 0, v)``: every argument between the array and the value)."""
    return decorator_name(call).startswith("atomic_") and argument in call.args[1:-1]


def _takes_literals(call: ast.Call) -> bool:
    """A type constructor (``wp.vec3(0.0, ...)``), a Python cast or ``range``: literals there stay bare."""
    if isinstance(call.func, ast.Name):
        return call.func.id in ("range", "float", "int")
    name = decorator_name(call)
    return name.startswith(_CONSTRUCTOR_PREFIXES) or name in INT_WIDTHS or name in PRECISIONS


_CONSTRUCTOR_PREFIXES = ("vec", "mat", "quat", "transform", "spatial_", "uint", "int")


def _wrap(tree: ast.AST, sites: list[ast.expr], type_name: str) -> None:
    parents = _parents(tree)
    for site in sites:
        call = ast.Call(ast.Attribute(ast.Name("wp", ast.Load()), type_name, ast.Load()), [site], [])
        parent = parents[site]
        for field, value in ast.iter_fields(parent):
            if value is site:
                setattr(parent, field, call)
            elif isinstance(value, list):
                parent_list = value
                for i, item in enumerate(parent_list):
                    if item is site:
                        parent_list[i] = call


def _precision_of(tree: ast.AST) -> str | None:
    attrs = {a.attr for a in _wp_attributes(tree)}
    used = [p for p, names in PRECISIONS.items() if attrs & set(names)]
    uses_float = any(isinstance(n, ast.Name) and n.id == "float" for n in ast.walk(tree))
    if used == ["float32"] or not used and uses_float:
        return "float32"
    return used[0] if len(used) == 1 else None


def change_precision(ctx: EditContext) -> str | None:
    """``dtype float32->float64``: every float type of the kernel to another precision."""
    tree = ctx.module.tree
    old = _precision_of(tree)
    if old is None or any(a.attr.startswith(_FLOAT32_ONLY) for a in _wp_attributes(tree)):
        return None
    choices = [p for p in PRECISIONS if p != old]
    new = choices[ctx.rng.randrange(len(choices))]
    if new == "float16" and any(a.attr.startswith(_NO_HALF) for a in _wp_attributes(tree)):
        new = next(p for p in choices if p != "float16")
    sites = _literal_sites(tree, float)
    for attr in _wp_attributes(tree):
        shape = PRECISIONS[old].get(attr.attr)
        if shape is not None:
            attr.attr = new if shape == old else shape + _SPELL[new]
    positions = _type_positions(tree)
    for node in list(ast.walk(tree)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "float":
            node.func = ast.Attribute(ast.Name("wp", ast.Load()), new, ast.Load())
    _replace_names(tree, positions, "float", new)
    _wrap(tree, sites, new)
    return f"dtype {old}->{new}"


def _replace_names(tree: ast.AST, positions: set[ast.AST], name: str, new: str) -> None:
    """A bare ``name`` standing for a type (at ``positions``) becomes ``wp.<new>``."""
    parents = _parents(tree)
    for node in positions:
        if isinstance(node, ast.Name) and node.id == name:
            _wrap_replace(parents[node], node, ast.Attribute(ast.Name("wp", ast.Load()), new, ast.Load()))


def _wrap_replace(parent: ast.AST, old: ast.AST, new: ast.AST) -> None:
    for field, value in ast.iter_fields(parent):
        if value is old:
            setattr(parent, field, new)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if item is old:
                    value[i] = new


def change_int_width(ctx: EditContext) -> str | None:
    """``dtype int32->int64``: the kernel's declared integers to the other width, literals declared with them."""
    tree = ctx.module.tree
    attrs = {a.attr for a in _wp_attributes(tree)}
    if any(a.startswith(_FLOAT32_ONLY) for a in attrs):
        return None  # their ids, counts and seeds are int32 / uint64 by signature
    positions = _type_positions(tree)
    bare = any(isinstance(n, ast.Name) and n.id == "int" for n in positions)
    if "int64" in attrs and "int32" not in attrs and not bare:
        old, new = "int64", "int32"
    elif ("int32" in attrs or bare) and "int64" not in attrs:
        old, new = "int32", "int64"
    else:
        return None
    sites = _literal_sites(tree, int)
    for attr in _wp_attributes(tree):
        if attr.attr == old:
            attr.attr = new
    for node in list(ast.walk(tree)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "int":
            node.func = ast.Attribute(ast.Name("wp", ast.Load()), new, ast.Load())
    _replace_names(tree, positions, "int", new)
    _wrap(tree, sites, new)
    return f"dtype {old}->{new}"


def change_dimension(ctx: EditContext) -> str | None:
    """``dtype vec3->vec2``: 3-vectors and 3x3 matrices to 2 (or back), constructors cut or padded to match."""
    tree = ctx.module.tree
    attrs = {a.attr for a in _wp_attributes(tree)}
    if any(a.startswith(_FLOAT32_ONLY) for a in attrs) or attrs & {
        "cross",
        "quat",
        "transform",
        "quat_rotate",
        "transform_point",
        "transform_vector",
        "spatial_vector",
    }:
        return None
    components = any(isinstance(n, ast.Attribute) and n.attr in ("z", "w") for n in ast.walk(tree))
    has3 = any(a.startswith(("vec3", "mat33")) for a in attrs)
    has2 = any(a.startswith(("vec2", "mat22")) for a in attrs)
    if has3 and not has2 and not components:
        old, new = "3", "2"
    elif has2 and not has3:
        old, new = "2", "3"
    else:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and _resized(node.func.attr, old, new):
            node.args = _resize_args(node.func.attr, node.args, old, new)
    for attr in _wp_attributes(tree):
        attr.attr = _resized(attr.attr, old, new) or attr.attr
    return f"dtype vec{old}->vec{new}"


def _resized(name: str, old: str, new: str) -> str:
    for shape in ("vec", "mat"):
        stem = shape + (old if shape == "vec" else old * 2)
        if name.startswith(stem):
            return shape + (new if shape == "vec" else new * 2) + name[len(stem) :]
    return ""


def _resize_args(name: str, args: list[ast.expr], old: str, new: str) -> list[ast.expr]:
    n, m = int(old), int(new)
    if name.startswith("vec") and len(args) == n:
        return args[:m] if m < n else [*args, *[_zero_like(args[0]) for _ in range(m - n)]]
    if name.startswith("mat") and len(args) == n * n:
        rows = [args[r * n : r * n + n] for r in range(n)]
        if m < n:
            return [a for row in rows[:m] for a in row[:m]]
        return [
            a
            for r in range(m)
            for a in (rows[r] if r < n else [_zero_like(args[0]) for _ in range(n)]) + [_zero_like(args[0])] * (m - n)
        ]
    return args


def _zero_like(arg: ast.expr) -> ast.expr:
    """A zero of the same spelling as ``arg`` when it is a literal, else ``0.0``."""
    if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute):
        return ast.Call(arg.func, [ast.Constant(0.0)], [])
    return ast.Constant(0 if isinstance(arg, ast.Constant) and type(arg.value) is int else 0.0)
