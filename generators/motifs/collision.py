"""Collision response of particles against a ground plane or spheres: penetration depth along the
normal, a penalty or projection response with friction, and a count of contacts."""

from __future__ import annotations

import random

from generators.motifs.kit import Kernel, code, join_phrases
from generators.motifs.names import Namer, local
from generators.policy import Policy
from generators.spec import KernelSpec

FAMILY = "collision_response"
_NAMES = (
    "collide_particles",
    "ground_contact",
    "solve_contacts",
    "eval_contacts",
    "handle_collisions",
    "collide_ground",
    "sphere_collision",
    "resolve_penetration",
    "apply_contact_forces",
    "particle_collide",
)
_HELPER = """@wp.func
def {name}(n: {vec}, v: {vec}, mu: float):
    # split the velocity into its normal and tangential parts
    vn = wp.dot(n, v)
    vt = v - n * vn
    return vt * wp.max(1.0 - mu, 0.0) - n * wp.min(vn, 0.0) * {restitution}"""


def build(rng: random.Random, policy: Policy) -> KernelSpec:
    k, nm = Kernel(rng, policy, FAMILY), Namer(rng)
    vec = policy.vec3_spelling.draw(rng)
    q, qd = k.array(nm.array("position"), vec, "in"), k.array(nm.array("velocity"), vec, "in")
    rad = (
        k.array(nm.array("radius"), "float", "in")
        if rng.random() < 0.6
        else k.value(k.pick(("radius", "particle_radius", "r")), "float")
    )
    sphere = rng.random() < 0.45
    ops = []
    if sphere:
        centers = k.array(k.pick(("sphere_centers", "obstacle_pos", "collider_pos", "centers")), vec, "in")
        radii = k.array(k.pick(("sphere_radii", "obstacle_radius", "collider_radius")), "float", "in")
        nshape = k.value(k.pick(("num_spheres", "num_shapes", "shape_count")), "int")
    else:
        normal = k.value(k.pick(("ground_normal", "plane_normal", "up")), vec)
        offset = k.value(k.pick(("ground_height", "plane_offset", "ground_level")), "float")
    mu = k.value(k.pick(("mu", "friction", "contact_mu", "kf")), "float")
    qd_out = k.array(k.fresh(nm.array("velocity", output=True), qd + "_out"), vec, "out")
    counting = rng.random() < policy.atomic_counter_rate + 0.2
    if counting:
        cnt = k.array(k.pick(("contact_count", "num_contacts", "hits", "contact_counter")), "wp.int32", "out")

    tid = k.tid(k.fresh("tid", "i", "p"))
    x, v = k.fresh(*local(rng, "position")), k.fresh(*local(rng, "velocity"))
    r = k.fresh("radius", "r", "rad") if rad not in k.taken or rad.endswith(("s", "i")) else k.fresh("r", "rad_i")
    k.line(f"{x} = {q}[{tid}]")
    k.line(f"{v} = {qd}[{tid}]")
    rad_expr = f"{rad}[{tid}]" if any(p.name == rad and p.role == "in" for p in k.params) else rad
    k.line(f"{r} = {rad_expr}")
    n, c = k.fresh("n", "normal", "nrm"), k.fresh("c", "depth", "penetration", "phi")
    if sphere:
        s_idx = k.fresh("s", "shape", "j")
        k.line(f"{n} = {vec}(0.0)")
        k.line(f"{c} = float(0.0)")
        with k.block(f"for {s_idx} in range({nshape}):", "deepest penetration over all spheres"):
            d, dist = k.fresh(*local(rng, "direction")), k.fresh(*local(rng, "distance"))
            k.line(f"{d} = {x} - {centers}[{s_idx} % {centers}.shape[0]]")
            k.line(f"{dist} = wp.length({d}) - {radii}[{s_idx} % {radii}.shape[0]] - {r}")
            with k.block(f"if {dist} < {c}:"):
                k.line(f"{c} = {dist}")
                k.line(f"{n} = wp.normalize({d})")
        ops.append("finds the deepest penetration of each particle into the spheres")
    else:
        k.line(f"{n} = wp.normalize({normal})")
        k.line(f"{c} = wp.dot({n}, {x}) - {offset} - {r}", "signed distance to the ground plane")
        ops.append("measures each particle's penetration of the ground plane")
    with k.block(f"if {c} >= 0.0:", "no contact"):
        k.line(f"{qd_out}[{tid}] = {v}")
        k.line("return")
    if counting:
        k.line(f"wp.atomic_add({cnt}, 0, 1)")
        ops.append(f"counts contacts in {code(cnt)}")
    vnew = k.fresh("v_new", "v_out", "v_resp")
    if rng.random() < policy.helper_rate:
        fn = rng.choice(("contact_response", "friction_response", "reflect_velocity", "collide_velocity"))
        k.helper(_HELPER.format(name=fn, vec=vec, restitution=rng.choice(("0.5", "0.2", "0.8", "0.3"))))
        k.line(f"{vnew} = {fn}({n}, {v}, {mu})")
    else:
        vn, vt = k.fresh("vn", "v_n"), k.fresh("vt", "v_t")
        k.line(f"{vn} = wp.dot({n}, {v})")
        k.line(f"{vt} = {v} - {n} * {vn}")
        k.line(
            f"{vnew} = {vt} * wp.max(1.0 - {mu}, 0.0) - {n} * wp.min({vn}, 0.0)",
            "remove the approaching normal velocity and apply friction",
        )
    ops.append(f"removes approaching normal velocity with friction {code(mu)}")
    k.store(qd_out, tid, vnew)
    if rng.random() < policy.extra_output_rate:
        q_out = k.array(k.fresh(nm.array("position", output=True), q + "_out"), vec, "out")
        k.store(q_out, tid, f"{x} - {n} * {c}", "project out of the collider")
        ops.append(f"projects positions out into {code(q_out)}")
    desc = f"{join_phrases(ops).capitalize()}; reads {code(q)} and {code(qd)}, writes {code(qd_out)}."
    doc = (
        rng.choice(("Particle-collider contact response.", "Resolve collisions with static geometry."))
        if rng.random() < policy.docstring_rate
        else None
    )
    return k.spec(rng.choice(_NAMES), desc, doc)
