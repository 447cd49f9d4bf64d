"""Particle integration: semi-implicit Euler of positions and velocities under forces and gravity,
with optional damping, speed limit, domain box and an atomic count of escaped particles."""

from __future__ import annotations

import random

from generators.motifs.kit import Kernel, code, join_phrases
from generators.motifs.names import Namer, local
from generators.policy import Policy
from generators.spec import KernelSpec

FAMILY = "particle_integration"
_NAMES = (
    "integrate_particles",
    "integrate",
    "euler_step",
    "advance_particles",
    "step_particles",
    "symplectic_euler",
    "integrate_bodies",
    "update_particles",
    "semi_implicit_euler",
    "particle_step",
    "advect_particles",
)
_STRUCT = """@wp.struct
class {name}:
    gravity: {vec}
    dt: float
    damping: float"""
_HELPER = """@wp.func
def {name}(v: {vec}, f: {vec}, inv_mass: float, gravity: {vec}, dt: float):
    # static particles (inv_mass == 0) ignore gravity
    return v + (f * inv_mass + gravity * wp.step(-inv_mass)) * dt"""


def build(rng: random.Random, policy: Policy) -> KernelSpec:
    k, nm = Kernel(rng, policy, FAMILY), Namer(rng)
    vec = policy.vec3_spelling.draw(rng)
    q, qd = k.array(nm.array("position"), vec, "in"), k.array(nm.array("velocity"), vec, "in")
    f = k.array(nm.array("force"), vec, "in")
    inv_m = k.array(nm.array("inv_mass"), "float", "in")
    reads, ops = [q, qd, f, inv_m], ["integrates positions and velocities with forces and gravity"]
    if rng.random() < policy.struct_rate:
        sname = rng.choice(("SimParams", "IntegratorParams", "Params", "StepConfig"))
        k.struct(_STRUCT.format(name=sname, vec=vec))
        p = k.param(k.pick(("params", "sim", "cfg", "options")), sname, "struct")
        gravity, dt, damping = f"{p}.gravity", f"{p}.dt", f"{p}.damping"
        use_damping = rng.random() < 0.6
    else:
        gravity = k.value(k.pick(("gravity", "g", "grav")), vec)
        dt = k.value(k.pick(("dt", "delta_t", "sim_dt", "h")), "float")
        use_damping = rng.random() < 0.4
        damping = k.value(k.pick(("damping", "linear_damping", "drag")), "float") if use_damping else ""
    count = (
        k.value(k.pick(("num_particles", "n", "count", "particle_count")), "int")
        if rng.random() < policy.guard_rate
        else None
    )
    q_out = k.array(k.fresh(nm.array("position", output=True), q + "_new"), vec, "out")
    qd_out = k.array(k.fresh(nm.array("velocity", output=True), qd + "_new"), vec, "out")

    tid = k.tid(k.fresh("tid", "i"), guard=False)
    if count:
        k.guard(tid, count)
    x0, v0 = k.fresh(*local(rng, "position")), k.fresh(*local(rng, "velocity"))
    w = k.fresh("inv_mass", "w", "inv_m", "im")
    k.line(f"{x0} = {q}[{tid}]")
    k.line(f"{v0} = {qd}[{tid}]")
    k.line(f"{w} = {inv_m}[{tid}]")
    if rng.random() < policy.early_return_rate:
        with k.block(f"if {w} == 0.0:", "kinematic particles keep their state"):
            k.line(f"{q_out}[{tid}] = {x0}")
            k.line(f"{qd_out}[{tid}] = {v0}")
            k.line("return")
        ops.append("copies kinematic particles unchanged")
    v1 = k.fresh("v1", "v_new", "vel_new", "v_next")
    if rng.random() < policy.helper_rate:
        fn = rng.choice(("integrate_velocity", "apply_forces", "velocity_update", "kick"))
        k.helper(_HELPER.format(name=fn, vec=vec))
        k.line(f"{v1} = {fn}({v0}, {f}[{tid}], {w}, {gravity}, {dt})", "semi-implicit Euler")
    else:
        k.line(f"{v1} = {v0} + ({f}[{tid}] * {w} + {gravity} * wp.step(-{w})) * {dt}", "semi-implicit Euler")
    if use_damping:
        k.line(
            f"{v1} = {v1} * (1.0 - {damping} * {dt})" if rng.random() < 0.5 else f"{v1} *= wp.exp(-{damping} * {dt})",
            "exponential velocity damping",
        )
        ops.append("damps velocities")
    if rng.random() < 0.4:
        vmax = k.value(k.pick(("max_velocity", "v_max", "speed_limit", "max_speed")), "float")
        speed = k.fresh("speed", "v_mag", "vel_len")
        k.line(f"{speed} = wp.length({v1})")
        with k.block(f"if {speed} > {vmax}:", "clamp the speed"):
            k.line(f"{v1} = {v1} * ({vmax} / {speed})")
        ops.append(f"limits speeds to {code(vmax)}")
    x1 = k.fresh("x1", "x_new", "pos_new", "x_next")
    if rng.random() < 0.3:
        with k.block(f"if not wp.isfinite({v1}):", "a diverged particle is stopped rather than spreading NaNs"):
            k.line(f"{v1} = {vec}(0.0)")
        ops.append("zeroes non-finite velocities")
    k.line(f"{x1} = {x0} + {v1} * {dt}")
    if rng.random() < 0.45:
        lo, hi = (
            k.value(k.pick(("lower", "bounds_lo", "domain_min", "box_min")), vec),
            k.value(k.pick(("upper", "bounds_hi", "domain_max", "box_max")), vec),
        )
        k.line(f"{x1} = wp.min(wp.max({x1}, {lo}), {hi})", "keep particles inside the domain")
        ops.append("clamps them to the domain box")
    if rng.random() < policy.atomic_counter_rate:
        cnt = k.array(k.pick(("escaped", "num_below", "out_count", "fallen")), "wp.int32", "out")
        floor_ = k.value(k.pick(("ground", "floor_height", "y_min")), "float")
        with k.block(f"if {x1}[1] < {floor_}:", "count particles that fell through the floor"):
            k.line(f"wp.atomic_add({cnt}, 0, 1)")
        ops.append(f"counts particles below {code(floor_)} in {code(cnt)} with an atomic")
    k.store(q_out, tid, x1)
    k.store(qd_out, tid, v1)
    name = rng.choice(_NAMES)
    desc = (
        f"{join_phrases(ops).capitalize()}: reads {', '.join(map(code, reads))}, writes {code(q_out)} "
        f"and {code(qd_out)}."
    )
    doc = (
        rng.choice(
            (
                "Semi-implicit Euler integration of particles.",
                "Advance particle state by one time step.",
                "Integrate particle velocities and positions.",
            )
        )
        if rng.random() < policy.docstring_rate
        else None
    )
    return k.spec(name, desc, doc)
