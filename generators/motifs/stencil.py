"""Image and grid stencils over a 2-D launch: diffusion / Laplacian, box blur and gradient magnitude,
with clamped neighbour indices or a border early-return."""

from __future__ import annotations

import random

from generators.motifs.kit import Kernel, code, scalar_literal
from generators.motifs.names import Namer
from generators.policy import Policy
from generators.spec import KernelSpec

FAMILY = "grid_stencil"
_NAMES = {
    "diffuse": ("diffuse", "heat_step", "laplacian_step", "diffuse_field", "smooth_grid", "jacobi_step"),
    "blur": ("box_blur", "blur_image", "smooth_image", "filter_3x3", "average_neighbors"),
    "gradient": ("gradient_magnitude", "edge_detect", "sobel", "compute_gradient", "grad_norm"),
    "divergence": ("divergence", "compute_divergence", "velocity_div", "div_kernel", "grid_divergence"),
    "pressure": ("pressure_solve", "pressure_jacobi", "poisson_step", "solve_pressure", "jacobi_iter"),
    "advect": ("advect", "semi_lagrangian", "advect_field", "backtrace_sample", "advect_density"),
}
_FIELD = ("field", "img", "image", "grid", "u", "temperature", "height", "phi", "src", "density", "pressure", "tex")
_OUT = ("out", "field_out", "result", "dst", "u_new", "img_out", "smoothed", "next", "grad", "edges")


