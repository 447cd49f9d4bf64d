"""Springs and distance constraints over index pairs: gather both ends through an index array,
compute a spring-damper force (often in a @wp.func) and scatter it to both ends with wp.atomic_add."""

from __future__ import annotations

import random

from generators.motifs.kit import Kernel, code, join_phrases
from generators.motifs.names import Namer, local
from generators.policy import Policy
from generators.spec import KernelSpec

FAMILY = "spring_forces"
_NAMES = (
    "eval_springs",
    "spring_forces",
    "eval_spring_forces",
    "solve_springs",
    "compute_spring_forces",
    "apply_springs",
    "eval_edges",
    "solve_distance_constraints",
    "edge_forces",
    "accumulate_spring_forces",
)
_HELPER = """@wp.func
def {name}(xi: {vec}, xj: {vec}, vi: {vec}, vj: {vec}, rest: float, ke: float, kd: float):
    d = xi - xj
    l = wp.length(d)
    dir = d / wp.max(l, {eps})
    # Hooke's law plus damping along the spring
    c = l - rest
    dcdt = wp.dot(dir, vi - vj)
    return dir * (ke * c + kd * dcdt)"""


def build(rng: random.Random, policy: Policy) -> KernelSpec:
    k, nm = Kernel(rng, policy, FAMILY), Namer(rng)
    vec = policy.vec3_spelling.draw(rng)
    eps = policy.epsilon.draw(rng)
    q, qd = k.array(nm.array("position"), vec, "in"), k.array(nm.array("velocity"), vec, "in")
    pair_mode = rng.choice(("flat", "two", "vec2i"))
    if pair_mode == "flat":
        idx = k.array(k.pick(("spring_indices", "edge_indices", "springs", "indices", "edges")), "int", "index")
    elif pair_mode == "two":
        ia = k.array(k.pick(("spring_i", "edge_a", "src_index", "i_index")), "wp.int32", "index")
        ib = k.array(k.pick(("spring_j", "edge_b", "dst_index", "j_index")), "wp.int32", "index")
    else:
        idx = k.array(k.pick(("edges", "spring_pairs", "pairs", "edge_vertices")), "wp.vec2i", "index")
    rest = k.array(k.pick(("spring_rest_length", "rest_lengths", "rest", "edge_rest_length")), "float", "in")
    per_spring = rng.random() < 0.5
    if per_spring:
        stiff = k.array(k.pick(("spring_stiffness", "ke", "stiffness", "edge_ke")), "float", "in")
        damp = k.array(k.pick(("spring_damping", "kd", "damping", "edge_kd")), "float", "in")
    else:
        stiff = k.value(k.pick(("ke", "stiffness", "k_spring")), "float")
        damp = k.value(k.pick(("kd", "damping", "k_damp")), "float")
    f = k.array(k.fresh(nm.array("force", output=True)), vec, "out")

    # the flat layout reads two entries per spring: the launch may outrun it
    count = (
        k.value(k.pick(("num_springs", "spring_count", "n", "num_edges")), "int")
        if pair_mode == "flat" or rng.random() < policy.guard_rate
        else None
    )
    tid = k.tid(k.fresh("tid", "e", "spring", "edge"), guard=False)
    if count:
        k.guard(tid, count)
    i, j = k.fresh("i", "a", "v0"), k.fresh("j", "b", "v1")
    if pair_mode == "flat":
        k.line(f"{i} = {idx}[{tid} * 2 + 0]")
        k.line(f"{j} = {idx}[{tid} * 2 + 1]")
    elif pair_mode == "two":
        k.line(f"{i} = {ia}[{tid}]")
        k.line(f"{j} = {ib}[{tid}]")
    else:
        k.line(f"{i} = {idx}[{tid}][0]")
        k.line(f"{j} = {idx}[{tid}][1]")
    with k.block(f"if {i} < 0 or {j} < 0:", "inactive springs are marked with a negative index"):
        k.line("return")
    ke = f"{stiff}[{tid}]" if per_spring else stiff
    kd = f"{damp}[{tid}]" if per_spring else damp
    xi, xj = k.fresh("xi", "x_i", "pa"), k.fresh("xj", "x_j", "pb")
    k.line(f"{xi} = {q}[{i}]")
    k.line(f"{xj} = {q}[{j}]")
    fs = k.fresh(*local(rng, "force"))
    ops = ["gathers both ends of each spring through the index array", "computes a spring-damper force"]
    if rng.random() < policy.helper_rate:
        fn = rng.choice(("spring_force", "eval_spring", "compute_spring_force", "damped_spring"))
        k.helper(_HELPER.format(name=fn, vec=vec, eps=eps))
        k.line(f"{fs} = {fn}({xi}, {xj}, {qd}[{i}], {qd}[{j}], {rest}[{tid}], {ke}, {kd})")
    else:
        d, ln, dr = k.fresh(*local(rng, "direction")), k.fresh(*local(rng, "distance")), k.fresh("dir", "n_ij", "unit")
        k.line(f"{d} = {xi} - {xj}")
        k.line(f"{ln} = wp.length({d})")
        if rng.random() < 0.6:
            with k.block(f"if {ln} < {eps}:", "coincident ends have no direction"):
                k.line("return")
            k.line(f"{dr} = {d} / {ln}")
        else:
            k.line(f"{dr} = wp.normalize({d})")
        c, dcdt = k.fresh("c", "stretch", "err"), k.fresh("dcdt", "rel_vel", "vrel")
        law = rng.choice(("hooke", "hooke", "tension", "strain", "compression"))
        if law == "strain":
            k.line(f"{c} = ({ln} - {rest}[{tid}]) / wp.max({rest}[{tid}], {eps})", "strain relative to rest length")
            ops.append("measures strain relative to the rest length")
        elif law == "tension":
            k.line(f"{c} = wp.max({ln} - {rest}[{tid}], 0.0)", "cables pull but never push")
            ops.append("acts in tension only")
        elif law == "compression":
            k.line(f"{c} = wp.min({ln} - {rest}[{tid}], 0.0)", "struts push but never pull")
            ops.append("acts in compression only")
        else:
            k.line(f"{c} = {ln} - {rest}[{tid}]", "spring extension")
        k.line(f"{dcdt} = wp.dot({dr}, {qd}[{i}] - {qd}[{j}])")
        k.line(f"{fs} = {dr} * ({ke} * {c} + {kd} * {dcdt})")
    k.bound(fs, vec)
    k.line(f"wp.atomic_sub({f}, {i}, {fs})", "equal and opposite forces on both ends")
    k.line(f"wp.atomic_add({f}, {j}, {fs})")
    ops.append(f"scatters it to {code(f)} with atomics")
    reads = [q, qd, rest] + ([stiff, damp] if per_spring else [])
    desc = f"{join_phrases(ops).capitalize()}; positions {code(q)}, velocities {code(qd)}, rest lengths {code(rest)}."
    doc = (
        rng.choice(("Accumulate spring forces on particles.", "Damped springs between particle pairs."))
        if rng.random() < policy.docstring_rate
        else None
    )
    del reads
    return k.spec(rng.choice(_NAMES), desc, doc)
