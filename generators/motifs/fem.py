"""FEM-style element assembly: gather an element's vertices through its index tuple, compute an
element quantity (area, volume, pressure force, lumped mass) and scatter it to the nodes with atomics."""

from __future__ import annotations

import random

from generators.motifs.kit import Kernel, code
from generators.motifs.names import Namer
from generators.policy import Policy
from generators.spec import KernelSpec

FAMILY = "fem_assembly"
_NAMES = {
    "tri_pressure": ("eval_triangle_pressure", "apply_pressure", "triangle_forces", "cloth_pressure", "inflate_mesh"),
    "tri_area": ("compute_areas", "triangle_area", "lump_area", "vertex_areas", "assemble_area"),
    "tet_mass": ("compute_tet_mass", "lump_mass", "tet_volume", "assemble_mass", "element_mass"),
    "tet_strain": ("tet_deformation", "eval_tet_strain", "compute_strain", "deformation_gradient", "volume_strain"),
}
_CROSS_HELPER = """@wp.func
def {name}(a: {vec}, b: {vec}, c: {vec}):
    # twice the area-weighted normal of triangle abc
    return wp.cross(b - a, c - a)"""


def build(rng: random.Random, policy: Policy) -> KernelSpec:
    k, nm = Kernel(rng, policy, FAMILY), Namer(rng)
    vec = policy.vec3_spelling.draw(rng)
    kind = rng.choice(tuple(_NAMES))
    tri = kind.startswith("tri")
    x = k.array(nm.array("position"), vec, "in")
    elem = k.array(
        k.pick(("tri_indices", "triangles", "faces", "tris"))
        if tri
        else k.pick(("tet_indices", "tets", "elements", "cells")),
        "wp.vec3i" if tri else "wp.vec4i",
        "index",
    )
    tid = None
    if kind == "tri_pressure":
        pres = k.value(k.pick(("pressure", "inflation", "p_ext")), "float")
        f = k.array(k.fresh(nm.array("force", output=True)), vec, "out")
    elif kind == "tri_area":
        out = k.array(k.pick(("vertex_area", "node_area", "area_out", "areas")), "float", "out")
    elif kind == "tet_mass":
        rho = k.value(k.pick(("density", "rho", "material_density")), "float")
        out = k.array(k.fresh(nm.array("mass", output=True)), "float", "out")
        vol_out = (
            k.array(k.pick(("tet_volumes", "volumes", "element_volume", "rest_volume")), "float", "out")
            if rng.random() < policy.extra_output_rate
            else None
        )
    else:
        dm = k.array(k.pick(("tet_poses", "Dm_inv", "rest_inv", "inv_rest")), "wp.mat33", "in")
        out = k.array(k.pick(("strain", "energy", "element_strain", "j_out")), "float", "out")
    tid = k.tid(k.fresh("tid", "e", "t", "elem"))
    names = [k.fresh(n) for n in (("i", "j", "k") if tri else ("i", "j", "k", "l"))]
    ev = k.fresh("tri", "face", "idx") if tri else k.fresh("tet", "cell", "idx")
    k.line(f"{ev} = {elem}[{tid}]")
    for c, n_ in enumerate(names):
        k.line(f"{n_} = {ev}[{c}]")
    with k.block(f"if {' or '.join(f'{n} < 0' for n in names)}:", "padding elements"):
        k.line("return")
    xs = [k.fresh(f"x{c}", f"p{c}") for c in range(len(names))]
    for xn, n_ in zip(xs, names, strict=True):
        k.line(f"{xn} = {x}[{n_}]")
    if tri:
        nrm = k.fresh("n", "normal", "cr")
        if rng.random() < policy.helper_rate:
            fn = rng.choice(("triangle_normal", "area_normal", "tri_cross"))
            k.helper(_CROSS_HELPER.format(name=fn, vec=vec))
            k.line(f"{nrm} = {fn}({xs[0]}, {xs[1]}, {xs[2]})")
        else:
            k.line(f"{nrm} = wp.cross({xs[1]} - {xs[0]}, {xs[2]} - {xs[0]})")
        if kind == "tri_pressure":
            fe = k.fresh("f", "fe", "force")
            if rng.random() < 0.5:
                scale = k.array(
                    k.pick(("tri_pressure_scale", "face_weight", "tri_materials", "face_scale")), "float", "in"
                )
                k.line(
                    f"{fe} = {nrm} * ({pres} * {scale}[{tid}] / 6.0)",
                    "a third of the area-weighted pressure per vertex",
                )
                k.notes.append(f"scales each triangle's pressure by {code(scale)}")
            else:
                k.line(f"{fe} = {nrm} * ({pres} / 6.0)", "a third of the area-weighted pressure per vertex")
            for n_ in names:
                k.line(f"wp.atomic_add({f}, {n_}, {fe})")
            desc = (
                f"Spreads the pressure {code(pres)} on each triangle of {code(elem)} over positions "
                f"{code(x)} to its three vertices in {code(f)} with atomics."
            )
        else:
            a = k.fresh("area", "a", "tri_area")
            k.line(f"{a} = wp.length({nrm}) * 0.5")
            for n_ in names:
                k.line(f"wp.atomic_add({out}, {n_}, {a} / 3.0)")
            desc = (
                f"Computes the area of each triangle of {code(elem)} over {code(x)} and adds a third "
                f"of it to each vertex of {code(out)} with atomics."
            )
    else:
        e = [k.fresh(f"e{c}", f"d{c}") for c in (1, 2, 3)]
        for en, xn in zip(e, xs[1:], strict=True):
            k.line(f"{en} = {xn} - {xs[0]}")
        if kind == "tet_mass":
            vol = k.fresh("vol", "volume", "v")
            k.line(f"{vol} = wp.abs(wp.dot({e[0]}, wp.cross({e[1]}, {e[2]}))) / 6.0")
            if vol_out:
                k.line(f"{vol_out}[{tid}] = {vol}")
            m = k.fresh("m", "node_mass", "mass")
            k.line(f"{m} = {vol} * {rho} * 0.25", "lump a quarter of the element mass on each node")
            for n_ in names:
                k.line(f"wp.atomic_add({out}, {n_}, {m})")
            desc = (
                f"Lumps the mass of each tetrahedron of {code(elem)} over {code(x)} with density {code(rho)} "
                f"onto its nodes in {code(out)} with atomics."
            )
        else:
            ds, fm = k.fresh("Ds", "D", "dx"), k.fresh("F", "def_grad")
            if rng.random() < 0.5:
                k.line(f"{ds} = wp.matrix_from_cols({e[0]}, {e[1]}, {e[2]})")
            else:
                entries = ", ".join(f"{en}[{r}]" for r in range(3) for en in e)
                k.line(f"{ds} = wp.mat33({entries})", "edge vectors as columns")
            k.line(f"{fm} = {ds} * {dm}[{tid}]", "deformation gradient")
            if rng.random() < 0.5:
                jn = k.fresh("J", "det_f")
                k.line(f"{jn} = wp.determinant({fm})")
                k.line(f"{out}[{tid}] = {jn} - 1.0")
            else:
                k.line(f"{out}[{tid}] = wp.trace(wp.transpose({fm}) * {fm}) - 3.0")
            desc = (
                f"Forms the deformation gradient of each tetrahedron of {code(elem)} over {code(x)} "
                f"from its rest inverse {code(dm)} and writes a strain measure to {code(out)}."
            )
    doc = (
        rng.choice(("Element loop with scatter to nodes.", "Per-element assembly."))
        if rng.random() < policy.docstring_rate
        else None
    )
    return k.spec(rng.choice(_NAMES[kind]), desc, doc)
