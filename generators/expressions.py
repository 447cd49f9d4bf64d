"""Typed expression sampling over a ``Body``'s scope, Warp's registry signatures and helpers.

``Exprs.of(t, depth)`` returns an expression of exactly type ``t``: a name, a literal, a
component of a vector or matrix, a struct field, an array element, a conditional expression,
or a call (registry builtin, operator, cast or generated ``@wp.func``) whose arguments are
sampled recursively at ``depth - 1``.

Safety rules (the emitted C++ has undefined behaviour that code generation does not catch),
applied to arguments by the rule names of ``registry.DOMAINS``:
- ``divisor``: integer ``/``, ``//`` and ``%`` divide only by positive literals; float divisors
  are ``abs(d) + 1``; vector and matrix divisors are literals with positive components;
- ``shift``: shift amounts are literals in 1..7; ``shift_value``: left-shifted signed values
  are masked non-negative first (``x & 127``);
- signed integer products multiply by a small literal (overflow is undefined in C++);
- float-to-int casts clamp their argument to the target's range first (``[0, 100]`` unsigned,
  ``[-100, 100]`` signed);
- ``nonneg`` / ``positive`` / ``unit`` / ``open_unit`` / ``small`` keep math-function
  arguments in their domains (``sqrt(abs(x))``, ``log(abs(x) + 1)``, ``asin(clamp(x, -1, 1))``,
  ``exp(clamp(x, -4, 4))``); ``invertible`` gives ``inverse`` a diagonal matrix with positive
  entries;
- vector and matrix component indices are constants inside the type's shape; array indices
  are the thread's own index or clamped into ``[0, shape - 1]``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from generators.program import Body, Helper, StructDef
from generators.registry import OPERATORS, PREFIX, Signature, by_result
from generators.swarm import Swarm
from generators.types import BOOL, INT32, VType, by_name, literal, scalar_literal, vector_of

# Longest expression text accepted before resampling shallower: keeps lines readable.
MAX_EXPR_CHARS = 96
# What an expression of depth > 0 is, by weight: a leaf or a conditional expression always; a call
# (weighed by the swarm's ``call_weight``), a component, a struct field or a helper call when the type has one.
KIND_WEIGHTS = {"leaf": 1.0, "ternary": 0.15, "component": 0.6, "field": 0.8, "helper": 1.5}
OPTIONAL_KINDS = ("call", "component", "field", "helper")


@dataclass(frozen=True)
class Expr:
    """Expression text; ``atomic`` when it needs no parentheses as an operand."""

    text: str
    atomic: bool = True

    def operand(self) -> str:
        return self.text if self.atomic else f"({self.text})"


def call(function: str, *args: Expr | str) -> Expr:
    """``function(arg, ...)``."""
    return Expr(f"{function}({', '.join(a.text if isinstance(a, Expr) else a for a in args)})")


def _literal_expr(text: str) -> Expr:
    # A negative literal as an operand reads better in parentheses: ``x * (-2.0)``.
    return Expr(text, atomic=not text.startswith("-"))


class Exprs:
    """Samples well-typed expressions of any value type over the names visible in ``body``."""

    def __init__(
        self, rng: random.Random, body: Body, swarm: Swarm, helpers: Sequence[Helper] = (), own: str | None = None
    ) -> None:
        self.rng = rng
        self.body = body
        self.swarm = swarm
        self.helpers = helpers
        self.own = own  # the thread's own index text inside a kernel, None inside helpers
        self.used_types: set[str] = set()
        self.used_helpers: set[str] = set()
        self._calls: dict[str, list[Signature]] = {}

    # -- entry points -------------------------------------------------------------------------
    def of(self, t: VType, depth: int | None = None) -> Expr:
        """An expression of type ``t`` at most ``depth`` calls deep (default: the swarm's)."""
        depth = self.swarm.expr_depth if depth is None else depth
        expr = self._expr(t, depth)
        while len(expr.text) > MAX_EXPR_CHARS and depth > 0:
            depth -= 1
            expr = self._expr(t, depth)
        return expr

    def condition(self, depth: int = 1) -> Expr:
        """A boolean: comparisons, boolean builtins, ``and`` / ``or`` / ``not``."""
        kind = self.rng.choice(("compare", "compare", "compare", "bool", "join", "not")) if depth > 0 else "compare"
        if kind == "bool" and self._signatures(BOOL):
            return self._call(self.rng.choice(self._signatures(BOOL)), 1)
        if kind == "join":
            return Expr(
                f"{self.condition(depth - 1).operand()} {self.rng.choice(('and', 'or'))} "
                f"{self.condition(depth - 1).operand()}",
                atomic=False,
            )
        if kind == "not":
            return Expr(f"not {self.condition(depth - 1).operand()}", atomic=False)
        scalars = [t for t in self.swarm.types if t.is_scalar and not t.is_bool] or [by_name("float32")]
        t = self.rng.choice(scalars)
        self.used_types.add(t.name)
        left, right = self._expr(t, 1), self._expr(t, 0)
        return Expr(f"{left.operand()} {self.rng.choice(('<', '>', '<=', '>=', '!='))} {right.operand()}", atomic=False)

    def literal(self, t: VType, positive: bool = False) -> Expr:
        self.used_types.add(t.name)
        return _literal_expr(literal(t, self.rng, positive))

    # -- sampling ------------------------------------------------------------------------------
    def _signatures(self, t: VType) -> list[Signature]:
        cached = self._calls.get(t.name)
        if cached is None:
            cached = [s for s in by_result().get(t.name, ()) if s.key in self.swarm.keys]
            self._calls[t.name] = cached
        return cached

    def _expr(self, t: VType, depth: int) -> Expr:
        self.used_types.add(t.name)
        if depth <= 0:
            return self._leaf(t)
        signatures, components, fields = self._signatures(t), self._components(t), self._fields(t)
        helpers = [h for h in self.helpers if h.result == t]
        present = (signatures, components, fields, helpers)
        kinds = ["leaf", "ternary", *(k for k, found in zip(OPTIONAL_KINDS, present, strict=True) if found)]
        weights = [self.swarm.call_weight if k == "call" else KIND_WEIGHTS[k] for k in kinds]
        kind = self.rng.choices(kinds, weights)[0]
        if kind == "call":
            return self._call(self.rng.choice(signatures), depth - 1)
        if kind == "component":
            name, extents = self.rng.choice(components)
            return Expr(f"{name}[{', '.join(str(self.rng.randrange(n)) for n in extents)}]")
        if kind == "field":
            return Expr(self.rng.choice(fields))
        if kind == "helper":
            helper = self.rng.choice(helpers)
            self.used_helpers.add(helper.name)
            return call(helper.name, *(self._expr(p, depth - 1) for p in helper.params))
        if kind == "ternary":
            a, b = self._expr(t, depth - 1), self._expr(t, depth - 1)
            return Expr(f"{a.operand()} if {self.condition(0).text} else {b.operand()}", atomic=False)
        return self._leaf(t)

    def _leaf(self, t: VType) -> Expr:
        names = self.body.values(t) + self._array_elements(t)
        if names and self.rng.random() < 0.8:
            name = self.rng.choice(names)
            if name.endswith("[]"):  # a 1-D lookup: index it with a clamped int in scope
                array = name[:-2]
                return Expr(f"{array}[wp.clamp({self.rng.choice(self.body.values(INT32))}, 0, {array}.shape[0] - 1)]")
            return Expr(name)
        if t.is_bool:
            # Warp 1.19 emits a bool literal passed to a cast as ``True`` in C++, which does not
            # compile; a comparison is a bool that does.
            return self.condition(0)
        return self.literal(t)

    def _array_elements(self, t: VType) -> list[str]:
        """Elements of visible arrays of ``t``: ``a[own]``, or ``a[]`` for a 1-D lookup whose
        clamped index ``_leaf`` draws only when it picks it."""
        key = ("elements", t.name, self.own)
        found = self.body.derived.get(key)
        if found is not None:
            return found
        found = self.body.derived[key] = []
        has_int = bool(self.body.values(INT32))
        for name, array in self.body.arrays():
            if array.dtype != t:
                continue
            if self.own is not None and array.ndim == self.own.count(",") + 1:
                found.append(f"{name}[{self.own}]")
            elif array.ndim == 1 and has_int:
                found.append(f"{name}[]")
        return found

    def _components(self, t: VType) -> list[tuple[str, tuple[int, ...]]]:
        """Names with components of type ``t``, each with the extents its constant indices range over."""
        key = ("components", t.name)
        found = self.body.derived.get(key)
        if found is not None:
            return found
        found = self.body.derived[key] = []
        for name, held in self.body.visible():
            if not isinstance(held, VType) or held.is_scalar:
                continue
            if t.is_scalar and held.scalar == t.name:
                if len(held.shape) == 2 or held.kind in ("vector", "quat", "spatial_vector"):
                    found.append((name, held.shape))
            elif t.kind == "vector" and held.kind == "matrix" and held.scalar == t.scalar and held.shape[1] == t.length:
                found.append((name, held.shape[:1]))
        return found

    def _fields(self, t: VType) -> list[str]:
        key = ("fields", t.name)
        found = self.body.derived.get(key)
        if found is not None:
            return found
        found = self.body.derived[key] = []
        for name, held in self.body.visible():
            if isinstance(held, StructDef):
                found.extend(f"{name}.{field}" for field, ft in held.fields if ft == t)
        return found

    def _call(self, signature: Signature, depth: int) -> Expr:
        last = len(signature.params) - 1
        args = [
            self._arg(p, rule, depth, signature, i == last)
            for i, (p, rule) in enumerate(zip(signature.params, signature.rules, strict=False))
        ]
        if signature.form == "infix":
            return Expr(f"{args[0].operand()} {OPERATORS[signature.key]} {args[1].operand()}", atomic=False)
        if signature.form == "prefix":
            return Expr(f"{PREFIX[signature.key]}{args[0].operand()}", atomic=False)
        if signature.form == "cast":
            return call(signature.result.text, *args)
        return call(f"wp.{signature.key}", *args)

    def _arg(self, p: VType, rule: str | None, depth: int, signature: Signature, last: bool) -> Expr:
        if signature.form == "cast" and not p.is_float:
            inner = self._expr(p, depth)
            # Warp 1.19 folds a cast of an unrolled loop's index to the wrong type in some nests
            # ("Input types must be the same, got ['int32', 'float64']"): cast something else.
            return self.literal(p) if inner.text in self.body.loop_indices else inner
        if signature.form == "cast" and p.is_float and not signature.result.is_float:
            low = 0.0 if signature.result.scalar.startswith("u") else -100.0
            return call("wp.clamp", self._expr(p, depth), scalar_literal(p, low), scalar_literal(p, 100.0))
        if signature.key == "mul" and rule is None and p.is_scalar and not p.is_float and p.is_signed and last:
            return _literal_expr(scalar_literal(p, self.rng.choice((-3, -2, 2, 3, 4))))
        if rule is None:
            return self._expr(p, depth)
        if rule in ("zero", "one"):
            return _literal_expr(scalar_literal(p, 0.0 if rule == "zero" else 1.0))
        if rule == "shift":
            return _literal_expr(scalar_literal(p, self.rng.randint(1, 7)))
        if rule == "shift_value":
            inner = self._expr(p, depth)
            return Expr(f"{inner.operand()} & {scalar_literal(p, 127)}", atomic=False) if p.is_signed else inner
        if rule == "invertible":
            return call("wp.diag", self.literal(vector_of(p.scalar, p.shape[0]), positive=True))
        if not (p.is_scalar and p.is_float):
            return self.literal(p, positive=True)
        inner = self._expr(p, depth)
        if rule == "nonneg":
            return call("wp.abs", inner)
        if rule in ("positive", "divisor"):
            return Expr(f"wp.abs({inner.text}) + {scalar_literal(p, 1.0)}", atomic=False)
        bounds = {"unit": (-1.0, 1.0), "open_unit": (-0.9, 0.9), "erfc_range": (0.1, 1.9), "small": (-4.0, 4.0)}[rule]
        return call("wp.clamp", inner, scalar_literal(p, bounds[0]), scalar_literal(p, bounds[1]))
