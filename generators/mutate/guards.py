"""Edits of what a kernel touches: add or remove a bounds guard, add or remove an output array."""

from __future__ import annotations

import ast

from generators.mutate.edit import EditContext
from generators.mutate.liveness import prune_dead_stores
from generators.mutate.tree import RESERVED, all_names, array_dtype, loaded_names, tid_names, value_types

_ATOMICS = ("atomic_add", "atomic_sub", "atomic_min", "atomic_max")


def _is_guard(stmt: ast.stmt, tids: list[str]) -> bool:
    return (
        isinstance(stmt, ast.If)
        and not stmt.orelse
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], ast.Return)
        and stmt.body[0].value is None
        and bool(loaded_names(stmt.test) & set(tids))
    )


def _tid_position(kernel: ast.FunctionDef) -> int:
    return next(i for i, s in enumerate(kernel.body) if isinstance(s, ast.Assign) and "tid" in ast.unparse(s.value))


def add_guard(ctx: EditContext) -> str | None:
    """``guard add i >= n``: return early when the thread index is past an array's length or a count argument."""
    kernel = ctx.module.kernel
    tids = tid_names(kernel)
    if len(tids) != 1 or any(_is_guard(s, tids) for s in kernel.body):
        return None
    index = tids[0]
    bounds = [
        f"{a.arg}.shape[0]"
        for a in kernel.args.args
        if array_dtype(a.annotation) and f"{a.arg}[{index}]" in ast.unparse(kernel)
    ]
    bounds += [
        a.arg for a in kernel.args.args if a.annotation is not None and ast.unparse(a.annotation) in ("int", "wp.int32")
    ]
    if not bounds:
        return None
    bound = bounds[ctx.rng.randrange(len(bounds))]
    guard = ast.parse(f"if {index} >= {bound}:\n    return").body[0]
    kernel.body.insert(_tid_position(kernel) + 1, guard)
    return f"guard add {index} >= {bound}"


def remove_guard(ctx: EditContext) -> str | None:
    """``guard remove``: drop an early return on the thread index (the launch then sizes the work exactly)."""
    kernel = ctx.module.kernel
    tids = tid_names(kernel)
    guards = [s for s in kernel.body if _is_guard(s, tids)]
    if not guards:
        return None
    guard = guards[ctx.rng.randrange(len(guards))]
    kernel.body.remove(guard)
    return f"guard remove {ast.unparse(guard.test)}"


def add_output(ctx: EditContext) -> str | None:
    """``output add name``: a new array argument that stores a value the kernel computes, at the thread's index."""
    kernel = ctx.module.kernel
    tids = tid_names(kernel)
    if not tids:
        return None
    types = value_types(ctx.module)
    candidates = [
        (position, stmt.targets[0].id)
        for position, stmt in enumerate(kernel.body)
        if isinstance(stmt, ast.Assign)
        and isinstance(stmt.targets[0], ast.Name)
        and stmt.targets[0].id in types
        and stmt.targets[0].id not in tids
    ]
    if not candidates:
        return None
    position, name = candidates[ctx.rng.randrange(len(candidates))]
    taken = all_names(ctx.module.tree) | RESERVED
    out = ctx.vocab.pick("array", ctx.rng, taken)
    if out is None:
        return None
    ndim = f", ndim={len(tids)}" if len(tids) > 1 else ""
    kernel.args.args.append(ast.arg(out, ast.parse(f"wp.array(dtype={types[name]}{ndim})", mode="eval").body))
    last = max(i for i, s in enumerate(kernel.body) if not isinstance(s, ast.Return))
    store = ast.parse(f"{out}[{', '.join(tids)}] = {name}").body[0]
    kernel.body.insert(max(last, position) + 1, store)
    return f"output add {out} <- {name}"


def _outputs(kernel: ast.FunctionDef) -> list[str]:
    """Array arguments the kernel only writes (stores, atomics): no load and no other use of the name."""
    arrays = [a.arg for a in kernel.args.args if array_dtype(a.annotation)]
    writes: dict[str, int] = {}
    for node in ast.walk(kernel):
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store) and isinstance(node.value, ast.Name):
            writes[node.value.id] = writes.get(node.value.id, 0) + 1
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _ATOMICS:
            if node.args and isinstance(node.args[0], ast.Name) and isinstance(node.args[0].ctx, ast.Load):
                writes[node.args[0].id] = writes.get(node.args[0].id, 0) + 1
    uses: dict[str, int] = {}
    for node in ast.walk(kernel):
        if isinstance(node, ast.Name):
            uses[node.id] = uses.get(node.id, 0) + 1
    return [a for a in arrays if writes.get(a, 0) and uses.get(a, 0) == writes[a]]


def _writes(stmt: ast.stmt, array: str) -> bool:
    if isinstance(stmt, (ast.Assign, ast.AugAssign)):
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        return any(
            isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and t.value.id == array for t in targets
        )
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        call = stmt.value
        return (
            isinstance(call.func, ast.Attribute) and call.func.attr in _ATOMICS and ast.unparse(call.args[0]) == array
        )
    return False


def remove_output(ctx: EditContext) -> str | None:
    """``output remove name``: drop one of several output arrays, its stores and the values only they needed."""
    kernel = ctx.module.kernel
    outputs = _outputs(kernel)
    if len(outputs) < 2:
        return None
    array = outputs[ctx.rng.randrange(len(outputs))]
    _drop_writes(kernel, array)
    kernel.args.args = [a for a in kernel.args.args if a.arg != array]
    pruned = prune_dead_stores(kernel)
    return f"output remove {array}" + (f" (+{pruned} dead)" if pruned else "")


def _drop_writes(node: ast.AST, array: str) -> None:
    for child in ast.walk(node):
        for field in ("body", "orelse"):
            block = getattr(child, field, None)
            if not (isinstance(block, list) and block and isinstance(block[0], ast.stmt)):
                continue
            kept = [s for s in block if not _writes(s, array)]
            kept = [s for s in kept if not (isinstance(s, ast.If) and s.body == [] and not s.orelse)]
            if len(kept) != len(block):
                block[:] = kept or [ast.Pass()]
