"""Random sampling with Warp's per-thread RNG: jittered positions, random directions, Monte Carlo
estimates accumulated with atomics, and dropout masks, all seeded with wp.rand_init(seed, tid)."""

from __future__ import annotations

import random

from generators.motifs.kit import Kernel, code, zero
from generators.motifs.names import Namer
from generators.policy import Policy
from generators.spec import KernelSpec

FAMILY = "random_sampling"
_NAMES = {
    "jitter": ("jitter_particles", "perturb_positions", "add_noise", "randomize_points", "jitter"),
    "directions": ("sample_directions", "random_rays", "emit_particles", "sample_sphere", "spawn_particles"),
    "montecarlo": ("monte_carlo_estimate", "mc_integrate", "estimate_area", "sample_integral", "mc_pi"),
    "dropout": ("dropout", "dropout_fwd", "random_mask", "stochastic_mask", "apply_dropout"),
}


def build(rng: random.Random, policy: Policy) -> KernelSpec:
    k, nm = Kernel(rng, policy, FAMILY), Namer(rng)
    vec = policy.vec3_spelling.draw(rng)
    kind = rng.choice(tuple(_NAMES))
    seed = k.value(k.pick(("seed", "rng_seed", "frame_seed", "random_seed")), "int")
    if kind == "jitter":
        q = k.array(nm.array("position"), vec, "in")
        amp = k.value(k.pick(("amplitude", "noise_scale", "jitter", "sigma")), "float")
        out = k.array(k.fresh(nm.array("position", output=True), q + "_out"), vec, "out")
    elif kind == "directions":
        origin = k.value(k.pick(("origin", "emitter_pos", "center", "source")), vec)
        speed = k.value(k.pick(("speed", "emit_speed", "v0")), "float")
        out = k.array(k.fresh(nm.array("velocity", output=True)), vec, "out")
        pos_out = k.array(k.fresh(nm.array("position", output=True)), vec, "out")
    elif kind == "montecarlo":
        samples = k.value(k.pick(("samples_per_thread", "num_samples", "spp")), "int")
        out = k.array(k.pick(("hits", "estimate", "accum", "inside_count")), "float", "out")
        radius = k.value(k.pick(("radius", "r", "sphere_radius")), "float")
    else:
        x = k.array(k.fresh(nm.plain("x", "activations", "h", "inputs")), "float", "in")
        p = k.value(k.pick(("p", "drop_prob", "rate", "dropout_p")), "float")
        out = k.array(k.fresh(nm.plain("y", "out", "h_out", "masked")), "float", "out")
        mask = (
            k.array(k.pick(("mask", "keep", "dropout_mask")), "float", "out")
            if rng.random() < policy.extra_output_rate
            else None
        )
    tid = k.tid(k.fresh("tid", "i"))
    state = k.fresh("state", "rng", "rand_state")
    k.line(f"{state} = wp.rand_init({seed}, {tid})", "one independent stream per thread")
    if kind == "jitter":
        off = k.fresh("offset", "noise", "d")
        if rng.random() < 0.4:
            k.line(f"{off} = {vec}(wp.randn({state}), wp.randn({state}), wp.randn({state}))", "Gaussian noise")
            k.notes.append("draws Gaussian noise")
        else:
            k.line(f"{off} = {vec}(wp.randf({state}) - 0.5, wp.randf({state}) - 0.5, wp.randf({state}) - 0.5)")
        k.store(out, tid, f"{q}[{tid}] + {off} * {amp}")
        desc = (
            f"Jitters the positions {code(q)} by uniform noise scaled by {code(amp)} from a per-thread "
            f"RNG seeded with {code(seed)} into {code(out)}."
        )
    elif kind == "directions":
        d = k.fresh("dir", "d", "n")
        if rng.random() < 0.5:
            k.line(f"{d} = wp.sample_unit_sphere_surface({state})")
        else:
            th, z = k.fresh("theta", "phi"), k.fresh("z", "h")
            two_pi = "wp.static(2.0 * wp.pi)" if rng.random() < 0.6 else "6.2831853"
            k.line(f"{th} = wp.randf({state}) * {two_pi}")
            k.line(f"{z} = wp.randf({state}, -1.0, 1.0)")
            rr = k.fresh("r", "rxy")
            k.line(f"{rr} = wp.sqrt(wp.max(1.0 - {z} * {z}, 0.0))")
            k.line(f"{d} = {vec}({rr} * wp.cos({th}), {rr} * wp.sin({th}), {z})")
        k.store(pos_out, tid, f"{origin} + {d} * wp.randf({state}, 0.0, 0.1)")
        k.store(out, tid, f"{d} * {speed}")
        desc = (
            f"Emits particles around {code(origin)} in random directions with speed {code(speed)}, "
            f"seeded by {code(seed)}: positions in {code(pos_out)}, velocities in {code(out)}."
        )
    elif kind == "montecarlo":
        cnt, s = k.fresh("count", "inside", "hits_local"), k.fresh("s", "sample")
        k.line(f"{cnt} = {zero('float')}")
        with k.block(f"for {s} in range({samples}):"):
            pt = k.fresh("p", "pt", "x")
            k.line(
                f"{pt} = {vec}(wp.randf({state}, -1.0, 1.0), wp.randf({state}, -1.0, 1.0), wp.randf({state}, "
                "-1.0, 1.0))"
            )
            with k.block(f"if wp.length({pt}) < {radius}:"):
                k.line(f"{cnt} += 1.0")
        k.line(f"wp.atomic_add({out}, 0, {cnt} / float(wp.max({samples}, 1)))", "average over threads on the host")
        desc = (
            f"Estimates the share of the cube inside a sphere of radius {code(radius)} from {code(samples)} "
            f"random points per thread, seeded by {code(seed)}, accumulated into {code(out)}[0] "
            "with an atomic."
        )
    else:
        keep = k.fresh("keep", "m", "k_mask")
        if rng.random() < policy.where_rate:
            k.line(f"{keep} = wp.where(wp.randf({state}) >= {p}, 1.0, 0.0)")
        else:
            k.line(f"{keep} = float(0.0)")
            with k.block(f"if wp.randf({state}) >= {p}:"):
                k.line(f"{keep} = 1.0")
        if mask:
            k.line(f"{mask}[{tid}] = {keep}")
        k.store(out, tid, f"{x}[{tid}] * {keep} / wp.max(1.0 - {p}, 1.0e-6)")
        desc = (
            f"Applies dropout with probability {code(p)} to {code(x)} using a per-thread RNG seeded "
            f"by {code(seed)}, rescaling survivors, into {code(out)}"
            + (f" and the mask into {code(mask)}." if mask else ".")
        )
    doc = (
        rng.choice(("Random sampling with per-thread RNG state.", "Stochastic per-thread sampling."))
        if rng.random() < policy.docstring_rate
        else None
    )
    return k.spec(rng.choice(_NAMES[kind]), desc, doc)
