"""Activation and normalization functions: element-wise activations (often a @wp.func), bias add
over a 2-D layout, and row-wise softmax / layer normalization loops."""

from __future__ import annotations

import random

from generators.motifs.kit import Kernel, code, scalar_literal, zero
from generators.motifs.names import Namer
from generators.policy import Policy
from generators.spec import KernelSpec

FAMILY = "activation_normalization"
_ACT = {  # name -> (the activation of {x}, phrase)
    "relu": ("wp.max({x}, {z})", "ReLU"),
    "leaky_relu": ("wp.where({x} > {z}, {x}, {x} * {slope})", "leaky ReLU"),
    "sigmoid": ("{one} / ({one} + wp.exp(-{x}))", "sigmoid"),
    "tanh_act": ("wp.tanh({x})", "tanh"),
    "softplus": ("wp.log({one} + wp.exp(-wp.abs({x}))) + wp.max({x}, {z})", "softplus"),
    "silu": ("{x} / ({one} + wp.exp(-{x}))", "SiLU"),
    "gelu": ("{half} * {x} * ({one} + wp.tanh({c0} * ({x} + {c1} * {x} * {x} * {x})))", "GELU"),
    "elu": ("wp.where({x} > {z}, {x}, wp.exp({x}) - {one})", "ELU"),
    "hardtanh": ("wp.clamp({x}, -{one}, {one})", "hard tanh"),
    "softsign": ("{x} / ({one} + wp.abs({x}))", "softsign"),
}
_DOCS = {
    "act": "Element-wise activation.",
    "bias": "Bias add and activation.",
    "softmax": "Row-wise softmax.",
    "layernorm": "Row-wise layer normalization.",
    "rmsnorm": "Row-wise RMS normalization.",
    "glu": "Gated linear unit.",
}
_NAMES = {
    "act": ("activation", "apply_activation", "forward_act", "relu_kernel", "nonlinearity", "act_fwd"),
    "bias": ("bias_activation", "dense_bias_act", "add_bias", "linear_epilogue", "bias_act_fwd"),
    "softmax": ("softmax", "row_softmax", "softmax_rows", "attention_softmax", "normalize_rows"),
    "layernorm": ("layer_norm", "layernorm_fwd", "normalize_features", "row_normalize", "standardize_rows"),
    "rmsnorm": ("rms_norm", "rmsnorm_fwd", "rms_normalize", "scale_by_rms", "rmsnorm_rows"),
    "glu": ("glu", "swiglu", "gated_activation", "geglu_fwd", "gate_multiply"),
}


def _activation(rng: random.Random, dtype: str) -> tuple[str, str, str]:
    """(helper name, expression template in ``{x}``, phrase) of a drawn activation."""
    act = rng.choice(tuple(_ACT))
    body, phrase = _ACT[act]
    lit = lambda v: scalar_literal(v, dtype)  # noqa: E731
    text = (
        body.replace("{z}", lit(0.0))
        .replace("{one}", lit(1.0))
        .replace("{half}", lit(0.5))
        .replace("{c0}", lit(0.7978845608))
        .replace("{c1}", lit(0.044715))
        .replace("{slope}", lit(rng.choice((0.01, 0.1, 0.2))))
    )
    name = rng.choice((act, act + "_fn", "act_" + act.split("_")[0]))
    return name, text, phrase


