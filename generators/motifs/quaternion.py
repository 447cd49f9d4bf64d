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
            k.line(f"{out}[{tid}] = wp.normalize({dq} * {q}[{tid}])", "renormalize against drift")
        else:
            q1 = k.fresh("q_new", "q1", "rot")
            k.line(f"{q1} = {dq} * {q}[{tid}]")
            k.line(f"{out}[{tid}] = {q1} / wp.length({q1})", "renormalize against drift")
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
            k.line(f"{ang_out}[{tid}] = {angle}")
            k.notes.append(f"writes the angle alone to {code(ang_out)}")
        k.line(f"{out}[{tid}] = {axis} * {angle}")
        desc = f"Writes the axis-angle vector of the rotation from {code(qa)} to {code(qb)} into {code(out)}."
    elif kind == "matrix":
        q = k.array(k.pick(("orientations", "rot", "body_rot", "q")), "wp.quat", "in")
        out = k.array(k.pick(("rot_mats", "R_out", "frames", "matrices")), "wp.mat33", "out")
        tid = k.tid(k.fresh("tid", "i"))
        r = k.fresh("R", "rot_mat", "m")
        k.line(f"{r} = wp.quat_to_matrix({q}[{tid}])")
        if rng.random() < 0.5:
            k.line(f"{out}[{tid}] = wp.transpose({r})", "the inverse rotation")
            desc = f"Writes the inverse rotation matrices of {code(q)} into {code(out)}."
        else:
            k.line(f"{out}[{tid}] = {r}")
            desc = f"Converts the quaternions {code(q)} to rotation matrices in {code(out)}."
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
        k.line(f"{out}[{tid}] = wp.spatial_vector({w}, {v})")
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
