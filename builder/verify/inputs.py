"""Seeded launch inputs for synthesized kernels, as JSON-able records and as Warp arguments.

A record is what a row's ``io_examples`` stores for one argument; ``warp_arguments`` turns records
back into launch arguments, and the executor launches only what it recorded, so a row's examples
can be replayed from the parquet alone. Records are a pure function of (seed, index, example):
small arrays of finite values, parameters in the ranges the synthesizer promises, and real
acceleration structures (mesh, BVH, hash grid, volume) for the ``wp.uint64`` ids that geometry
queries take.

Record layout (one per kernel argument, in signature order):

- ``{"name", "kind": "array", "dtype", "shape", "values"}``: ``values`` nested lists of
  ``shape`` (plus the dtype's own shape for vectors and matrices); for an array of structs,
  ``values`` maps each field to such a list.
- ``{"name", "kind": "value", "dtype", "values"}``: a scalar, or the components of a vector,
  matrix, quaternion or transform as nested lists.
- ``{"name", "kind": "struct", "dtype", "values": {field: value}}``.
- ``{"name", "kind": "mesh" | "bvh" | "hash_grid" | "volume", "dtype": "uint64", ...}``: the data
  the structure is built from (``points``/``indices``/``velocities``; ``lowers``/``uppers``;
  ``dims``/``points``/``radius``; ``values``/``bg_value``). Its id is a pointer, never recorded.

Floats that are not finite are written as the strings ``"nan"``, ``"inf"`` and ``"-inf"``.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from generators import KernelSpec

LAUNCH_SHAPES = {1: (16,), 2: (4, 4), 3: (3, 3, 2), 4: (2, 2, 2, 2)}
# Length per dimension of arrays that are looked up rather than indexed by the thread.
LOOKUP_LENGTH = 8
TILE_BLOCK_DIM = 8
# Which structure a ``wp.uint64`` parameter is, by the builtins the source passes it to.
_STRUCTURES = (("mesh", "mesh_"), ("bvh", "bvh_"), ("hash_grid", "hash_grid_"), ("volume", "volume_"))
_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def launch_dims(spec: KernelSpec) -> tuple[int, ...]:
    """The launch shape: one extent per name ``wp.tid()`` is unpacked into."""
    match = re.search(r"^    ([\w, ]+) = wp\.tid\(\)", spec.python_source, re.MULTILINE)
    ndim = len(match.group(1).split(",")) if match else 1
    return LAUNCH_SHAPES[ndim]


def block_dim(spec: KernelSpec) -> int | None:
    """Threads per block of a tiled launch, ``None`` for an ordinary one."""
    return TILE_BLOCK_DIM if "wp.tile" in spec.python_source else None


def resolved_block_dim(spec: KernelSpec, device: str) -> int:
    """The block size Warp builds and launches ``spec`` with on ``device`` (CPU launches resolve to 1)."""
    from warp._src.context import _resolve_launch_block_dim, runtime

    return _resolve_launch_block_dim(runtime.get_device(device), block_dim(spec))


def draw_inputs(spec: KernelSpec, kernel, seed: int, *, index: int, example: int = 0) -> list[dict]:
    """The records of one launch of ``kernel`` (the ``warp.Kernel`` of ``spec``)."""
    import warp as wp
    from warp._src.codegen import Struct

    rng = np.random.default_rng([seed, index, example])
    dims = launch_dims(spec)
    records: list[dict] = []
    points = None
    for arg in kernel.adj.args:
        t, record = arg.type, {"name": arg.label}
        if wp.types.is_array(t):
            shape = dims if t.ndim == len(dims) else (LOOKUP_LENGTH,) * t.ndim
            record.update(kind="array", dtype=type_name(t.dtype), shape=list(shape))
            if isinstance(t.dtype, Struct):
                record["values"] = {name: encode(_values(rng, var.type, shape)) for name, var in t.dtype.vars.items()}
            else:
                data = _values(rng, t.dtype, shape)
                if t.dtype is wp.vec3 and points is None:
                    points = data
                record["values"] = encode(data)
        elif isinstance(t, Struct):
            values = {name: encode(_values(rng, var.type, ())) for name, var in t.vars.items()}
            record.update(kind="struct", dtype=type_name(t), values=values)
        elif t is wp.uint64 and _structure_kind(spec, arg.label) is not None:
            record.update(kind=None, dtype="uint64")  # the structure is built once the points are known
        elif t is wp.int32 or t is int:
            record.update(
                kind="value", dtype="int32", values=int(rng.integers(1, 9))
            )  # trip counts, strides, offsets, seeds
        else:
            record.update(kind="value", dtype=type_name(t), values=encode(_values(rng, t, ())))
        records.append(record)
    for record in records:
        if record["kind"] is None:
            kind = _structure_kind(spec, record["name"])
            record.update(
                kind=kind,
                **_structure_data(kind, points if points is not None else _values(rng, wp.vec3, (LOOKUP_LENGTH,))),
            )
    return records


def _structure_kind(spec: KernelSpec, name: str) -> str | None:
    """The structure a ``wp.uint64`` argument is the id of, by the query it is passed to; None for a plain integer."""
    return next((k for k, prefix in _STRUCTURES if re.search(rf"wp\.{prefix}\w*\({name}\b", spec.python_source)), None)


def warp_arguments(kernel, records: list[dict], device: str = "cpu") -> tuple[list[Any], list[Any]]:
    """Launch arguments built from ``records``, and the structures that must outlive the launch."""
    import warp as wp
    from warp._src.codegen import Struct

    arguments, keep = [], []
    for arg, record in zip(kernel.adj.args, records, strict=True):
        t, kind = arg.type, record["kind"]
        if kind == "array":
            if isinstance(t.dtype, Struct):
                data = np.zeros(record["shape"], dtype=t.dtype.numpy_dtype())
                for name, values in record["values"].items():
                    data[name] = decode(values)
            else:
                data = np.array(decode(record["values"]), dtype=_numpy_type(t.dtype))
            arguments.append(wp.array(data, dtype=t.dtype, device=device))
        elif kind == "struct":
            instance = t()
            for name, values in record["values"].items():
                setattr(instance, name, _value(t.vars[name].type, values))
            arguments.append(instance)
        elif kind == "value":
            arguments.append(int(record["values"]) if t is int else _value(t, record["values"]))
        else:
            structure = _build_structure(record, device)
            keep.append(structure)
            arguments.append(structure.id)
    return arguments, keep


def launch(kernel, spec: KernelSpec, arguments: list[Any], *, device: str = "cpu") -> None:
    """Launch ``kernel`` over the shape of ``spec`` and wait for it."""
    import warp as wp

    dims, block = launch_dims(spec), block_dim(spec)
    if block is not None:
        wp.launch_tiled(kernel, dim=dims, inputs=arguments, block_dim=block, device=device)
    else:
        wp.launch(kernel, dim=dims, inputs=arguments, device=device)
    wp.synchronize_device(device)


def run(kernel, spec: KernelSpec, records: list[dict], *, device: str = "cpu") -> list[dict]:
    """Launch ``kernel`` on the arguments ``records`` describe; the array outputs afterwards."""
    arguments, keep = warp_arguments(kernel, records, device)
    launch(kernel, spec, arguments, device=device)
    outputs = array_outputs(kernel, arguments)
    del keep  # structures stay alive until the outputs are read
    return outputs


def array_outputs(kernel, arguments: list[Any]) -> list[dict]:
    """``{"name", "dtype", "shape", "values"}`` of every array argument as it is now."""
    import warp as wp
    from warp._src.codegen import Struct

    outputs = []
    for arg, value in zip(kernel.adj.args, arguments, strict=True):
        if not isinstance(value, wp.array):
            continue
        data = value.numpy()
        if isinstance(arg.type.dtype, Struct):
            values = {name: encode(data[name]) for name in arg.type.dtype.vars}
        else:
            values = encode(data)
        outputs.append(
            {"name": arg.label, "dtype": type_name(arg.type.dtype), "shape": list(value.shape), "values": values}
        )
    return outputs


def type_name(t) -> str:
    """Warp's name of a value or struct type: ``float32``, ``vec3f``, ``mat22d``, ``Params``."""
    from warp._src.codegen import Struct

    return t.key if isinstance(t, Struct) else t.__name__


