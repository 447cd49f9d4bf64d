"""Spatial queries against Warp's acceleration structures, passed in as ``wp.uint64`` ids.

Meshes (closest point, signed distance, ray casts, AABB overlap), BVHs (AABB and ray
traversal), hash grids (neighbour search) and volumes (sampling and lookup). Query loops end
when the structure runs out of candidates; neighbour and vertex indices from a query are
clamped before they index an array.
"""

import random

from generators.draft import Draft
from generators.program import pick_name
from generators.spec import KernelSpec
from generators.swarm import SIMPLE, draw
from generators.types import FLOAT32, INT32, UINT64, VEC3

CATEGORY = "geometry_query"


def _mesh(d: Draft, rng: random.Random, p: str) -> str:
    mesh = d.kb.value_param(UINT64)
    body = d.body
    kind = rng.choice(("point", "point_no_sign", "sign_normal", "winding", "furthest", "ray", "aabb"))
    max_dist = rng.choice(("1.0e6", "10.0", "2.5"))
    if kind == "ray":
        direction = body.assign("dir", VEC3, f"wp.normalize({d.exprs.of(VEC3, 1).text} + wp.vec3(0.0, 0.0, 1.0e-3))")
        hit = body.fresh("hit")
        body.line(f"{hit} = wp.mesh_query_ray({mesh}, {p}, {direction}, {max_dist})")
        with body.block(f"if {hit}.result"):
            body.assign("hit_pos", VEC3, f"{p} + {direction} * {hit}.t")
            body.assign("facing", FLOAT32, f"wp.dot({hit}.normal, {direction}) * {hit}.sign")
            d.statements.emit(rng.randint(1, 2))
        return "mesh_query_ray"
    if kind == "aabb":
        half = rng.choice(("0.5", "1.0", "0.25"))
        query = body.fresh("query")
        body.line(f"{query} = wp.mesh_query_aabb({mesh}, {p} - wp.vec3({half}), {p} + wp.vec3({half}))")
        face = body.assign("face", INT32, "int(0)", mutable=False)
        count = body.assign("touched", INT32, "int(0)", mutable=False)
        with body.block(f"while wp.mesh_query_aabb_next({query}, {face})"):
            body.line(f"{count} += 1")
            vertex = body.assign(
                "corner",
                VEC3,
                f"wp.mesh_get_point({mesh}, wp.mesh_get_index({mesh}, {face} * 3 + {rng.randint(0, 2)}))",
            )
            d.exprs.used_types.add("vec3f")
            body.line(f"{p} = {p} + ({vertex} - {p}) * 0.01")
        return "mesh_query_aabb"
    call = {
        "point": f"wp.mesh_query_point({mesh}, {p}, {max_dist})",
        "point_no_sign": f"wp.mesh_query_point_no_sign({mesh}, {p}, {max_dist})",
        "sign_normal": f"wp.mesh_query_point_sign_normal({mesh}, {p}, {max_dist})",
        "winding": f"wp.mesh_query_point_sign_winding_number({mesh}, {p}, {max_dist})",
        "furthest": f"wp.mesh_query_furthest_point_no_sign({mesh}, {p}, 0.0)",
    }[kind]
    q = body.fresh("q")
    body.line(f"{q} = {call}")
    with body.block(f"if {q}.result"):
        closest = body.assign("closest", VEC3, f"wp.mesh_eval_position({mesh}, {q}.face, {q}.u, {q}.v)")
        if rng.random() < 0.5:
            body.assign("normal", VEC3, f"wp.mesh_eval_face_normal({mesh}, {q}.face)")
        signed = f" * {q}.sign" if kind in ("point", "sign_normal", "winding") else ""
        body.assign("dist", FLOAT32, f"wp.length({closest} - {p}){signed}")
        d.statements.emit(rng.randint(1, 2))
    return call.split("(")[0][3:]


