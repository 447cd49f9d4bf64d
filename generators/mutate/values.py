"""Edits of values and operations: a constant to a nearby value, a builtin or operator to one of
the same signature, a loop's bound or step."""

from __future__ import annotations

import ast
import math

from generators.mutate.edit import EditContext
from generators.mutate.tree import decorator_name

# Builtins that take and return the same types, so either spelling type-checks where the other did.
SWAPS: dict[str, tuple[str, ...]] = {
    "min": ("max",),
    "max": ("min",),
    "sin": ("cos",),
    "cos": ("sin",),
    "floor": ("ceil",),
    "ceil": ("floor",),
    "atomic_add": ("atomic_sub", "atomic_max", "atomic_min"),
    "atomic_sub": ("atomic_add",),
    "atomic_max": ("atomic_min", "atomic_add"),
    "atomic_min": ("atomic_max", "atomic_add"),
    "length": ("length_sq",),
    "length_sq": ("length",),
    "sinh": ("cosh",),
    "cosh": ("sinh",),
    "round": ("floor", "ceil"),
}
OPERATOR_SWAPS: dict[type, tuple[type, ...]] = {
    ast.Add: (ast.Sub,),
    ast.Sub: (ast.Add,),
    ast.Lt: (ast.LtE,),
    ast.LtE: (ast.Lt,),
    ast.Gt: (ast.GtE,),
    ast.GtE: (ast.Gt,),
    ast.Eq: (ast.NotEq,),
    ast.NotEq: (ast.Eq,),
    ast.And: (ast.Or,),
    ast.Or: (ast.And,),
}
_DIVISIONS = (ast.Div, ast.FloorDiv, ast.Mod)


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _changeable_constants(tree: ast.AST) -> list[ast.Constant]:
    """Numeric literals whose value is a quantity, not a position (indices, components, loop bounds, type arguments)."""
    parents = _parents(tree)
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and type(node.value) in (int, float)):
            continue
        parent = parents.get(node)
        if isinstance(parent, ast.UnaryOp):
            parent = parents.get(parent)
        if isinstance(parent, (ast.Subscript, ast.Tuple, ast.keyword)):
            continue
        if isinstance(parent, ast.Call) and (
            decorator_name(parent) in ("range", "tid", "constant") and type(node.value) is int
        ):
            continue
        if isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name) and parent.func.id == "range":
            continue
        if type(node.value) is int and node.value in (0, 1):
            continue  # identities and thread offsets: changing them changes what the kernel is, not a tuning value
        found.append(node)
    return found


def change_constant(ctx: EditContext) -> str | None:
    """``constant 0.5->0.25``: one numeric literal to a nearby realistic value."""
    constants = _changeable_constants(ctx.module.tree)
    if not constants:
        return None
    node = constants[ctx.rng.randrange(len(constants))]
    old = node.value
    new = _nearby_float(old, ctx) if type(old) is float else _nearby_int(old, ctx)
    if new == old:
        return None
    node.value = new
    return f"constant {old!r}->{new!r}"


def _nearby_float(value: float, ctx: EditContext) -> float:
    rng = ctx.rng
    similar = [
        f
        for f in ctx.floats
        if f != value and (value == 0.0 and abs(f) <= 1.0 or value != 0.0 and 0.1 <= f / value <= 10.0)
    ]
    if similar and rng.random() < 0.5:
        return similar[rng.randrange(len(similar))]
    if value == 0.0:
        return rng.choice((0.5, 1.0, 0.1, 1.0e-3))
    factor = rng.choice((0.5, 2.0, 0.1, 10.0, 0.75, 1.5))
    digits = 3 - int(math.floor(math.log10(abs(value * factor))))
    return round(value * factor, max(digits, 0))


def _nearby_int(value: int, ctx: EditContext) -> int:
    step = ctx.rng.choice((-1, 1, value, -(value // 2)))
    new = value + step
    return new if new != 0 and (new > 0) == (value > 0) else value


def swap_builtin(ctx: EditContext) -> str | None:
    """``swap min->max``: a builtin call or operator to one of the same signature."""
    sites: list[tuple[ast.AST, str]] = []
    for node in ast.walk(ctx.module.tree):
        if isinstance(node, ast.Call):
            name = decorator_name(node)
            if name in SWAPS and (isinstance(node.func, ast.Attribute) or name in ("min", "max", "round")):
                sites.append((node, name))
        elif isinstance(node, (ast.BinOp, ast.BoolOp)) and type(node.op) in OPERATOR_SWAPS:
            sites.append((node, type(node.op).__name__))
        elif isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in OPERATOR_SWAPS:
            sites.append((node, type(node.ops[0]).__name__))
    sites = [(node, name) for node, name in sites if id(node) not in ctx.touched]
    if not sites:
        return None
    node, old = sites[ctx.rng.randrange(len(sites))]
    ctx.touched.add(id(node))
    if isinstance(node, ast.Call):
        options = SWAPS[old]
        new = options[ctx.rng.randrange(len(options))]
        if isinstance(node.func, ast.Attribute):
            node.func.attr = new
        else:
            node.func = ast.Attribute(ast.Name("wp", ast.Load()), new, ast.Load())
        return f"swap {old}->{new}"
    current = node.ops[0] if isinstance(node, ast.Compare) else node.op
    options = OPERATOR_SWAPS[type(current)]
    replacement = options[ctx.rng.randrange(len(options))]()
    if isinstance(node, ast.Compare):
        node.ops[0] = replacement
    else:
        node.op = replacement
    return f"swap {old}->{type(replacement).__name__}"


def change_loop(ctx: EditContext) -> str | None:
    """``loop range(8)->range(16)`` / ``loop step 1->2``: one ``range`` loop's constant bound or its step."""
    loops = [
        n
        for n in ast.walk(ctx.module.tree)
        if isinstance(n, ast.For)
        and isinstance(n.iter, ast.Call)
        and isinstance(n.iter.func, ast.Name)
        and n.iter.func.id == "range"
    ]
    loops = [n for n in loops if 1 <= len(n.iter.args) <= 3 and not n.iter.keywords]
    if not loops:
        return None
    call = loops[ctx.rng.randrange(len(loops))].iter
    before = ast.unparse(call)
    args = call.args
    bound = args[0] if len(args) == 1 else args[1]
    if isinstance(bound, ast.Constant) and type(bound.value) is int and bound.value > 1 and ctx.rng.random() < 0.6:
        bound.value = _new_bound(bound.value, ctx.rng.choice((-1, 1, bound.value, -(bound.value // 2))))
    elif len(args) == 3 and isinstance(args[2], ast.Constant) and type(args[2].value) is int and args[2].value > 0:
        args[2].value = 1 if args[2].value > 1 else 2
    elif len(args) < 3:
        start = args[0] if len(args) == 2 else ast.Constant(0)
        call.args = [start, bound, ast.Constant(2)]
    else:
        return None
    after = ast.unparse(call)
    return f"loop {before}->{after}" if after != before else None


def _new_bound(value: int, step: int) -> int:
    """``value + step``, at least 2; a bound Warp unrolls (up to 16) stays one it unrolls."""
    new = max(2, value + step)
    return min(new, 16) if value <= 16 else new
