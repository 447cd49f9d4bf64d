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
    "tri_normals": ("vertex_normals", "accumulate_normals", "compute_normals", "smooth_normals", "area_normals"),
    "tet_force": ("eval_tetrahedra", "tet_elastic_forces", "neo_hookean_forces", "fem_forces", "eval_tets"),
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
    elif kind == "tri_normals":
        out = k.array(k.pick(("vertex_normals", "normals", "normal_accum", "node_normals")), vec, "out")
    elif kind == "tet_force":
        dm = k.array(k.pick(("tet_poses", "Dm_inv", "rest_inv", "inv_rest")), "wp.mat33", "in")
        f = k.array(k.fresh(nm.array("force", output=True)), vec, "out")
        per_elem = rng.random() < 0.5
        mat = (
            k.array(k.pick(("tet_materials", "materials", "lame", "element_params")), "wp.vec3", "in")
            if per_elem
            else None
        )
        if not per_elem:
            mu, lam = k.value(k.pick(("k_mu", "mu", "shear")), "float"), k.value(k.pick(("k_lambda", "lam")), "float")
        rest_vol = k.array(k.pick(("rest_volumes", "tet_volume", "vol0")), "float", "in")
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
        elif kind == "tri_normals":
            if rng.random() < 0.5:
                k.line(f"{nrm} = wp.normalize({nrm})", "equal weight per face")
                k.notes.append("weights every face equally")
            for n_ in names:
                k.line(f"wp.atomic_add({out}, {n_}, {nrm})")
            desc = (
                f"Adds the normal of each triangle of {code(elem)} over {code(x)} to its three vertices "
                f"in {code(out)} with atomics."
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
                k.store(vol_out, tid, vol)
            m = k.fresh("m", "node_mass", "mass")
            k.line(f"{m} = {vol} * {rho} * 0.25", "lump a quarter of the element mass on each node")
            for n_ in names:
                k.line(f"wp.atomic_add({out}, {n_}, {m})")
            desc = (
                f"Lumps the mass of each tetrahedron of {code(elem)} over {code(x)} with density {code(rho)} "
                f"onto its nodes in {code(out)} with atomics."
            )
        elif kind == "tet_force":
            if mat:
                mu, lam = k.fresh("k_mu", "mu"), k.fresh("k_lambda", "lam")
                k.line(f"{mu} = {mat}[{tid}][0]")
                k.line(f"{lam} = {mat}[{tid}][1]")
            desc = _tet_forces(k, e, names, f=f, dm=dm, mu=mu, lam=lam, rest_vol=rest_vol, tid=tid)
            desc = desc.format(elem=code(elem), x=code(x))
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
                k.store(out, tid, f"{jn} - 1.0")
            else:
                k.store(out, tid, f"wp.trace(wp.transpose({fm}) * {fm}) - 3.0")
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


def _tet_forces(
    k: Kernel, e: list[str], names: list[str], *, f: str, dm: str, mu: str, lam: str, rest_vol: str, tid: str
) -> str:
    """Neo-Hookean first Piola stress of a tetrahedron, turned into nodal forces (warp's eval_tetrahedra)."""
    ds, fm, j = k.fresh("Ds", "D", "dx"), k.fresh("F", "def_grad"), k.fresh("J", "det_f")
    k.line(f"{ds} = wp.matrix_from_cols({e[0]}, {e[1]}, {e[2]})")
    k.line(f"{fm} = {ds} * {dm}[{tid}]", "deformation gradient")
    k.line(f"{j} = wp.determinant({fm})")
    with k.block(f"if {j} <= 0.0:", "inverted elements are skipped"):
        k.line("return")
    finv = k.fresh("F_inv_t", "FinvT")
    k.line(f"{finv} = wp.transpose(wp.inverse({fm}))")
    pk = k.fresh("P", "stress", "pk1")
    k.line(f"{pk} = ({fm} - {finv}) * {mu} + {finv} * ({lam} * wp.log({j}))", "neo-Hookean first Piola stress")
    h = k.fresh("H", "grad", "forces_mat")
    k.line(f"{h} = {pk} * wp.transpose({dm}[{tid}]) * (-{rest_vol}[{tid}])")
    cols = [k.fresh(f"f{c}", f"force{c}") for c in (1, 2, 3)]
    for c, name in enumerate(cols):
        k.line(f"{name} = wp.vec3({h}[0, {c}], {h}[1, {c}], {h}[2, {c}])")
    k.line(f"wp.atomic_sub({f}, {names[0]}, {cols[0]} + {cols[1]} + {cols[2]})", "the forces on a tet sum to zero")
    for name, node in zip(cols, names[1:], strict=True):
        k.line(f"wp.atomic_add({f}, {node}, {name})")
    return (
        f"Evaluates neo-Hookean elastic forces of each tetrahedron of {{elem}} over {{x}} from its rest inverse "
        f"{code(dm)} and rest volume {code(rest_vol)} and scatters them to the nodes of {code(f)} with atomics."
    )
