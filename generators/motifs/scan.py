"""Prefix scans and stream compaction: row-wise running sums, and scattering kept elements to the
offsets an exclusive scan computed (a write through an index array)."""

from __future__ import annotations

import random

from generators.motifs.kit import Kernel, code, zero
from generators.motifs.names import Namer
from generators.policy import Policy
from generators.spec import KernelSpec

FAMILY = "scan_compaction"
_NAMES = {
    "rowscan": ("inclusive_scan_rows", "prefix_sum_rows", "cumsum", "running_total", "scan_rows"),
    "compact": ("compact", "stream_compact", "scatter_selected", "gather_active", "pack_kept"),
    "count": ("count_per_cell", "bin_count", "cell_counts", "count_keys", "histogram_keys"),
    "append": ("append_selected", "emit_contacts", "collect_candidates", "push_active", "gather_hits"),
    "reorder": ("scatter_sorted", "reorder_by_key", "counting_sort_scatter", "sort_into_cells", "permute"),
    "fixup": ("add_block_offsets", "scan_fixup", "uniform_add", "propagate_block_sums", "finish_scan"),
}


def build(rng: random.Random, policy: Policy) -> KernelSpec:
    k, nm = Kernel(rng, policy, FAMILY), Namer(rng)
    kind = rng.choice(tuple(_NAMES))
    dtype = policy.float_spelling.draw(rng)
    if kind == "rowscan":
        src = k.array(k.fresh(nm.plain("values", "x", "data", "weights")), dtype, "in", ndim=2)
        out = k.array(k.fresh(nm.plain("prefix", "scan_out", "cumulative", "out")), dtype, "out", ndim=2)
        row = k.tid(k.fresh("row", "i", "tid"), remap=False, guard=False)
        k.guard(row, f"{src}.shape[0]", "one thread per row")
        s, j = k.fresh("s", "total", "acc"), k.fresh("j", "col", "c")
        k.line(f"{s} = {zero(dtype)}")
        exclusive = rng.random() < 0.4
        with k.block(f"for {j} in range({src}.shape[1]):", "sequential scan along the row"):
            if exclusive:
                k.store(out, f"{row}, {j}", s)
                k.line(f"{s} += {src}[{row}, {j}]")
            else:
                k.line(f"{s} += {src}[{row}, {j}]")
                k.store(out, f"{row}, {j}", s)
        if rng.random() < 0.4:
            totals = k.array(k.pick(("row_totals", "sums", "row_sum", "totals")), dtype, "out")
            k.store(totals, row, s)
            k.notes.append(f"writes each row's total to {code(totals)}")
        desc = (
            f"Writes the {'exclusive' if exclusive else 'inclusive'} prefix sum of each row of "
            f"{code(src)} into {code(out)}."
        )
    elif kind == "compact":
        keep = k.array(k.pick(("keep", "flags", "selected", "valid")), "wp.int32", "in")
        offs = k.array(k.pick(("offsets", "scan", "write_index", "dest")), "wp.int32", "index")
        src = k.array(nm.array("position"), policy.vec3_spelling.draw(rng), "in")
        out = k.array(k.fresh(nm.array("position", output=True)), policy.vec3_spelling.draw(rng), "out")
        tid = k.tid(k.fresh("tid", "i"), remap=False)
        test = f"{keep}[{tid}] == 0" if rng.random() < 0.5 else f"({keep}[{tid}] & 1) == 0"
        with k.block(f"if {test}:", "only kept elements are written"):
            k.line("return")
        d = k.fresh("dst", "slot", "j")
        k.line(f"{d} = {offs}[{tid}]", "exclusive scan of the keep flags gives the slot")
        with k.block(f"if {d} < 0:"):
            k.line("return")
        k.line(f"{out}[{d}] = {src}[{tid}]")
        if rng.random() < 0.4:
            ids = k.array(k.pick(("source_index", "orig_ids", "kept_ids", "perm")), "wp.int32", "out")
            k.line(f"{ids}[{d}] = {tid}", "remember where each kept element came from")
            k.notes.append(f"records the source indices in {code(ids)}")
        desc = (
            f"Compacts the elements of {code(src)} whose {code(keep)} flag is set into {code(out)} "
            f"at the slots {code(offs)} an exclusive scan computed."
        )
    elif kind != "count":
        desc = _KINDS[kind](k, rng, policy, nm, dtype)
    else:
        from_positions = rng.random() < 0.5
        if from_positions:
            keys = k.array(nm.array("position"), policy.vec3_spelling.draw(rng), "in")
            inv_cell = k.value(k.pick(("inv_cell_size", "inv_dx", "cell_scale")), "float")
        else:
            keys = k.array(k.pick(("cell_ids", "keys", "bin_ids", "labels")), "wp.int32", "index")
        counts = k.array(k.pick(("cell_counts", "counts", "bin_sizes", "occupancy")), "wp.int32", "out")
        tid = k.tid(k.fresh("tid", "i"))
        key = k.fresh("key", "cell", "b")
        if from_positions:
            axis = rng.randrange(3)
            k.line(
                f"{key} = wp.int32(wp.floor(wp.clamp({keys}[{tid}][{axis}] * {inv_cell}, -1.0e6, 1.0e6)))",
                "slab index along one axis",
            )
        else:
            k.line(f"{key} = {keys}[{tid}]")
        with k.block(f"if {key} < 0 or {key} >= {counts}.shape[0]:", "keys outside the table are dropped"):
            k.line("return")
        slot = k.fresh("slot", "rank", "pos")
        k.line(f"{slot} = wp.atomic_add({counts}, {key}, 1)", "the old count is this element's rank in its bucket")
        if rng.random() < 0.5:
            ranks = k.array(k.pick(("ranks", "local_index", "slot_in_cell")), "wp.int32", "out")
            k.line(f"{ranks}[{tid}] = {slot}")
            extra = f", recording each element's rank within its bucket in {code(ranks)}"
        else:
            k.lines = [ln.replace(f"{slot} = wp.atomic_add", "wp.atomic_add") for ln in k.lines]
            extra = ""
        desc = (
            f"Counts the elements per {'slab of ' if from_positions else 'key of '}{code(keys)} "
            f"into {code(counts)} with atomics{extra}, "
            "the first pass of a counting sort."
        )
    doc = (
        rng.choice(("Scan and compaction pass.", "Part of a parallel prefix sum / sort."))
        if rng.random() < policy.docstring_rate
        else None
    )
    return k.spec(rng.choice(_NAMES[kind]), desc, doc)


