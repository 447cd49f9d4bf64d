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
            k.line(f"{y}[{row}] = {s}")
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