def build(rng: random.Random, policy: Policy) -> KernelSpec:
    k, nm = Kernel(rng, policy, FAMILY), Namer(rng)
    dtype = "wp.float64" if rng.random() < policy.float64_rate else rng.choice(("float", "wp.float32"))
    lit = lambda v: scalar_literal(v, dtype)  # noqa: E731
    kind = rng.choice(tuple(_NAMES))
    x = k.array(
        k.fresh(nm.plain("x", "inputs", "logits", "z", "pre_act", "features", "h")),
        dtype,
        "in",
        ndim=1 if kind == "act" else 2,
    )
    y = k.array(
        k.fresh(nm.plain("y", "out", "outputs", "act_out", "probs", "h_out")),
        dtype,
        "out",
        ndim=1 if kind == "act" else 2,
    )
    if kind in ("rmsnorm", "glu"):
        desc = (_rmsnorm if kind == "rmsnorm" else _glu)(k, rng, x, y, dtype)
    elif kind in ("act", "bias"):
        fn, template, phrase = _activation(rng, dtype)
        use_helper = rng.random() < policy.helper_rate + 0.3
        if use_helper:
            k.helper(f"@wp.func\ndef {fn}(x: {dtype}):\n    return " + template.replace("{x}", "x"))
        if kind == "act":
            tid = k.tid(k.fresh("tid", "i"))
            arg = f"{x}[{tid}]"
            dst = f"{y}[{tid}]"
        else:
            b = k.array(k.fresh(nm.plain("bias", "b", "bias_vec")), dtype, "in")
            i, j = k.fresh("i", "row", "b_idx"), k.fresh("j", "col", "f")
            k.tid(i, j)
            arg = f"{x}[{i}, {j}] + {b}[{j} % {b}.shape[0]]"
            dst = f"{y}[{i}, {j}]"
        if use_helper:
            k.line(f"{dst} = {fn}({arg})")
        else:
            v = k.fresh("v", "a", "val")
            k.line(f"{v} = {arg}")
            k.line(f"{dst} = " + template.replace("{x}", v))
        what = f"the {phrase} of {code(x)}" + (f" plus the bias {code(b)}" if kind == "bias" else "")
        desc = f"Applies {what} element-wise into {code(y)}."
    else:
        row = k.tid(k.fresh("row", "i", "tid"), remap=False, guard=False)
        k.guard(row, f"{x}.shape[0]", "one thread per row")
        n, j = k.fresh("n", "cols", "dim"), k.fresh("j", "col", "c")
        k.line(f"{n} = {x}.shape[1]")
        if kind == "softmax":
            m, s = k.fresh("m", "max_val", "row_max"), k.fresh("s", "denom", "total")
            k.line(f"{m} = {x}[{row}, 0]")
            with k.block(f"for {j} in range(1, {n}):", "subtract the row maximum for stability"):
                k.line(f"{m} = wp.max({m}, {x}[{row}, {j}])")
            k.line(f"{s} = {zero(dtype)}")
            with k.block(f"for {j} in range({n}):"):
                k.line(f"{s} += wp.exp({x}[{row}, {j}] - {m})")
            with k.block(f"for {j} in range({n}):"):
                k.store(y, f"{row}, {j}", f"wp.exp({x}[{row}, {j}] - {m}) / {s}")
            desc = (
                f"Writes the row-wise softmax of {code(x)} (shifted by the row maximum) into {code(y)}, "
                "one row per thread."
            )
        else:
            mean, var = k.fresh("mean", "mu", "avg"), k.fresh("var", "variance", "sigma2")
            eps = k.value(k.pick(("eps", "epsilon")), dtype)
            k.line(f"{mean} = {zero(dtype)}")
            with k.block(f"for {j} in range({n}):"):
                k.line(f"{mean} += {x}[{row}, {j}]")
            k.line(f"{mean} = {mean} / {dtype}({n})" if dtype != "float" else f"{mean} = {mean} / float({n})")
            k.line(f"{var} = {zero(dtype)}")
            with k.block(f"for {j} in range({n}):"):
                d = k.fresh("d", "diff", "centered")
                k.line(f"{d} = {x}[{row}, {j}] - {mean}")
                k.line(f"{var} += {d} * {d}")
            inv = k.fresh("inv_std", "rstd", "scale")
            k.line(
                f"{inv} = {lit(1.0)} / wp.sqrt({var} / {dtype}({n}) + wp.abs({eps}))"
                if dtype != "float"
                else f"{inv} = 1.0 / wp.sqrt({var} / float({n}) + wp.abs({eps}))"
            )
            with k.block(f"for {j} in range({n}):"):
                k.store(y, f"{row}, {j}", f"({x}[{row}, {j}] - {mean}) * {inv}")
            desc = (
                f"Normalizes each row of {code(x)} to zero mean and unit variance (epsilon {code(eps)}) "
                f"into {code(y)}, one row per thread."
            )
    doc = _DOCS[kind] if rng.random() < policy.docstring_rate else None
    return k.spec(rng.choice(_NAMES[kind]), desc, doc)


def _rmsnorm(k: Kernel, rng: random.Random, x: str, y: str, dtype: str) -> str:
    lit = lambda v: scalar_literal(v, dtype)  # noqa: E731
    row = k.tid(k.fresh("row", "i", "tid"), remap=False, guard=False)
    k.guard(row, f"{x}.shape[0]", "one thread per row")
    n, j, ss = k.fresh("n", "cols", "dim"), k.fresh("j", "col", "c"), k.fresh("ss", "sum_sq", "acc")
    eps = k.value(k.pick(("eps", "epsilon")), dtype)
    k.line(f"{n} = {x}.shape[1]")
    k.line(f"{ss} = {zero(dtype)}")
    with k.block(f"for {j} in range({n}):"):
        k.line(f"{ss} += {x}[{row}, {j}] * {x}[{row}, {j}]")
    r = k.fresh("inv_rms", "rstd", "scale")
    count = f"{dtype}({n})" if dtype != "float" else f"float({n})"
    k.line(f"{r} = {lit(1.0)} / wp.sqrt({ss} / {count} + wp.abs({eps}))")
    gamma = k.array(k.pick(("gamma", "weight", "scale_w")), dtype, "in") if rng.random() < 0.6 else None
    with k.block(f"for {j} in range({n}):"):
        value = f"{x}[{row}, {j}] * {r}" + (f" * {gamma}[{j}]" if gamma else "")
        k.store(y, f"{row}, {j}", value)
    if gamma:
        k.notes.append(f"scales the features by {code(gamma)}")
    return f"Divides each row of {code(x)} by its root mean square (epsilon {code(eps)}) into {code(y)}."


def _glu(k: Kernel, rng: random.Random, x: str, y: str, dtype: str) -> str:
    fn, template, phrase = _activation(rng, dtype)
    i, j = k.fresh("i", "row", "b_idx"), k.fresh("j", "col", "f")
    k.tid(i, j)
    half = k.fresh("h", "half", "d")
    k.line(f"{half} = {y}.shape[1]")
    with k.block(f"if {j} >= {half} or 2 * {half} > {x}.shape[1]:", "the input holds value and gate halves"):
        k.line("return")
    a, g = k.fresh("a", "value", "u"), k.fresh("g", "gate", "v")
    k.line(f"{a} = {x}[{i}, {j}]")
    k.line(f"{g} = {x}[{i}, {j} + {half}]")
    if rng.random() < 0.6:
        k.helper(f"@wp.func\ndef {fn}(x: {dtype}):\n    return " + template.replace("{x}", "x"))
        gated = f"{fn}({g})"
    else:
        gated = "(" + template.replace("{x}", g) + ")"
    k.store(y, f"{i}, {j}", f"{a} * {gated}")
    return f"Multiplies the first half of each row of {code(x)} by the {phrase} of the second half into {code(y)}."
