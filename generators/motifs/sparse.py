"""Sparse matrix-vector products over CSR storage: a row per thread gathering x through column
indices, y = alpha * A x + beta * y, or the transposed product scattered with atomics."""

from __future__ import annotations

import random

from generators.motifs.kit import Kernel, code, zero
from generators.motifs.names import Namer
from generators.policy import Policy
from generators.spec import KernelSpec

FAMILY = "sparse_matvec"
_NAMES = (
    "csr_spmv",
    "spmv",
    "csr_mv",
    "bsr_mv",
    "sparse_matvec",
    "apply_matrix",
    "csr_multiply",
    "mat_vec_csr",
    "csr_transpose_mv",
    "laplacian_apply",
)


def build(rng: random.Random, policy: Policy) -> KernelSpec:
    k, nm = Kernel(rng, policy, FAMILY), Namer(rng)
    dtype = "wp.float64" if rng.random() < policy.float64_rate else policy.float_spelling.draw(rng)
    layout = rng.choice(("csr", "csr", "csr", "coo", "ell", "diag"))
    if layout != "csr":
        desc = _LAYOUTS[layout](k, rng, nm, dtype)
        doc = "Sparse matrix kernel." if rng.random() < policy.docstring_rate else None
        return k.spec(rng.choice(_NAMES_OF[layout]), desc, doc)
    # block-sparse (BSR) with 3x3 blocks, as FEM and rigid-body solvers store their systems
    block = dtype != "wp.float64" and rng.random() < 0.3
    vec_t, val_t = ("wp.vec3", "wp.mat33") if block else (dtype, dtype)
    offs = k.array(k.pick(("row_offsets", "offsets", "indptr", "row_ptr", "csr_offsets")), "wp.int32", "index")
    cols = k.array(k.pick(("columns", "col_indices", "indices", "col_idx", "csr_columns")), "wp.int32", "index")
    vals = k.array(k.pick(("values", "data", "nnz_values", "a_values", "csr_values")), val_t, "in")
    x = k.array(k.fresh(nm.plain("x", "vec_in", "u", "p", "rhs")), vec_t, "in")
    nrows = k.value(k.pick(("num_rows", "n_rows", "rows", "n")), "int")
    transpose = rng.random() < 0.25
    y = k.array(k.fresh(nm.plain("y", "result", "out", "ax", "vec_out")), vec_t, "out")
    scaled = not transpose and rng.random() < 0.5
    if scaled:
        alpha, beta = k.value(k.pick(("alpha", "a", "scale")), dtype), k.value(k.pick(("beta", "b", "shift")), dtype)
    row = k.tid(k.fresh("row", "i", "tid"), remap=False, guard=False)
    k.guard(row, nrows)
    start, end = k.fresh("start", "beg", "row_start"), k.fresh("end", "stop", "row_end")
    k.line(f"{start} = wp.max({offs}[{row}], 0)")
    k.line(f"{end} = {offs}[{row} + 1]")
    kk, col = k.fresh("k", "nz", "jj"), k.fresh("col", "j", "c")
    if transpose:
        xr = k.fresh("xr", "x_row", "xi")
        k.line(f"{xr} = {x}[{row}]")
        with k.block(f"for {kk} in range({start}, {end}):", "scatter row entries into the transposed product"):
            k.line(f"{col} = {cols}[{kk}]")
            with k.block(f"if {col} >= 0:"):
                entry = f"wp.transpose({vals}[{kk}])" if block else f"{vals}[{kk}]"
                k.line(f"wp.atomic_add({y}, {col}, {entry} * {xr})")
        desc = (
            f"Computes the transposed CSR product {code(y)} += A^T {code(x)} with A in {code(offs)}, "
            f"{code(cols)}, {code(vals)}, scattering with atomics."
        )
    else:
        s = k.fresh("s", "acc", "sum", "dot")
        k.line(f"{s} = {zero(vec_t)}")
        with k.block(f"for {kk} in range({start}, {end}):", "gather x through the column indices"):
            k.line(f"{col} = {cols}[{kk}]")
            with k.block(f"if {col} >= 0:", "skip padding entries"):
                k.line(f"{s} += {vals}[{kk}] * {x}[{col}]")
        if rng.random() < 0.35:
            b = k.array(k.fresh(nm.plain("b", "rhs_vec", "target", "f_ext")), vec_t, "in")
            k.line(f"{s} = {b}[{row}] - {s}", "residual r = b - A x")
            desc_pre = f"the residual of {code(b)} minus "
        else:
            desc_pre = ""
        if rng.random() < 0.3:
            diag = k.array(k.pick(("inv_diag", "diag_inv", "precond", "d_inv")), val_t, "in")
            k.line(f"{s} = {diag}[{row}] * {s}", "Jacobi preconditioner")
            desc_pre = f"the {code(diag)}-scaled " + desc_pre
        if scaled:
            k.line(f"{y}[{row}] = {alpha} * {s} + {beta} * {y}[{row}]")
            desc = (
                f"Computes {code(y)} = {code(alpha)} times {desc_pre}A {code(x)} + {code(beta)} {code(y)} "
                f"for the CSR matrix in {code(offs)}, {code(cols)}, {code(vals)}, one row per thread."
            )
        else:
            k.store(y, row, s)
            desc = (
                f"Computes into {code(y)} {desc_pre}the CSR matrix-vector product A {code(x)} for "
                f"A in {code(offs)}, {code(cols)}, {code(vals)}, one row per thread."
            )
    doc = (
        rng.choice(("Sparse matrix-vector product (CSR).", "y = A x for a CSR matrix."))
        if rng.random() < policy.docstring_rate
        else None
    )
    return k.spec(rng.choice(_NAMES), desc, doc)


