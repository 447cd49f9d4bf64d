"""Edits of helper functions: inline a ``@wp.func`` call into the kernel, or outline an expression into one."""

from __future__ import annotations

import ast
import copy

from generators.mutate.edit import EditContext
from generators.mutate.tree import RESERVED, all_names, array_dtype, loaded_names, stored_names, value_types

_HOSTS = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.If)


def _inlinable(func: ast.FunctionDef) -> bool:
    """Straight-line assignments, then one ``return`` of a value: what can replace a call in place."""
    *head, last = func.body
    head = [s for s in head if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]  # docstrings
    return (
        isinstance(last, ast.Return)
        and last.value is not None
        and all(isinstance(s, ast.Assign) and all(isinstance(t, ast.Name) for t in s.targets) for s in head)
        and not func.args.vararg
        and not func.args.kwonlyargs
    )


class _Substitute(ast.NodeTransformer):
    def __init__(self, mapping: dict[str, ast.expr]) -> None:
        self.mapping = mapping

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if node.id in self.mapping:
            replacement = copy.deepcopy(self.mapping[node.id])
            if isinstance(replacement, ast.Name):
                replacement.ctx = node.ctx
            return replacement
        return node


def inline_helper(ctx: EditContext) -> str | None:
    """``inline f``: one call of a helper in the kernel replaced by the helper's body; the helper goes when unused."""
    module = ctx.module
    funcs = {f.name: f for f in module.funcs if _inlinable(f)}
    sites = []
    for block in _kernel_blocks(module.kernel):
        for stmt in block:
            if isinstance(stmt, _HOSTS):
                probe = stmt.test if isinstance(stmt, ast.If) else stmt
                sites += [
                    (block, stmt, call)
                    for call in ast.walk(probe)
                    if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in funcs
                ]
    if not sites:
        return None
    block, stmt, call = sites[ctx.rng.randrange(len(sites))]
    func = funcs[call.func.id]
    bindings = _arguments(func, call)
    if bindings is None:
        return None
    taken = all_names(module.tree) | RESERVED
    mapping: dict[str, ast.expr] = {}
    prelude: list[ast.stmt] = []
    reassigned = set(stored_names(func))
    for name, value in bindings.items():
        if isinstance(value, (ast.Name, ast.Constant)) and name not in reassigned:
            mapping[name] = value
        else:
            local = _fresh(name, taken)
            mapping[name] = ast.Name(local, ast.Load())
            prelude.append(ast.Assign([ast.Name(local, ast.Store())], value))
    for name in stored_names(func):
        if name not in mapping:
            mapping[name] = ast.Name(_fresh(name, taken), ast.Load())
    body = [_Substitute(mapping).visit(copy.deepcopy(s)) for s in func.body]
    prelude += [s for s in body[:-1] if isinstance(s, ast.Assign)]
    result = body[-1].value
    _replace(stmt, call, result)
    position = block.index(stmt)
    block[position:position] = prelude
    if call.func.id not in loaded_names(ast.Module([*module.funcs, module.kernel], [])):
        module.tree.body.remove(func)
        module.funcs.remove(func)
    return f"inline {func.name}"


def _kernel_blocks(kernel: ast.FunctionDef) -> list[list[ast.stmt]]:
    blocks = [kernel.body]
    for node in ast.walk(kernel):
        if isinstance(node, (ast.If, ast.For)) and node is not kernel:
            blocks += [node.body, node.orelse] if node.orelse else [node.body]
    return blocks


def _arguments(func: ast.FunctionDef, call: ast.Call) -> dict[str, ast.expr] | None:
    params = [a.arg for a in func.args.args]
    defaults = dict(zip(params[len(params) - len(func.args.defaults) :], func.args.defaults, strict=False))
    if len(call.args) > len(params) or any(isinstance(a, ast.Starred) for a in call.args):
        return None
    bound = dict(zip(params, call.args, strict=False))
    for kw in call.keywords:
        if kw.arg is None or kw.arg not in params or kw.arg in bound:
            return None
        bound[kw.arg] = kw.value
    for name in params:
        if name not in bound:
            if name not in defaults:
                return None
            bound[name] = defaults[name]
    return bound


def _fresh(name: str, taken: set[str]) -> str:
    candidate, n = name, 0
    while candidate in taken:
        n += 1
        candidate = f"{name}_{n}"
    taken.add(candidate)
    return candidate


def _replace(root: ast.AST, old: ast.AST, new: ast.AST) -> None:
    for node in ast.walk(root):
        for field, value in ast.iter_fields(node):
            if value is old:
                setattr(node, field, new)
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    if item is old:
                        value[i] = new


def outline_expression(ctx: EditContext) -> str | None:
    """``outline f(a, b)``: a kernel expression of typed names moved into a new ``@wp.func`` and called."""
    module = ctx.module
    kernel = module.kernel
    types = value_types(module)
    types.update(
        {
            a.arg: ast.unparse(a.annotation)
            for a in kernel.args.args
            if a.annotation is not None and array_dtype(a.annotation)
        }
    )
    sites = []
    for stmt in kernel.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.value, (ast.BinOp, ast.Call)):
            found = [n for n in ast.walk(stmt.value) if isinstance(n, ast.Name) and n.id != "wp"]
            names = list(
                dict.fromkeys(
                    n.id for n in sorted(found, key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))
                )
            )
            if len(names) >= 2 and all(n in types for n in names) and "tid" not in ast.unparse(stmt.value):
                sites.append((stmt, names))
    if not sites:
        return None
    stmt, names = sites[ctx.rng.randrange(len(sites))]
    taken = all_names(module.tree) | RESERVED
    name = ctx.vocab.pick("func", ctx.rng, taken)
    if name is None:
        return None
    params = ", ".join(f"{n}: {types[n]}" for n in names)
    func = ast.parse(f"@wp.func\ndef {name}({params}):\n    return {ast.unparse(stmt.value)}").body[0]
    stmt.value = ast.parse(f"{name}({', '.join(names)})", mode="eval").body
    module.tree.body.insert(module.tree.body.index(kernel), func)
    module.funcs.append(func)
    return f"outline {name}({', '.join(names)})"
