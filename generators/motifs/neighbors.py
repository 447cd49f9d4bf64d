"""Neighbour sums over a wp.hash_grid: SPH density / pressure / viscosity style accumulations with
smoothing kernels written as @wp.func helpers."""

from __future__ import annotations

import random

from generators.motifs.kit import Kernel, code
from generators.motifs.names import Namer, local
from generators.policy import Policy
from generators.spec import KernelSpec

FAMILY = "neighbor_sum"
_NAMES = (
    "compute_density",
    "sph_density",
    "neighbor_sum",
    "count_neighbors",
    "compute_viscosity",
    "accumulate_neighbors",
    "smooth_field",
    "apply_cohesion",
    "sph_forces",
    "grid_query",
)
_POLY6 = """@wp.func
def {name}(r_sq: float, h: float):
    # poly6 smoothing kernel (unnormalized)
    if r_sq >= h * h:
        return 0.0
    q = h * h - r_sq
    return q * q * q"""
_SPIKY = """@wp.func
def {name}(r: float, h: float):
    # gradient magnitude of the spiky kernel (unnormalized)
    if r >= h:
        return 0.0
    q = h - r
    return -q * q"""


def build(rng: random.Random, policy: Policy) -> KernelSpec:
    k, nm = Kernel(rng, policy, FAMILY), Namer(rng)
    vec = policy.vec3_spelling.draw(rng)
    grid = k.value(k.pick(("grid", "grid_id", "hash_grid")), "wp.uint64")
    q = k.array(nm.array("position"), vec, "in")
    h = k.value(k.pick(("smoothing_length", "h", "radius", "kernel_radius", "cutoff")), "float")
    mode = rng.choice(("density", "count", "force", "average"))
    out_t = vec if mode == "force" else "float" if mode != "count" else "wp.int32"
    if mode in ("force", "average"):
        val = k.array(
            nm.array("velocity") if mode == "force" else nm.array("value"), vec if mode == "force" else "float", "in"
        )
    role = {"density": "density", "count": "count", "force": "force", "average": "result"}[mode]
    out = k.array(k.fresh(nm.array(role, output=True)), out_t, "out")

    tid = k.tid(k.fresh("tid", "i", "p"))
    i = k.fresh("i", "pi", "idx")
    if rng.random() < 0.5:
        k.line(f"{i} = wp.hash_grid_point_id({grid}, {tid})", "order threads by grid cell for coherence")
        with k.block(f"if {i} == -1:"):
            k.line("return")
    else:
        k.line(f"{i} = {tid}")
    x = k.fresh(*local(rng, "position"))
    k.line(f"{x} = {q}[{i}]")
    acc = k.fresh(*local(rng, "sum"))
    int_zero = "wp.int32(0)" if rng.random() < policy.int_cast_rate else "int(0)"
    zero = {"float": "float(0.0)", "wp.int32": int_zero}.get(out_t, f"{vec}(0.0)")
    k.line(f"{acc} = {zero}")
    query, j = k.fresh("query", "neighbors", "q_iter"), k.fresh("index", "j", "nbr")
    k.line(f"{query} = wp.hash_grid_query({grid}, {x}, {h})")
    j_ = j
    use_helper = rng.random() < policy.helper_rate + 0.2
    loop = f"for {j_} in {query}:"
    if rng.random() < 0.3:
        k.line(f"{j_} = wp.int32(0)" if rng.random() < policy.int_cast_rate else f"{j_} = int(0)")
        loop = f"while wp.hash_grid_query_next({query}, {j_}):"
    with k.block(loop, "loop over the neighbours in the query radius"):
        d = k.fresh(*local(rng, "direction"))
        k.line(f"{d} = {x} - {q}[{j_}]")
        if mode == "density":
            if use_helper:
                fn = rng.choice(("poly6", "w_poly6", "density_kernel", "kernel_w"))
                k.helper(_POLY6.format(name=fn))
                k.line(f"{acc} += {fn}(wp.dot({d}, {d}), {h})")
            else:
                r_sq = k.fresh("r_sq", "dist_sq", "d2")
                k.line(f"{r_sq} = wp.length_sq({d})")
                with k.block(f"if {r_sq} < {h} * {h}:"):
                    w = k.fresh("w", "q_w", "hq")
                    k.line(f"{w} = {h} * {h} - {r_sq}")
                    k.line(f"{acc} += {w} * {w} * {w}")
            what = "sums a poly6 density over hash-grid neighbours within"
        elif mode == "count":
            with k.block(f"if wp.length({d}) <= {h}:"):
                k.line(f"{acc} += 1")
            what = "counts hash-grid neighbours within"
        elif mode == "force":
            r = k.fresh(*local(rng, "distance"))
            k.line(f"{r} = wp.length({d})")
            with k.block(f"if {r} > 0.0 and {r} < {h}:", "skip the particle itself"):
                if use_helper:
                    fn = rng.choice(("spiky_grad", "grad_w", "spiky", "kernel_grad"))
                    k.helper(_SPIKY.format(name=fn))
                    k.line(f"{acc} += ({val}[{j_}] - {val}[{i}]) * {fn}({r}, {h})")
                else:
                    k.line(f"{acc} += ({val}[{j_}] - {val}[{i}]) * ({h} - {r})")
            what = f"accumulates a viscosity term from {code(val)} over hash-grid neighbours within"
        else:
            r = k.fresh(*local(rng, "distance"))
            k.line(f"{r} = wp.length({d})")
            with k.block(f"if {r} < {h}:"):
                k.line(f"{acc} += {val}[{j_}] * ({h} - {r})")
            what = f"averages {code(val)} with a hat kernel over hash-grid neighbours within"
    if mode == "density" and rng.random() < 0.5:
        mass = k.value(k.pick(("particle_mass", "mass", "m")), "float")
        k.store(out, i, f"{acc} * {mass}")
        what_out = f"scaled by {code(mass)}"
    else:
        k.store(out, i, acc)
        what_out = ""
    desc = (
        f"For each particle of {code(q)}, {what} {code(h)} and writes the result{' ' + what_out if what_out else ''} "
        f"to {code(out)}."
    )
    doc = (
        rng.choice(("SPH neighbour sum over a hash grid.", "Accumulate over neighbouring particles."))
        if rng.random() < policy.docstring_rate
        else None
    )
    return k.spec(rng.choice(_NAMES), desc, doc)
