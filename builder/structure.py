"""Structural identity of a kernel: its Python AST with names canonicalised and literals erased.

Two kernels that differ only in identifier names or constant values hash the same, so the
planner can drop such near-duplicates before they reach different splits.
"""

from __future__ import annotations

import ast
import builtins
import hashlib

# Names that are not the kernel author's to choose: the module alias and Python builtins
# Warp understands (``float``, ``int``, ``range``, ...). They keep their spelling.
_FREE_NAMES = frozenset({"wp"}) | frozenset(dir(builtins))


class _Canonicalizer(ast.NodeTransformer):
    def __init__(self, struct_fields: set[str]) -> None:
        self.names: dict[str, str] = {}
        self.struct_fields = struct_fields

    def _rename(self, name: str) -> str:
        if name in _FREE_NAMES and name not in self.names:
            return name
        return self.names.setdefault(name, f"n{len(self.names)}")

    def visit_Name(self, node: ast.Name) -> ast.AST:
        node.id = self._rename(node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.arg = self._rename(node.arg)
        self.generic_visit(node)
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        node.name = self._rename(node.name)
        self.generic_visit(node)
        return node

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        node.name = self._rename(node.name)
        self.generic_visit(node)
        return node

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        self.generic_visit(node)
        if node.attr in self.struct_fields:
            node.attr = self._rename(node.attr)
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        # Keep the literal's type (1 and 1.0 mean different things to Warp), not its value.
        return ast.copy_location(ast.Constant(value=type(node.value).__name__), node)


def _struct_fields(tree: ast.AST) -> set[str]:
    """Field names declared in class bodies (``@wp.struct``), which are the author's names too."""
    return {
        item.target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
        for item in node.body
        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
    }


def canonical_dump(python_source: str) -> str:
    """The canonical AST text that ``structural_hash`` hashes."""
    return _canonical(ast.parse(python_source))


def _canonical(tree: ast.AST) -> str:
    tree = _Canonicalizer(_struct_fields(tree)).visit(tree)
    return ast.dump(tree, annotate_fields=False, include_attributes=False)


def structural_hash(python_source: str) -> str:
    """16 hex digits identifying the kernel's structure."""
    return structure(python_source)[0]


def structure(python_source: str) -> tuple[str, int]:
    """The structural hash and the complexity (AST node count) of a kernel, from one parse."""
    tree = ast.parse(python_source)
    complexity = sum(1 for _ in ast.walk(tree))
    return hashlib.sha256(_canonical(tree).encode()).hexdigest()[:16], complexity