_NAMES_OF = {
    "coo": ("coo_spmv", "coo_mv", "scatter_triplets", "triplet_matvec", "assemble_product"),
    "ell": ("ell_spmv", "ell_mv", "fixed_width_spmv", "ellpack_multiply", "neighbor_matvec"),
    "diag": ("extract_diagonal", "jacobi_setup", "inverse_diagonal", "csr_diag", "diag_precond"),
}


def _arrays(k: Kernel, nm: Namer, dtype: str, ndim: int = 1) -> tuple[str, str, str]:
    cols = k.array(k.pick(("columns", "col_indices", "indices", "col_idx")), "wp.int32", "index", ndim=ndim)
    vals = k.array(k.pick(("values", "data", "nnz_values", "a_values")), dtype, "in", ndim=ndim)
    x = k.array(k.fresh(nm.plain("x", "vec_in", "u", "p", "rhs")), dtype, "in")
    return cols, vals, x


def _coo(k: Kernel, rng: random.Random, nm: Namer, dtype: str) -> str:
    """One nonzero per thread: y[row] += value * x[col], scattered with atomics."""
    rows = k.array(k.pick(("rows", "row_indices", "row_idx", "coo_rows")), "wp.int32", "index")
    cols, vals, x = _arrays(k, nm, dtype)
    y = k.array(k.fresh(nm.plain("y", "result", "out", "ax")), dtype, "out")
    nnz = k.value(k.pick(("nnz", "num_nonzeros", "count")), "int")
    t = k.tid(k.fresh("tid", "nz", "e"), remap=False, guard=False)
    k.guard(t, nnz)
    r = k.fresh("r", "row", "i")
    k.line(f"{r} = {rows}[{t}]")
    with k.block(f"if {r} < 0:", "padding triplets"):
        k.line("return")
    value = k.fresh("v", "contrib", "a_x")
    k.line(f"{value} = {vals}[{t}] * {x}[{cols}[{t}]]", "gather x through the column index")
    k.bound(value, dtype)
    k.line(f"wp.atomic_add({y}, {r}, {value})")
    return (
        f"Adds the COO product of ({code(rows)}, {code(cols)}, {code(vals)}) with {code(x)} into {code(y)} "
        "with atomics."
    )


def _ell(k: Kernel, rng: random.Random, nm: Namer, dtype: str) -> str:
    """ELLPACK: a fixed number of column slots per row (2-D arrays), padding marked by a negative column."""
    cols, vals, x = _arrays(k, nm, dtype, ndim=2)
    y = k.array(k.fresh(nm.plain("y", "result", "out", "ax")), dtype, "out")
    row = k.tid(k.fresh("row", "i", "tid"), remap=False, guard=False)
    k.guard(row, f"{cols}.shape[0]", "one thread per row")
    s, j, c = k.fresh("s", "acc", "sum"), k.fresh("j", "slot", "q"), k.fresh("c", "col", "jj")
    k.line(f"{s} = {zero(dtype)}")
    with k.block(f"for {j} in range({cols}.shape[1]):"):
        k.line(f"{c} = {cols}[{row}, {j}]")
        with k.block(f"if {c} < 0:", "the rest of the row is padding"):
            k.line("break")
        k.line(f"{s} += {vals}[{row}, {j}] * {x}[{c}]")
    k.store(y, row, s)
    return f"Computes the ELL matrix-vector product of ({code(cols)}, {code(vals)}) with {code(x)} into {code(y)}."


def _diag(k: Kernel, rng: random.Random, nm: Namer, dtype: str) -> str:
    """Finds each row's diagonal entry in CSR storage (Jacobi preconditioner setup)."""
    offs = k.array(k.pick(("row_offsets", "offsets", "indptr", "row_ptr")), "wp.int32", "index")
    cols = k.array(k.pick(("columns", "col_indices", "indices", "col_idx")), "wp.int32", "index")
    vals = k.array(k.pick(("values", "data", "nnz_values", "a_values")), dtype, "in")
    out = k.array(k.pick(("inv_diag", "diag_inv", "precond", "d_inv", "diagonal")), dtype, "out")
    row = k.tid(k.fresh("row", "i", "tid"), remap=False, guard=False)
    k.guard(row, f"{out}.shape[0]")
    d, kk = k.fresh("d", "diag", "a_ii"), k.fresh("k", "nz", "jj")
    start, end = k.fresh("start", "beg", "row_start"), k.fresh("end", "stop", "row_end")
    k.line(f"{start} = {offs}[{row}]")
    k.line(f"{end} = {offs}[{row} + 1]")
    k.line(f"{d} = {zero(dtype)}")
    with k.block(f"for {kk} in range({start}, {end}):"):
        with k.block(f"if {cols}[{kk}] == {row}:"):
            k.line(f"{d} = {vals}[{kk}]")
    one = "1.0" if dtype != "wp.float64" else "wp.float64(1.0)"
    if rng.random() < 0.6:
        eps = k.value(k.pick(("eps", "min_pivot", "tol")), dtype)
        k.store(out, row, f"wp.where(wp.abs({d}) > {eps}, {one} / {d}, {one})")
        return (
            f"Writes the inverse of each row's diagonal entry of the CSR matrix ({code(offs)}, {code(cols)}, "
            f"{code(vals)}) into {code(out)}, with 1 where it is below {code(eps)}."
        )
    k.store(out, row, d)
    return f"Extracts the diagonal of the CSR matrix ({code(offs)}, {code(cols)}, {code(vals)}) into {code(out)}."


_LAYOUTS = {"coo": _coo, "ell": _ell, "diag": _diag}
