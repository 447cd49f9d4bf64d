"""The value types kernels compute with, read from ``warp.types``, and how to spell them.

A ``VType`` is one concrete Warp value type: a scalar of any width (bool, float16/32/64,
signed and unsigned 8-64 bit ints), a vector, matrix, quaternion, transform or spatial
vector/matrix over one of those scalars. Each knows its Python spelling in a kernel and how to
write a literal of itself, which is all the printer needs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

# Shorter idiomatic spellings Warp defines for the float32 / int32 flavours.
_ALIASES = {
    "float32": "float",
    "int32": "int",
    "bool": "bool",
    "vec2f": "wp.vec2",
    "vec3f": "wp.vec3",
    "vec4f": "wp.vec4",
    "mat22f": "wp.mat22",
    "mat33f": "wp.mat33",
    "mat44f": "wp.mat44",
    "quatf": "wp.quat",
    "transformf": "wp.transform",
    "spatial_matrixf": "wp.spatial_matrix",
}
# bfloat16 is left out: its CPU support depends on the host compiler.
_SCALARS = (
    "bool",
    "int8",
    "uint8",
    "int16",
    "uint16",
    "int32",
    "uint32",
    "int64",
    "uint64",
    "float16",
    "float32",
    "float64",
)
_FLOATS = ("float16", "float32", "float64")


@dataclass(frozen=True)
class VType:
    """One concrete value type.

    ``kind`` is ``scalar``, ``vector``, ``matrix``, ``quat``, ``transform``, ``spatial_vector``
    or ``spatial_matrix``; ``scalar`` the component type; ``shape`` the component shape (``()``
    for scalars).
    """

    name: str
    kind: str
    scalar: str
    shape: tuple[int, ...]

    def __eq__(self, other: object) -> bool:
        # What the dataclass would generate, without its field tuples: expressions compare
        # types at every leaf they draw.
        if self is other:
            return True
        if other.__class__ is not VType:
            return NotImplemented
        return (
            self.name == other.name
            and self.kind == other.kind
            and self.scalar == other.scalar
            and self.shape == other.shape
        )

    @property
    def text(self) -> str:
        """How a kernel spells the type: ``float``, ``wp.vec3``, ``wp.mat22d``, ``wp.uint8``."""
        return _ALIASES.get(self.name, f"wp.{self.name}")

    @property
    def is_scalar(self) -> bool:
        return self.kind == "scalar"

    @property
    def is_float(self) -> bool:
        return self.scalar in _FLOATS

    @property
    def is_bool(self) -> bool:
        return self.name == "bool"

    @property
    def is_signed(self) -> bool:
        return self.scalar.startswith("int") or self.is_float

    @property
    def is_int(self) -> bool:
        return self.is_scalar and not self.is_float and not self.is_bool

    @property
    def length(self) -> int:
        """Number of components (rows for matrices)."""
        return self.shape[0] if self.shape else 1


@cache
def universe() -> tuple[VType, ...]:
    """Every value type the synthesizer may use, in a fixed order (scalars first)."""
    import warp._src.types as wt

    found = [VType(name, "scalar", name, ()) for name in _SCALARS]
    for cls in wt.vector_types:
        scalar = cls._wp_scalar_type_.__name__
        if scalar not in _SCALARS:
            continue
        generic, name = cls._wp_generic_type_str_, cls.__name__
        if name.startswith("spatial_"):
            kind = "spatial_vector" if generic == "vec_t" else "spatial_matrix"
        else:
            kind = {"vec_t": "vector", "mat_t": "matrix", "quat_t": "quat", "transform_t": "transform"}[generic]
        found.append(VType(name, kind, scalar, tuple(cls._shape_)))
    return tuple(found)


@cache
def by_name(name: str) -> VType:
    """The ``VType`` called ``name`` (Warp's class name, e.g. ``vec3f``)."""
    for t in universe():
        if t.name == name:
            return t
    raise KeyError(f"unknown value type {name!r}")


def scalar_of(t: VType) -> VType:
    """The component type of ``t`` as a ``VType``."""
    return by_name(t.scalar)


def vector_of(scalar: str, length: int) -> VType:
    """``vec{length}`` over ``scalar``."""
    suffix = {
        "int8": "b",
        "uint8": "ub",
        "int16": "s",
        "uint16": "us",
        "int32": "i",
        "uint32": "ui",
        "int64": "l",
        "uint64": "ul",
        "float16": "h",
        "float32": "f",
        "float64": "d",
    }
    return by_name(f"vec{length}{suffix[scalar]}")


FLOAT32 = VType("float32", "scalar", "float32", ())
INT32 = VType("int32", "scalar", "int32", ())
BOOL = VType("bool", "scalar", "bool", ())
UINT32 = VType("uint32", "scalar", "uint32", ())
UINT64 = VType("uint64", "scalar", "uint64", ())
VEC3 = VType("vec3f", "vector", "float32", (3,))


def scalar_literal(t: VType, value: float | int | bool) -> str:
    """A literal of scalar type ``t``; only float32 and int32 literals need no constructor."""
    if t.is_bool:
        return "True" if value else "False"
    if t.is_float:
        text = repr(float(value))
    else:
        text = str(int(value))
    if t.name in ("float32", "int32"):
        return text
    return f"{t.text}({text})"


def random_component(rng: random.Random, scalar: str, low: float = -4.0, high: float = 4.0) -> float | int:
    """A small component value: quarter steps for floats, small ints (non-negative if unsigned)."""
    if scalar in _FLOATS:
        value = round(rng.uniform(low, high) * 4) / 4
        return value if value != 0 else 0.5
    if scalar.startswith("u"):
        return rng.randint(1, 9)
    return rng.randint(-9, 9) or 1


def literal(t: VType, rng: random.Random, positive: bool = False) -> str:
    """A random literal of any value type; ``positive`` keeps every component above zero."""
    low = 0.25 if positive else -4.0
    if t.is_bool:
        return rng.choice(("True", "False"))
    if t.is_scalar:
        value = random_component(rng, t.scalar, low)
        if positive and not t.is_float:
            value = abs(value) or 1
        return scalar_literal(t, value)
    if t.kind == "quat" and positive:
        return f"{t.text}({', '.join(_component_text(t, rng, low, positive) for _ in range(4))})"
    if t.kind == "transform" and positive:
        position = literal(vector_of(t.scalar, 3), rng, True)
        return f"{t.text}({position}, {literal(by_name('quat' + t.name[-1]), rng, True)})"
    # ``dtype=wp.float32``, not ``dtype=float``: Warp 1.19 types the result of the latter as
    # quat_t<float>, which a @wp.func returning quat_t<float32> elsewhere rejects.
    if t.kind == "quat":
        if rng.random() < 0.5:
            return f"wp.quat_identity(dtype=wp.{t.scalar})"
        axis = ", ".join(repr(float(x)) for x in rng.choice(((1, 0, 0), (0, 1, 0), (0, 0, 1))))
        angle = scalar_literal(scalar_of(t), random_component(rng, t.scalar, -3.0, 3.0))
        return f"wp.quat_from_axis_angle({vector_of(t.scalar, 3).text}({axis}), {angle})"
    if t.kind == "transform":
        p = literal(vector_of(t.scalar, 3), rng)
        return f"{t.text}({p}, wp.quat_identity(dtype=wp.{t.scalar}))"
    count = 1
    for n in t.shape:
        count *= n
    if t.kind in ("matrix", "spatial_matrix") or rng.random() < 0.3 or count > 4:
        # One value fills every component: short text for big types.
        return f"{t.text}({_component_text(t, rng, low, positive)})"
    return f"{t.text}({', '.join(_component_text(t, rng, low, positive) for _ in range(count))})"


def _component_text(t: VType, rng: random.Random, low: float, positive: bool) -> str:
    value = random_component(rng, t.scalar, low)
    if positive and not t.is_float:
        value = abs(value) or 1
    return repr(float(value)) if t.is_float else str(int(value))
