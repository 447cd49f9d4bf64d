"""The single-pass AST functions return exactly what their original implementations returned.

``structure`` hashes are stored in released datasets and drive deduplication, so they must not
move by a byte; ``used_builtins`` and ``constructs`` feed rows and the dataset card. The
originals are kept here, verbatim, as the reference.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import re
from collections.abc import Callable
from typing import Any

import pytest

from builder.plan.constructs import constructs
from builder.plan.structure import canonical_dump, dump, structural_hash, structure
from generators import CATEGORIES, synthesize
from generators.spec import (
    _BINARY,
    _LEAF_FIELDS,
    _NOT_BUILTINS,
    _UNARY,
    _constructor_keys,
    used_builtins,
)

# --- reference: builder/structure.py before the single-pass rewrite -----------------------------

_REF_FREE_NAMES = frozenset({"wp"}) | frozenset(dir(builtins))


class _RefCanonicalizer(ast.NodeTransformer):
    def __init__(self, struct_fields: set[str]) -> None:
        self.names: dict[str, str] = {}
        self.struct_fields = struct_fields

    def _rename(self, name: str) -> str:
        if name in _REF_FREE_NAMES and name not in self.names:
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
        return ast.copy_location(ast.Constant(value=type(node.value).__name__), node)


def _ref_struct_fields(tree: ast.AST) -> set[str]:
    return {
        item.target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
        for item in node.body
        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
    }


def _ref_canonical(tree: ast.AST) -> str:
    tree = _RefCanonicalizer(_ref_struct_fields(tree)).visit(tree)
    return ast.dump(tree, annotate_fields=False, include_attributes=False)


def ref_canonical_dump(python_source: str) -> str:
    return _ref_canonical(ast.parse(python_source))


def ref_structure(python_source: str) -> tuple[str, int]:
    tree = ast.parse(python_source)
    complexity = sum(1 for _ in ast.walk(tree))
    return hashlib.sha256(_ref_canonical(tree).encode()).hexdigest()[:16], complexity


# --- reference: generators/spec.py used_builtins ------------------------------------------------


def ref_used_builtins(python_source: str) -> tuple[str, ...]:
    constructors = _constructor_keys()
    names = set()
    for node in ast.walk(ast.parse(python_source)):
        if isinstance(node, ast.Call):
            function = node.func
            if (
                isinstance(function, ast.Attribute)
                and isinstance(function.value, ast.Name)
                and function.value.id == "wp"
            ):
                if function.attr not in _NOT_BUILTINS:
                    names.add(constructors.get(function.attr, function.attr))
            elif isinstance(function, ast.Name) and function.id in ("float", "int"):
                names.add(function.id)
        elif isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in _BINARY:
            names.add(_BINARY[type(node.op)])
        elif isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            names.add(_UNARY[type(node.op)])
    return tuple(sorted(names))


# --- reference: builder/coverage.py constructs ----------------------------------------------------


def ref_constructs(python_source: str) -> set[str]:
    tree = ast.parse(python_source)
    found: set[str] = set()
    functions = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    helpers = [n for n in tree.body if isinstance(n, ast.FunctionDef) and _ref_decorator(n) == "func"]
    if helpers:
        found.add("@wp.func helper")
    if len(functions) != len(set(functions)):
        found.add("@wp.func overload")
    if any(isinstance(n, ast.ClassDef) for n in tree.body):
        found.add("@wp.struct")
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            found.add("if")
            if node.orelse:
                found.add("elif" if len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If) else "else")
        elif isinstance(node, ast.IfExp):
            found.add("conditional expression")
        elif isinstance(node, ast.For):
            constant = all(isinstance(a, ast.Constant) for a in getattr(node.iter, "args", ()))
            found.add("for (constant range)" if constant else "for (dynamic range)")
        elif isinstance(node, ast.While):
            found.add("while")
        elif isinstance(node, ast.Break):
            found.add("break")
        elif isinstance(node, ast.Continue):
            found.add("continue")
        elif isinstance(node, ast.AugAssign):
            found.add("augmented assignment")
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Tuple) and _ref_calls(node.value, "tid"):
            found.add("multi-dimensional launch")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name = node.func.attr
            if name.startswith("atomic_"):
                found.add("atomic")
            elif name.startswith("tile"):
                found.add("tile")
            elif name.startswith(("mesh_query", "bvh_query", "hash_grid_query", "volume_sample", "volume_lookup")):
                found.add("spatial query")
            elif name.startswith("rand"):
                found.add("random numbers")
    kernel = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and _ref_decorator(n) == "kernel")
    if any(isinstance(n, ast.Return) for n in ast.walk(kernel)) or any(_ref_early_return(h) for h in helpers):
        found.add("early return")
    return found


def _ref_decorator(node: ast.FunctionDef) -> str:
    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Attribute):
            return decorator.attr
    return ""


def _ref_calls(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == name


def _ref_early_return(function: ast.FunctionDef) -> bool:
    return any(isinstance(n, ast.Return) for statement in function.body[:-1] for n in ast.walk(statement))


# --- the comparison --------------------------------------------------------------------------------

PAIRS: list[tuple[Callable[[str], Any], Callable[[str], Any]]] = [
    (structure, ref_structure),
    (canonical_dump, ref_canonical_dump),
    (structural_hash, lambda source: ref_structure(source)[0]),
    (used_builtins, ref_used_builtins),
    (constructs, ref_constructs),
]


def _outcome(function: Callable[[str], Any], source: str) -> Any:
    """The result, or the type of the exception raised (a source without a kernel has no constructs)."""
    try:
        return function(source)
    except Exception as error:  # noqa: BLE001 - the exception type is the outcome compared
        return type(error)


def _mismatches(sources: list[str]) -> list[str]:
    return [
        f"{new.__name__} differs on:\n{source}"
        for source in sources
        for new, reference in PAIRS
        if _outcome(new, source) != _outcome(reference, source)
    ]


def test_synthesized_kernels_of_every_category_match_the_reference():
    # 100 consecutive indices per seed: every category at least four times per seed.
    specs = [synthesize(seed, index) for seed in range(4) for index in range(1000 * seed, 1000 * seed + 100)]
    assert {spec.category for spec in specs} == set(CATEGORIES)
    assert _mismatches([spec.python_source for spec in specs]) == []


TRICKY = {
    "struct fields as attributes, a field named like a builtin and like a local": """
