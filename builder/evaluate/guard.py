"""Launch arguments that catch a kernel writing where it must not, and the verdict on its outputs.

Every array is a fresh copy of the recorded inputs inside a larger buffer whose margins hold a
known byte pattern: a write just past either end changes the margin and is reported (a write
far away may crash the worker instead, which the parent reports as a crash). After the launch
the outputs are compared with the reference's under the tolerance ``--verify execute`` uses, and
an array the reference leaves as it was but the prediction changed is a write to an input.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from builder.verify.execute import same_outputs
from builder.verify.inputs import array_outputs, warp_arguments

MARGIN = 256  # bytes of guard pattern on each side of every array (a multiple of any alignment Warp needs)
PATTERN = 0xA5


class Guarded:
    """The launch arguments of one launch, with the guard buffers kept alive beside them."""

    def __init__(self, kernel, records: list[dict]) -> None:
        import warp as wp

        arguments, self._keep = warp_arguments(kernel, records, "cpu")
        self.buffers: list[tuple[str, np.ndarray, int]] = []
        self.arguments = [
            self._guard(wp, arg.label, value) if isinstance(value, wp.array) else value
            for arg, value in zip(kernel.adj.args, arguments, strict=True)
        ]

    def _guard(self, wp, name: str, array) -> Any:
        data = array.numpy()
        raw = np.ascontiguousarray(data).view(np.uint8).reshape(-1)
        buffer = np.full(raw.size + 2 * MARGIN, PATTERN, dtype=np.uint8)
        buffer[MARGIN : MARGIN + raw.size] = raw
        self.buffers.append((name, buffer, raw.size))
        return wp.array(ptr=buffer.ctypes.data + MARGIN, dtype=array.dtype, shape=array.shape, device="cpu")

    def adjoints(self, kernel, seed: int) -> Guarded:
        """Adjoint arguments of the same shapes: seeded values in float arrays, zeros elsewhere."""
        import warp as wp

        rng = np.random.default_rng([seed, 7])
        copy = object.__new__(Guarded)
        copy._keep, copy.buffers, copy.arguments = [], [], []
        for arg, value in zip(kernel.adj.args, self.arguments, strict=True):
            if isinstance(value, wp.array):
                data = value.numpy()
                seeded = (
                    rng.uniform(-1.0, 1.0, size=data.shape).astype(data.dtype)
                    if data.dtype.kind == "f"
                    else np.zeros_like(data)
                )
                copy.arguments.append(copy._guard(wp, arg.label, wp.array(seeded, dtype=value.dtype, device="cpu")))
            else:
                copy.arguments.append(value)
        return copy

    def overrun(self) -> str | None:
        """The first array whose margins were written, or None."""
        for name, buffer, size in self.buffers:
            if (buffer[:MARGIN] != PATTERN).any() or (buffer[MARGIN + size :] != PATTERN).any():
                return name
        return None

    def outputs(self, kernel, prefix: str = "") -> list[dict]:
        outputs = array_outputs(kernel, self.arguments)
        for output in outputs:
            output["name"] = prefix + output["name"]
        return outputs


def verdict(
    outputs: list[dict], expected: list[dict], inputs: dict[str, Any] | None = None, what: str = "output"
) -> tuple[str, str] | None:
    """``(reason, detail)`` for the first array that differs from ``expected``, or None if all agree.

    ``inputs`` maps array names to their recorded input values: an array the reference left
    unchanged that differs now was written by the prediction.
    """
    if [o["name"] for o in outputs] != [o["name"] for o in expected]:
        return "execute: wrong outputs", "the arrays differ from the reference's"
    for got, want in zip(outputs, expected, strict=False):
        if inputs is not None and inputs.get(got["name"]) == want["values"]:
            # An array the reference only reads must come back bit for bit: no tolerance for writes to inputs.
            if not same_outputs([got], [want], tolerant=False):
                return "execute: wrote an input array", got["name"]
        elif not same_outputs([got], [want], tolerant=True):
            return f"execute: wrong {what}", got["name"]
    return None