def _append(k: Kernel, rng: random.Random, policy: Policy, nm: Namer, dtype: str) -> str:
    """Compaction by an atomic counter: each selected element takes the next free slot."""
    vec = policy.vec3_spelling.draw(rng)
    src = k.array(nm.array("position"), vec, "in")
    out = k.array(k.fresh(nm.array("position", output=True)), vec, "out")
    counter = k.array(k.pick(("count", "num_out", "counter", "write_head")), "wp.int32", "out")
    tid = k.tid(k.fresh("tid", "i"))
    v = k.fresh("v", "x", "p")
    k.line(f"{v} = {src}[{tid}]")
    if rng.random() < 0.5:
        radius = k.value(k.pick(("radius", "max_dist", "cutoff")), "float")
        center = k.value(k.pick(("center", "origin", "query_point")), "wp.vec3")
        test, what = f"wp.length({v} - {center}) > {radius}", f"within {code(radius)} of {code(center)}"
    else:
        floor = k.value(k.pick(("ground", "threshold", "min_height")), "float")
        axis = rng.randrange(3)
        test, what = f"{v}[{axis}] > {floor}", f"with coordinate {axis} at or below {code(floor)}"
    with k.block(f"if {test}:", "only selected elements are appended"):
        k.line("return")
    slot = k.fresh("slot", "dst", "j")
    k.line(f"{slot} = wp.atomic_add({counter}, 0, 1)", "claim the next free slot")
    with k.block(f"if {slot} < {out}.shape[0]:", "drop what does not fit"):
        k.line(f"{out}[{slot}] = {v}")
        if rng.random() < 0.5:
            ids = k.array(k.pick(("source_index", "hit_ids", "ids_out")), "wp.int32", "out")
            k.line(f"{ids}[{slot}] = {tid}")
            k.notes.append(f"records the source indices in {code(ids)}")
    return f"Appends the elements of {code(src)} {what} to {code(out)}, counting them in {code(counter)} with atomics."