def encode(data) -> Any:
    """Nested lists of plain numbers; non-finite floats as strings."""
    values = np.asarray(data).tolist()
    return _map_leaves(values, lambda x: x if not isinstance(x, float) or math.isfinite(x) else repr(x))


def decode(values: Any) -> Any:
    """The inverse of ``encode``."""
    return _map_leaves(values, lambda x: _NON_FINITE[x] if isinstance(x, str) else x)


def _map_leaves(values: Any, fn) -> Any:
    if isinstance(values, list):
        return [_map_leaves(v, fn) for v in values]
    return fn(values)


def _numpy_type(dtype):
    from warp._src.types import warp_type_to_np_dtype

    return warp_type_to_np_dtype[getattr(dtype, "_wp_scalar_type_", dtype)]


def _values(rng: np.random.Generator, dtype, shape: tuple[int, ...]) -> np.ndarray:
    """Finite, small values of Warp ``dtype`` in an array of ``shape`` (plus the dtype's own shape)."""
    import warp as wp
    from warp._src.types import float_types

    scalar = getattr(dtype, "_wp_scalar_type_", dtype)
    full = tuple(shape) + tuple(getattr(dtype, "_shape_", ()))
    np_type = _numpy_type(dtype)
    if scalar in float_types:
        return rng.uniform(-2.0, 2.0, size=full).astype(np_type)
    if scalar is wp.bool:
        return rng.integers(0, 2, size=full).astype(np.bool_)
    low = 0 if np.issubdtype(np_type, np.unsignedinteger) else -8
    return rng.integers(low, 9, size=full).astype(np_type)


