"""What the liveness pass needs to know about a kernel's surroundings: Warp decorators, @wp.func
helpers and whether they have side effects, structs, and a kernel's parameters by kind.

Shared by ``builder.plan.liveness`` (dead statements, the live core) and ``builder.plan.quality``
(the per-kernel realism measures); the rules follow the reference audit (see docs/generators.md).
"""

from __future__ import annotations

import ast
import collections
import io
import re
import textwrap
import tokenize
from dataclasses import dataclass, field

# Names that are not identifiers of the kernel author (kept by canonical renaming).
KEEP_NAMES = frozenset({"wp", "float", "int", "range", "bool"})
PY_BUILTINS = frozenset(
    {
        "int",
        "float",
        "bool",
        "range",
        "len",
        "abs",
        "min",
        "max",
        "round",
        "pow",
        "isinstance",
        "type",
        "tuple",
        "enumerate",
        "zip",
        "sum",
        "divmod",
        "list",
        "print",
    }
)
# wp.<attr>(...) calls with an effect outside the thread.
SIDE_WP = re.compile(
    r"^(atomic_\w+|tile_store\w*|tile_atomic_\w+|tile_scatter\w*|volume_store\w*|"
    r"array_store|store|printf|print|breakpoint|expect_\w+|mlp|dense_\w+)$"
)
ATOMIC_LIKE = re.compile(r"^(atomic_\w+|tile_store\w*|tile_atomic_\w+|tile_scatter\w*)$")
# wp.<attr>(state, ...) that advance an RNG state passed by reference.
RNG_WP = re.compile(r"^(randf|randi|randn|randu|rand|sample_\w+|poisson)$")
# Type constructors: a literal-only call to these is a value, not a foldable computation.
CTOR_WP = re.compile(
    r"^(vec\w*|mat\w*|quat\w*|transform\w*|spatial_\w+|float\d*|int\d*|uint\d*|"
    r"half|constant|tid|static|types?|uint64|Volume)$"
)
TYPE_NAME = (
    r"(float(16|32|64)?|u?int(8|16|32|64)?|bool|half|vec\d\w{0,2}|mat\d\d\w?|quat[hfd]?|"
    r"transform[hfd]?|spatial_(vector|matrix)[hfd]?)"
)
VALUE_ANN = re.compile(rf"^(wp\.)?{TYPE_NAME}$")  # by-value parameter annotations
TYPE_RE = re.compile(rf"^{TYPE_NAME}$")  # constructor names: vec3(...), float32(...)
ARRAY_ANN = re.compile(r"\b(array|indexedarray|fabricarray|indexedfabricarray)(\dd)?\s*[\[(]")
CMP_OPS = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)


# --------------------------------------------------------------------------- AST helpers
def walk(node: ast.AST) -> list[ast.AST]:
    """``node`` and every node under it, in ``ast.walk``'s order (breadth first), as a list.

    The plan's passes walk each kernel dozens of times; ``ast.walk``'s generator chain
    (``iter_child_nodes`` over ``iter_fields``) is most of their cost, and so is reading fields
    that never hold a node (``_node_fields``)."""
    found, i, AST = [node], 0, ast.AST
    fields_of, append, extend = _NODE_FIELDS.get, found.append, found.extend
    while i < len(found):
        n = found[i]
        i += 1
        names = fields_of(type(n))
        for name in _node_fields(type(n)) if names is None else names:
            value = getattr(n, name, None)
            if isinstance(value, AST):
                append(value)
            elif isinstance(value, list):
                extend([x for x in value if isinstance(x, AST)])
    return found


_BLOCK_FIELDS = ("body", "handlers", "orelse", "finalbody", "cases")  # lists of statements (or handlers, cases)


def definitions(tree: ast.AST) -> list[ast.AST]:
    """The function and class definitions in ``tree``, nested ones included, in ``walk``'s order.

    Definitions are statements, and statements sit only in these fields (in every class's field
    order): a breadth-first walk of them alone meets each definition at its depth in ``walk``, in
    the same order, reading a few percent of the nodes."""
    found, queue, i = [], [tree], 0
    while i < len(queue):
        n = queue[i]
        i += 1
        if isinstance(n, _DEFS):
            found.append(n)
        for name in _BLOCK_FIELDS:
            value = getattr(n, name, None)
            if value:
                queue.extend(value)
    return found


# Fields that hold a str, int or other plain value in every node class that has them (``names``
# does not qualify: Import's holds alias nodes); a Constant's value is never a node.
_PLAIN_FIELDS = frozenset(
    {"id", "attr", "arg", "name", "asname", "module", "level", "type_comment", "kind", "conversion", "is_async"}
    | {"simple"}
)
_NODE_FIELDS: dict[type, tuple[str, ...]] = {ast.Constant: ()}


def _node_fields(cls: type) -> tuple[str, ...]:
    """The fields of node class ``cls`` that may hold a node or a list of nodes (``walk``'s order)."""
    fields = _NODE_FIELDS[cls] = tuple(f for f in cls._fields if f not in _PLAIN_FIELDS)
    return fields


