"""Per-kernel realism measures over the live code: dead statements, literal-only conditions,
trivial operations, literal-only ``wp.*`` calls, outputs independent of inputs, gather/scatter
through index arrays, writes off the thread index, guards, ``@wp.func`` calls and arrays.

``kernel_quality(source)`` measures the last kernel of one python_source (the synthesized rows'
layout); ``summarize`` aggregates. The rules are the reference audit's (docs/generators.md).
"""

from __future__ import annotations

import ast
import collections
from dataclasses import dataclass

from builder.plan.kernel_ast import (
    ATOMIC_LIKE,
    CMP_OPS,
    CTOR_WP,
    KEEP_NAMES,
    KCtx,
    Scope,
    call_name,
    comment_count,
    definitions,
    docstring_node,
    find_kernels,
    is_lit_value,
    is_literal_expr,
    make_ctx,
    root_of,
    source_scope,
    walk,
    wp_attr,
)
from builder.plan.liveness import Liveness
from builder.plan.structure import dump

# The measures that must be rare in live, idiomatic code (the share of kernels with each).
DEFECTS = ("dead", "litcond", "trivial", "litcall", "const_out")


@dataclass
class Quality:
    """The measures of one kernel."""

    statements: int
    dead: int
    litcond: bool
    trivial: bool
    litcall: bool
    const_out: bool
    gather: bool
    nontid_write: bool
    early_return: bool
    bounds_guard: bool
    helper: bool
    arrays: int
    wp_calls: frozenset[str]
    identifiers: frozenset[str]
    docstring: bool
    comment: bool

    @property
    def defects(self) -> tuple[str, ...]:
        """The names in ``DEFECTS`` this kernel has."""
        return tuple(d for d in DEFECTS if (self.dead > 0 if d == "dead" else getattr(self, d)))


def kernel_quality(source: str) -> Quality:
    """The measures of the last ``@wp.kernel`` in ``source`` (helpers and structs resolved there)."""
    tree = ast.parse(source)
    defs = definitions(tree)
    kernels = find_kernels(tree, defs)
    if not kernels:
        raise ValueError("no @wp.kernel in the source")
    return measure(kernels[-1], source_scope(tree, defs), source.splitlines())


class _Body:
    """The nodes of a kernel's statements (``walk`` of each, in order), and those of a few node types."""

    ASSIGNS = (ast.Assign, ast.AugAssign, ast.AnnAssign)

    def __init__(self, fn: ast.FunctionDef) -> None:
        self.nodes = [x for st in fn.body for x in walk(st)]
        self._by_type: dict[type, list[ast.AST]] = collections.defaultdict(list)
        self.assigns: list[ast.AST] = []  # in statement order: _tainted follows assignments as they run
        for n in self.nodes:
            self._by_type[type(n)].append(n)
            if type(n) in self.ASSIGNS:
                self.assigns.append(n)

    def of(self, *types: type) -> list[ast.AST]:
        """The nodes of these exact types (``ast.parse`` makes no subclasses), type by type."""
        return [n for t in types for n in self._by_type.get(t, ())]


def measure(fn: ast.FunctionDef, scope: Scope, lines: list[str]) -> Quality:
    """The measures of kernel ``fn``, whose file's lines are ``lines``."""
    body = _Body(fn)
    # walk(fn) as a multiset, without walking the statements again (make_ctx and the names are sets)
    fn_nodes = [fn, *(x for name in type(fn)._fields if name != "body" for x in _walk_field(fn, name))]
    fn_nodes += body.nodes
    ctx = make_ctx(fn, scope, fn_nodes)
    live = Liveness(fn, ctx)
    stmts = live.counted(body.nodes)
    trivial, litcall, helper, wp_calls = _operations(body, scope)
    gather, nontid = _dataflow(body, ctx)
    early, guard = _returns(body, ctx)
    return Quality(
        statements=len(stmts),
        dead=sum(id(s) not in live.live_ids for s in stmts),
        litcond=_literal_condition(body),
        trivial=trivial,
        litcall=litcall,
        const_out=_reads_no_input(body, stmts, live, ctx),
        gather=gather,
        nontid_write=nontid,
        early_return=early,
        bounds_guard=guard,
        helper=helper,
        arrays=len(ctx.array_params),
        wp_calls=frozenset(wp_calls),
        identifiers=frozenset(
            ({n.id for n in fn_nodes if isinstance(n, ast.Name)} | {a.arg for a in fn.args.args}) - KEEP_NAMES
        ),
        docstring=docstring_node(fn) is not None,
        comment=comment_count(lines, fn)[0] > 0,
    )


def _walk_field(fn: ast.FunctionDef, name: str) -> list[ast.AST]:
    """The walks of the nodes in field ``name`` of ``fn`` (none for a plain value such as its name)."""
    value = getattr(fn, name, None)
    values = value if isinstance(value, list) else [value]
    return [x for v in values if isinstance(v, ast.AST) for x in walk(v)]


