"""Typed building blocks the category synthesizers share.

A ``Body`` holds the kernel's statements and a lexical scope of typed names; ``Exprs`` samples
well-typed expressions over Warp's float, int, vector and matrix types from a seeded RNG.

Rules that keep every sampled kernel inside Warp's kernel language and free of undefined
behaviour in the emitted C++ (code generation does not catch any of these):
- no implicit promotion: float literals are written with a decimal point, ints without, and
  ints become floats only through ``float(...)``;
- a name keeps one type for its lifetime, and a name bound in a block dies with the block;
- loop-carried names are initialised with ``float(...)`` / ``int(...)``, never a bare literal
  (Warp treats a literal-initialised name as a constant it cannot mutate in a dynamic loop);
- integer ``%`` and ``//`` only by positive literals; shifts by literals below 8, and left
  shifts only of values masked non-negative;
- float division only by ``(d * d + 1.0)``-style denominators that cannot be zero;
- ``sqrt``/``log``/``pow`` get ``wp.abs(...)`` arguments (plus 1.0 for ``log``/``pow``), ``exp``
  gets a clamped argument, float-to-int casts are clamped to a small range first;
- vector and matrix component indices are constants inside the type's size.
"""

from __future__ import annotations

import random
import re
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, Sequence

FLOAT = "float"
INT = "int"
_LITERAL = re.compile(r"-?[0-9.]+")
VECTORS = ("wp.vec2", "wp.vec3", "wp.vec4")
MATRICES = ("wp.mat22", "wp.mat33", "wp.mat44")


def size_of(type_name: str) -> int:
    """Component count of a vector type, row count of a matrix type."""
    return int(type_name[-1])


def vec_type(n: int) -> str:
    return f"wp.vec{n}"


def mat_type(n: int) -> str:
    return f"wp.mat{n}{n}"


def float_literal(rng: random.Random, low: float = -4.0, high: float = 4.0) -> str:
    """A short float literal such as ``1.5`` or ``-0.25`` (always with a decimal point)."""
    value = round(rng.uniform(low, high) * 4) / 4
    return repr(value if value != 0 else 0.5)


@dataclass(frozen=True)
class Expr:
    """Expression text; ``atomic`` when it needs no parentheses as an operand."""

    text: str
    atomic: bool = True

    def operand(self) -> str:
        return self.text if self.atomic else f"({self.text})"


class Body:
    """Statement lines of one function with indentation and a lexical scope of typed names."""

    def __init__(self, indent: int = 1) -> None:
        self.lines: list[str] = []
        self._indent = indent
        self._scopes: list[dict[str, str]] = [{}]
        self._fixed: set[str] = set()
        self._taken: set[str] = {"wp", "float", "int", "range", "tid"}

    def line(self, text: str) -> None:
        self.lines.append("    " * self._indent + text)

    @contextmanager
    def block(self, header: str) -> Iterator[None]:
        """A compound statement; names bound inside it go out of scope at its end."""
        self.line(header + ":")
        self._indent += 1
        self._scopes.append({})
        start = len(self.lines)
        yield
        if len(self.lines) == start:
            self.line("pass")
        self._scopes.pop()
        self._indent -= 1

    @property
    def depth(self) -> int:
        """Nesting depth below the function body (0 at the top level)."""
        return len(self._scopes) - 1

    def fresh(self, stem: str) -> str:
        """A name not used before in this function, derived from ``stem``."""
        name, suffix = stem, 1
        while name in self._taken:
            name, suffix = f"{stem}{suffix}", suffix + 1
        self._taken.add(name)
        return name

    def bind(self, name: str, type_name: str, mutable: bool = True) -> str:
        """Put ``name`` in the current scope; ``mutable=False`` for thread and loop indices."""
        self._taken.add(name)
        self._scopes[-1][name] = type_name
        if not mutable:
            self._fixed.add(name)
        return name

    def assign(self, stem: str, type_name: str, expr: str, mutable: bool = True) -> str:
        """Bind a new name to ``expr`` in the current scope and return the name."""
        name = self.fresh(stem)
        self.store(name, type_name, expr)
        return self.bind(name, type_name, mutable)

    def store(self, name: str, type_name: str, expr: str) -> None:
        """``name = expr``, never with a bare literal on the right."""
        if _LITERAL.fullmatch(expr):
            # Warp makes a literal-assigned name a constant that dynamic loops cannot mutate.
            expr = f"{type_name}({expr})"
        self.line(f"{name} = {expr}")

    def names(self, type_name: str) -> list[str]:
        """Names of ``type_name`` visible here, outermost first (a deterministic order)."""
        return [n for scope in self._scopes for n, t in scope.items() if t == type_name]

    def mutable_names(self, type_name: str) -> list[str]:
        """Visible names of ``type_name`` that statements may assign to."""
        return [n for n in self.names(type_name) if n not in self._fixed]

    def types(self) -> list[str]:
        """Distinct types of the visible names, in first-binding order."""
        seen: dict[str, None] = {}
        for scope in self._scopes:
            for t in scope.values():
                seen.setdefault(t, None)
        return list(seen)


