"""Quaternion kinematics: spinning orientations by axis-angle, relative rotations, rotation
matrices, and twists expressed in another frame as spatial vectors."""

from __future__ import annotations

import random

from generators.motifs.kit import Kernel, code
from generators.policy import Policy
from generators.spec import KernelSpec

FAMILY = "quaternion_kinematics"
_NAMES = {
    "spin": ("spin_bodies", "rotate_orientations", "apply_angular_velocity", "update_rotation", "spin"),
    "relative": ("relative_rotation", "joint_error", "orientation_error", "rotation_delta", "compute_relative_q"),
    "matrix": (
        "quat_to_rotation",
        "build_rotation_matrices",
        "orientation_matrix",
        "rotation_from_quat",
        "frames_to_mat",
    ),
    "twist": ("twist_to_world", "transform_twist", "body_twist_world", "spatial_velocity", "velocity_in_world"),
    "slerp": ("slerp_orientations", "interpolate_rotations", "blend_poses", "quat_interp", "lerp_rotations"),
    "rotate": ("rotate_points", "apply_rotation", "body_to_world_dirs", "rotate_vectors", "orient_normals"),
    "integrate": ("integrate_rotation", "integrate_angular", "advance_orientation", "step_quat", "update_q"),
    "angvel": ("angular_velocity", "finite_diff_omega", "estimate_omega", "rotation_rate", "quat_derivative"),
}


def build(rng: random.Random, policy: Policy) -> KernelSpec:
    k = Kernel(rng, policy, FAMILY)
    kind = rng.choice(tuple(_NAMES))
    if kind == "spin":
        q = k.array(k.pick(("orientations", "rot", "body_rot", "q")), "wp.quat", "in")
        axis = k.array(k.pick(("axes", "spin_axis", "rotation_axis")), "wp.vec3", "in")
        omega = k.array(k.pick(("angular_speed", "omega", "spin_rate")), "float", "in")
        dt = k.value(k.pick(("dt", "sim_dt", "h")), "float")
        out = k.array(k.pick(("orientations_out", "rot_new", "q_next")), "wp.quat", "out")
        tid = k.tid(k.fresh("tid", "i"))
        dq = k.fresh("dq", "delta", "q_step")
        k.line(f"{dq} = wp.quat_from_axis_angle(wp.normalize({axis}[{tid}]), {omega}[{tid}] * {dt})")
        if rng.random() < 0.5:
            k.store(out, tid, f"wp.normalize({dq} * {q}[{tid}])", "renormalize against drift")
        else:
            q1 = k.fresh("q_new", "q1", "rot")
            k.line(f"{q1} = {dq} * {q}[{tid}]")
            k.store(out, tid, f"{q1} / wp.length({q1})", "renormalize against drift")
        desc = (
            f"Rotates the orientations {code(q)} about {code(axis)} by {code(omega)} times {code(dt)} into {code(out)}."
        )
    elif kind == "relative":
        qa = k.array(k.pick(("q_parent", "rot_a", "target_rot")), "wp.quat", "in")
        qb = k.array(k.pick(("q_child", "rot_b", "current_rot")), "wp.quat", "in")
        out = k.array(k.pick(("angle_error", "rot_error", "delta_angle")), "wp.vec3", "out")
        tid = k.tid(k.fresh("tid", "i"))
        rel = k.fresh("q_rel", "dq", "rel")
        k.line(f"{rel} = wp.quat_inverse({qa}[{tid}]) * {qb}[{tid}]", "rotation from a to b")
        axis, angle = k.fresh("axis", "n"), k.fresh("angle", "theta")
        k.line(f"{axis} = wp.vec3()")
        k.line(f"{angle} = float(0.0)")
        k.line(f"wp.quat_to_axis_angle({rel}, {axis}, {angle})")
        if rng.random() < 0.4:
            ang_out = k.array(k.pick(("angles", "angle_out", "theta_out")), "float", "out")
            k.store(ang_out, tid, angle)
            k.notes.append(f"writes the angle alone to {code(ang_out)}")
        k.store(out, tid, f"{axis} * {angle}")
        desc = f"Writes the axis-angle vector of the rotation from {code(qa)} to {code(qb)} into {code(out)}."
    elif kind == "matrix":
        q = k.array(k.pick(("orientations", "rot", "body_rot", "q")), "wp.quat", "in")
        out = k.array(k.pick(("rot_mats", "R_out", "frames", "matrices")), "wp.mat33", "out")
        tid = k.tid(k.fresh("tid", "i"))
        r = k.fresh("R", "rot_mat", "m")
        k.line(f"{r} = wp.quat_to_matrix({q}[{tid}])")
        if rng.random() < 0.5:
            k.store(out, tid, f"wp.transpose({r})", "the inverse rotation")
            desc = f"Writes the inverse rotation matrices of {code(q)} into {code(out)}."
        else:
            k.store(out, tid, r)
            desc = f"Converts the quaternions {code(q)} to rotation matrices in {code(out)}."
    elif kind != "twist":
        desc = _KINDS[kind](k, rng)
    else:
        X = k.array(k.pick(("body_q", "X_wb", "poses")), "wp.transform", "in")
        qd = k.array(k.pick(("body_qd", "twists", "body_vel")), "wp.spatial_vector", "in")
        out = k.array(k.pick(("twist_world", "qd_world", "vel_out")), "wp.spatial_vector", "out")
        tid = k.tid(k.fresh("tid", "i"))
        q, tw = k.fresh("q", "rot"), k.fresh("tw", "twist", "v_s")
        k.line(f"{q} = wp.transform_get_rotation({X}[{tid}])")
        k.line(f"{tw} = {qd}[{tid}]")
        w, v = k.fresh("w", "omega"), k.fresh("v", "lin")
        k.line(f"{w} = wp.quat_rotate({q}, wp.spatial_top({tw}))")
        k.line(f"{v} = wp.quat_rotate({q}, wp.spatial_bottom({tw}))")
        if rng.random() < 0.5:
            p = k.fresh("p", "origin", "x")
            k.line(f"{p} = wp.transform_get_translation({X}[{tid}])")
            k.line(f"{v} = {v} + wp.cross({p}, {w})", "shift the reference point to the world origin")
        k.store(out, tid, f"wp.spatial_vector({w}, {v})")
        desc = (
            f"Expresses the body twists {code(qd)} in the world frame of the transforms {code(X)} "
            f"as spatial vectors in {code(out)}."
        )
    doc = (
        rng.choice(("Quaternion kinematics per body.", "Orientation update."))
        if rng.random() < policy.docstring_rate
        else None
    )
    return k.spec(rng.choice(_NAMES[kind]), desc, doc)


