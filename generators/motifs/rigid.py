"""Rigid-body transforms and quaternions: shape points to world space through body transforms,
point velocities from spatial twists, and body integration of transforms."""

from __future__ import annotations

import random

from generators.motifs.kit import Kernel, code
from generators.policy import Policy
from generators.spec import KernelSpec

FAMILY = "rigid_transform"
_NAMES = {
    "points": (
        "transform_points",
        "shape_to_world",
        "compute_world_points",
        "update_shape_transforms",
        "eval_body_points",
    ),
    "velocity": (
        "point_velocities",
        "eval_point_velocity",
        "compute_contact_velocity",
        "body_point_vel",
        "rigid_velocity",
    ),
    "integrate": ("integrate_bodies", "integrate_rigid", "advance_bodies", "body_step", "update_body_q"),
    "frame": ("world_axes", "body_frames", "rotate_vectors", "local_to_world", "orient_vectors"),
}
_HELPER = """@wp.func
def {name}(X: wp.transform, p: wp.vec3):
    # rotate into the world frame, then translate
    return wp.quat_rotate(wp.transform_get_rotation(X), p) + wp.transform_get_translation(X)"""
_VEL_HELPER = """@wp.func
def {name}(twist: wp.spatial_vector, r: wp.vec3):
    w = wp.spatial_top(twist)
    v = wp.spatial_bottom(twist)
    return v + wp.cross(w, r)"""