def _literal_condition(body: _Body) -> bool:
    """A branch condition (or any operand of a top-level and/or) that names no variable."""
    for n in body.of(ast.If, ast.IfExp, ast.While):
        t = n.test
        if isinstance(n, ast.While) and isinstance(t, ast.Constant) and t.value is True:
            continue  # `while True:` is an idiom, not a folded branch
        if any(is_literal_expr(p) for p in (t.values if isinstance(t, ast.BoolOp) else [t])):
            return True
    return False


def _same(a: ast.AST, b: ast.AST) -> bool:
    """``ast.dump(a) == ast.dump(b)``, without dumping when the node types or the names already differ."""
    if type(a) is not type(b):
        return False
    if type(a) is ast.Name:
        return a.id == b.id and type(a.ctx) is type(b.ctx)
    return dump(a) == dump(b)


def _trivial_binop(n: ast.BinOp, in_index: set[int]) -> bool:
    op = n.op
    if isinstance(op, (ast.Sub, ast.Div, ast.FloorDiv, ast.Mod, ast.BitXor, ast.BitAnd, ast.BitOr)) and _same(
        n.left, n.right
    ):
        return True
    if id(n) in in_index:  # `i * 3 + 0` next to `i * 3 + 1` is how people align indices
        return False
    if isinstance(op, (ast.Mult, ast.Add)):  # x * 1, 1 * x, x + 0, 0 + x
        unit = 1 if isinstance(op, ast.Mult) else 0
        return is_lit_value(n.left, unit) or is_lit_value(n.right, unit)
    if isinstance(op, (ast.Sub, ast.Div)):  # x - 0, x / 1
        return is_lit_value(n.right, 0 if isinstance(op, ast.Sub) else 1)
    return False


def _trivial(n: ast.AST, in_index: set[int]) -> bool:
    """``x - x``, ``x * 1``, ``h < h``, ``a if c else a``, ``x = x``, ``min(x, x)``, ``clamp(x, a, a)``."""
    if isinstance(n, ast.BinOp):
        return _trivial_binop(n, in_index)
    if isinstance(n, ast.Compare):
        return len(n.comparators) == 1 and _same(n.left, n.comparators[0])
    if isinstance(n, ast.IfExp):
        return _same(n.body, n.orelse)
    if isinstance(n, ast.Assign):
        t = n.targets[0]
        if len(n.targets) != 1 or type(t) is not type(n.value):
            return False
        if type(t) is ast.Name:  # the dump below, for the commonest case
            return t.id == n.value.id
        return isinstance(t, (ast.Attribute, ast.Subscript)) and dump(t).replace("ctx=Store()", "ctx=Load()") == dump(
            n.value
        )
    if isinstance(n, ast.Call):
        a = wp_attr(n)
        name = a if a is not None else (n.func.id if isinstance(n.func, ast.Name) else None)
        if name in ("min", "max", "cw_mul") and len(n.args) == 2 and _same(n.args[0], n.args[1]):
            return True
        return name == "clamp" and len(n.args) == 3 and _same(n.args[1], n.args[2])
    return False


def _operations(body: _Body, scope: Scope) -> tuple[bool, bool, bool, set[str]]:
    """(trivial operation, literal-only wp call, helper call, wp.* names called)."""
    in_index = {id(x) for n in body.of(ast.Subscript) for x in walk(n.slice)}
    triv = any(_trivial(n, in_index) for n in body.of(ast.BinOp, ast.Compare, ast.IfExp, ast.Assign, ast.Call))
    litcall = helper = False
    wp_calls: set[str] = set()
    for n in body.of(ast.Call):
        a = wp_attr(n)
        if a is not None:
            wp_calls.add(a)
            if (
                not CTOR_WP.match(a)
                and n.args
                and all(is_literal_expr(x) for x in n.args)
                and all(is_literal_expr(k.value) for k in n.keywords)
            ):
                litcall = True
        else:
            r = root_of(n.func)
            helper = helper or (call_name(n) in scope.helpers and not (r is not None and r.id == "wp"))
    return triv, litcall, helper, wp_calls


def _arrayish(sub: ast.Subscript, ctx: KCtx) -> bool:
    """A subscript of an array parameter, a struct field or an alias (not a local vector)."""
    v = sub.value
    if isinstance(v, ast.Name):
        return v.id in ctx.array_params or (v.id not in ctx.locals_ and v.id not in ctx.value_params)
    if isinstance(v, ast.Attribute):
        r = root_of(v)
        return v.attr != "shape" and r is not None and r.id not in ctx.locals_ and r.id != "wp"
    return False


def _tainted(body: _Body, loaded: set[int]) -> set[str]:
    """Names assigned (transitively) from a value that reads an array element."""
    flows = []
    for n in body.assigns:
        if n.value is not None:
            targets = n.targets if isinstance(n, ast.Assign) else [n.target]
            tg = {
                x.id
                for t in targets
                if isinstance(t, (ast.Name, ast.Tuple))
                for x in walk(t)
                if isinstance(x, ast.Name)
            }
            if tg:
                vals = list(walk(n.value))
                flows.append((any(id(x) in loaded for x in vals), {x.id for x in vals if isinstance(x, ast.Name)}, tg))
    tainted: set[str] = set()
    for _ in range(16):
        before = len(tainted)
        for direct, names, tg in flows:
            if direct or names & tainted:
                tainted |= tg
        if len(tainted) == before:
            break
    return tainted