def _slerp(k: Kernel, rng: random.Random) -> str:
    qa = k.array(k.pick(("q_start", "rot_a", "pose_rot_a", "q0")), "wp.quat", "in")
    qb = k.array(k.pick(("q_end", "rot_b", "pose_rot_b", "q1")), "wp.quat", "in")
    per_item = rng.random() < 0.5
    t = (
        k.array(k.pick(("alphas", "blend_weights", "phase")), "float", "in")
        if per_item
        else k.value(k.pick(("t", "alpha", "blend")), "float")
    )
    out = k.array(k.pick(("rot_out", "q_blend", "orientations_out")), "wp.quat", "out")
    tid = k.tid(k.fresh("tid", "i"))
    a, b = k.fresh("qa", "a", "from_q"), k.fresh("qb", "b", "to_q")
    k.line(f"{a} = {qa}[{tid}]")
    k.line(f"{b} = {qb}[{tid}]")
    if rng.random() < 0.5:
        with k.block(f"if wp.dot({a}, {b}) < 0.0:", "take the short way around"):
            k.line(f"{b} = -{b}")
        k.notes.append("flips the end quaternion onto the near hemisphere")
    weight = f"{t}[{tid}]" if per_item else t
    if rng.random() < 0.6:
        k.store(out, tid, f"wp.quat_slerp({a}, {b}, {weight})")
        how = "spherical linear interpolation"
    else:
        k.store(out, tid, f"wp.normalize({a} * (1.0 - {weight}) + {b} * {weight})")
        how = "normalized linear interpolation"
    return f"Interpolates from {code(qa)} to {code(qb)} by {code(t)} with {how} into {code(out)}."