def binary(left: Expr, op: str, right: Expr | str) -> Expr:
    """``left op right``, operands parenthesised where needed (``right`` as text is used as is)."""
    right_text = right.operand() if isinstance(right, Expr) else right
    return Expr(f"{left.operand()} {op} {right_text}", atomic=False)


def call(function: str, *args: Expr | str) -> Expr:
    """``function(arg, ...)``."""
    return Expr(f"{function}({', '.join(a.text if isinstance(a, Expr) else a for a in args)})")


# Unary float functions that are total on every finite input (safe by construction).
SAFE_UNARY = ("wp.sin", "wp.cos", "wp.tanh", "wp.abs", "wp.floor", "wp.ceil", "wp.sign", "wp.frac", "wp.round")
MIN_MAX = ("wp.min", "wp.max")


class Exprs:
    """Samples well-typed expressions over the names visible in a ``Body``.

    ``families`` switches kinds of sub-expression on: ``math`` (library functions), ``vector``,
    ``matrix`` (reductions of those types into scalars), ``int`` (casts of integer expressions).
    """

    def __init__(self, rng: random.Random, body: Body, families: Sequence[str] = ()) -> None:
        self.rng = rng
        self.body = body
        self.families = frozenset(families)

    # -- leaves -------------------------------------------------------------------------------
    def _var(self, type_name: str) -> str | None:
        names = self.body.names(type_name)
        return self.rng.choice(names) if names else None

    def scalar_leaf(self) -> Expr:
        name = self._var(FLOAT)
        if name is not None and self.rng.random() < 0.8:
            return Expr(name)
        return Expr(float_literal(self.rng))

    def int_leaf(self) -> Expr:
        name = self._var(INT)
        if name is not None and self.rng.random() < 0.75:
            return Expr(name)
        return Expr(str(self.rng.randint(1, 9)))

    def _nonzero_denominator(self, depth: int) -> str:
        d = self.scalar(depth).operand()
        return f"({d} * {d} + 1.0)"

    # -- float scalars -----------------------------------------------------------------------
    def scalar(self, depth: int = 2) -> Expr:
        """A float expression of at most ``depth`` operator levels."""
        if depth <= 0:
            return self.scalar_leaf()
        options = ["leaf", "binary", "binary", "binary", "divide"]
        if "math" in self.families:
            options += ["unary", "unary", "domain", "minmax", "clamp", "lerp"]
        if "vector" in self.families and any(self.body.names(t) for t in VECTORS):
            options += ["from_vector", "from_vector"]
        if "matrix" in self.families and any(self.body.names(t) for t in MATRICES):
            options += ["from_matrix", "from_matrix"]
        if "int" in self.families:
            options.append("from_int")
        kind = self.rng.choice(options)
        sub = depth - 1
        if kind == "leaf":
            return self.scalar_leaf()
        if kind == "binary":
            op = self.rng.choice("+-*")
            return binary(self.scalar(sub), op, self.scalar(sub))
        if kind == "divide":
            denominator = self._nonzero_denominator(sub)
            return binary(self.scalar(sub), "/", denominator)
        if kind == "unary":
            return call(self.rng.choice(SAFE_UNARY), self.scalar(sub))
        if kind == "domain":
            return self._domain_function(sub)
        if kind == "minmax":
            return call(self.rng.choice(MIN_MAX), self.scalar(sub), self.scalar(sub))
        if kind == "clamp":
            low = self.rng.choice(("-1.0", "-2.0", "0.0", "-0.5"))
            high = self.rng.choice(("1.0", "2.0", "0.5", "4.0"))
            return call("wp.clamp", self.scalar(sub), low, high)
        if kind == "lerp":
            t = repr(self.rng.choice((0.25, 0.5, 0.75, 0.1, 0.9)))
            return call("wp.lerp", self.scalar(sub), self.scalar(sub), t)
        if kind == "from_vector":
            return self.vector_reduction(sub)
        if kind == "from_matrix":
            return self.matrix_reduction(sub)
        return call("float", self.integer(sub))

    def _domain_function(self, depth: int) -> Expr:
        """A function with a restricted domain, its argument forced into that domain."""
        arg = self.scalar(depth).text
        kind = self.rng.choice(("sqrt", "log", "exp", "pow", "atan2", "asin"))
        if kind == "sqrt":
            return Expr(f"wp.sqrt(wp.abs({arg}))")
        if kind == "log":
            return Expr(f"wp.log(wp.abs({arg}) + 1.0)")
        if kind == "exp":
            return Expr(f"wp.exp(wp.clamp({arg}, -8.0, 8.0))")
        if kind == "pow":
            return Expr(f"wp.pow(wp.abs({arg}) + 1.0, {self.rng.choice(('0.5', '2.0', '1.5', '-1.0', '3.0'))})")
        if kind == "atan2":
            return call("wp.atan2", arg, self.scalar(depth))
        return Expr(f"wp.asin(wp.clamp({arg}, -1.0, 1.0))")

    # -- integers ------------------------------------------------------------------------------
    def integer(self, depth: int = 1) -> Expr:
        """An int expression; never divides by or takes modulo of anything but positive literals."""
        if depth <= 0:
            return self.int_leaf()
        kind = self.rng.choice(("leaf", "binary", "binary", "modulo", "floordiv", "minmax", "cast", "bitwise"))
        sub = depth - 1
        if kind == "leaf":
            return self.int_leaf()
        if kind == "binary":
            op = self.rng.choice("+-*")
            return binary(self.integer(sub), op, self.integer(sub))
        if kind == "modulo":
            return binary(self.integer(sub), "%", str(self.rng.randint(2, 16)))
        if kind == "floordiv":
            return binary(self.integer(sub), "//", str(self.rng.randint(2, 8)))
        if kind == "minmax":
            return call(self.rng.choice(MIN_MAX), self.integer(sub), self.integer(sub))
        if kind == "cast":
            return call("int", call("wp.clamp", self.scalar(sub), "-1000.0", "1000.0"))
        op = self.rng.choice(("&", "|", "^", "<<", ">>"))
        if op == "<<":  # left-shifting a negative value is undefined in C++: mask it first
            return binary(binary(self.integer(sub), "&", "255"), "<<", str(self.rng.randint(1, 7)))
        right = str(self.rng.randint(1, 7)) if op == ">>" else self.integer(sub).operand()
        return binary(self.integer(sub), op, right)

    # -- vectors ---------------------------------------------------------------------------------
    def vector(self, n: int, depth: int = 2) -> Expr:
        """A ``wp.vec{n}`` expression."""
        t = vec_type(n)
        name = self._var(t)
        if depth <= 0:
            return Expr(name) if name is not None else self._vector_constructor(n, 0)
        options = ["construct", "add", "add", "scale", "scale", "normalize", "cw_mul", "minmax", "divide"]
        if name is not None:
            options += ["var", "var"]
        if n == 3:
            options.append("cross")
        if "matrix" in self.families:
            options += ["transform", "transform"]
        kind = self.rng.choice(options)
        sub = depth - 1
        if kind == "var":
            return Expr(name)
        if kind == "construct":
            return self._vector_constructor(n, sub)
        if kind == "add":
            op = self.rng.choice("+-")
            return binary(self.vector(n, sub), op, self.vector(n, sub))
        if kind == "scale":
            v, s = self.vector(n, sub), self.scalar(sub)
            return binary(v, "*", s) if self.rng.random() < 0.5 else binary(s, "*", v)
        if kind == "divide":
            denominator = self._nonzero_denominator(sub)
            return binary(self.vector(n, sub), "/", denominator)
        if kind == "normalize":
            return call("wp.normalize", self.vector(n, sub))
        if kind == "cw_mul":
            return call("wp.cw_mul", self.vector(n, sub), self.vector(n, sub))
        if kind == "minmax":
            return call(self.rng.choice(MIN_MAX), self.vector(n, sub), self.vector(n, sub))
        if kind == "cross":
            return call("wp.cross", self.vector(3, sub), self.vector(3, sub))
        return binary(self.matrix(n, sub), "*", self.vector(n, sub))

    def _vector_constructor(self, n: int, depth: int) -> Expr:
        if self.rng.random() < 0.3:
            return call(vec_type(n), self.scalar(depth))
        return call(vec_type(n), *[self.scalar(min(depth, 1)) for _ in range(n)])

    def vector_reduction(self, depth: int) -> Expr:
        """A float computed from a vector visible in scope."""
        types = [t for t in VECTORS if self.body.names(t)]
        n = size_of(self.rng.choice(types)) if types else self.rng.choice((2, 3, 4))
        kind = self.rng.choice(("dot", "length", "component", "length_sq", "max", "min"))
        v = self.vector(n, depth)
        if kind == "dot":
            return call("wp.dot", v, self.vector(n, depth))
        if kind == "component":
            return Expr(f"{v.operand()}[{self.rng.randrange(n)}]")
        return call(f"wp.{kind}", v)

    # -- matrices --------------------------------------------------------------------------------
    def matrix(self, n: int, depth: int = 2) -> Expr:
        """A ``wp.mat{n}{n}`` expression."""
        t = mat_type(n)
        name = self._var(t)
        identity = Expr(f"wp.identity(n={n}, dtype=float)")
        if depth <= 0:
            return Expr(name) if name is not None else identity
        options = ["outer", "diag", "add", "matmul", "scale", "transpose", "identity"]
        if name is not None:
            options += ["var", "var", "var"]
        kind = self.rng.choice(options)
        sub = depth - 1
        if kind == "var":
            return Expr(name)
        if kind == "outer":
            return call("wp.outer", self.vector(n, sub), self.vector(n, sub))
        if kind == "diag":
            return call("wp.diag", self.vector(n, sub))
        if kind == "add":
            op = self.rng.choice("+-")
            return binary(self.matrix(n, sub), op, self.matrix(n, sub))
        if kind == "matmul":
            return binary(self.matrix(n, sub), "*", self.matrix(n, sub))
        if kind == "scale":
            return binary(self.matrix(n, sub), "*", self.scalar(sub))
        if kind == "transpose":
            return call("wp.transpose", self.matrix(n, sub))
        return identity

    def matrix_reduction(self, depth: int) -> Expr:
        """A float computed from a matrix visible in scope."""
        types = [t for t in MATRICES if self.body.names(t)]
        n = size_of(self.rng.choice(types)) if types else self.rng.choice((2, 3, 4))
        kind = self.rng.choice(("determinant", "trace", "element", "ddot"))
        m = self.matrix(n, depth)
        if kind == "element":
            return Expr(f"{m.operand()}[{self.rng.randrange(n)}, {self.rng.randrange(n)}]")
        if kind == "ddot":
            return call("wp.ddot", m, self.matrix(n, depth))
        return call(f"wp.{kind}", m)

    # -- conditions ------------------------------------------------------------------------------
    def condition(self, depth: int = 1) -> Expr:
        """A boolean expression: comparisons joined by ``and`` / ``or`` / ``not``."""
        kind = self.rng.choice(("compare", "compare", "compare", "int_compare", "join", "not")) if depth > 0 else "compare"
        if kind == "compare":
            op = self.rng.choice(("<", ">", "<=", ">="))
            return binary(self.scalar(1), op, self.scalar(1))
        if kind == "int_compare":
            op = self.rng.choice(("<", ">", "==", "!="))
            return binary(self.integer(1), op, self.integer(0))
        if kind == "join":
            op = self.rng.choice(("and", "or"))
            return binary(self.condition(depth - 1), op, self.condition(depth - 1))
        return Expr(f"not {self.condition(depth - 1).operand()}", atomic=False)

    def of(self, type_name: str, depth: int = 2) -> Expr:
        """An expression of any supported type."""
        if type_name == FLOAT:
            return self.scalar(depth)
        if type_name == INT:
            return self.integer(depth)
        if type_name in VECTORS:
            return self.vector(size_of(type_name), depth)
        return self.matrix(size_of(type_name), depth)


