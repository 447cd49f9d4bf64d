"""Backward liveness over the structured AST of one Warp kernel, and the hash of its live core.

Always live: array stores (through a parameter, a struct field or an alias), ``wp.atomic_*`` and
other stores, prints, calls to helpers with side effects or to unknown callables, ``wp.tid()`` and
``return``. Everything else is live when a name it defines is read later by live code; an ``if`` or
a loop is live when a statement in it is. Assignments inside branches never kill, and names read
inside a live compound statement are live before it (a declaration ahead of a branch that assigns
it stays live). Constants are never folded: ``if 3.0 < 1.0:`` is as live as any branch (the
literal-only conditions are counted apart, by ``builder.plan.quality``).
"""

from __future__ import annotations

import ast
import hashlib

from builder.plan.kernel_ast import (
    KEEP_NAMES,
    PY_BUILTINS,
    RNG_WP,
    SIDE_WP,
    TYPE_RE,
    KCtx,
    call_name,
    chain_has_subscript,
    find_kernels,
    load_names,
    make_ctx,
    root_of,
    source_scope,
    walk,
    wp_attr,
)
from builder.plan.structure import dump


class Liveness:
    """Backward liveness over the structured AST of one kernel; see the module docstring."""

    def __init__(self, fn: ast.FunctionDef, ctx: KCtx):
        self.fn, self.ctx = fn, ctx
        self._info: dict[int, tuple[bool, frozenset, frozenset, frozenset]] = {}
        self._loads: dict[int, frozenset] = {}
        self._nested: dict[int, list[tuple[int, frozenset]]] = {}
        self._memo: dict[tuple, tuple] = {}
        self._head_calls: dict[int, tuple[bool, set[str]]] = {}
        _, self.live_ids, _ = self._block(fn.body, frozenset(), False)

    def _head_loads(self, node: ast.AST) -> frozenset:
        key = id(node)
        if key not in self._loads:
            self._loads[key] = frozenset(load_names(node))
        return self._loads[key]

    def _test_calls(self, node: ast.AST) -> tuple[bool, set[str]]:
        """``_calls`` of a branch test or loop head, which a loop's fixed point evaluates again and again."""
        key = id(node)
        if key not in self._head_calls:
            self._head_calls[key] = self._calls(walk(node))
        return self._head_calls[key]

    # -- expression / statement summaries
    def _calls(self, nodes: list[ast.AST]) -> tuple[bool, set[str]]:
        """(a call with an effect, names a call updates in place) among ``nodes`` (an expression's walk)."""
        crit, mut = False, set()
        for c in nodes:
            if not isinstance(c, ast.Call):
                continue
            a = wp_attr(c)
            if a is not None:
                if a == "tid" or SIDE_WP.match(a):
                    crit = True
                elif RNG_WP.match(a) and c.args and isinstance(c.args[0], ast.Name):
                    mut.add(c.args[0].id)
                elif a.endswith("_next"):
                    mut |= {x.id for x in c.args if isinstance(x, ast.Name)}
                elif (
                    a.startswith(("mesh_query_point", "mesh_query_ray", "mesh_query_furthest")) and len(c.args) > 4
                ) or a.startswith("volume_sample_grad"):
                    mut |= {x.id for x in c.args[3:] if isinstance(x, ast.Name)}
                continue
            f = c.func
            if (
                isinstance(f, ast.Attribute)
                and root_of(f) is not None
                and root_of(f).id in ("wp", "warp", "math")
                and f.attr not in self.ctx.scope.helpers
            ):
                continue  # wp.types.vector(...), math.sqrt(...): pure
            name = call_name(c)
            if name == "print":
                crit = True
            elif (
                name in PY_BUILTINS
                or name in self.ctx.scope.pure
                or (name and TYPE_RE.match(name) and name not in self.ctx.scope.helpers)
            ):
                continue
            elif name in self.ctx.scope.helpers:
                crit |= self.ctx.scope.helpers[name]
            else:
                crit = True  # unknown callee: assume it may have an effect
        return crit, mut

    def _target(self, t: ast.AST, kills: set, pdefs: set) -> bool:
        """Record what assigning to t defines; True when t is an outside-visible store."""
        if isinstance(t, ast.Name):
            kills.add(t.id)
            return False
        if isinstance(t, (ast.Tuple, ast.List)):
            store = False
            for e in t.elts:  # every element must be recorded: no short-circuit
                store |= self._target(e, kills, pdefs)
            return store
        if isinstance(t, ast.Starred):
            return self._target(t.value, kills, pdefs)
        r = root_of(t)
        if r is None:
            return True
        c = self.ctx
        if r.id in c.locals_ or r.id in c.value_params or not chain_has_subscript(t):
            pdefs.add(r.id)  # update of a local / by-value param / struct field
            return False
        return True  # subscript store into an array (param, struct field, alias, global)

    def info(self, st: ast.stmt) -> tuple[bool, frozenset, frozenset, frozenset]:
        """(critical, kills, partial defs, uses) for a simple statement."""
        key = id(st)
        if key in self._info:
            return self._info[key]
        kills, pdefs = set(), set()
        nodes = walk(st)
        crit, mut = self._calls(nodes)
        uses = load_names(st, nodes)
        if isinstance(st, ast.Assign):
            for t in st.targets:
                crit |= self._target(t, kills, pdefs)
        elif isinstance(st, ast.AnnAssign):
            crit |= self._target(st.target, kills, pdefs)
        elif isinstance(st, ast.AugAssign):
            if isinstance(st.target, ast.Name):
                pdefs.add(st.target.id)
                uses.add(st.target.id)
            else:
                crit |= self._target(st.target, kills, pdefs)
        elif isinstance(st, ast.Expr) and isinstance(st.value, ast.Call):
            # a call whose result is dropped is there for its effect on its arguments
            # (wp.tile_matmul(a, b, out), wp.tile_fft(t), wp.transform_set_translation(x, p))
            for a in st.value.args:
                r = root_of(a)
                if r is not None and r.id != "wp":
                    pdefs.add(r.id)
            if wp_attr(st.value) is None and call_name(st.value) not in PY_BUILTINS:
                crit = True  # a bare helper call is there for its effect
        elif isinstance(st, ast.Expr):
            pass  # a bare expression only matters through the calls in it
        elif isinstance(
            st, (ast.Return, ast.Raise, ast.Assert, ast.Global, ast.Nonlocal, ast.Delete, ast.Import, ast.ImportFrom)
        ):
            crit = True
        else:  # nested def / try / match ...: keep, opaque
            crit = True
        pdefs |= mut
        res = (crit, frozenset(kills), frozenset(pdefs), frozenset(uses))
        self._info[key] = res
        return res

    def _inner_loads(self, st: ast.stmt, U: set[int]) -> frozenset:
        """Names read by the live statements nested in a compound statement.

        Adding them to the live set before the compound statement keeps a declaration such as
        ``x = float(0.0)`` ahead of ``if c: x = f(); y[tid] = x`` live (the audit's rule): people
        declare a variable before the branch or loop that assigns it."""
        nested = self._nested.get(id(st))
        if nested is None:
            nested = []
            for n in walk(st):
                if n is st or not isinstance(n, ast.stmt):
                    continue
                if isinstance(n, (ast.If, ast.While)):
                    nested.append((id(n), self._head_loads(n.test)))
                elif isinstance(n, ast.For):
                    nested.append((id(n), self._head_loads(n.iter)))
                elif not hasattr(n, "body"):
                    nested.append((id(n), self.info(n)[3]))
            self._nested[id(st)] = nested
        out: set[str] = set()
        for key, loads in nested:
            if key in U:
                out |= loads
        return frozenset(out)

    # -- blocks
    def _loop(self, st, live_exit: frozenset, test_uses: frozenset, kills: frozenset, ctrl: bool, with_test: bool):
        lin: frozenset = frozenset()
        for _ in range(64):
            end = live_exit | (lin - kills) | (test_uses if with_test else frozenset())
            lb, ub, eb = self._block(st.body, end, ctrl)
            if lb == lin:
                break
            lin = lb
        return lb, ub, eb

    def _block(self, stmts: list[ast.stmt], live: frozenset, ctrl: bool):
        """-> (live-in, ids of live statements, any live statement other than break/continue)."""
        key = (id(stmts), live, ctrl)
        if key not in self._memo:
            self._memo[key] = self._block_eval(stmts, live, ctrl)
        return self._memo[key]

    def _block_eval(self, stmts: list[ast.stmt], live: frozenset, ctrl: bool):
        U: set[int] = set()
        eff = False
        for st in reversed(stmts):
            if isinstance(st, ast.If):
                lb, ub, eb = self._block(st.body, live, ctrl)
                lo, uo, eo = self._block(st.orelse, live, ctrl) if st.orelse else (live, set(), False)
                tcrit, tmut = self._test_calls(st.test)
                if ub or uo or tcrit or (tmut & (lb | lo)):
                    U |= ub | uo
                    U.add(id(st))
                    eff = eff or eb or eo or tcrit
                    # branch assignments never kill (the audit's rule): `x = 0.0` before an
                    # if/else that assigns x in both arms stays live
                    live = live | lb | lo | self._head_loads(st.test) | self._inner_loads(st, U)
            elif isinstance(st, (ast.For, ast.AsyncFor, ast.While)):
                lo, uo, eo = self._block(st.orelse, live, ctrl) if st.orelse else (live, set(), False)
                is_while = isinstance(st, ast.While)
                head = st.test if is_while else st.iter
                tuses = self._head_loads(head)
                tcrit, _ = self._test_calls(head)
                kills = frozenset() if is_while else frozenset(x.id for x in walk(st.target) if isinstance(x, ast.Name))
                _, _, e1 = self._loop(st, lo, tuses, kills, False, False)
                if e1 or eo or tcrit:
                    lb, ub, _ = self._loop(st, lo, tuses, kills, True, is_while)
                    U |= ub | uo
                    U.add(id(st))
                    eff = True
                    live = lo | (lb - kills) | tuses | self._inner_loads(st, U)
            elif isinstance(st, (ast.With, ast.AsyncWith)):
                lb, ub, eb = self._block(st.body, live, ctrl)
                if ub:
                    U |= ub
                    U.add(id(st))
                    eff = eff or eb
                    live = lb | frozenset().union(*(load_names(i) for i in st.items))
            elif isinstance(st, (ast.Break, ast.Continue)):
                if ctrl:
                    U.add(id(st))
            elif isinstance(st, ast.Pass):
                continue
            else:
                crit, kills, pdefs, uses = self.info(st)
                if crit or (kills & live) or (pdefs & live):
                    U.add(id(st))
                    if hasattr(st, "body"):  # opaque compound statement: keep its insides
                        U |= {id(n) for n in walk(st) if isinstance(n, ast.stmt)}
                    eff = True
                    live = (live - kills) | uses
        return frozenset(live), U, eff

    # -- results
    def counted(self, body: list[ast.AST] | None = None) -> list[ast.stmt]:
        """Statements that count: all but `pass` and string literals (docstring, comments).

        ``body``: the walks of the kernel's statements, ``[n for st in fn.body for n in walk(st)]``, if known."""
        body = [n for st in self.fn.body for n in walk(st)] if body is None else body
        return [
            n
            for n in body
            if isinstance(n, ast.stmt)
            and not isinstance(n, ast.Pass)
            and not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str))
        ]

    def prune(self) -> None:
        """Remove dead statements in place (the live core)."""

        def keep(body: list[ast.stmt]) -> list[ast.stmt]:
            out = []
            for st in body:
                if id(st) not in self.live_ids:
                    continue
                for fld in ("body", "orelse"):
                    sub = getattr(st, fld, None)
                    if isinstance(sub, list) and sub and not isinstance(st, (ast.FunctionDef, ast.ClassDef)):
                        setattr(st, fld, keep(sub) or ([ast.Pass()] if fld == "body" else []))
                out.append(st)
            return out

        self.fn.body = keep(self.fn.body) or [ast.Pass()]