def _rotate(k: Kernel, rng: random.Random) -> str:
    q = k.array(k.pick(("orientations", "body_rot", "rot", "q")), "wp.quat", "in")
    vecs = k.array(k.pick(("local_dirs", "points", "normals_local", "offsets")), "wp.vec3", "in")
    out = k.array(k.pick(("world_dirs", "points_out", "normals_world", "rotated")), "wp.vec3", "out")
    tid = k.tid(k.fresh("tid", "i"))
    r = k.fresh("r", "rot_q", "qi")
    if rng.random() < 0.5:
        owner = k.array(k.pick(("point_body", "shape_body", "owner", "body_index")), "wp.int32", "index")
        k.line(f"{r} = {q}[{owner}[{tid}]]", "each vector rotates with the body that owns it")
        k.notes.append(f"finds each vector's body through {code(owner)}")
    else:
        k.line(f"{r} = {q}[{tid}]")
    inverse = rng.random() < 0.35
    fn = "wp.quat_rotate_inv" if inverse else "wp.quat_rotate"
    v = k.fresh("v", "d", "vec")
    k.line(f"{v} = {fn}({r}, {vecs}[{tid}])")
    if rng.random() < 0.4:
        k.line(f"{v} = wp.normalize({v})", "unit directions stay unit")
        k.notes.append("renormalizes the result")
    k.store(out, tid, v)
    way = "by the inverse of" if inverse else "by"
    return f"Rotates the vectors {code(vecs)} {way} the quaternions {code(q)} into {code(out)}."


def _integrate(k: Kernel, rng: random.Random) -> str:
    q = k.array(k.pick(("body_rot", "orientations", "q", "rot")), "wp.quat", "in")
    w = k.array(k.pick(("angular_velocity", "omega", "body_w", "ang_vel")), "wp.vec3", "in")
    dt = k.value(k.pick(("dt", "sim_dt", "h")), "float")
    out = k.array(k.pick(("q_out", "rot_new", "orientations_out")), "wp.quat", "out")
    tid = k.tid(k.fresh("tid", "i"))
    q0, wi = k.fresh("q0", "r", "rot0"), k.fresh("w", "wi", "omega_i")
    k.line(f"{q0} = {q}[{tid}]")
    k.line(f"{wi} = {w}[{tid}]")
    world = rng.random() < 0.5
    if not world:
        k.line(f"{wi} = wp.quat_rotate({q0}, {wi})", "body-frame angular velocity to world frame")
        k.notes.append("rotates the body-frame angular velocity to the world frame first")
    q1 = k.fresh("q1", "q_new", "rot1")
    k.line(
        f"{q1} = {q0} + wp.quat({wi}, 0.0) * {q0} * (0.5 * {dt})",
        "first-order integration of dq/dt = 0.5 w q",
    )
    k.store(out, tid, f"wp.normalize({q1})")
    return f"Integrates the orientations {code(q)} with angular velocities {code(w)} over {code(dt)} into {code(out)}."


def _angvel(k: Kernel, rng: random.Random) -> str:
    qa = k.array(k.pick(("q_prev", "rot_prev", "orientations_old")), "wp.quat", "in")
    qb = k.array(k.pick(("q_curr", "rot_curr", "orientations")), "wp.quat", "in")
    dt = k.value(k.pick(("dt", "sim_dt", "h")), "float")
    out = k.array(k.pick(("omega_out", "angular_velocity", "body_w")), "wp.vec3", "out")
    tid = k.tid(k.fresh("tid", "i"))
    dq = k.fresh("dq", "q_delta", "rel")
    k.line(f"{dq} = {qb}[{tid}] * wp.quat_inverse({qa}[{tid}])", "rotation over the step")
    with k.block(f"if {dq}[3] < 0.0:", "the same rotation with a positive real part"):
        k.line(f"{dq} = -{dq}")
    w = k.fresh("w", "omega", "wv")
    k.line(f"{w} = wp.vec3({dq}[0], {dq}[1], {dq}[2]) * (2.0 / {dt})")
    k.store(out, tid, w)
    return f"Estimates angular velocities from orientations {code(qa)} and {code(qb)} over {code(dt)} into {code(out)}."


_KINDS = {"slerp": _slerp, "rotate": _rotate, "integrate": _integrate, "angvel": _angvel}
