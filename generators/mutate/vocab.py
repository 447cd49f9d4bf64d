"""Identifier vocabularies mined from the real corpus, by the role a name plays in a kernel.

A renamed array takes a name some real kernel gives an array, a renamed thread index a name some
real kernel gives its thread index, so mutants read like the code they came from.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass

from generators.mutate.tree import RESERVED, array_dtype, parse_module, stored_names, tid_names

ROLES = ("kernel", "func", "array", "value", "index", "local")


@dataclass(frozen=True)
class Vocabulary:
    """Role -> the sorted names real kernels give that role."""

    names: dict[str, tuple[str, ...]]

    def pick(self, role: str, rng, taken: set[str], like: str = "") -> str | None:
        """A name of ``role`` not in ``taken`` (None when every one is taken).

        With ``like``, mostly a name sharing a word with it (``particle_x`` -> ``particle_q``), so a
        renamed kernel still reads as what it does; otherwise any name of the role.
        """
        words = set(name_words(like)) - _FILLER
        if words and rng.random() < 0.7:
            related = [n for n in self.names.get(role, ()) if words & set(name_words(n)) and n not in taken]
            if related:
                return related[rng.randrange(len(related))]
        pool = self.names.get(role, ())
        for _ in range(8):  # a few draws find a free name quickly; a full scan is the fallback
            if not pool:
                return None
            name = pool[rng.randrange(len(pool))]
            if name not in taken:
                return name
        free = [n for n in pool if n not in taken]
        return free[rng.randrange(len(free))] if free else None

    def size(self) -> int:
        """Distinct names over all roles."""
        return len({n for names in self.names.values() for n in names})


_FILLER = frozenset({"kernel", "func", "compute", "get", "set", "update", "value", "i", "j", "k", "x", "y", "z", "id"})


def name_words(name: str) -> list[str]:
    """The lower-case words of an identifier: ``particle_qd`` -> particle, qd; ``numPoints`` -> num, points."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return [w.lower() for w in spaced.split("_") if w]


def mine_vocabulary(sources: Iterable[tuple[str, str]]) -> Vocabulary:
    """The names of each role in ``(python_source, kernel_name)`` pairs; a source that does not parse adds none."""
    found: dict[str, set[str]] = {role: set() for role in ROLES}
    for source, kernel_name in sources:
        try:
            module = parse_module(source, kernel_name)
        except (SyntaxError, ValueError):
            continue
        kernel = module.kernel
        found["kernel"].add(kernel.name)
        tids = tid_names(kernel)
        found["index"].update(tids)
        for arg in kernel.args.args:
            found["array" if array_dtype(arg.annotation) else "value"].add(arg.arg)
        for func in module.funcs:
            found["func"].add(func.name)
            found["value"].update(a.arg for a in func.args.args)
            found["local"].update(stored_names(func))
        found["local"].update(n for n in stored_names(kernel) if n not in tids)
    return Vocabulary({role: tuple(sorted(n for n in names if _usable(n))) for role, names in found.items()})


def _usable(name: str) -> bool:
    return name.isidentifier() and name not in RESERVED and not name.startswith("__") and name != "_"


def rename(tree: ast.AST, old: str, new: str) -> None:
    """Rename ``old`` to ``new`` wherever it is an identifier: not attributes, not struct fields, and
    keyword arguments only in calls of the module's own functions (``wp.array(dtype=...)`` keeps ``dtype``)."""
    parents = {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.ClassDef):
            node.name = new if node.name == old else node.name
            for stmt in node.body:  # fields and class attributes are read as attributes: only their values rename
                if isinstance(stmt, ast.AnnAssign):
                    stack += [stmt.annotation] + ([stmt.value] if stmt.value is not None else [])
                elif isinstance(stmt, ast.Assign):
                    stack.append(stmt.value)
                else:
                    stack.append(stmt)
            continue
        if isinstance(node, ast.Name) and node.id == old:
            node.id = new
        elif isinstance(node, ast.arg) and node.arg == old:
            node.arg = new
        elif isinstance(node, ast.FunctionDef) and node.name == old:
            node.name = new
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            for kw in node.keywords:
                kw.arg = new if kw.arg == old else kw.arg
        elif isinstance(node, ast.Dict) and isinstance(parent_call := parents.get(id(node)), ast.Call):
            if ast.unparse(parent_call.func) in ("wp.overload", "overload"):  # {'arg': type}: argument names as keys
                for key in node.keys:
                    if isinstance(key, ast.Constant) and key.value == old:
                        key.value = new
        stack.extend(ast.iter_child_nodes(node))