def _value(t, values):
    """A Warp scalar, vector or matrix of type ``t`` from its encoded components."""
    flat = np.array(decode(values), dtype=_numpy_type(t)).reshape(-1).tolist()
    return t(*flat)


def _structure_data(kind: str, points: np.ndarray) -> dict:
    """What ``_build_structure`` needs for one structure; the mesh and boxes are a fixed cube."""
    corners = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], dtype=np.float32)
    if kind == "mesh":
        faces = [
            0,
            1,
            3,
            0,
            3,
            2,
            4,
            6,
            7,
            4,
            7,
            5,
            0,
            4,
            5,
            0,
            5,
            1,
            2,
            3,
            7,
            2,
            7,
            6,
            0,
            2,
            6,
            0,
            6,
            4,
            1,
            5,
            7,
            1,
            7,
            3,
        ]
        return {"points": encode(corners), "indices": faces, "velocities": encode(corners * 0.5)}
    if kind == "bvh":
        return {"lowers": encode(corners - 0.25), "uppers": encode(corners + 0.25)}
    if kind == "hash_grid":
        return {"dims": [4, 4, 4], "points": encode(points.reshape(-1, 3)), "radius": 1.0}
    return {"values": encode(np.linspace(0.0, 1.0, 64, dtype=np.float32).reshape(4, 4, 4)), "bg_value": 0.0}


def _build_structure(record: dict, device: str):
    import warp as wp

    def vec3s(key: str):
        return wp.array(np.array(record[key], dtype=np.float32), dtype=wp.vec3, device=device)

    kind = record["kind"]
    if kind == "mesh":
        indices = wp.array(np.array(record["indices"], dtype=np.int32), dtype=wp.int32, device=device)
        return wp.Mesh(points=vec3s("points"), indices=indices, velocities=vec3s("velocities"))
    if kind == "bvh":
        return wp.Bvh(vec3s("lowers"), vec3s("uppers"))
    if kind == "hash_grid":
        grid = wp.HashGrid(*record["dims"], device=device)
        grid.build(vec3s("points"), record["radius"])
        return grid
    if kind == "volume":
        data = np.array(record["values"], dtype=np.float32)
        return wp.Volume.load_from_numpy(data, bg_value=record["bg_value"], device=device)
    raise ValueError(
        f"unknown input kind {kind!r} for argument {record['name']!r}; allowed: array, value, struct, mesh, bvh, "
        "hash_grid, volume"
    )
