"""Dense layers written as kernels: one output neuron per thread, y = act(W x + b), gathering a row
of the weight matrix, and the matching weight-gradient outer product."""

from __future__ import annotations

import random

from generators.motifs.kit import Kernel, code, zero
from generators.motifs.names import Namer
from generators.policy import Policy
from generators.spec import KernelSpec

FAMILY = "dense_layer"
_NAMES = {
    "forward": ("dense_forward", "linear_fwd", "mlp_layer", "fc_forward", "matvec_bias_act"),
    "grad": ("dense_weight_grad", "linear_bwd_weights", "outer_product_grad", "fc_grad_w", "accumulate_grad"),
    "batched": ("dense_batched", "linear_forward_batch", "mlp_forward", "batched_fc", "layer_forward"),
    "input_grad": ("dense_input_grad", "linear_bwd_input", "backprop_inputs", "fc_grad_x", "matvec_transpose"),
}
_ACTS = {"relu": "wp.max({v}, 0.0)", "tanh": "wp.tanh({v})", "sigmoid": "1.0 / (1.0 + wp.exp(-{v}))", "none": "{v}"}


def build(rng: random.Random, policy: Policy) -> KernelSpec:
    k, nm = Kernel(rng, policy, FAMILY), Namer(rng)
    kind = rng.choice(tuple(_NAMES))
    if kind in _KINDS:
        desc = _KINDS[kind](k, rng, policy, nm)
        doc = (
            rng.choice(("Fully connected layer.", "Dense layer kernel."))
            if rng.random() < policy.docstring_rate
            else None
        )
        return k.spec(rng.choice(_NAMES[kind]), desc, doc)
    w = k.array(
        k.pick(("weights", "W", "w", "kernel_w", "layer_w")), "float", "in" if kind == "forward" else "out", ndim=2
    )
    if kind == "forward":
        x = k.array(k.fresh(nm.plain("x", "inputs", "h_in", "features")), "float", "in")
        b = k.array(k.pick(("bias", "b", "layer_b")), "float", "in") if rng.random() < 0.7 else None
        y = k.array(k.fresh(nm.plain("y", "outputs", "h_out", "activations")), "float", "out")
        i = k.tid(k.fresh("i", "row", "neuron"), remap=False, guard=False)
        k.guard(i, f"{w}.shape[0]", "one thread per output neuron")
        s, j = k.fresh("s", "acc", "z"), k.fresh("j", "col", "k")
        k.line(f"{s} = {b}[{i} % {b}.shape[0]]" if b else f"{s} = {zero('float')}")
        with k.block(f"for {j} in range(wp.min({w}.shape[1], {x}.shape[0])):"):
            k.line(f"{s} += {w}[{i}, {j}] * {x}[{j}]")
        act = rng.choice(tuple(_ACTS))
        if act != "none" and rng.random() < policy.helper_rate:
            fn = f"{act}_act" if rng.random() < 0.5 else f"activate_{act}"
            k.helper(f"@wp.func\ndef {fn}(v: float):\n    return " + _ACTS[act].format(v="v"))
            value = f"{fn}({s})"
        else:
            value = _ACTS[act].format(v=s)
        notes = []
        if rng.random() < 0.35:
            gamma = k.array(k.pick(("gamma", "layer_scale", "gain")), "float", "in")
            value = (
                f"{gamma}[{i} % {gamma}.shape[0]] * ({value})"
                if " " in value
                else f"{gamma}[{i} % {gamma}.shape[0]] * {value}"
            )
            notes.append(f"scales each neuron by {code(gamma)}")
        if rng.random() < 0.35:
            value = f"{x}[{i} % {x}.shape[0]] + {value}"
            notes.append("adds the input as a residual")
        k.store(y, i, value)
        k.notes.extend(notes)
        desc = (
            f"Computes one output of a dense layer per thread: {code(y)} = {act if act != 'none' else 'identity'}"
            f"({code(w)} {code(x)}{' + ' + code(b) if b else ''})."
        )
    else:
        dy = k.array(k.pick(("grad_out", "dy", "delta", "adj_y")), "float", "in")
        x = k.array(k.fresh(nm.plain("x", "inputs", "h_in", "features")), "float", "in")
        lr = k.value(k.pick(("scale", "lr", "alpha")), "float") if rng.random() < 0.5 else None
        i, j = k.fresh("i", "row"), k.fresh("j", "col")
        k.tid(i, j)
        g = k.fresh("g", "grad", "dw")
        k.line(
            f"{g} = {dy}[{i} % {dy}.shape[0]] * {x}[{j} % {x}.shape[0]]",
            "outer product of the output gradient and the input",
        )
        if rng.random() < 0.4:
            clip = k.value(k.pick(("clip", "max_grad", "grad_clip")), "float")
            k.line(f"{g} = wp.clamp({g}, -wp.abs({clip}), wp.abs({clip}))", "element-wise gradient clipping")
            k.notes.append(f"clips the gradient to {code(clip)}")
        if lr and rng.random() < 0.4:
            decay = k.value(k.pick(("weight_decay", "decay", "l2")), "float")
            k.line(f"{g} += {decay} * {w}[{i}, {j}]", "L2 weight decay")
            k.notes.append(f"adds weight decay {code(decay)}")
        if lr:
            k.line(f"{w}[{i}, {j}] = {w}[{i}, {j}] - {lr} * {g}", "gradient step in place")
            desc = (
                f"Takes a gradient step of size {code(lr)} on {code(w)} with the outer product of "
                f"{code(dy)} and {code(x)}."
            )
        else:
            k.line(f"wp.atomic_add({w}, {i}, {j}, {g})")
            desc = (
                f"Accumulates the outer product of {code(dy)} and {code(x)} into the weight gradient "
                f"{code(w)} with atomics."
            )
    doc = (
        rng.choice(("Fully connected layer.", "Dense layer kernel.")) if rng.random() < policy.docstring_rate else None
    )
    return k.spec(rng.choice(_NAMES[kind]), desc, doc)