def _bvh(d: Draft, rng: random.Random, p: str) -> str:
    bvh = d.kb.value_param(UINT64)
    body = d.body
    query = body.fresh("query")
    if rng.random() < 0.5:
        half = rng.choice(("0.5", "1.0", "2.0"))
        body.line(f"{query} = wp.bvh_query_aabb({bvh}, {p} - wp.vec3({half}), {p} + wp.vec3({half}))")
        kind = "bvh_query_aabb"
    else:
        direction = body.assign("dir", VEC3, f"wp.normalize({d.exprs.of(VEC3, 1).text} + wp.vec3(1.0e-3, 0.0, 0.0))")
        body.line(f"{query} = wp.bvh_query_ray({bvh}, {p}, {direction})")
        kind = "bvh_query_ray"
    bounds = body.assign("item", INT32, "int(0)", mutable=False)
    count = body.assign("hits", INT32, "int(0)", mutable=False)
    with body.block(f"while wp.bvh_query_next({query}, {bounds})"):
        body.line(f"{count} += 1")
        with body.block(f"if {count} > {rng.randint(4, 64)}"):
            body.line("break")
    body.assign("density", FLOAT32, f"float({count}) * {d.exprs.literal(FLOAT32).operand()}")
    return kind


def _hash_grid(d: Draft, rng: random.Random, p: str, points: str) -> str:
    grid = d.kb.value_param(UINT64)
    body = d.body
    radius = rng.choice(("0.5", "1.0", "0.25"))
    query = body.fresh("query")
    body.line(f"{query} = wp.hash_grid_query({grid}, {p}, {radius})")
    index = body.assign("neighbor", INT32, "int(0)", mutable=False)
    total = body.assign("acc", VEC3, "wp.vec3(0.0)")
    with body.block(f"while wp.hash_grid_query_next({query}, {index})"):
        other = body.assign("other", VEC3, f"{points}[wp.clamp({index}, 0, {points}.shape[0] - 1)]")
        delta = body.assign("delta", VEC3, f"{other} - {p}")
        with body.block(f"if wp.length({delta}) < {radius}"):
            body.line(f"{total} += {delta} * {d.exprs.literal(FLOAT32).operand()}")
    if rng.random() < 0.5:
        body.assign("sorted_id", INT32, f"wp.hash_grid_point_id({grid}, tid)")
    return "hash_grid_query"


def _volume(d: Draft, rng: random.Random, p: str) -> str:
    volume = d.kb.value_param(UINT64)
    body = d.body
    uvw = body.assign("uvw", VEC3, f"wp.volume_world_to_index({volume}, {p})")
    mode = rng.choice(("wp.Volume.LINEAR", "wp.Volume.CLOSEST"))
    kind = rng.choice(("sample", "grad", "lookup"))
    if kind == "sample":
        body.assign("density", FLOAT32, f"wp.volume_sample_f({volume}, {uvw}, {mode})")
    elif kind == "grad":
        grad = body.assign("grad", VEC3, "wp.vec3(0.0)")
        body.assign("density", FLOAT32, f"wp.volume_sample_grad_f({volume}, {uvw}, {mode}, {grad})")
    else:
        cell = ", ".join(f"int(wp.clamp({uvw}[{c}], -1000.0, 1000.0))" for c in range(3))
        body.assign("density", FLOAT32, f"wp.volume_lookup_f({volume}, {cell})")
    if rng.random() < 0.5:
        body.assign("world", VEC3, f"wp.volume_index_to_world({volume}, {uvw})")
    return f"volume_{kind}"


def synthesize(rng: random.Random) -> KernelSpec:
    swarm = draw(
        rng,
        type_kinds=("scalar", "vector"),
        scalars=("float32",),
        n_types=(1, 3),
        kinds=SIMPLE + ("if",),
        budget=(1, 6),
        max_nesting=(1, 2),
    )
    d = Draft(rng, swarm)
    points = d.kb.input_array(VEC3, load=False)
    p = d.body.assign("p", VEC3, f"{points}[tid]")
    d.exprs.used_types.update(("vec3f", "float32", "int32", "uint64"))
    d.add_outputs(rng.randint(1, 2), [FLOAT32, VEC3])
    structures = rng.sample(("mesh", "bvh", "hash_grid", "volume"), rng.choice((1, 1, 2)))
    queries = []
    for structure in structures:
        if structure == "mesh":
            queries.append(_mesh(d, rng, p))
        elif structure == "bvh":
            queries.append(_bvh(d, rng, p))
        elif structure == "hash_grid":
            queries.append(_hash_grid(d, rng, p, points))
        else:
            queries.append(_volume(d, rng, p))
    d.statements.run()
    name = pick_name(
        rng,
        ("query", "probe", "trace", "collide", "sample", "search"),
        ("mesh", "scene", "neighbors", "surface", "field"),
    )
    return d.finish(name, CATEGORY, f"Spatial queries by id: {', '.join(queries)}.")
