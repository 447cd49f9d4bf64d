"""The kernel a motif writes: parameters, body lines, helpers, structs, comments and description.

A motif asks ``Kernel`` for named parameters and writes statements whose values all flow into
an output (liveness by construction); ``Kernel.spec`` assembles the source (structs, helpers,
kernel) and the description, which names the arrays the kernel reads and writes.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from generators.policy import Policy
from generators.spec import KernelSpec

INDENT = "    "


@dataclass
class Param:
    """One kernel parameter: ``name: annotation``; ``role`` is in, out, inout, index, value, struct or id."""

    name: str
    annotation: str
    role: str


@dataclass
class Kernel:
    """One kernel under construction by a motif."""

    rng: random.Random
    policy: Policy
    family: str
    params: list[Param] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    helpers: list[str] = field(default_factory=list)
    structs: list[str] = field(default_factory=list)
    taken: set[str] = field(default_factory=lambda: {"wp"})
    depth: int = 1
    value_types: set[str] = field(default_factory=set)
    commented: bool = False
    notes: list[str] = field(default_factory=list)  # description clauses of optional stages

    def __post_init__(self) -> None:
        self.commented = self.rng.random() < self.policy.comment_rate

    # -- names ---------------------------------------------------------------------------------
    def fresh(self, *candidates: str) -> str:
        """The first candidate not yet used in this kernel (a numbered variant if all are)."""
        for name in candidates:
            if name not in self.taken:
                self.taken.add(name)
                return name
        base, n = candidates[0], 1
        while f"{base}{n}" in self.taken:
            n += 1
        self.taken.add(f"{base}{n}")
        return f"{base}{n}"

    def pick(self, pool: tuple[str, ...]) -> str:
        """A fresh name drawn from ``pool``."""
        return self.fresh(*self.rng.sample(pool, len(pool)))

    # -- parameters ----------------------------------------------------------------------------
    def param(self, name: str, annotation: str, role: str) -> str:
        """Add a parameter; a name another parameter already has gets a numbered variant."""
        if any(p.name == name for p in self.params):
            name = self.fresh(name)
        self.taken.add(name)
        self.params.append(Param(name, annotation, role))
        return name

    def array(self, name: str, dtype: str, role: str, ndim: int = 1) -> str:
        """An array parameter of ``dtype`` (``wp.vec3``, ``float``, ``wp.int32``...)."""
        self.value_types.add(dtype.removeprefix("wp."))
        annotation = f"wp.array(dtype={dtype})" if ndim == 1 else f"wp.array{ndim}d(dtype={dtype})"
        return self.param(name, annotation, role)

    def value(self, name: str, annotation: str) -> str:
        return self.param(name, annotation, "value")

    def role_names(self, *roles: str) -> list[str]:
        return [p.name for p in self.params if p.role in roles]

    # -- body ----------------------------------------------------------------------------------
    def line(self, text: str, comment: str | None = None) -> None:
        """A body line; ``comment`` becomes a ``#`` line above it when this kernel carries comments."""
        if comment and self.commented and self.rng.random() < self.policy.comment_line_rate:
            self.lines.append(INDENT * self.depth + "# " + comment)
        self.lines.append(INDENT * self.depth + text)

    @contextmanager
    def block(self, header: str, comment: str | None = None) -> Iterator[None]:
        self.line(header, comment)
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1

    def blank(self) -> None:
        if self.rng.random() < self.policy.blank_line_rate and self.lines and self.lines[-1].strip():
            self.lines.append("")

    def tid(self, *names: str, remap: bool = True, guard: bool = True) -> str:
        """``tid = wp.tid()`` (or ``i, j = wp.tid()``); returns the index the body works at.

        A 1-D launch may run over a subset (``i = indices[tid]``, a gather through an index array)
        and skip inactive elements by a flag array, as real kernels do (policy: ``remap_rate``,
        ``flag_rate``)."""
        text = ", ".join(names)
        self.lines.append(f"{INDENT}{text} = wp.tid()")
        if len(names) > 1:
            return text
        index = text
        if guard and self.rng.random() < self.policy.guard_rate * 0.5:
            outs = [p.name for p in self.params if p.role == "out" and p.annotation.startswith("wp.array(")]
            if outs and self.rng.random() < 0.5:
                self.guard(text, f"{outs[0]}.shape[0]")
            else:
                self.guard(text, self.value(self.pick(("n", "count", "num_items", "num_elements", "size")), "int"))
        if remap and self.rng.random() < self.policy.remap_rate:
            table = self.array(
                self.pick(("indices", "active_indices", "particle_indices", "sorted_ids", "work_list", "ids")),
                "wp.int32",
                "index",
            )
            index = self.fresh("i", "idx", "p", "pid")
            self.line(f"{index} = {table}[{text}]", "the launch covers a subset of the elements")
            with self.block(f"if {index} < 0:"):
                self.line("return")
            self.notes.append(f"runs over the elements listed in {code(table)}")
        if self.rng.random() < self.policy.flag_rate:
            flags = self.array(self.pick(("flags", "active", "particle_flags", "mask", "enabled")), "wp.int32", "in")
            bit = "wp.int32(1)" if self.rng.random() < self.policy.int_cast_rate else "1"
            test = f"({flags}[{index}] & {bit}) == 0" if self.rng.random() < 0.5 else f"{flags}[{index}] == 0"
            with self.block(f"if {test}:", "skip inactive elements"):
                self.line("return")
            self.notes.append(f"skips elements whose {code(flags)} flag is clear")
        return index

    def store(self, array: str, index: str, value: str, comment: str | None = None) -> None:
        """Write a result ``value`` at ``array[index]`` the way real kernels do (policy: ``store_mode``):
        assign it, add it (``+=`` or ``wp.atomic_add``), scale it by a gain parameter or relax the
        old value toward it (``wp.lerp``). Only the modes the array's dtype supports are drawn."""
        param = next(p for p in self.params if p.name == array)
        dtype = re.search(r"dtype=([\w.]+)", param.annotation).group(1)
        scalar = _SCALAR_OF.get(dtype)
        if scalar not in (None, "int") and self.rng.random() < self.policy.limit_rate:
            value = self.limited(value, dtype, scalar)
        mode = self.policy.store_mode.draw(self.rng)
        if scalar is None or (scalar == "int" and mode in ("scale", "blend")):
            mode = "set"
        target = f"{array}[{index}]"
        if mode == "set":
            self.line(f"{target} = {value}", comment)
            return
        if mode in ("add", "blend"):
            param.role = "inout"
        if mode == "add":
            self.line(f"{target} += {value}", comment)
            self.notes.append(f"adds the result to {code(array)}")
        elif mode == "atomic":
            self.line(f"wp.atomic_add({array}, {index}, {value})", comment)
            self.notes.append(f"accumulates into {code(array)} with an atomic add")
        else:
            names = ("gain", "scale", "weight", "factor") if mode == "scale" else ("alpha", "relax", "blend", "omega")
            factor = self.value(self.pick(names), scalar)
            if mode == "scale":
                scaled = f"({value})" if " " in value else value
                self.line(f"{target} = {factor} * {scaled}", comment)
                self.notes.append(f"scales the result by {code(factor)}")
            else:
                self.line(f"{target} = wp.lerp({target}, {value}, {factor})", comment or "relax toward the new value")
                self.notes.append(f"relaxes {code(array)} toward the result by {code(factor)}")

    def bound(self, local: str, dtype: str, *, always: bool = False) -> None:
        """Rebind the local ``local`` (of ``dtype``) to a bounded value of itself, with the policy's
        ``limit_rate`` (or ``always``): what ``store`` does for a result scattered with atomics instead."""
        scalar = _SCALAR_OF.get(dtype)
        if scalar in (None, "int") or (not always and self.rng.random() >= self.policy.limit_rate):
            return
        value = self.limited(local, dtype, scalar)
        if value != local:
            self.line(f"{local} = {value}")

    def limited(self, value: str, dtype: str, scalar: str) -> str:
        """``value`` bounded before it is stored, as solvers bound their results: a scalar clamped to a
        range or capped, a vector's norm limited or its components clamped to a box."""
        if dtype == scalar or dtype in ("wp.float32", "float32"):
            lo = self.value(self.pick(("lower", "min_value", "lo", "floor_value")), scalar)
            if self.rng.random() < 0.6:
                hi = self.value(self.pick(("upper", "max_value", "hi", "ceiling")), scalar)
                self.notes.append(f"clamps the result to [{code(lo)}, {code(hi)}]")
                return f"wp.clamp({value}, {lo}, {hi})"
            self.notes.append(f"keeps the result at or above {code(lo)}")
            return f"wp.max({value}, {lo})"
        if dtype in ("wp.vec3", "wp.vec3f", "wp.vec3d", "wp.vec2") and self.rng.random() < 0.4:
            lo = self.value(self.pick(("box_lower", "bounds_min", "domain_lo", "lower_bound")), dtype)
            hi = self.value(self.pick(("box_upper", "bounds_max", "domain_hi", "upper_bound")), dtype)
            self.notes.append(f"clamps the result to the box [{code(lo)}, {code(hi)}]")
            return f"wp.min(wp.max({value}, {lo}), {hi})"
        limit = self.value(self.pick(("max_norm", "max_speed", "limit", "max_magnitude")), scalar)
        self.notes.append(f"limits the result's magnitude to {code(limit)}")
        if self.rng.random() < self.policy.helper_rate:
            fn = self.rng.choice(("limit_norm", "clamp_length", "cap_magnitude", "limit_vector"))
            self.helper(_LIMIT_HELPER.format(name=fn, vec=dtype, scalar=scalar))
            return f"{fn}({value}, {limit})"
        local, norm = self.fresh("r", "res", "result", "out_v"), self.fresh("norm", "mag", "length")
        self.line(f"{local} = {value}")
        self.line(f"{norm} = wp.length({local})")
        with self.block(f"if {norm} > {limit}:", "limit the magnitude"):
            self.line(f"{local} = {local} * ({limit} / {norm})")
        return local

    def guard(self, index: str, count: str, comment: str = "threads past the end have nothing to do") -> None:
        with self.block(f"if {index} >= {count}:", comment):
            self.line("return")

    def helper(self, source: str) -> None:
        if source not in self.helpers:
            self.helpers.append(source)

    def struct(self, source: str) -> None:
        if source not in self.structs:
            self.structs.append(source)

    # -- result --------------------------------------------------------------------------------
    def pack_values(self) -> None:
        """Move the scalar and vector parameters into a ``@wp.struct`` passed as one parameter, as
        simulation code often passes its settings (policy: ``struct_rate``); ids stay parameters."""
        values = [p for p in self.params if p.role == "value" and p.annotation != "wp.uint64"]
        if len(values) < 2 or self.structs or self.rng.random() >= self.policy.struct_rate:
            return
        name = self.rng.choice(("Params", "SimParams", "Settings", "Config", "ModelParams", "Options"))
        self.struct(f"@wp.struct\nclass {name}:\n" + "\n".join(f"{INDENT}{p.name}: {p.annotation}" for p in values))
        holder = self.fresh("params", "cfg", "settings", "opts")
        for p in values:
            pattern = re.compile(rf"(?<![.\w]){p.name}(?!\w)")
            self.lines = [
                pattern.sub(f"{holder}.{p.name}", line) if not line.lstrip().startswith("#") else line
                for line in self.lines
            ]
        first = self.params.index(values[0])
        self.params = [p for p in self.params if p not in values]
        self.params.insert(first, Param(holder, name, "struct"))

    def order_params(self) -> None:
        """Real kernels list inputs, then outputs, then scalars, or keep the order they were written in."""
        if self.rng.random() < 0.5:
            rank = {"index": 0, "in": 0, "struct": 1, "id": 0, "out": 2, "inout": 2, "value": 3}
            self.params.sort(key=lambda p: rank.get(p.role, 1))

    def spec(self, kernel_name: str, description: str, docstring: str | None = None) -> KernelSpec:
        self.pack_values()
        self.order_params()
        signature = ",\n".join(f"{INDENT}{p.name}: {p.annotation}" for p in self.params)
        head = ["@wp.kernel", f"def {kernel_name}(", signature + ",", "):"]
        doc = [f'{INDENT}"""{docstring}"""'] if docstring else []
        body = [line.rstrip() for line in self.lines]
        while body and not body[-1]:
            body.pop()
        parts = [*self.structs, *self.helpers, "\n".join(head + doc + body)]
        if self.notes:
            description = description.rstrip(".") + "; " + "; ".join(self.notes) + "."
        return KernelSpec(
            kernel_name=kernel_name,
            category=self.family,
            description=description,
            python_source="\n\n\n".join(parts) + "\n",
            value_types=tuple(sorted(self.value_types)),
            generator="motif",
        )