def _act_of(k: Kernel, rng: random.Random, policy: Policy, value: str) -> tuple[str, str]:
    """(the drawn activation applied to ``value``, its name), sometimes through a @wp.func."""
    act = rng.choice(tuple(_ACTS))
    if act != "none" and rng.random() < policy.helper_rate:
        fn = f"{act}_act" if rng.random() < 0.5 else f"activate_{act}"
        k.helper(f"@wp.func\ndef {fn}(v: float):\n    return " + _ACTS[act].format(v="v"))
        return f"{fn}({value})", act
    return _ACTS[act].format(v=value), act


def _batched(k: Kernel, rng: random.Random, policy: Policy, nm: Namer) -> str:
    """One (sample, neuron) pair per thread of a 2-D launch: y[b, i] = act(W[i] . x[b] + bias[i])."""
    w = k.array(k.pick(("weights", "W", "w", "layer_w")), "float", "in", ndim=2)
    x = k.array(k.fresh(nm.plain("x", "inputs", "h_in", "batch_in")), "float", "in", ndim=2)
    b = k.array(k.pick(("bias", "b", "layer_b")), "float", "in") if rng.random() < 0.7 else None
    y = k.array(k.fresh(nm.plain("y", "outputs", "h_out", "batch_out")), "float", "out", ndim=2)
    n, i = k.fresh("b_idx", "sample", "n"), k.fresh("i", "row", "neuron")
    k.tid(n, i)
    with k.block(f"if {i} >= {w}.shape[0] or {n} >= {x}.shape[0]:"):
        k.line("return")
    s, j = k.fresh("s", "acc", "z"), k.fresh("j", "col", "k")
    k.line(f"{s} = {b}[{i}]" if b else f"{s} = {zero('float')}")
    with k.block(f"for {j} in range(wp.min({w}.shape[1], {x}.shape[1])):"):
        k.line(f"{s} += {w}[{i}, {j}] * {x}[{n}, {j}]")
    value, act = _act_of(k, rng, policy, s)
    k.store(y, f"{n}, {i}", value)
    return (
        f"Computes a batch of dense layer outputs, one (sample, neuron) per thread: {code(y)} = "
        f"{act if act != 'none' else 'identity'}({code(w)} {code(x)}{' + ' + code(b) if b else ''})."
    )


def _input_grad(k: Kernel, rng: random.Random, policy: Policy, nm: Namer) -> str:
    """dx = W^T dy, one input per thread, optionally through the activation's derivative."""
    w = k.array(k.pick(("weights", "W", "w", "layer_w")), "float", "in", ndim=2)
    dy = k.array(k.pick(("grad_out", "dy", "delta", "adj_y")), "float", "in")
    dx = k.array(k.pick(("grad_in", "dx", "adj_x", "delta_in")), "float", "out")
    j = k.tid(k.fresh("j", "col", "tid"), remap=False, guard=False)
    k.guard(j, f"{w}.shape[1]", "one thread per input")
    s, i = k.fresh("s", "acc", "g"), k.fresh("i", "row", "k")
    k.line(f"{s} = {zero('float')}")
    with k.block(f"for {i} in range(wp.min({w}.shape[0], {dy}.shape[0])):", "a column of W against dy"):
        k.line(f"{s} += {w}[{i}, {j}] * {dy}[{i}]")
    if rng.random() < 0.5:
        pre = k.array(k.pick(("pre_act", "z_in", "h_prev")), "float", "in")
        k.line(f"{s} = wp.where({pre}[{j}] > 0.0, {s}, 0.0)", "through the ReLU of the layer below")
        k.notes.append(f"masks by the ReLU derivative at {code(pre)}")
    k.store(dx, j, s)
    return f"Backpropagates {code(dy)} through the weights {code(w)} into the input gradient {code(dx)}."


_KINDS = {"batched": _batched, "input_grad": _input_grad}