def build(rng: random.Random, policy: Policy) -> KernelSpec:
    k, nm = Kernel(rng, policy, FAMILY), Namer(rng)
    fluid = rng.choice(("divergence", "pressure", "advect", None, None, None, None))
    if fluid:
        desc = _FLUID[fluid](k, rng, nm)
        doc = "Grid fluid solver step." if rng.random() < policy.docstring_rate else None
        return k.spec(rng.choice(_NAMES[fluid]), desc, doc)
    dtype = "wp.float64" if rng.random() < policy.float64_rate else policy.float_spelling.draw(rng)
    lit = lambda v: scalar_literal(v, dtype)  # noqa: E731
    src = k.array(k.fresh(nm.plain(*_FIELD)), dtype, "in", ndim=2)
    kind = rng.choice(("diffuse", "blur", "gradient"))
    dst = k.array(k.fresh(nm.plain(*_OUT)), dtype, "out", ndim=2)
    i, j = k.fresh("i", "x", "row"), k.fresh("j", "y", "col")
    k.tid(i, j)
    nx, ny = k.fresh("nx", "width", "w", "rows"), k.fresh("ny", "height", "h", "cols")
    k.line(f"{nx} = {src}.shape[0]")
    k.line(f"{ny} = {src}.shape[1]")
    border = rng.random() < policy.early_return_rate + 0.1 and kind != "blur"
    extra = ""
    if rng.random() < policy.flag_rate:
        solid = k.array(k.pick(("solid", "obstacle", "mask", "cell_flags", "boundary")), "wp.int32", "in", ndim=2)
        with k.block(f"if {solid}[{i}, {j}] != 0:", "obstacle cells hold zero"):
            k.line(f"{dst}[{i}, {j}] = {dtype}(0.0)" if dtype != "float" else f"{dst}[{i}, {j}] = 0.0")
            k.line("return")
        extra += f" (cells flagged in {code(solid)} set to zero)"
    if border:
        with k.block(f"if {i} == 0 or {j} == 0 or {i} == {nx} - 1 or {j} == {ny} - 1:", "fixed boundary"):
            k.line(f"{dst}[{i}, {j}] = {src}[{i}, {j}]")
            k.line("return")
        im, ip, jm, jp = f"{i} - 1", f"{i} + 1", f"{j} - 1", f"{j} + 1"
        extra = " (border cells copied)"
    elif kind != "blur":
        im, ip, jm, jp = (k.fresh(n) for n in ("im", "ip", "jm", "jp"))
        k.line(f"{im} = wp.max({i} - 1, 0)", "clamp neighbour indices at the edges")
        k.line(f"{ip} = wp.min({i} + 1, {nx} - 1)")
        k.line(f"{jm} = wp.max({j} - 1, 0)")
        k.line(f"{jp} = wp.min({j} + 1, {ny} - 1)")
    if kind == "diffuse":
        c = k.fresh("c", "center", "u0", "v")
        k.line(f"{c} = {src}[{i}, {j}]")
        alpha = k.value(k.pick(("alpha", "kappa", "diffusivity", "k_diff")), dtype)
        dt = k.value(k.pick(("dt", "tau", "step")), dtype)
        lap = k.fresh("lap", "laplacian", "d2u")
        k.line(
            f"{lap} = {src}[{ip}, {j}] + {src}[{im}, {j}] + {src}[{i}, {jp}] + {src}[{i}, {jm}] - {lit(4.0)} * {c}",
            "five-point Laplacian",
        )
        new = k.fresh("u_new", "updated", "c_next")
        if rng.random() < 0.4:
            srcterm = k.array(k.pick(("source", "heat_source", "forcing", "rhs")), dtype, "in", ndim=2)
            k.line(f"{new} = {c} + {dt} * ({alpha} * {lap} + {srcterm}[{i}, {j}])", "explicit Euler with a source term")
            extra += f" plus the source {code(srcterm)}"
        else:
            k.line(f"{new} = {c} + {alpha} * {dt} * {lap}")
        k.store(dst, f"{i}, {j}", new)
        if rng.random() < 0.4:
            res = k.array(k.pick(("residual", "max_change", "delta_max", "err")), dtype, "out")
            k.line(f"wp.atomic_max({res}, 0, wp.abs({new} - {c}))", "convergence monitor")
            extra += f", with the largest change in {code(res)}[0]"
        what = (
            f"one explicit diffusion step of {code(src)} with the five-point Laplacian, rate {code(alpha)} "
            f"times {code(dt)}"
        )
    elif kind == "blur":
        r = rng.choice((1, 2))
        s, di, dj = k.fresh("s", "acc", "total"), k.fresh("di", "dx", "oi"), k.fresh("dj", "dy", "oj")
        k.line(f"{s} = {dtype}(0.0)" if dtype != "float" else f"{s} = float(0.0)")
        rng_text = (
            f"range(-{r}, {r + 1})"
            if rng.random() > policy.static_rate
            else f"range(wp.static(-{r}), wp.static({r + 1}))"
        )
        with k.block(f"for {di} in {rng_text}:", f"{2 * r + 1}x{2 * r + 1} box with clamped indices"):
            with k.block(f"for {dj} in {rng_text}:"):
                if rng.random() < policy.helper_rate:
                    fn = rng.choice(("sample_clamped", "lookup", "fetch", "texel"))
                    k.helper(
                        f"@wp.func\ndef {fn}(f: wp.array2d(dtype={dtype}), x: int, y: int):\n"
                        "    # clamp to the edge, as a texture sampler does\n"
                        "    return f[wp.clamp(x, 0, f.shape[0] - 1), wp.clamp(y, 0, f.shape[1] - 1)]"
                    )
                    k.line(f"{s} += {fn}({src}, {i} + {di}, {j} + {dj})")
                else:
                    k.line(f"{s} += {src}[wp.clamp({i} + {di}, 0, {nx} - 1), wp.clamp({j} + {dj}, 0, {ny} - 1)]")
        if dtype in ("float", "wp.float32") and rng.random() < 0.5:
            k.store(dst, f"{i}, {j}", f"{s} * wp.static(1.0 / {float((2 * r + 1) ** 2)})")
        else:
            k.store(dst, f"{i}, {j}", f"{s} / {lit(float((2 * r + 1) ** 2))}")
        if not any(f"{nx} - 1" in line for line in k.lines):  # the helper clamps: the extents are not needed
            k.lines = [line for line in k.lines if not line.strip().startswith((f"{nx} = ", f"{ny} = "))]
        what = f"a {2 * r + 1}x{2 * r + 1} box blur of {code(src)} with clamped borders"
    else:
        gx, gy = k.fresh("gx", "du_dx", "dx_val"), k.fresh("gy", "du_dy", "dy_val")
        k.line(f"{gx} = ({src}[{ip}, {j}] - {src}[{im}, {j}]) * {lit(0.5)}", "central differences")
        k.line(f"{gy} = ({src}[{i}, {jp}] - {src}[{i}, {jm}]) * {lit(0.5)}")
        mag = k.fresh("mag", "g", "norm")
        k.line(f"{mag} = wp.sqrt({gx} * {gx} + {gy} * {gy})")
        if rng.random() < 0.4:
            thr = k.value(k.pick(("threshold", "edge_threshold", "tol")), dtype)
            k.line(
                f"{dst}[{i}, {j}] = wp.where({mag} > {thr}, {mag}, {lit(0.0)})"
                if rng.random() < policy.where_rate
                else f"{dst}[{i}, {j}] = {mag} if {mag} > {thr} else {lit(0.0)}"
            )
            what = f"the central-difference gradient magnitude of {code(src)}, zeroed below {code(thr)}"
        else:
            k.store(dst, f"{i}, {j}", mag)
            what = f"the central-difference gradient magnitude of {code(src)}"
    desc = f"Writes {what}{extra} into {code(dst)}, one thread per grid cell."
    doc = (
        rng.choice(("Stencil update on a 2D grid.", "Per-pixel neighbourhood filter."))
        if rng.random() < policy.docstring_rate
        else None
    )
    return k.spec(rng.choice(_NAMES[kind]), desc, doc)


