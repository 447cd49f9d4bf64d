"""Launch synthesized kernels on the CPU with seeded inputs (a check of the synthesizer's safety).

Inputs are a pure function of (seed, index): small arrays of finite values, parameters in the
ranges the synthesizer promises, and real acceleration structures (mesh, BVH, hash grid,
volume) for the ``wp.uint64`` ids that geometry queries take. Arrays with as many dimensions
as the launch have the launch's shape; other arrays have ``LOOKUP_LENGTH`` elements.

Run as ``python -m builder.launch --seed S --count N [--debug]``: each kernel's id is printed
before its launch, so a crash (an assertion of Warp's debug build on an out-of-bounds index,
or SIGFPE on an integer division by zero) names the kernel that caused it.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections import Counter
from typing import Any

import numpy as np

from builder.extract import import_warp, loaded_kernel
from generators import CATEGORIES, KernelSpec, synthesize

LAUNCH_SHAPES = {1: (16,), 2: (4, 4), 3: (3, 3, 2), 4: (2, 2, 2, 2)}
LOOKUP_LENGTH = 8
TILE_BLOCK_DIM = 8
# Which structure a ``wp.uint64`` parameter is, by the builtins the source passes it to.
_STRUCTURES = (("mesh", "mesh_"), ("bvh", "bvh_"), ("hash_grid", "hash_grid_"), ("volume", "volume_"))


def launch_dims(spec: KernelSpec) -> tuple[int, ...]:
    """The launch shape: one extent per name ``wp.tid()`` is unpacked into."""
    match = re.search(r"^    ([\w, ]+) = wp\.tid\(\)", spec.python_source, re.MULTILINE)
    ndim = len(match.group(1).split(",")) if match else 1
    return LAUNCH_SHAPES[ndim]


def _values(rng: np.random.Generator, dtype, shape: tuple[int, ...]) -> np.ndarray:
    """Finite, small values of Warp ``dtype`` in an array of ``shape`` (plus the dtype's own shape)."""
    import warp as wp
    from warp._src.types import float_types, warp_type_to_np_dtype

    scalar = getattr(dtype, "_wp_scalar_type_", dtype)
    full = tuple(shape) + tuple(getattr(dtype, "_shape_", ()))
    np_type = warp_type_to_np_dtype[scalar]
    if scalar in float_types:
        return rng.uniform(-2.0, 2.0, size=full).astype(np_type)
    if scalar is wp.bool:
        return rng.integers(0, 2, size=full).astype(np.bool_)
    low = 0 if np.issubdtype(np_type, np.unsignedinteger) else -8
    return rng.integers(low, 9, size=full).astype(np_type)


def _structures(points: np.ndarray) -> dict[str, Any]:
    """One of each acceleration structure over ``points`` (kept alive while the kernel runs)."""
    import warp as wp

    corners = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], dtype=np.float32)
    faces = np.array(
        [0, 1, 3, 0, 3, 2, 4, 6, 7, 4, 7, 5, 0, 4, 5, 0, 5, 1, 2, 3, 7, 2, 7, 6, 0, 2, 6, 0, 6, 4, 1, 5, 7, 1, 7, 3], dtype=np.int32
    )
    mesh = wp.Mesh(
        points=wp.array(corners, dtype=wp.vec3, device="cpu"),
        indices=wp.array(faces, dtype=wp.int32, device="cpu"),
        velocities=wp.array(corners * 0.5, dtype=wp.vec3, device="cpu"),
    )
    bvh = wp.Bvh(wp.array(corners - 0.25, dtype=wp.vec3, device="cpu"), wp.array(corners + 0.25, dtype=wp.vec3, device="cpu"))
    grid = wp.HashGrid(4, 4, 4, device="cpu")
    grid.build(wp.array(points.reshape(-1, 3), dtype=wp.vec3, device="cpu"), 1.0)
    volume = wp.Volume.load_from_numpy(np.linspace(0.0, 1.0, 64, dtype=np.float32).reshape(4, 4, 4), bg_value=0.0, device="cpu")
    return {"mesh": mesh, "bvh": bvh, "hash_grid": grid, "volume": volume}