def annotation(type_name: str) -> str:
    """The parameter annotation of an array of ``type_name``."""
    return f"wp.array(dtype={type_name})"


def kernel_source(name: str, params: Sequence[tuple[str, str]], body: Body, helpers: Sequence[str] = ()) -> str:
    """Assemble helpers and one ``@wp.kernel`` into source text (no import line)."""
    signature = ", ".join(f"{p}: {a}" for p, a in params)
    parts = [*helpers, f"@wp.kernel\ndef {name}({signature}):\n" + "\n".join(body.lines) + "\n"]
    return "\n\n".join(parts)


def pick_name(rng: random.Random, verbs: Sequence[str], nouns: Sequence[str]) -> str:
    """A readable kernel name such as ``blend_points``."""
    return f"{rng.choice(verbs)}_{rng.choice(nouns)}"


class KernelParts:
    """Parameters and body of one kernel under construction, 1-D launch over ``tid``."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.params: list[tuple[str, str]] = []
        self.body = Body()
        self.body.bind("tid", INT, mutable=False)
        self.body.line("tid = wp.tid()")

    def _param_name(self, stems: Sequence[str]) -> str:
        return self.body.fresh(self.rng.choice(stems))

    def input_array(self, type_name: str, load: bool = True) -> str:
        """Add an input array parameter; with ``load``, bind its element at ``tid`` to a name."""
        array = self._param_name(("a", "b", "src", "data", "values", "inp", "xs", "field"))
        self.params.append((array, annotation(type_name)))
        self.body.bind(array, f"array:{type_name}", mutable=False)
        if load:
            stem = "v" if type_name in VECTORS else "m" if type_name in MATRICES else "x"
            self.body.assign(stem, type_name, f"{array}[tid]")
        return array

    def output_array(self, type_name: str) -> str:
        """Add an output array parameter (written only at ``tid`` unless through atomics)."""
        array = self._param_name(("out", "dst", "result", "res", "output"))
        self.params.append((array, annotation(type_name)))
        self.body.bind(array, f"array:{type_name}", mutable=False)
        return array

    def scalar_param(self, type_name: str) -> str:
        """Add a by-value parameter (float, int, vector or matrix)."""
        stems = {FLOAT: ("alpha", "beta", "scale", "gain", "bias", "eps", "dt", "weight"), INT: ("n", "count", "steps", "mode", "stride", "iters")}
        name = self._param_name(stems.get(type_name, ("offset", "axis", "center", "shift", "transform")))
        self.params.append((name, type_name))
        self.body.bind(name, type_name, mutable=False)
        return name

    def source(self, name: str, helpers: Sequence[str] = ()) -> str:
        return kernel_source(name, self.params, self.body, helpers)
