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
}
_DOCS = {
    "act": "Element-wise activation.",
    "bias": "Bias add and activation.",
    "softmax": "Row-wise softmax.",
    "layernorm": "Row-wise layer normalization.",
}
_NAMES = {
    "act": ("activation", "apply_activation", "forward_act", "relu_kernel", "nonlinearity", "act_fwd"),
    "bias": ("bias_activation", "dense_bias_act", "add_bias", "linear_epilogue", "bias_act_fwd"),
    "softmax": ("softmax", "row_softmax", "softmax_rows", "attention_softmax", "normalize_rows"),
    "layernorm": ("layer_norm", "layernorm_fwd", "normalize_features", "row_normalize", "standardize_rows"),
}


def _activation(rng: random.Random, dtype: str) -> tuple[str, str, str]:
    """(helper name, expression template in ``{x}``, phrase) of a drawn activation."""
    act = rng.choice(tuple(_ACT))
    body, phrase = _ACT[act]
    lit = lambda v: scalar_literal(v, dtype)  # noqa: E731
    text = (
        body.replace("{z}", lit(0.0)).replace("{one}", lit(1.0)).replace("{slope}", lit(rng.choice((0.01, 0.1, 0.2))))
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
    if kind in ("act", "bias"):
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
                k.line(f"{y}[{row}, {j}] = wp.exp({x}[{row}, {j}] - {m}) / {s}")
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
                k.line(f"{y}[{row}, {j}] = ({x}[{row}, {j}] - {mean}) * {inv}")
            desc = (
                f"Normalizes each row of {code(x)} to zero mean and unit variance (epsilon {code(eps)}) "
                f"into {code(y)}, one row per thread."
            )
    doc = _DOCS[kind] if rng.random() < policy.docstring_rate else None
    return k.spec(rng.choice(_NAMES[kind]), desc, doc)
