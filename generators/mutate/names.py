"""Rename one of the kernel's identifiers to a name real kernels give the same role."""

from __future__ import annotations

import ast
import re

from generators.mutate.edit import EditContext
from generators.mutate.tree import RESERVED, all_names, array_dtype, stored_names, tid_names
from generators.mutate.vocab import rename


def candidates(ctx: EditContext) -> list[tuple[str, str]]:
    """``(name, role)`` of every identifier the module defines, in source order."""
    module = ctx.module
    kernel = module.kernel
    tids = tid_names(kernel)
    found = [(kernel.name, "kernel")]
    found += [(f.name, "func") for f in module.funcs]
    found += [(a.arg, "array" if array_dtype(a.annotation) else "value") for a in kernel.args.args]
    found += [(name, "index") for name in tids]
    found += [(name, "local") for name in stored_names(kernel) if name not in tids]
    for func in module.funcs:
        found += [(a.arg, "value") for a in func.args.args]
        found += [(name, "local") for name in stored_names(func)]
    seen: set[str] = set()
    unique = []
    for name, role in found:
        if name not in seen and name not in RESERVED and name != "_":
            seen.add(name)
            unique.append((name, role))
    return unique


def rename_identifier(ctx: EditContext) -> str | None:
    """``rename <role> old->new``: one defined name, everywhere it occurs, to a free name of its role."""
    options = [(name, role) for name, role in candidates(ctx) if name not in ctx.renamed]
    if not options:
        return None
    old, role = options[ctx.rng.randrange(len(options))]
    taken = all_names(ctx.module.tree) | RESERVED
    new = ctx.vocab.pick(role, ctx.rng, taken, like=old)
    if new is None:
        return None
    rename(ctx.module.tree, old, new)
    _rename_in_docstrings(ctx.module.tree, old, new)
    ctx.renamed.add(new)
    return f"rename {role} {old}->{new}"


def _rename_in_docstrings(tree: ast.Module, old: str, new: str) -> None:
    """Docstrings name the kernel's arguments: they follow the rename, so none names what is gone."""
    pattern = re.compile(rf"\b{re.escape(old)}\b")
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                first.value.value = pattern.sub(new, first.value.value)