def deco_kind(d: ast.expr) -> str | None:
    """'kernel', 'func' or 'struct' for a Warp decorator, else None."""
    n = d.func if isinstance(d, ast.Call) else d
    name = n.attr if isinstance(n, ast.Attribute) else n.id if isinstance(n, ast.Name) else None
    if name == "kernel" or (name or "").endswith("_kernel"):  # fem.cache.dynamic_kernel
        return "kernel"
    if name in ("func", "func_native", "func_grad", "func_replay"):
        return "func"
    if name == "struct":
        return "struct"
    return None


_DEFS = (ast.FunctionDef, ast.ClassDef)  # what kind_of reads decorators of


def kind_of(node: ast.AST) -> str | None:
    if isinstance(node, _DEFS):
        for d in node.decorator_list:
            k = deco_kind(d)
            if k:
                return k
    return None


def wp_attr(call: ast.Call) -> str | None:
    f = call.func
    if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "wp":
        return f.attr
    return None


def call_name(call: ast.Call) -> str | None:
    """Callee name for non-wp calls: Name id or the last attribute."""
    f = call.func
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute):
        return f.attr
    return None


def root_of(node: ast.AST) -> ast.Name | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
        node = node.value
    return node if isinstance(node, ast.Name) else None


def chain_has_subscript(node: ast.AST) -> bool:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        if isinstance(node, ast.Subscript):
            return True
        node = node.value
    return False


def load_names(node: ast.AST, nodes: list[ast.AST] | None = None) -> set[str]:
    """Names read under ``node`` (``nodes``: ``walk(node)`` when the caller has it already)."""
    return {
        n.id
        for n in (walk(node) if nodes is None else nodes)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }


def is_literal_expr(n: ast.AST) -> bool:
    """True when the expression names nothing but wp / float / int / bool (no folding)."""
    return not any(isinstance(x, ast.Name) and x.id not in ("wp", "float", "int", "bool") for x in walk(n))


def is_lit_value(n: ast.AST, v: float) -> bool:
    """A numeric literal equal to v: 1, 1.0, +1, wp.float32(1.0), float(1)."""
    if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.UAdd):
        n = n.operand
    if isinstance(n, ast.Call) and len(n.args) == 1 and not n.keywords:
        f = n.func
        ctor = (isinstance(f, ast.Name) and f.id in ("float", "int")) or (
            isinstance(f, ast.Attribute)
            and isinstance(f.value, ast.Name)
            and f.value.id == "wp"
            and re.match(r"^(float|int|uint)\d*$", f.attr)
        )
        if ctor:
            n = n.args[0]
    return (
        isinstance(n, ast.Constant)
        and isinstance(n.value, (int, float))
        and not isinstance(n.value, bool)
        and n.value == v
    )


def docstring_node(fn: ast.FunctionDef) -> ast.stmt | None:
    if (
        fn.body
        and isinstance(fn.body[0], ast.Expr)
        and isinstance(fn.body[0].value, ast.Constant)
        and isinstance(fn.body[0].value.value, str)
    ):
        return fn.body[0]
    return None


def comment_count(lines: list[str], fn: ast.FunctionDef) -> tuple[int, int]:
    """(lines holding a '#' comment, lines) of a function's source, decorators included."""
    start = min([d.lineno for d in fn.decorator_list] + [fn.lineno])
    seg = lines[start - 1 : fn.end_lineno]
    if not any("#" in line for line in seg):
        return 0, len(seg)
    try:
        text = textwrap.dedent("\n".join(seg)) + "\n"
        n = len(
            {t.start[0] for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type == tokenize.COMMENT}
        )
    except (tokenize.TokenError, IndentationError, SyntaxError):
        n = sum(1 for line in seg if line.lstrip().startswith("#"))
    return n, len(seg)


# --------------------------------------------------------------------------- helpers / context
def helper_impure(fn: ast.FunctionDef) -> bool | None:
    """Whether a @wp.func writes an array or has an outside effect (native snippets: assumed)."""
    for d in fn.decorator_list:
        n = d.func if isinstance(d, ast.Call) else d
        if (
            isinstance(n, (ast.Attribute, ast.Name))
            and (getattr(n, "attr", None) or getattr(n, "id", None)) == "func_native"
        ):
            return True
    arrays = {a.arg for a in fn.args.args if a.annotation is None or not VALUE_ANN.match(ast.unparse(a.annotation))}
    for n in walk(fn):
        if isinstance(n, ast.Call):
            a = wp_attr(n)
            if (a and SIDE_WP.match(a)) or (isinstance(n.func, ast.Name) and n.func.id == "print"):
                return True
        tgts = (
            n.targets
            if isinstance(n, ast.Assign)
            else [n.target]
            if isinstance(n, (ast.AugAssign, ast.AnnAssign))
            else []
        )
        for t in tgts:
            r = root_of(t)
            if chain_has_subscript(t) and r is not None and r.id in arrays:
                return True
    return False


