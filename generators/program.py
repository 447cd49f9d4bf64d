"""The program model: typed lexical scopes, functions, structs and kernels, and their printer.

A ``Body`` holds one function's statement lines and a stack of scopes mapping names to what
they hold: a value (``VType``), an array (``Array``) or a struct (``StructDef``). A
``KernelBuilder`` adds parameters, ``@wp.struct`` and ``@wp.func`` definitions and prints the
whole source. Expressions come from ``generators.expressions``; statements from
``generators.statements``.

Language rules kept here (Warp rejects or miscompiles programs that break them):
- a name keeps one type for its lifetime, and a name bound in a block dies with the block;
- names initialised from a bare literal become constants Warp cannot mutate in a dynamic loop,
  so ``store`` wraps such literals in a constructor (``float(0.0)``);
- thread indices, loop indices and parameters are never assigned.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from generators.types import INT32, VType

# A literal, perhaps parenthesized or negated (`-(-5)`): Warp treats all of these as constants,
# which a later `+=` in a dynamic loop may not mutate.
_LITERAL = re.compile(r"[-( ]*[0-9][0-9.]*[) ]*|True|False")


@dataclass(frozen=True)
class Array:
    """An array parameter: element type and number of dimensions."""

    dtype: VType | StructDef
    ndim: int

    @property
    def annotation(self) -> str:
        dtype = self.dtype.text if isinstance(self.dtype, VType) else self.dtype.name
        head = "wp.array" if self.ndim == 1 else f"wp.array{self.ndim}d"
        return f"{head}(dtype={dtype})"


@dataclass(frozen=True)
class StructDef:
    """A ``@wp.struct`` class: its name and typed fields."""

    name: str
    fields: tuple[tuple[str, VType], ...]

    @property
    def text(self) -> str:
        return self.name

    def source(self) -> str:
        lines = [f"    {field}: {t.text}" for field, t in self.fields]
        return f"@wp.struct\nclass {self.name}:\n" + "\n".join(lines) + "\n"


Held = VType | Array | StructDef


class Body:
    """Statement lines of one function with indentation and a lexical scope of typed names."""

    def __init__(self, indent: int = 1, taken: Sequence[str] = ()) -> None:
        self.lines: list[str] = []
        self._indent = indent
        self._scopes: list[dict[str, Held]] = [{}]
        self._visible: tuple[tuple[str, Held], ...] | None = None  # visible(), until the scopes change
        self.derived: dict = {}  # lists computed from visible() (by expressions too), until the scopes change
        self._fixed: set[str] = set()
        self.loop_indices: set[str] = set()
        self._taken: set[str] = {"wp", "float", "int", "bool", "range", "tid", *taken}

    def line(self, text: str) -> None:
        self.lines.append("    " * self._indent + text)

    @contextmanager
    def block(self, header: str) -> Iterator[None]:
        """A compound statement; names bound inside it go out of scope at its end."""
        self.line(header + ":")
        self._indent += 1
        self._scopes.append({})
        self._scopes_changed()
        start = len(self.lines)
        yield
        if len(self.lines) == start:
            self.line("pass")
        self._scopes.pop()
        self._scopes_changed()
        self._indent -= 1

    def _scopes_changed(self) -> None:
        self._visible = None
        self.derived = {}

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

    def bind(self, name: str, held: Held, mutable: bool = True) -> str:
        """Put ``name`` in the current scope; ``mutable=False`` for indices and parameters."""
        self._taken.add(name)
        self._scopes[-1][name] = held
        self._scopes_changed()
        if not mutable:
            self._fixed.add(name)
        return name

    def bind_loop_index(self, name: str) -> str:
        """Bind the index of a ``for`` loop (an immutable int)."""
        self.loop_indices.add(name)
        return self.bind(name, INT32, mutable=False)

    def assign(self, stem: str, t: VType, expr: str, mutable: bool = True) -> str:
        """Bind a new name to ``expr`` in the current scope and return the name."""
        name = self.fresh(stem)
        self.store(name, t, expr)
        return self.bind(name, t, mutable)

    def store(self, target: str, t: VType, expr: str) -> None:
        """``target = expr``, never with a bare literal on the right."""
        if _LITERAL.fullmatch(expr):
            expr = f"{t.text}({expr})"
        self.line(f"{target} = {expr}")

    def visible(self) -> tuple[tuple[str, Held], ...]:
        """Every visible name and what it holds, outermost first (a deterministic order).

        Kept until a name is bound or a block opens or closes: expressions read it for every leaf."""
        if self._visible is None:
            self._visible = tuple(item for scope in self._scopes for item in scope.items())
        return self._visible

    def values(self, t: VType) -> list[str]:
        """Visible names holding a value of type ``t`` (a list the caller must not change)."""
        key = ("values", t.name)
        found = self.derived.get(key)
        if found is None:
            found = self.derived[key] = [n for n, h in self.visible() if h == t]
        return found

    def mutable_values(self) -> list[tuple[str, VType]]:
        """Visible value names that statements may assign to."""
        return [(n, h) for n, h in self.visible() if isinstance(h, VType) and n not in self._fixed]

    def arrays(self) -> list[tuple[str, Array]]:
        return [(n, h) for n, h in self.visible() if isinstance(h, Array)]

    def structs(self) -> list[tuple[str, StructDef]]:
        return [(n, h) for n, h in self.visible() if isinstance(h, StructDef)]


@dataclass(frozen=True)
class Helper:
    """A generated ``@wp.func``: callable from later helpers and the kernel."""

    name: str
    params: tuple[VType, ...]
    result: VType
    source: str


def function_source(
    decorator: str, name: str, params: Sequence[tuple[str, str]], body: Body, result: str | None = None
) -> str:
    """One decorated function definition."""
    signature = ", ".join(f"{p}: {a}" for p, a in params)
    arrow = f" -> {result}" if result else ""
    return f"@wp.{decorator}\ndef {name}({signature}){arrow}:\n" + "\n".join(body.lines) + "\n"


INDEX_NAMES = ("i", "j", "k", "l")


class KernelBuilder:
    """Parameters, definitions and body of one kernel under construction.

    The launch has ``ndim`` dimensions; arrays with that many dimensions are indexed at the
    thread's own index (``own``), so a launch over their shape writes every element once.
    """

    def __init__(self, rng: random.Random, ndim: int = 1) -> None:
        self.rng = rng
        self.ndim = ndim
        self.params: list[tuple[str, str]] = []
        self.structs: list[StructDef] = []
        self.helpers: list[Helper] = []
        self.body = Body()
        indices = ("tid",) if ndim == 1 else INDEX_NAMES[:ndim]
        for name in indices:
            self.body.bind(name, INT32, mutable=False)
        self.indices = indices
        self.own = ", ".join(indices)
        self.body.line(f"{self.own} = wp.tid()")

    def _param(self, stems: Sequence[str], annotation: str, held: Held) -> str:
        name = self.body.fresh(self.rng.choice(stems))
        self.params.append((name, annotation))
        self.body.bind(name, held, mutable=False)
        return name

    def input_array(self, dtype: VType | StructDef, load: bool = True, ndim: int | None = None) -> str:
        """An input array; with ``load``, its element at the thread's own index gets a name."""
        array = Array(dtype, ndim or self.ndim)
        name = self._param(
            ("a", "b", "src", "data", "values", "inp", "xs", "field", "pts", "w"), array.annotation, array
        )
        if load and array.ndim == self.ndim:
            stem = "p" if isinstance(dtype, StructDef) else "x" if dtype.is_scalar else "v"
            self.load(name, stem)
        return name

    def load(self, array: str, stem: str) -> str:
        """Bind the element of ``array`` at the thread's own index to a new name."""
        held = dict(self.body.visible())[array]
        assert isinstance(held, Array)
        name = self.body.fresh(stem)
        self.body.line(f"{name} = {array}[{self.own}]")
        return self.body.bind(name, held.dtype)

    def output_array(self, dtype: VType | StructDef, ndim: int | None = None) -> str:
        """An output array (written at the thread's own index unless through atomics)."""
        array = Array(dtype, ndim or self.ndim)
        return self._param(("out", "dst", "result", "res", "output", "target"), array.annotation, array)

    def value_param(self, t: VType | StructDef) -> str:
        """A by-value parameter: scalar, vector, matrix, ... or struct."""
        if isinstance(t, StructDef):
            stems: Sequence[str] = ("params", "cfg", "state", "props", "settings")
        elif t.is_float and t.is_scalar:
            stems = ("alpha", "beta", "scale", "gain", "bias", "eps", "dt", "weight")
        elif t.is_scalar:
            stems = ("n", "count", "steps", "mode", "stride", "iters", "mask", "flags")
        else:
            stems = ("offset", "axis", "center", "shift", "xform", "basis", "rot")
        return self._param(stems, t.text, t)

    def struct(self, fields: Sequence[tuple[str, VType]]) -> StructDef:
        """Define a ``@wp.struct`` with ``fields``."""
        name = self.body.fresh(self.rng.choice(("Particle", "Body", "Sample", "Params", "State", "Cell", "Contact")))
        definition = StructDef(name, tuple(fields))
        self.structs.append(definition)
        return definition

    def source(self, name: str) -> str:
        """Structs, helpers and the kernel, in dependency order (no import line)."""
        parts = [s.source() for s in self.structs] + [h.source for h in self.helpers]
        parts.append(function_source("kernel", name, self.params, self.body))
        return "\n\n".join(parts)


def pick_name(rng: random.Random, verbs: Sequence[str], nouns: Sequence[str]) -> str:
    """A readable kernel name such as ``blend_points``."""
    return f"{rng.choice(verbs)}_{rng.choice(nouns)}"