@wp.struct
class Particle:
    pos: wp.vec3
    max: float
    mass: float
    n0: int

@wp.func
def weight(p: Particle, mass: float) -> float:
    return p.mass * mass + p.max + float(p.n0)

@wp.kernel
def k(ps: wp.array(dtype=Particle), out: wp.array(dtype=float)):
    tid = wp.tid()
    p = ps[tid]
    p.pos = wp.vec3(p.pos.x, p.pos[1], 0.0)
    out[tid] = weight(p, p.mass) + wp.length(p.pos)
""",
    "struct fields used before the class statement: value renamed before the field": """
@wp.func
def early(p: float):
    return fresh.velocity + p.mass.velocity

@wp.struct
class Body:
    velocity: wp.vec3
    mass: float
""",
    "builtins shadowed by locals, constants of every type": """
@wp.kernel
def k(a: wp.array(dtype=float), min: float):
    tid = wp.tid()
    sum = float(0.0)
    abs = -1
    flag = True
    other = False
    nothing = None
    text = "s"
    raw = b"b"
    imaginary = 2j
    dots = ...
    huge = 10**30
    for i in range(3):
        sum += a[i] * min + float(abs) - 1.5e-3
    a[tid] = sum if flag and not other else -sum
    a[tid] = ~int(a[tid]) ^ 3 << 1 >> 2 | 4 & 5 % 6 // 7
    print(f"value {sum:.3f} {text!r}")
""",
    "nested functions, overloads, keyword arguments, defaults, a struct inside a function": """
@wp.func
def f(x: float) -> float:
    return x

@wp.func
def f(x: int) -> int:
    return x

@wp.func
def g(x: float, *args, scale: float = 2.0, **kwargs):
    def inner(y, /, z=1, *, w=None):
        class Local:
            field: float
            other: int = 3
        return y.field + z
    return inner(x, z=scale)

@wp.kernel(enable_backward=False)
def not_the_kernel(a: wp.array2d(dtype=float)):
    return

@wp.kernel
def k(a: wp.array2d(dtype=float)):
    i, j = wp.tid()
    a[i, j] = g(f(a[i, j]), scale=3.0, **{"x": 1})
    wp.atomic_add(a, i, j, value=1.0)
""",
    "returns that are not early: a helper's last statement, a second kernel": """
@wp.func
def clamp(x: float, top: float = 1.0 if wp.tile_ready() else 2.0) -> wp.rand_type():
    y = x
    if y > 1.0:
        return 1.0
    else:
        return y

@wp.func(enable_backward=False)
def decorated_by_a_call(x: float):
    return x

@wp.kernel
def k(a: wp.array(dtype=float)):
    tid = wp.tid()
    a[tid] = clamp(a[tid])

@wp.kernel
def second(a: wp.array(dtype=float)):
    if a[0] > 0.0:
        return
    a[0] = 1.0
""",
    "empty-bodied helpers, early and final returns, elif chains, loops with else": '''
@wp.func
def nothing():
    pass

@wp.func
def done():
    return

@wp.func
def documented(x: float):
    """doc"""
    if x > 0.0:
        return x
    return -x

@wp.func
def last_only(x: float):
    if x > 0.0:
        x = x + 1.0
    else:
        return x
    return x

@wp.kernel
def k(a: wp.array(dtype=float), n: int):
    i, j, l = wp.tid()
    if a[i] < 0.0:
        a[i] = 0.0
    elif a[i] < 1.0:
        a[i] = 1.0
    elif a[i] < 2.0:
        pass
    else:
        a[i] = documented(a[i])
    for m in range(n):
        if m == 2:
            continue
        if m == 5:
            break
    else:
        a[i] = 3.0
    while a[i] > 1.0:
        a[i] -= 1.0
    else:
        a[i] = 0.0
    if a[i] == 9.0:
        return
    b = wp.tile_load(a, shape=4)
    c = wp.mesh_query_point(0, wp.vec3(), 1.0)
    s = wp.rand_init(1)
''',
    "slices, starred, comprehensions, lambda, walrus, tuple targets": """
