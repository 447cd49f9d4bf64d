"""Tile programming: tile_load / tile_store, tile_matmul, tile_map, reductions and scans.

Tile shapes are compile-time literals. ``tile_load`` checks bounds (out-of-range elements read
as zero) and ``tile_store`` skips them, so any array shape is safe; the kernel is launched with
``wp.launch_tiled``.
"""

import random

from generators.draft import Draft
from generators.program import pick_name
from generators.spec import KernelSpec
from generators.swarm import draw
from generators.types import by_name, scalar_literal

CATEGORY = "tile"
_UNARY = ("wp.sin", "wp.cos", "wp.abs", "wp.tanh", "wp.exp", "wp.floor", "wp.sqrt")
_REDUCE = ("tile_sum", "tile_max", "tile_min")


def _matmul(d: Draft, t, rng: random.Random) -> str:
    m, k, n = (rng.choice((2, 4, 8, 16)) for _ in range(3))
    a = d.kb.input_array(t, load=False)
    b = d.kb.input_array(t, load=False)
    out = d.kb.output_array(t)
    i, j = d.kb.indices
    d.body.line(f"ta = wp.tile_load({a}, shape=({m}, {k}), offset=({i} * {m}, 0))")
    d.body.line(f"tb = wp.tile_load({b}, shape=({k}, {n}), offset=(0, {j} * {n}))")
    if rng.random() < 0.5:
        d.body.line(f"ta = wp.tile_map({rng.choice(_UNARY[:4])}, ta)")
    d.body.line("tc = wp.tile_matmul(ta, tb)")
    result, ops = _chain(d, t, rng, "tc", rng.randint(0, 3), square=m == n)
    d.body.line(f"wp.tile_store({out}, {result}, offset=({i} * {m}, {j} * {n}))")
    return f"{m}x{k} by {k}x{n} tile_matmul" + (f", then {', '.join(ops)}" if ops else "")


def _chain(d: Draft, t, rng: random.Random, current: str, steps: int, square: bool) -> tuple[str, list[str]]:
    """``steps`` elementwise tile operations after ``current``; returns the last tile's name.

    ``square``: the tile is 2-D with equal sides, so a transpose keeps its shape (Warp checks
    transposes of 1-D tiles only when the C++ compiles).
    """
    first, ops = current, []
    for _ in range(steps):
        kinds = ["map", "binary", "scale", "scan"] if t.name == "float32" else ["map", "binary", "scale"]
        if square:
            kinds.append("transpose")
        kind = rng.choice(kinds)  # Warp's tile scans take float32 / int32 / uint32 tiles only
        name = d.body.fresh("t")
        if kind == "map":
            fn = rng.choice(_UNARY)
            arg = f"wp.tile_map(wp.abs, {current})" if fn == "wp.sqrt" else current
            d.body.line(f"{name} = wp.tile_map({fn}, {arg})")
        elif kind == "binary":
            d.body.line(
                f"{name} = wp.tile_map({rng.choice(('wp.add', 'wp.sub', 'wp.mul', 'wp.min', 'wp.max'))}, {current}, "
                f"{first})"
            )
        elif kind == "scale":
            d.body.line(f"{name} = {current} * {scalar_literal(t, rng.choice((0.5, 2.0, 1.5)))} + {first}")
        elif kind == "transpose":
            d.body.line(f"{name} = wp.tile_transpose({current})")
        else:
            d.body.line(f"{name} = wp.{rng.choice(('tile_scan_inclusive', 'tile_scan_exclusive'))}({current})")
        ops.append(kind)
        current = name
    return current, ops


def _elementwise(d: Draft, t, rng: random.Random) -> str:
    size = rng.choice((8, 16, 32, 64))
    a = d.kb.input_array(t, load=False)
    out = d.kb.output_array(t)
    i = d.kb.indices[0]
    d.body.line(f"ta = wp.tile_load({a}, shape={size}, offset={i} * {size})")
    current, ops = _chain(d, t, rng, "ta", rng.randint(1, 5), square=False)
    d.body.line(f"wp.tile_store({out}, {current}, offset={i} * {size})")
    if rng.random() < 0.6:
        total = d.kb.output_array(t, ndim=1)
        reduce = rng.choice(_REDUCE)
        d.body.line(f"red = wp.{reduce}({current})")
        d.body.line(f"wp.tile_atomic_add({total}, red)")
        ops.append(reduce)
    return f"tiles of {size}: {', '.join(ops)}"


def _from_threads(d: Draft, t, rng: random.Random) -> str:
    a = d.kb.input_array(t)
    out = d.kb.output_array(t, ndim=1)
    d.statements.run()
    # ``wp.tile`` needs a value, not an array reference: name it first.
    value = d.body.assign("val", t, d.exprs.of(t, 1).text)
    d.body.line(f"tv = wp.tile({value})")
    reduce = rng.choice(("tile_sum", "tile_max", "tile_min", "reduce"))
    if reduce == "reduce":
        d.body.line(f"red = wp.tile_reduce({rng.choice(('wp.add', 'wp.max', 'wp.min'))}, tv)")
    else:
        d.body.line(f"red = wp.{reduce}(tv)")
    d.body.line(f"wp.tile_atomic_add({out}, red)")
    return f"per-thread values of {a} gathered into a tile and reduced ({reduce})"


def synthesize(rng: random.Random) -> KernelSpec:
    t = by_name(rng.choice(("float32", "float32", "float64")))
    swarm = draw(
        rng,
        type_kinds=("scalar",),
        scalars=(t.name,),
        n_types=(1, 1),
        kinds=("assign", "update", "augment", "ternary"),
        budget=(1, 5),
    )
    form = rng.choice(("matmul", "elementwise", "from_threads"))
    d = Draft(rng, swarm, ndim=2 if form == "matmul" else 1)
    if form != "from_threads" and rng.random() < 0.6:
        # Per-thread scalar work beside the tile work, written at the thread's own index.
        d.add_outputs(1, [t])
        d.statements.emit(rng.randint(1, 4))
    what = {"matmul": _matmul, "elementwise": _elementwise, "from_threads": _from_threads}[form](d, t, rng)
    d.exprs.used_types.add(t.name)
    name = pick_name(rng, ("tiled", "blocked", "batched", "fused"), ("matmul", "reduce", "map", "scan", "transform"))
    return d.finish(name, CATEGORY, f"Tile kernel ({t.name}): {what}.")
