"""Reductions and histograms with atomics: weighted sums, extrema, norms, threshold counts,
segmented sums through an index array, and binned histograms."""

from __future__ import annotations

import random

from generators.motifs.kit import Kernel, code, scalar_literal
from generators.motifs.names import Namer
from generators.policy import Policy
from generators.spec import KernelSpec

FAMILY = "reduction_histogram"
_NAMES = {
    "sum": ("reduce_sum", "sum_kernel", "accumulate", "weighted_sum", "compute_total", "dot_product"),
    "extreme": ("reduce_max", "max_abs", "find_max", "compute_bounds", "reduce_min", "extrema"),
    "norm": ("sum_squares", "compute_norm", "kinetic_energy", "energy_sum", "reduce_norm"),
    "count": ("count_active", "count_above", "count_threshold", "num_valid", "tally"),
    "segment": ("segment_sum", "scatter_add", "accumulate_by_group", "group_sum", "gather_reduce"),
    "histogram": ("histogram", "compute_histogram", "bin_values", "build_histogram", "bin_count"),
}
_VALUES = ("values", "data", "x", "a", "src", "samples", "errors", "residual", "weights_in", "energies", "field")


def build(rng: random.Random, policy: Policy) -> KernelSpec:
    k, nm = Kernel(rng, policy, FAMILY), Namer(rng)
    kind = rng.choice(tuple(_NAMES))
    dtype = (
        "wp.float64"
        if kind in ("sum", "segment") and rng.random() < policy.float64_rate
        else policy.float_spelling.draw(rng)
    )
    vec = policy.vec3_spelling.draw(rng)
    src = k.array(k.fresh(nm.plain(*_VALUES)), vec if kind == "norm" else dtype, "in")
    count = k.value(k.pick(("n", "count", "num_items", "size")), "int") if rng.random() < policy.guard_rate else None
    tid = k.tid(k.fresh("tid", "i", "idx"), guard=False)
    if count:
        k.guard(tid, count)
    v = k.fresh("v", "val", "x", "value")
    k.line(f"{v} = {src}[{tid}]")
    if kind != "norm":
        _transform(k, v, tid, dtype)
    if kind == "sum":
        w = k.array(k.fresh(nm.plain("weights", "w", "b", "coeffs", "mass")), dtype, "in")
        out = k.array(k.fresh(nm.plain("total", "result", "out", "sum_out", "dot")), dtype, "out")
        k.line(f"wp.atomic_add({out}, 0, {v} * {w}[{tid}])", "accumulate into a single slot")
        what = f"the sum of {code(src)} times {code(w)} into {code(out)}[0]"
    elif kind == "extreme":
        out = k.array(k.fresh(nm.plain("max_value", "result", "bounds", "extreme", "out")), dtype, "out")
        op = rng.choice(("atomic_max", "atomic_min"))
        k.line(f"wp.{op}({out}, 0, wp.abs({v}))")
        what = (
            f"the {'largest' if op == 'atomic_max' else 'smallest'} absolute value of {code(src)} "
            f"into {code(out)}[0] with wp.{op}"
        )
    elif kind == "norm":
        out = k.array(k.fresh(nm.plain("energy", "sum_sq", "norm_sq", "total", "ke")), "float", "out")
        m = k.array(k.fresh(nm.array("mass")), "float", "in") if rng.random() < 0.5 else None
        e = k.fresh("e", "energy_i", "sq")
        k.line(f"{e} = wp.dot({v}, {v})" if rng.random() < 0.5 else f"{e} = wp.length_sq({v})")
        if m:
            k.line(f"wp.atomic_add({out}, 0, 0.5 * {m}[{tid}] * {e})", "kinetic energy of this particle")
            what = f"the kinetic energy of velocities {code(src)} with masses {code(m)} into {code(out)}[0]"
        else:
            k.line(f"wp.atomic_add({out}, 0, {e})")
            what = f"the sum of squared lengths of {code(src)} into {code(out)}[0]"
    elif kind == "count":
        thr = k.value(k.pick(("threshold", "tol", "cutoff", "limit")), dtype)
        out = k.array(k.fresh(nm.plain("count", "num_active", "counter", "hits")), "wp.int32", "out")
        with k.block(f"if {v} > {thr}:"):
            k.line(f"wp.atomic_add({out}, 0, 1)")
        what = f"the number of entries of {code(src)} above {code(thr)} into {code(out)}[0]"
    elif kind == "segment":
        seg = k.array(
            k.fresh(nm.plain("segment_ids", "group", "cell_index", "owner", "body_index")), "wp.int32", "index"
        )
        out = k.array(k.fresh(nm.plain("segment_sums", "group_total", "out", "accum", "node_sum")), dtype, "out")
        s = k.fresh("s", "g", "seg")
        k.line(f"{s} = {seg}[{tid}]")
        with k.block(f"if {s} < 0:", "unassigned entries"):
            k.line("return")
        k.line(f"wp.atomic_add({out}, {s}, {v})")
        what = (
            f"each entry of {code(src)} into {code(out)} at its segment {code(seg)} (a scatter through an index array)"
        )
    else:
        lo, inv_w = (
            k.value(k.pick(("lower", "min_value", "lo", "origin")), dtype),
            k.value(k.pick(("inv_bin_width", "scale", "inv_width")), dtype),
        )
        out = k.array(k.fresh(nm.plain("bins", "histogram", "hist", "counts")), "wp.int32", "out")
        nb, t, b = k.fresh("num_bins", "nbins"), k.fresh("t", "pos", "u"), k.fresh("b", "bin", "bin_index")
        k.line(f"{nb} = {out}.shape[0]")
        k.line(
            f"{t} = wp.clamp(({v} - {lo}) * {inv_w}, {scalar_literal(0.0, dtype)}, {dtype}({nb} - 1))"
            if dtype != "float"
            else f"{t} = wp.clamp(({v} - {lo}) * {inv_w}, 0.0, float({nb} - 1))",
            "clamp before the cast: out-of-range casts are undefined",
        )
        k.line(f"{b} = wp.int32({t})" if rng.random() < policy.int_cast_rate else f"{b} = int({t})")
        k.line(f"wp.atomic_add({out}, {b}, 1)")
        what = f"a histogram of {code(src)} from {code(lo)} with bin scale {code(inv_w)} into {code(out)}"
    desc = (
        f"Reduces with atomics: adds {what}."
        if kind in ("sum", "norm", "segment")
        else f"Reduces with atomics: writes {what}."
    )
    doc = (
        rng.choice(("Parallel reduction with atomics.", "Accumulate per-thread values."))
        if rng.random() < policy.docstring_rate
        else None
    )
    return k.spec(rng.choice(_NAMES[kind]), desc, doc)


def _transform(k: Kernel, v: str, tid: str, dtype: str) -> None:
    """What reductions apply to an entry before reducing it: a mask, a scale, a square or a bound."""
    choice = k.rng.choice(("none", "none", "mask", "scale", "square", "bound"))
    if choice == "mask":
        mask = k.array(k.pick(("valid", "mask", "include", "selected")), "wp.int32", "in")
        with k.block(f"if {mask}[{tid}] == 0:", "excluded entries do not count"):
            k.line("return")
        k.notes.append(f"skips entries whose {code(mask)} is 0")
    elif choice == "scale":
        scale = k.value(k.pick(("scale", "factor", "inv_n", "normalization")), dtype)
        k.line(f"{v} = {v} * {scale}")
        k.notes.append(f"scales each entry by {code(scale)}")
    elif choice == "square":
        k.line(f"{v} = {v} * {v}", "reduce the squared entries")
        k.notes.append("squares each entry first")
    elif choice == "bound":
        k.bound(v, dtype, always=True)