def make_inputs(spec: KernelSpec, kernel, seed: int, index: int) -> tuple[list[Any], list[Any]]:
    """Launch arguments for ``kernel`` and the objects that must outlive the launch."""
    import warp as wp
    from warp._src.codegen import Struct

    rng = np.random.default_rng([seed, index])
    dims = launch_dims(spec)
    arguments, keep = [], []
    points = None
    for arg in kernel.adj.args:
        t = arg.type
        if wp.types.is_array(t):
            shape = dims if t.ndim == len(dims) else (LOOKUP_LENGTH,) * t.ndim
            if isinstance(t.dtype, Struct):
                value = wp.zeros(shape, dtype=t.dtype, device="cpu")
            else:
                data = _values(rng, t.dtype, shape)
                if t.dtype is wp.vec3 and points is None:
                    points = data
                value = wp.array(data, dtype=t.dtype, device="cpu")
            arguments.append(value)
        elif isinstance(t, Struct):
            instance = t()
            for name, var in t.vars.items():
                setattr(instance, name, t.vars[name].type(*_values(rng, var.type, ()).reshape(-1).tolist()))
            arguments.append(instance)
        elif t is wp.uint64:
            arguments.append(None)  # filled below, once the points are known
        elif t is wp.int32 or t is int:
            arguments.append(int(rng.integers(1, 9)))  # trip counts, strides, offsets, seeds
        else:
            arguments.append(t(*_values(rng, t, ()).reshape(-1).tolist()))
    if any(a is None for a in arguments):
        structures = _structures(points if points is not None else _values(rng, wp.vec3, (LOOKUP_LENGTH,)))
        keep.extend(structures.values())
        for position, arg in enumerate(kernel.adj.args):
            if arguments[position] is None:
                kind = next((k for k, prefix in _STRUCTURES if re.search(rf"wp\.{prefix}\w*\({arg.label}\b", spec.python_source)), "mesh")
                arguments[position] = structures[kind].id
    return arguments, keep


def launch(spec: KernelSpec, seed: int, index: int, debug: bool = True) -> list[Any]:
    """Compile ``spec`` for the CPU (Warp's debug build with bounds checks if ``debug``) and run it."""
    wp, _ = import_warp()
    with loaded_kernel(spec, tag=f"_s{seed}_{index}") as kernel:
        kernel.module.options["mode"] = "debug" if debug else "release"
        arguments, keep = make_inputs(spec, kernel, seed, index)
        dims = launch_dims(spec)
        if "wp.tile" in spec.python_source:
            wp.launch_tiled(kernel, dim=dims, inputs=arguments, block_dim=TILE_BLOCK_DIM, device="cpu")
        else:
            wp.launch(kernel, dim=dims, inputs=arguments, device="cpu")
        wp.synchronize_device("cpu")
        del keep
        return [a.numpy() for a in arguments if isinstance(a, wp.array)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m builder.launch", description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--count", type=int, default=len(CATEGORIES) * 2, help="kernels to launch, spread over the categories")
    parser.add_argument("--start", type=int, default=0, help="first index")
    parser.add_argument("--release-build", action="store_true", help="compile without Warp's debug checks")
    args = parser.parse_args(argv)
    picker = random.Random(f"warp-ir-pairs/launch/{args.seed}")
    indices = sorted(picker.sample(range(args.start, args.start + 100 * args.count), args.count))
    started = time.perf_counter()
    failures: Counter = Counter()
    for n, index in enumerate(indices, 1):
        spec = synthesize(args.seed, index)
        print(f"launch {n}/{len(indices)} seed={args.seed} index={index} {spec.category} {spec.kernel_name}", flush=True)
        try:
            launch(spec, args.seed, index, debug=not args.release_build)
        except Exception as error:  # a kernel that does not compile or launch: count it, go on
            reason = f"{type(error).__name__}: {str(error).strip().splitlines()[-1][:120] if str(error).strip() else ''}"
            failures[reason] += 1
            print(f"FAILED seed={args.seed} index={index}: {reason}\n{spec.python_source}", flush=True)
    seconds = time.perf_counter() - started
    print(f"launched {len(indices) - sum(failures.values())} of {len(indices)} kernels without a crash in {seconds:.1f} s", flush=True)
    for reason, count in failures.most_common():
        print(f"failed: {count} x {reason}", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