def _reorder(k: Kernel, rng: random.Random, policy: Policy, nm: Namer, dtype: str) -> str:
    """The scatter pass of a counting sort: bucket offset plus rank within the bucket."""
    keys = k.array(k.pick(("cell_ids", "keys", "bin_ids", "labels")), "wp.int32", "index")
    starts = k.array(k.pick(("cell_start", "offsets", "bucket_offsets", "bin_start")), "wp.int32", "index")
    ranks = k.array(k.pick(("ranks", "local_index", "slot_in_cell")), "wp.int32", "index")
    value_type = policy.vec3_spelling.draw(rng) if rng.random() < 0.6 else dtype
    src = k.array(k.fresh(nm.plain("values", "points", "data", "items")), value_type, "in")
    out = k.array(k.fresh(nm.plain("sorted_values", "sorted", "reordered", "values_out")), value_type, "out")
    tid = k.tid(k.fresh("tid", "i"))
    key, d = k.fresh("key", "cell", "b"), k.fresh("dst", "slot", "j")
    k.line(f"{key} = {keys}[{tid}]")
    with k.block(f"if {key} < 0:", "unsorted elements"):
        k.line("return")
    k.line(f"{d} = {starts}[{key}] + {ranks}[{tid}]", "bucket start plus rank within the bucket")
    k.line(f"{out}[{d}] = {src}[{tid}]")
    if rng.random() < 0.5:
        perm = k.array(k.pick(("sorted_ids", "perm", "order", "sorted_index")), "wp.int32", "out")
        k.line(f"{perm}[{d}] = {tid}")
        k.notes.append(f"writes the permutation to {code(perm)}")
    return (
        f"Scatters {code(src)} into {code(out)} at bucket start {code(starts)} plus rank {code(ranks)} "
        f"of each key {code(keys)}, the second pass of a counting sort."
    )


def _fixup(k: Kernel, rng: random.Random, policy: Policy, nm: Namer, dtype: str) -> str:
    """The last pass of a multi-block scan: every element adds the scanned total of its block."""
    part = k.array(k.fresh(nm.plain("partial", "block_scan", "local_prefix", "scan_in")), dtype, "in")
    sums = k.array(k.pick(("block_sums", "block_offsets", "carry", "tile_totals")), dtype, "in")
    out = k.array(k.fresh(nm.plain("prefix", "scan_out", "cumulative", "out")), dtype, "out")
    size = k.value(k.pick(("block_size", "tile_size", "chunk")), "int")
    tid = k.tid(k.fresh("tid", "i"), remap=False)
    b = k.fresh("b", "block", "blk")
    k.line(f"{b} = {tid} // {size}")
    with k.block(f"if {b} == 0:", "the first block has nothing before it"):
        k.line(f"{out}[{tid}] = {part}[{tid}]")
        k.line("return")
    k.line(f"{out}[{tid}] = {part}[{tid}] + {sums}[{b} - 1]")
    return f"Adds the scanned block totals {code(sums)} to the per-block prefix sums {code(part)} into {code(out)}."


_KINDS = {"append": _append, "reorder": _reorder, "fixup": _fixup}