@dataclass
class Scope:
    """What a kernel can call: helper purity, struct names and other known-pure names."""

    helpers: dict[str, bool] = field(default_factory=dict)  # name -> impure
    pure: set[str] = field(default_factory=set)  # structs, wp.types aliases


@dataclass
class HelperTable:
    """@wp.func helpers seen so far: own impurity and callees, without keeping their trees."""

    impure: dict[str, bool] = field(default_factory=dict)
    calls: dict[str, set] = field(default_factory=lambda: collections.defaultdict(set))
    pure: set[str] = field(default_factory=set)  # structs, module-level wp type aliases

    def add_tree(self, tree: ast.Module, *, all_classes: bool = False, nodes: list[ast.AST] | None = None) -> bool:
        """Record the helpers / structs of a module; True when it defines a kernel.

        ``nodes``: ``walk(tree)`` or ``definitions(tree)`` when the caller has it already."""
        has_kernel = False
        for n in definitions(tree) if nodes is None else nodes:
            if not isinstance(n, _DEFS):
                continue
            k = kind_of(n)
            if k == "kernel":
                has_kernel = True
            elif k == "func":
                self.impure[n.name] = self.impure.get(n.name, False) or helper_impure(n)
                self.calls[n.name] |= {call_name(c) for c in walk(n) if isinstance(c, ast.Call) and wp_attr(c) is None}
            elif k == "struct" or (all_classes and isinstance(n, ast.ClassDef)):
                self.pure.add(n.name)
        for st in tree.body:  # module-level wp type aliases: vec5 = wp.types.vector(...)
            if isinstance(st, ast.Assign) and isinstance(st.value, ast.Call):
                r = root_of(st.value.func)
                if r is not None and r.id == "wp":
                    self.pure |= {t.id for t in st.targets if isinstance(t, ast.Name)}
        return has_kernel

    def scope(self) -> Scope:
        """Close impurity over helper-to-helper calls (any overload impure => impure)."""
        imp = dict(self.impure)
        changed = True
        while changed:
            changed = False
            for name, cs in self.calls.items():
                if not imp[name] and any(imp.get(c, False) for c in cs):
                    imp[name] = changed = True
        return Scope(imp, set(self.pure))


@dataclass
class KCtx:
    params: set[str]
    value_params: set[str]
    array_params: set[str]
    locals_: set[str]
    tids: set[str]
    scope: Scope


def make_ctx(fn: ast.FunctionDef, scope: Scope, nodes: list[ast.AST] | None = None) -> KCtx:
    """The names of kernel ``fn`` by role (``nodes``: ``walk(fn)`` when the caller has it already)."""
    nodes = walk(fn) if nodes is None else nodes
    params, value_params, array_params = set(), set(), set()
    for a in fn.args.args:
        params.add(a.arg)
        ann = ast.unparse(a.annotation) if a.annotation is not None else ""
        if ARRAY_ANN.search(ann):
            array_params.add(a.arg)
        elif VALUE_ANN.match(ann):
            value_params.add(a.arg)
    stored, tids = set(), set()
    for n in nodes:
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            stored.add(n.id)
        elif isinstance(n, ast.Assign) and isinstance(n.value, ast.Call) and wp_attr(n.value) == "tid":
            for t in n.targets:
                tids |= {x.id for x in walk(t) if isinstance(x, ast.Name)}
    # a local bound to an array param, to a field of a struct param / global, or to
    # wp.array(ptr=...) is an array alias: stores through it are outside-visible
    aliases = set()
    for n in nodes:
        if (
            isinstance(n, ast.Assign)
            and isinstance(n.value, ast.Call)
            and re.match(r"^(array|indexedarray|fabricarray)", wp_attr(n.value) or "-")
        ):
            aliases |= {t.id for t in n.targets if isinstance(t, ast.Name)}
        elif (
            isinstance(n, ast.Assign)
            and isinstance(n.value, (ast.Name, ast.Attribute))
            and not chain_has_subscript(n.value)
        ):
            r = root_of(n.value)
            if r is not None and (
                r.id in array_params
                or (
                    isinstance(n.value, ast.Attribute)
                    and r.id not in stored
                    and r.id not in value_params
                    and r.id != "wp"
                )
            ):
                aliases |= {t.id for t in n.targets if isinstance(t, ast.Name)}
    return KCtx(params, value_params, array_params, (stored - params) - aliases, tids, scope)


def find_kernels(tree: ast.AST, nodes: list[ast.AST] | None = None) -> list[ast.FunctionDef]:
    """Every function decorated as a Warp kernel, nested ones included (``nodes``: ``walk(tree)`` or
    ``definitions(tree)`` if known)."""
    found = definitions(tree) if nodes is None else nodes
    return [n for n in found if isinstance(n, _DEFS) and kind_of(n) == "kernel"]


def source_scope(tree: ast.Module, nodes: list[ast.AST] | None = None) -> Scope:
    """Helpers and structs defined in one python_source (``nodes``: ``walk(tree)`` or ``definitions(tree)``)."""
    table = HelperTable()
    table.add_tree(tree, all_classes=True, nodes=nodes)
    return table.scope()