@wp.kernel
def k(a: wp.array(dtype=float)):
    (i, j) = wp.tid()
    x, *rest = a[1:2], a[::2], a[i:j:1]
    v = wp.vec3(*rest)
    total = [y * 2 for y in range(4) if y] + list({z: z for z in range(2)}) + [*{1, 2}]
    square = lambda q, r=1: q * r
    if (w := square(i)) is not None and w in total and not w >= 3 or i != j:
        del x
    assert i <= j, "message"
    a[i], a[j] = a[j], a[i]
    a[i]: float = 1.0
    t: int
""",
    "statements warp would refuse but python parses": """
import math
from .sibling import thing as other, name
from .. import up
global g
async def co(x):
    async with x as y:
        await y
    async for z in x:
        yield z
    return [q async for q in x]

@wp.kernel
def k(a: wp.array(dtype=float)):
    nonlocal_like = 1
    try:
        a[0] = math.pi
    except (ValueError, TypeError) as error:
        raise RuntimeError("x") from error
    except Exception:
        pass
    else:
        pass
    finally:
        a[0] = 0.0
    with open("f") as handle, open("g"):
        yield from handle
    match a:
        case [1, *others]:
            pass
        case {"key": 1, **rest}:
            pass
        case wp.vec3(x=0.0) | None as matched:
            pass
        case True:
            pass
        case _:
            pass
""",
    "no kernel": "x = 1\n",
    "empty module": "",
}


@pytest.mark.parametrize("source", TRICKY.values(), ids=TRICKY.keys())
def test_hand_written_sources_match_the_reference(source):
    ast.parse(source)  # a syntax error would make every outcome the same exception
    assert _mismatches([source]) == []


def test_renaming_happens_in_the_transformers_visiting_order():
    """A name's canonical number comes from where the transformer first met it."""
    source = "@wp.kernel\ndef k(a: b):\n    c.d = e\n"
    assert canonical_dump(source) == ref_canonical_dump(source)
    assert "FunctionDef('n0', arguments([], [arg('n1', Name('n2', Load()))]" in canonical_dump(source)


def test_leaf_fields_never_hold_statements_or_expressions():
    """``_LEAF_FIELDS`` may be skipped by traversals: check against the signatures ``ast`` documents."""
    harmless = {
        "identifier",
        "identifier?",
        "identifier*",
        "string?",
        "int",
        "int?",
        "constant",
        "expr_context",
        "operator",
        "unaryop",
        "boolop",
        "cmpop*",
        "alias*",
    }
    for cls in vars(ast).values():
        if not (isinstance(cls, type) and issubclass(cls, ast.AST) and cls._fields):
            continue
        signature = re.fullmatch(r"\w+\((.*)\)", (cls.__doc__ or "").splitlines()[0] if cls.__doc__ else "")
        if signature is None:  # the deprecated Num, Str, ... aliases of Constant
            assert issubclass(cls, ast.Constant), cls
            continue
        for part in signature.group(1).split(", "):
            kind, name = part.split(" ")
            if name in _LEAF_FIELDS:
                assert kind in harmless, (cls.__name__, name, kind)


def test_the_plans_walk_is_ast_walk_in_the_same_order():
    """``builder.plan.kernel_ast.walk`` skips fields that never hold a node; it must meet what ``ast.walk`` meets."""
    from pathlib import Path

    from builder.plan.kernel_ast import walk

    root = Path(__file__).resolve().parent.parent
    sources = [p.read_text(encoding="utf-8") for p in sorted(root.glob("[bg]*/**/*.py"))]
    sources += [synthesize(5, i, g).python_source for g in ("random", "motif") for i in range(60)]
    met = 0
    for source in sources:
        tree = ast.parse(source)
        for node in (tree, *tree.body[:3]):
            assert [id(n) for n in walk(node)] == [id(n) for n in ast.walk(node)]
        met += len(walk(tree))
    assert met > 100_000


def test_dump_prints_what_ast_dump_prints_for_every_node():
    sources = [*TRICKY.values(), *(synthesize(7, index).python_source for index in range(100))]
    sources += [synthesize(7, index, "motif").python_source for index in range(100)]
    nodes = [node for source in sources for node in ast.walk(ast.parse(source))]
    assert len(nodes) > 50_000
    assert [dump(node) for node in nodes] == [ast.dump(node) for node in nodes]
    # the live-core hash dumps trees whose names and numbers it rewrote in place, and unicode kinds
    tree = ast.parse("u'x' + f(1.5, y=None)[0].z")
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, float):
            node.value = 0
    assert dump(tree) == ast.dump(tree) and "kind='u'" in dump(tree)
