"""Mesh queries and ray casting against a wp.Mesh: closest points with signed distance, ray hits
written to a depth / normal buffer, and particle-mesh contact offsets."""

from __future__ import annotations

import random

from generators.motifs.kit import Kernel, code
from generators.motifs.names import Namer
from generators.policy import Policy
from generators.spec import KernelSpec

FAMILY = "mesh_query"
_NAMES = {
    "closest": ("closest_point", "mesh_sdf", "query_mesh", "project_to_mesh", "sample_sdf"),
    "ray": ("raycast", "render_depth", "ray_cast_mesh", "trace_rays", "cast_rays"),
    "contact": ("collide_mesh", "mesh_contact", "particle_mesh_collide", "push_out_of_mesh", "mesh_penetration"),
}


def build(rng: random.Random, policy: Policy) -> KernelSpec:
    k, nm = Kernel(rng, policy, FAMILY), Namer(rng)
    kind = rng.choice(tuple(_NAMES))
    mesh = k.value(k.pick(("mesh", "mesh_id", "geo", "collider")), "wp.uint64")
    if kind == "ray":
        orig = k.array(k.pick(("ray_origins", "origins", "ray_start", "starts")), "wp.vec3", "in")
        dirs = k.array(k.pick(("ray_dirs", "directions", "ray_dir")), "wp.vec3", "in")
        max_t = k.value(k.pick(("max_t", "max_dist", "far")), "float")
        depth = k.array(k.pick(("depth", "hit_t", "distances", "t_out")), "float", "out")
        nrm_out = (
            k.array(k.pick(("normals", "hit_normal", "n_out")), "wp.vec3", "out")
            if rng.random() < policy.extra_output_rate
            else None
        )
    else:
        q = k.array(nm.array("position"), "wp.vec3", "in")
        max_d = k.value(k.pick(("max_dist", "query_radius", "margin", "max_distance")), "float")
        out = k.array(k.fresh(nm.array("position", output=True), "closest"), "wp.vec3", "out")
        if kind == "contact":
            rad = k.value(k.pick(("radius", "particle_radius", "thickness")), "float")
        else:
            sdf = k.array(k.pick(("sdf", "dist_out", "signed_dist", "phi")), "float", "out")
    tid = k.tid(k.fresh("tid", "i"))
    query = k.fresh("query", "hit", "res")
    if kind == "ray":
        d = k.fresh("d", "dir", "ray_d")
        k.line(f"{d} = wp.normalize({dirs}[{tid}])")
        k.line(f"{query} = wp.mesh_query_ray({mesh}, {orig}[{tid}], {d}, {max_t})")
        with k.block(f"if {query}.result:"):
            k.line(f"{depth}[{tid}] = {query}.t")
            if rng.random() < policy.extra_output_rate:
                hits = k.array(k.pick(("hit_points", "hit_pos", "points_out")), "wp.vec3", "out")
                k.store(hits, tid, f"{orig}[{tid}] + {d} * {query}.t")
                k.notes.append(f"writes hit points to {code(hits)}")
            if nrm_out:
                k.store(nrm_out, tid, f"{query}.normal")
        with k.block("else:"):
            k.line(f"{depth}[{tid}] = {max_t}")
        desc = (
            f"Casts a ray per thread from {code(orig)} along {code(dirs)} against the mesh {code(mesh)} "
            f"and writes the hit distance (or {code(max_t)} on a miss) to {code(depth)}"
            + (f" and the hit normal to {code(nrm_out)}." if nrm_out else ".")
        )
    else:
        x = k.fresh("x", "p", "pos")
        k.line(f"{x} = {q}[{tid}]")
        fn = "mesh_query_point_no_sign" if kind == "contact" and rng.random() < 0.4 else "mesh_query_point"
        k.line(f"{query} = wp.{fn}({mesh}, {x}, {max_d})")
        with k.block(f"if not {query}.result:", "nothing within range"):
            k.store(out, tid, x)
            k.line("return")
        if rng.random() < policy.extra_output_rate:
            faces = k.array(k.pick(("face_index", "closest_face", "hit_face", "tri_id")), "wp.int32", "out")
            k.line(f"{faces}[{tid}] = {query}.face")
        cp = k.fresh("cp", "closest_pt", "p_mesh")
        k.line(f"{cp} = wp.mesh_eval_position({mesh}, {query}.face, {query}.u, {query}.v)")
        if kind == "closest":
            k.store(sdf, tid, f"wp.length({x} - {cp}) * {query}.sign")
            k.store(out, tid, cp)
            if rng.random() < 0.35:
                vel = k.array(k.pick(("surface_vel", "mesh_vel", "closest_vel")), "wp.vec3", "out")
                k.store(vel, tid, f"wp.mesh_eval_velocity({mesh}, {query}.face, {query}.u, {query}.v)")
                k.notes.append(f"writes the surface velocity to {code(vel)}")
            desc = (
                f"Finds the closest point on the mesh {code(mesh)} within {code(max_d)} of each point "
                f"of {code(q)}, writing it to {code(out)} and the signed distance to {code(sdf)}."
            )
        else:
            delta, dist = k.fresh("delta", "d", "diff"), k.fresh("dist", "l", "depth")
            k.line(f"{delta} = {x} - {cp}")
            k.line(
                f"{dist} = wp.length({delta}) * {query}.sign"
                if fn == "mesh_query_point"
                else f"{dist} = wp.length({delta})"
            )
            with k.block(f"if {dist} < {rad}:", "push the particle back to the surface plus its radius"):
                k.line(
                    f"{x} = {cp} + wp.normalize({delta}) * {rad}"
                    + (f" * {query}.sign" if fn == "mesh_query_point" else "")
                )
            k.store(out, tid, x)
            desc = (
                f"Pushes the particles {code(q)} that lie closer than {code(rad)} to the mesh {code(mesh)} "
                f"back out along the closest-point direction into {code(out)}."
            )
    doc = (
        rng.choice(("Query the mesh for each point.", "Mesh query per thread."))
        if rng.random() < policy.docstring_rate
        else None
    )
    return k.spec(rng.choice(_NAMES[kind]), desc, doc)