def build(rng: random.Random, policy: Policy) -> KernelSpec:
    k = Kernel(rng, policy, FAMILY)
    kind = rng.choice(tuple(_NAMES))
    prefix = rng.choice(("body_", "link_", "rigid_", "", "b_"))
    body_q = k.array(prefix + rng.choice(("q", "X_wb", "transforms", "pose", "xform")), "wp.transform", "in")
    tid = None
    if kind in ("points", "velocity"):
        sb = k.array(
            k.pick(("shape_body", "point_body", "contact_body", "particle_body", "body_index")), "wp.int32", "index"
        )
        pts = k.array(
            k.pick(("points_local", "shape_points", "local_points", "contact_point", "offsets", "anchor")),
            "wp.vec3",
            "in",
        )
    if kind == "velocity":
        body_qd = k.array(prefix + rng.choice(("qd", "twist", "vel", "velocities")), "wp.spatial_vector", "in")
        com = k.array(prefix + rng.choice(("com", "com_local", "center_of_mass")), "wp.vec3", "in")
    if kind in ("integrate", "frame"):
        body_qd = (
            k.array(prefix + rng.choice(("qd", "twist", "vel")), "wp.spatial_vector", "in")
            if kind == "integrate"
            else None
        )
        vecs = (
            k.array(k.pick(("axes_local", "local_dirs", "normals_local", "vectors")), "wp.vec3", "in")
            if kind == "frame"
            else None
        )
        dt = k.value(k.pick(("dt", "sim_dt", "h")), "float") if kind == "integrate" else None
    out = k.array(
        k.pick(
            {
                "points": ("points_world", "world_points", "shape_points_world", "out_points"),
                "velocity": ("point_vel", "contact_vel", "velocities_out", "v_out"),
                "integrate": (prefix + "q_new", prefix + "q_out", "X_next"),
                "frame": ("dirs_world", "normals_world", "world_axes_out", "rotated"),
            }[kind]
        ),
        {"points": "wp.vec3", "velocity": "wp.vec3", "integrate": "wp.transform", "frame": "wp.vec3"}[kind],
        "out",
    )
    tid = k.tid(k.fresh("tid", "i"))
    if kind in ("points", "velocity"):
        b, X = k.fresh("b", "body", "body_id"), k.fresh("X_wb", "X", "xform", "tf")
        k.line(f"{b} = {sb}[{tid}]")
        p = k.fresh("p", "x_local", "r")
        k.line(f"{p} = {pts}[{tid}]")
        if kind == "points":
            if rng.random() < 0.4:
                k.line(f"{X} = wp.transform_identity()", "points not attached to a body are already in world space")
                with k.block(f"if {b} >= 0:"):
                    k.line(f"{X} = {body_q}[{b}]")
            else:
                with k.block(f"if {b} < 0:", "points not attached to a body are already in world space"):
                    k.store(out, tid, p)
                    k.line("return")
                k.line(f"{X} = {body_q}[{b}]")
            if rng.random() < policy.helper_rate:
                fn = rng.choice(("to_world", "transform_to_world", "apply_transform"))
                k.helper(_HELPER.format(name=fn))
                k.store(out, tid, f"{fn}({X}, {p})")
                desc = (
                    f"Moves the body-local points {code(pts)} to world space through the transforms {code(body_q)} "
                    f"of their bodies {code(sb)} (a gather through an index array) and writes {code(out)}."
                )
            else:
                if rng.random() < 0.35:
                    k.store(out, tid, f"wp.transform_point(wp.transform_inverse({X}), {p})", "world to body frame")
                    k.notes.append("uses the inverse transforms (world to body)")
                else:
                    k.store(out, tid, f"wp.transform_point({X}, {p})")
                desc = (
                    f"Transforms the body-local points {code(pts)} by {code(body_q)} of the body in {code(sb)} "
                    f"(a gather through an index array) into {code(out)}."
                )
        else:
            with k.block(f"if {b} < 0:", "static: no velocity"):
                k.line(f"{out}[{tid}] = wp.vec3(0.0)")
                k.line("return")
            k.line(f"{X} = {body_q}[{b}]")
            r = k.fresh("r", "arm", "lever")
            k.line(
                f"{r} = wp.transform_point({X}, {p}) - wp.transform_point({X}, {com}[{b}])",
                "lever arm from the centre of mass",
            )
            if rng.random() < policy.helper_rate:
                fn = rng.choice(("velocity_at_point", "point_velocity", "twist_at"))
                k.helper(_VEL_HELPER.format(name=fn))
                k.store(out, tid, f"{fn}({body_qd}[{b}], {r})")
            else:
                tw = k.fresh("twist", "qd", "v_s")
                k.line(f"{tw} = {body_qd}[{b}]")
                k.store(out, tid, f"wp.spatial_bottom({tw}) + wp.cross(wp.spatial_top({tw}), {r})")
            desc = (
                f"Evaluates the velocity of points {code(pts)} on bodies {code(sb)} from twists {code(body_qd)}, "
                f"transforms {code(body_q)} and centres of mass {code(com)} into {code(out)}."
            )
    elif kind == "integrate":
        X, tw = k.fresh("X", "tf", "pose"), k.fresh("twist", "qd", "v_s")
        k.line(f"{X} = {body_q}[{tid}]")
        k.line(f"{tw} = {body_qd}[{tid}]")
        p, q = k.fresh("p", "x", "pos"), k.fresh("q", "rot", "r")
        k.line(f"{p} = wp.transform_get_translation({X})")
        k.line(f"{q} = wp.transform_get_rotation({X})")
        w, v = k.fresh("w", "omega", "ang"), k.fresh("v", "lin", "vel")
        k.line(f"{w} = wp.spatial_top({tw})")
        k.line(f"{v} = wp.spatial_bottom({tw})")
        q1 = k.fresh("q_new", "q1", "rot_new")
        k.line(f"{q1} = wp.normalize({q} + wp.quat({w}, 0.0) * {q} * 0.5 * {dt})", "first-order quaternion update")
        k.store(out, tid, f"wp.transform({p} + {v} * {dt}, {q1})")
        desc = (
            f"Integrates body transforms {code(body_q)} with twists {code(body_qd)} over {code(dt)} "
            f"(translation and normalized quaternion) into {code(out)}."
        )
    else:
        X, q = k.fresh("X", "tf"), k.fresh("q", "rot")
        k.line(f"{X} = {body_q}[{tid}]")
        k.line(f"{q} = wp.transform_get_rotation({X})")
        inverse = rng.random() < 0.3
        fn = "quat_rotate_inv" if inverse else rng.choice(("quat_rotate", "transform_vector"))
        arg = X if fn == "transform_vector" else q
        k.store(out, tid, f"wp.{fn}({arg}, {vecs}[{tid}])")
        desc = (
            f"Rotates the vectors {code(vecs)} {'into the frame of' if inverse else 'by the rotation of'} "
            f"the transforms {code(body_q)} with wp.{fn} into {code(out)}."
        )
        if fn == "transform_vector":
            k.lines = [ln for ln in k.lines if f"{q} = " not in ln]
    doc = (
        rng.choice(("Rigid body kinematics.", "Per-body transform update.", "World-space quantities of rigid bodies."))
        if rng.random() < policy.docstring_rate
        else None
    )
    return k.spec(rng.choice(_NAMES[kind]), desc, doc)