_SAMPLE = """@wp.func
def {name}(f: wp.array2d(dtype=float), x: int, y: int):
    return f[wp.clamp(x, 0, f.shape[0] - 1), wp.clamp(y, 0, f.shape[1] - 1)]"""
_BILINEAR = """@wp.func
def {name}(f: wp.array2d(dtype=float), p: wp.vec2):
    # bilinear interpolation with clamped borders
    x = wp.clamp(p[0], 0.0, float(f.shape[0] - 1))
    y = wp.clamp(p[1], 0.0, float(f.shape[1] - 1))
    i = int(wp.floor(x))
    j = int(wp.floor(y))
    tx = x - float(i)
    ty = y - float(j)
    i1 = wp.min(i + 1, f.shape[0] - 1)
    j1 = wp.min(j + 1, f.shape[1] - 1)
    a = wp.lerp(f[i, j], f[i1, j], tx)
    b = wp.lerp(f[i, j1], f[i1, j1], tx)
    return wp.lerp(a, b, ty)"""


def _cell(k: Kernel, out: str, zero_value: str = "0.0") -> tuple[str, str]:
    """``i, j = wp.tid()``, and sometimes an early exit for solid cells, which hold ``zero_value``."""
    i, j = k.fresh("i", "x", "row"), k.fresh("j", "y", "col")
    k.tid(i, j)
    if k.rng.random() < k.policy.flag_rate:
        solid = k.array(k.pick(("solid", "obstacle", "cell_flags", "boundary")), "wp.int32", "in", ndim=2)
        with k.block(f"if {solid}[{i}, {j}] != 0:", "solid cells"):
            k.line(f"{out}[{i}, {j}] = {zero_value}")
            k.line("return")
        k.notes.append(f"zeroes the cells flagged in {code(solid)}")
    return i, j


def _divergence(k: Kernel, rng: random.Random, nm: Namer) -> str:
    vel = k.array(k.pick(("vel", "velocity", "u", "flow")), "wp.vec2", "in", ndim=2)
    div = k.array(k.pick(("div", "divergence", "div_out", "rhs")), "float", "out", ndim=2)
    i, j = _cell(k, div)
    nx, ny = k.fresh("nx", "width"), k.fresh("ny", "height")
    k.line(f"{nx} = {vel}.shape[0]")
    k.line(f"{ny} = {vel}.shape[1]")
    with k.block(f"if {i} == 0 or {j} == 0 or {i} >= {nx} - 1 or {j} >= {ny} - 1:", "no divergence at the walls"):
        k.line(f"{div}[{i}, {j}] = 0.0")
        k.line("return")
    dx, dy = k.fresh("dx", "du"), k.fresh("dy", "dv")
    k.line(f"{dx} = ({vel}[{i} + 1, {j}][0] - {vel}[{i} - 1, {j}][0]) * 0.5", "central differences")
    k.line(f"{dy} = ({vel}[{i}, {j} + 1][1] - {vel}[{i}, {j} - 1][1]) * 0.5")
    if rng.random() < 0.5:
        h = k.value(k.pick(("inv_dx", "inv_h", "scale")), "float")
        k.store(div, f"{i}, {j}", f"({dx} + {dy}) * {h}")
        return f"Writes the divergence of the velocity grid {code(vel)} scaled by {code(h)} into {code(div)}."
    k.store(div, f"{i}, {j}", f"{dx} + {dy}")
    return f"Writes the central-difference divergence of the velocity grid {code(vel)} into {code(div)}."


