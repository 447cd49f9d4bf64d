"""Builtin signatures read from Warp's own registry, plus the few rules its typing cannot give.

``warp._src.context.builtin_functions`` lists every builtin with its concrete overloads
(argument types and result type). Every overload whose arguments and result are value types
in ``generators.types.universe()`` becomes a ``Signature`` the expression sampler can call, so
a builtin added in a new Warp release is used without touching this project.

Hand-written here, because the registry's types do not say it:
- ``OPERATORS`` / ``PREFIX``: keys Python spells as operators (``add`` is ``a + b``);
- ``HAND_WRITTEN``: builtins that need context the sampler lacks (array atomics, random states,
  geometry ids, tiles); their categories write them;
- ``EXCLUDED``: builtins that are not expressions (printing, assertions, codegen internals);
- ``BROKEN``: overloads whose emitted C++ does not compile;
- ``DOMAINS``: arguments that must be kept inside a domain, by rule name (see ``expressions``):
  the rules are what keeps the emitted C++ free of undefined behaviour (integer division by
  zero, oversized shifts) and the results finite (square roots of negatives, huge exponents).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from generators.types import VType, by_name, universe

OPERATORS = {
    "add": "+",
    "sub": "-",
    "mul": "*",
    "div": "/",
    "floordiv": "//",
    "mod": "%",
    "bit_and": "&",
    "bit_or": "|",
    "bit_xor": "^",
    "lshift": "<<",
    "rshift": ">>",
}
PREFIX = {"neg": "-", "pos": "+", "invert": "~", "unot": "not "}
HAND_WRITTEN_PREFIXES = ("mesh_", "volume_", "bvh_", "hash_grid_", "rand", "sample_", "tile")
HAND_WRITTEN = frozenset(
    {"noise", "pnoise", "curlnoise", "poisson", "atomic_add", "atomic_sub", "atomic_min", "atomic_max"}
)
EXCLUDED = frozenset(
    {
        "print",
        "printf",
        "breakpoint",
        "expect_eq",
        "expect_neq",
        "expect_near",
        "assign",
        "extract",
        "index",
        "indexref",
        "load",
        "store",
        "address",
        "copy",
        "tid",
        "len",
        "select",
        "where",
        "bool",
    }
)
# Overloads Warp registers whose C++ does not compile (found by launching kernels): the
# bool -> float16 conversion is ambiguous in Warp's native headers.
BROKEN = frozenset({("float16", ("bool",))})
# Argument rules by key: one entry per argument, ``None`` where any value is fine.
DOMAINS: dict[str, tuple[str | None, ...]] = {
    "sqrt": ("nonneg",),
    "log": ("positive",),
    "log2": ("positive",),
    "log10": ("positive",),
    "acos": ("unit",),
    "asin": ("unit",),
    "erfinv": ("open_unit",),
    "erfcinv": ("erfc_range",),
    "exp": ("small",),
    "sinh": ("small",),
    "cosh": ("small",),
    "tan": ("small",),
    "pow": ("positive", "small"),
    "div": (None, "divisor"),
    "cw_div": (None, "divisor"),
    "floordiv": (None, "divisor"),
    "mod": (None, "divisor"),
    "lshift": ("shift_value", "shift"),
    "rshift": (None, "shift"),
    "smoothstep": ("zero", "one", None),
    "inverse": ("invertible",),
    "determinant": ("small_matrix",),
}


@dataclass(frozen=True)
class Signature:
    """One callable overload: ``key(params...) -> result``, printed as ``form``."""

    key: str
    params: tuple[VType, ...]
    result: VType
    form: str  # "call", "infix", "prefix" or "cast"
    names: tuple[str, ...] = ()  # the registry's argument names

    @property
    def rules(self) -> tuple[str | None, ...]:
        return DOMAINS.get(self.key, (None,) * len(self.params))


def _value_type(t: object) -> VType | None:
    """The ``VType`` of a registry type, or None for anything else (arrays, generics, structs)."""
    if t is float:
        return by_name("float32")
    if t is int:
        return by_name("int32")
    if t is bool:
        return by_name("bool")
    name = getattr(t, "__name__", None)
    if not isinstance(name, str):
        return None
    try:
        return by_name(name)
    except KeyError:
        return None


def _form(key: str) -> str | None:
    if key in OPERATORS:
        return "infix"
    if key in PREFIX:
        return "prefix"
    if any(t.name == key for t in universe()):
        return "cast"
    return "call"


@cache
def value_overloads() -> tuple[Signature, ...]:
    """Every concrete overload over value types only, hand-written keys included."""
    import warp
    from warp._src.context import builtin_functions

    found = []
    for key, function in builtin_functions.items():
        if key in EXCLUDED:
            continue
        form = _form(key)
        if form == "call" and not hasattr(warp, key):
            continue
        for overload in getattr(function, "overloads", ()):
            if overload.generic or overload.variadic or not overload.input_types:
                continue
            params = tuple(_value_type(t) for t in overload.input_types.values())
            result = _value_type(overload.value_type)
            if result is None or None in params:
                continue
            if form == "prefix" and key == "unot" and params[0].name != "bool":
                continue  # ``not x`` on ints is legal but reads as a bug
            if (key, tuple(p.name for p in params)) in BROKEN:
                continue
            found.append(Signature(key, params, result, form, tuple(overload.input_types)))
    return tuple(found)


@cache
def signatures() -> tuple[Signature, ...]:
    """The overloads the expression sampler may call freely, in the registry's order."""
    return tuple(
        s for s in value_overloads() if s.key not in HAND_WRITTEN and not s.key.startswith(HAND_WRITTEN_PREFIXES)
    )


@cache
def signature_keys() -> tuple[str, ...]:
    """The registry keys of ``signatures()``, sorted (a swarm draws its builtins from them)."""
    return tuple(sorted({s.key for s in signatures()}))


@cache
def by_result() -> dict[str, tuple[Signature, ...]]:
    """Signatures grouped by the name of their result type."""
    grouped: dict[str, list[Signature]] = defaultdict(list)
    for signature in signatures():
        grouped[signature.result.name].append(signature)
    return {name: tuple(group) for name, group in grouped.items()}


@cache
def documented_keys() -> frozenset[str]:
    """Registry keys that carry documentation: the denominator of builtin coverage."""
    from warp._src.context import builtin_functions

    return frozenset(key for key, function in builtin_functions.items() if function.doc)