_LIMIT_HELPER = """@wp.func
def {name}(v: {vec}, max_len: {scalar}):
    n = wp.length(v)
    if n > max_len:
        return v * (max_len / n)
    return v"""
# Array dtype -> the scalar type of a factor that multiplies it ("int": integer arrays, added to only).
_SCALAR_OF = {
    **dict.fromkeys(("float", "wp.float32", "float32"), "float"),
    **dict.fromkeys(("wp.vec2", "wp.vec3", "wp.vec3f", "wp.vec4", "wp.spatial_vector"), "float"),
    **dict.fromkeys(("wp.float64", "wp.vec3d", "wp.vec2d"), "wp.float64"),
    **dict.fromkeys(("int", "wp.int32", "wp.int64"), "int"),
}


def scalar_literal(value: float, dtype: str) -> str:
    """A float literal of ``dtype``: bare for float32, wrapped for float64 / float16."""
    text = repr(float(value))
    return text if dtype in ("float", "wp.float32", "float32") else f"{dtype}({text})"


def join_phrases(phrases: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(phrases) <= 1:
        return "".join(phrases)
    return ", ".join(phrases[:-1]) + " and " + phrases[-1]


def code(name: str) -> str:
    """A name as the description writes it."""
    return f"`{name}`"


def zero(dtype: str) -> str:
    """A dynamic zero of ``dtype`` for a variable a loop will update (Warp refuses to mutate constants)."""
    return "float(0.0)" if dtype == "float" else f"{dtype}(0.0)"