def _pressure(k: Kernel, rng: random.Random, nm: Namer) -> str:
    p0 = k.array(k.pick(("p", "pressure", "p_old", "phi")), "float", "in", ndim=2)
    div = k.array(k.pick(("div", "divergence", "rhs", "b")), "float", "in", ndim=2)
    p1 = k.array(k.pick(("p_new", "pressure_out", "phi_new", "p_next")), "float", "out", ndim=2)
    i, j = _cell(k, p1)
    s = k.fresh("s", "sum_nb", "acc")
    if rng.random() < 0.6:
        fn = k.fresh(rng.choice(("sample", "lookup", "fetch", "cell")))
        k.helper(_SAMPLE.format(name=fn))
        k.line(
            f"{s} = {fn}({p0}, {i} - 1, {j}) + {fn}({p0}, {i} + 1, {j}) + "
            f"{fn}({p0}, {i}, {j} - 1) + {fn}({p0}, {i}, {j} + 1)",
            "neighbours with clamped borders",
        )
    else:
        nx, ny = k.fresh("nx", "width"), k.fresh("ny", "height")
        k.line(f"{nx} = {p0}.shape[0]")
        k.line(f"{ny} = {p0}.shape[1]")
        k.line(
            f"{s} = {p0}[wp.max({i} - 1, 0), {j}] + {p0}[wp.min({i} + 1, {nx} - 1), {j}] + "
            f"{p0}[{i}, wp.max({j} - 1, 0)] + {p0}[{i}, wp.min({j} + 1, {ny} - 1)]",
            "neighbours with clamped borders",
        )
    value = f"({s} - {div}[{i}, {j}]) * 0.25"
    if rng.random() < 0.4:
        omega = k.value(k.pick(("omega", "relax", "w")), "float")
        k.store(p1, f"{i}, {j}", f"wp.lerp({p0}[{i}, {j}], {value}, {omega})")
        return (
            f"Takes one weighted-Jacobi pressure step of {code(p0)} against {code(div)} with weight "
            f"{code(omega)} into {code(p1)}."
        )
    k.store(p1, f"{i}, {j}", value)
    return (
        f"Takes one Jacobi step of the pressure Poisson equation for {code(p0)} with divergence {code(div)} "
        f"into {code(p1)}."
    )


def _advect(k: Kernel, rng: random.Random, nm: Namer) -> str:
    vel = k.array(k.pick(("vel", "velocity", "u", "flow")), "wp.vec2", "in", ndim=2)
    src = k.array(k.fresh(nm.plain("density", "rho", "dye", "field", "smoke")), "float", "in", ndim=2)
    dst = k.array(k.fresh(nm.plain("density_out", "rho_new", "dye_out", "field_out")), "float", "out", ndim=2)
    dt = k.value(k.pick(("dt", "sim_dt", "h")), "float")
    i, j = _cell(k, dst)
    fn = k.fresh(rng.choice(("sample_bilinear", "bilinear", "interp_grid", "lookup_linear")))
    k.helper(_BILINEAR.format(name=fn))
    p = k.fresh("p", "pos", "x_back")
    if rng.random() < 0.4:
        mid = k.fresh("mid", "p_mid", "half_step")
        k.line(f"{mid} = wp.vec2(float({i}), float({j})) - {vel}[{i}, {j}] * (0.5 * {dt})", "midpoint backtrace")
        k.line(
            f"{p} = wp.vec2(float({i}), float({j})) - {vel}[wp.clamp(int({mid}[0]), 0, {vel}.shape[0] - 1), "
            f"wp.clamp(int({mid}[1]), 0, {vel}.shape[1] - 1)] * {dt}"
        )
        k.notes.append("traces back with a midpoint step")
    else:
        k.line(f"{p} = wp.vec2(float({i}), float({j})) - {vel}[{i}, {j}] * {dt}", "trace the cell back along the flow")
    value = f"{fn}({src}, {p})"
    if rng.random() < 0.4:
        decay = k.value(k.pick(("decay", "dissipation", "fade")), "float")
        value = f"{value} * {decay}"
        k.notes.append(f"dissipates by {code(decay)}")
    k.store(dst, f"{i}, {j}", value)
    return (
        f"Advects {code(src)} semi-Lagrangianly along {code(vel)} over {code(dt)} with bilinear sampling "
        f"into {code(dst)}."
    )


_FLUID = {"divergence": _divergence, "pressure": _pressure, "advect": _advect}