def live_core_hash(fn: ast.FunctionDef) -> str:
    """Hash of the pruned kernel with identifiers renamed in walk order and numbers erased."""
    names: dict[str, str] = {}
    fn.name = "K"
    for n in walk(fn):
        if isinstance(n, ast.Name):
            if n.id not in KEEP_NAMES and n.id not in PY_BUILTINS:
                n.id = names.setdefault(n.id, f"n{len(names)}")
        elif isinstance(n, ast.arg):
            n.arg = names.setdefault(n.arg, f"n{len(names)}")
        elif isinstance(n, ast.Constant) and isinstance(n.value, (int, float)) and not isinstance(n.value, bool):
            n.value = 0
    return hashlib.md5(dump(fn).encode()).hexdigest()


def live_structure(python_source: str) -> str:
    """The dedup key of a source on meaning: the live core of its kernel plus its helpers and structs,
    each with identifiers renamed and numbers erased (docstrings, comments and dead code do not count)."""
    return live_keys(python_source)[1]


def live_keys(python_source: str) -> tuple[str, str]:
    """``(live core of the kernel alone, live_structure)`` of a source, from one parse."""
    return live_keys_of(ast.parse(python_source))


def live_keys_of(tree: ast.Module, nodes: list[ast.AST] | None = None) -> tuple[str, str]:
    """``live_keys`` of a parsed source (``nodes``: ``walk(tree)`` if known); prunes and renames the tree."""
    nodes = walk(tree) if nodes is None else nodes
    kernel = find_kernels(tree, nodes)[-1]
    live = Liveness(kernel, make_ctx(kernel, source_scope(tree, nodes)))
    live.prune()
    parts = [live_core_hash(kernel)]
    for node in tree.body:
        if node is kernel or not isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            continue
        node.body = [st for st in node.body if not (isinstance(st, ast.Expr) and isinstance(st.value, ast.Constant))]
        if isinstance(node, ast.FunctionDef):
            parts.append(live_core_hash(node))
        else:
            parts.append(hashlib.md5(dump(node).replace(node.name, "S").encode()).hexdigest())
    return parts[0], hashlib.md5(" ".join(parts[:1] + sorted(parts[1:])).encode()).hexdigest()