def _dataflow(body: _Body, ctx: KCtx) -> tuple[bool, bool]:
    """(an index computed from array data: gather/scatter, a write at an index other than the thread's)."""
    subs = [n for n in body.of(ast.Subscript) if _arrayish(n, ctx)]
    loaded = {id(n) for n in subs if isinstance(n.ctx, ast.Load)}
    tainted = _tainted(body, loaded)

    def data(node: ast.AST) -> bool:
        return any(id(x) in loaded or (isinstance(x, ast.Name) and x.id in tainted) for x in walk(node))

    def tid_only(elts: list[ast.AST]) -> bool:
        return bool(elts) and all(isinstance(e, ast.Name) and e.id in ctx.tids for e in elts)

    gather, nontid = any(data(s.slice) for s in subs), False
    for n in body.of(ast.Call):
        a = wp_attr(n)
        if a and a.startswith("atomic_") and len(n.args) >= 3:
            gather = gather or any(data(x) for x in n.args[1:-1])
            nontid = nontid or not tid_only(n.args[1:-1])
    for n in body.assigns:
        for t in _targets(n):
            s = t
            while isinstance(s, (ast.Attribute, ast.Subscript)):
                if isinstance(s, ast.Subscript) and _arrayish(s, ctx):
                    nontid = nontid or not tid_only(s.slice.elts if isinstance(s.slice, ast.Tuple) else [s.slice])
                    break
                s = s.value
    return gather, nontid


def _targets(n: ast.AST) -> list[ast.AST]:
    if isinstance(n, ast.Assign):
        return n.targets
    return [n.target] if isinstance(n, (ast.AugAssign, ast.AnnAssign)) else []


def _returns(body: _Body, ctx: KCtx) -> tuple[bool, bool]:
    """(an early return, a bounds guard: the returning condition compares with a shape or a parameter)."""
    early = guard = False
    for n in body.of(ast.If):
        if any(isinstance(b, ast.Return) for b in n.body):
            early = True
            cmps = [
                c for c in walk(n.test) if isinstance(c, ast.Compare) and any(isinstance(o, CMP_OPS) for o in c.ops)
            ]
            guard = guard or any(
                any(
                    (isinstance(x, ast.Attribute) and x.attr == "shape")
                    or (isinstance(x, ast.Name) and x.id in ctx.params)
                    for x in walk(c)
                )
                for c in cmps
            )
    return early, guard


def _reads_no_input(body: _Body, stmts: list[ast.stmt], live: Liveness, ctx: KCtx) -> bool:
    """True when no live statement reads a parameter other than as a store target or a shape."""
    excluded: set[int] = set()
    for n in body.of(ast.Attribute):
        if n.attr == "shape" and isinstance(n.value, ast.Name):
            excluded.add(id(n.value))
    for n in body.of(ast.Call):
        if ATOMIC_LIKE.match(wp_attr(n) or "-") and n.args and root_of(n.args[0]) is not None:
            excluded.add(id(root_of(n.args[0])))
    for n in body.assigns:
        for t in _targets(n):
            for e in t.elts if isinstance(t, ast.Tuple) else [t]:
                if isinstance(e, (ast.Subscript, ast.Attribute)) and root_of(e) is not None:
                    excluded.add(id(root_of(e)))
    for st in stmts:
        if id(st) not in live.live_ids:
            continue
        if isinstance(st, (ast.If, ast.While)):
            heads = [st.test]
        elif isinstance(st, ast.For):
            heads = [st.iter]
        else:
            heads = [] if isinstance(st, (ast.With, ast.Break, ast.Continue)) else [st]
        for h in heads:
            for x in walk(h):
                if (
                    isinstance(x, ast.Name)
                    and isinstance(x.ctx, ast.Load)
                    and x.id in ctx.params
                    and id(x) not in excluded
                ):
                    return False
    return True


def summarize(measures: list[Quality]) -> dict:
    """Shares of kernels with each measure, means of the counts, distinct identifiers, wp.* document frequencies."""
    n = len(measures)
    if not n:
        return {"kernels": 0}
    share = lambda f: round(sum(1 for m in measures if f(m)) / n, 4)  # noqa: E731
    calls = collections.Counter(c for m in measures for c in m.wp_calls)
    return {
        "kernels": n,
        "dead": share(lambda m: m.dead > 0),
        "dead_statement_share": round(sum(m.dead / max(m.statements, 1) for m in measures) / n, 4),
        **{
            name: share(lambda m, name=name: getattr(m, name))
            for name in (
                "litcond",
                "trivial",
                "litcall",
                "const_out",
                "gather",
                "nontid_write",
                "early_return",
                "bounds_guard",
                "helper",
                "docstring",
                "comment",
            )
        },
        "arrays_mean": round(sum(m.arrays for m in measures) / n, 3),
        "distinct_identifiers": len(set().union(*(m.identifiers for m in measures))),
        "wp_call_share": {c: round(v / n, 4) for c, v in calls.most_common()},
    }
