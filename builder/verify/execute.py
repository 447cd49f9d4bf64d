"""The verification worker: native compilation and CPU execution, in a child process.

``builder.verify.levels`` starts one ``python -m builder.verify.execute`` per build process and sends it one JSON
request per line; each answer is one JSON line. Compilers and kernels run here, so a crash (a
SIGFPE or SIGSEGV in a kernel, a compiler fault) or a hang costs one request, never the build.
The worker keeps Warp, its precompiled headers and its kernel cache warm between requests, and
removes its scratch folder when its input closes.

Requests (``op``):

- ``compile_cpu`` ``{"sources": [...]}`` -> ``{"errors": [null | "reason: detail", ...]}``
- ``compile_ptx`` ``{"source", "arch"}`` -> ``{"ptx"}`` or ``{"error"}``
- ``execute`` ``{"kernel_name", "python_source", "seed", "index"}`` -> the fields of ``Execution``
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from builder.codegen.ir import import_warp, loaded_kernel
from builder.errors import CompileError, one_line
from builder.verify.compile import compile_cpu, compile_ptx
from builder.verify.inputs import (
    block_dim,
    decode,
    draw_inputs,
    launch_dims,
    resolved_block_dim,
    run,
)
from generators import KernelSpec

# Launches recorded per kernel, each with inputs drawn from (seed, index, example).
EXAMPLES = 2
# (rtol, atol) per float width for comparisons that cannot be exact: CUDA against CPU, and
# repeated launches of kernels that apply atomics to floats (the order of the updates can differ).
TOLERANCES = {"float16": (1e-2, 1e-2), "float32": (1e-4, 1e-5), "float64": (1e-9, 1e-12)}
EXACT = "exact"
TOLERANT = "tolerance: float atomics (rtol/atol float16 1e-2/1e-2, float32 1e-4/1e-5, float64 1e-9/1e-12)"
IO_FORMAT = 1
_FLOAT_ATOMIC = re.compile(r"\bwp\.atomic_\w+\(")


@dataclass
class Execution:
    """What running one kernel on the CPU showed."""

    executed: bool
    io_examples: str = ""
    outputs_finite: bool | None = None
    reproducible: bool | None = None
    comparison: str = ""
    cuda_matches_cpu: bool | None = None
    failure: str | None = None


def execute(spec: KernelSpec, seed: int, index: int, *, cuda: bool = False) -> Execution:
    """Build ``spec`` for the CPU in release mode, launch it ``EXAMPLES`` times twice, record it all."""
    wp, _ = import_warp()
    with loaded_kernel(spec, tag=f"_x{seed}_{index}") as kernel:
        # Not ``strip_hash``: Warp would then find cached binaries by module name alone.
        kernel.module.options["mode"] = "release"
        try:
            kernel.module.load("cpu", block_dim=resolved_block_dim(spec, "cpu"))
        except Exception as error:
            return Execution(executed=False, failure=f"execute cpu build: {_described(error)}")
        comparison = TOLERANT if _float_atomics(spec, kernel) else EXACT
        examples, reproducible, matches = [], True, True if cuda else None
        try:
            for example in range(EXAMPLES):
                inputs = draw_inputs(spec, kernel, seed, index=index, example=example)
                outputs = run(kernel, spec, inputs, device="cpu")
                reproducible &= same_outputs(outputs, run(kernel, spec, inputs, device="cpu"), comparison != EXACT)
                if cuda:
                    matches &= same_outputs(outputs, run(kernel, spec, inputs, device="cuda:0"), tolerant=True)
                examples.append({"inputs": inputs, "outputs": outputs})
        except Exception as error:
            return Execution(executed=False, failure=f"execute launch: {_described(error)}")
        finally:
            kernel.module.unload()
    layout = {
        "format": IO_FORMAT,
        "launch": {
            "dim": list(launch_dims(spec)),
            "block_dim": resolved_block_dim(spec, "cpu"),
            "tiled": block_dim(spec) is not None,
            "device": "cpu",
        },
        "examples": examples,
    }
    return Execution(
        executed=True,
        io_examples=json.dumps(layout, separators=(",", ":")),
        outputs_finite=all(finite(e["outputs"]) for e in examples),
        reproducible=reproducible,
        comparison=comparison,
        cuda_matches_cpu=matches,
    )


def replay(spec: KernelSpec, io_examples: str, device: str = "cpu") -> list[list[dict]]:
    """Launch ``spec`` on the inputs recorded in ``io_examples``; the outputs of each example."""
    import_warp()
    layout = json.loads(io_examples)
    with loaded_kernel(spec, tag="_replay") as kernel:
        kernel.module.options["mode"] = "release"
        try:
            return [run(kernel, spec, example["inputs"], device=device) for example in layout["examples"]]
        finally:
            kernel.module.unload()


def same_outputs(a: list[dict], b: list[dict], tolerant: bool) -> bool:
    """Whether two output lists agree: bit for bit, or within ``TOLERANCES`` if ``tolerant``."""
    if [(o["name"], o["shape"]) for o in a] != [(o["name"], o["shape"]) for o in b]:
        return False
    for x, y in zip(a, b, strict=False):
        rtol, atol = TOLERANCES.get(_scalar_name(x["dtype"]), TOLERANCES["float32"])
        for left, right in zip(_leaves(x["values"]), _leaves(y["values"]), strict=False):
            if tolerant and left.dtype.kind == "f":
                if not np.allclose(left, right, rtol=rtol, atol=atol, equal_nan=True):
                    return False
            elif not np.array_equal(left, right, equal_nan=left.dtype.kind == "f"):
                return False
    return True


def finite(outputs: list[dict]) -> bool:
    """Whether every float in ``outputs`` is finite."""
    return all(bool(np.isfinite(v).all()) for o in outputs for v in _leaves(o["values"]) if v.dtype.kind == "f")


def _leaves(values) -> list[np.ndarray]:
    """The arrays of an encoded value: one, or one per struct field."""
    parts = values.values() if isinstance(values, dict) else [values]
    return [np.asarray(decode(v), dtype=np.float64 if _has_float(v) else None) for v in parts]


def _scalar_name(dtype: str) -> str:
    """``float16`` for ``vec3h``, ``float32`` for a struct (its fields may differ)."""
    import warp

    t = getattr(warp, dtype, None)
    return getattr(getattr(t, "_wp_scalar_type_", t), "__name__", "float32")


def _has_float(values) -> bool:
    if isinstance(values, list):
        return any(_has_float(v) for v in values)
    return isinstance(values, (float, str))


def _float_atomics(spec: KernelSpec, kernel) -> bool:
    from warp._src.types import float_types

    if not _FLOAT_ATOMIC.search(spec.python_source):
        return False
    return any(
        getattr(a.type, "dtype", None) is not None
        and getattr(a.type.dtype, "_wp_scalar_type_", a.type.dtype) in float_types
        for a in kernel.adj.args
    )


def _described(error: BaseException) -> str:
    return one_line(error, limit=200)


def handle(request: dict, cuda: bool) -> dict:
    """Answer one request."""
    op = request.get("op")
    if op == "compile_cpu":
        return {"errors": [None if e is None else f"{e.reason}: {e.detail}" for e in compile_cpu(request["sources"])]}
    if op == "compile_ptx":
        try:
            return {"ptx": compile_ptx(request["source"], request["arch"])}
        except CompileError as error:
            return {"error": f"{error.reason}: {error.detail}"}
    if op == "execute":
        spec = KernelSpec(request["kernel_name"], request.get("category", ""), "", request["python_source"])
        return asdict(execute(spec, request["seed"], request["index"], cuda=cuda))
    raise ValueError(f"unknown op {op!r}; allowed: compile_cpu, compile_ptx, execute")


def serve() -> None:
    """Read requests from stdin until it closes; answer each on the original stdout."""
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # whatever else is printed must not mix with the answers
    scratch = Path(tempfile.mkdtemp(prefix="warp-ir-pairs-verify-"))
    try:
        wp, _ = import_warp()
        wp.config.kernel_cache_dir = str(scratch / "kernels")
        wp.init()
        cuda = wp.get_cuda_device_count() > 0
        answers.write(json.dumps({"ready": True, "cuda": cuda}) + "\n")
        answers.flush()
        for line in sys.stdin:
            try:
                answer = handle(json.loads(line), cuda)
            except Exception as error:  # a bad request is answered, not fatal
                answer = {"fatal": _described(error)}
            answers.write(json.dumps(answer) + "\n")
            answers.flush()
            _clear_kernel_cache(scratch / "kernels")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _clear_kernel_cache(folder: Path) -> None:
    """Drop the modules Warp cached for finished kernels (the folder would grow with every kernel)."""
    if folder.is_dir():
        for entry in folder.iterdir():
            if entry.is_dir() and entry.name.startswith("warp_ir_pairs_kernel_"):
                shutil.rmtree(entry, ignore_errors=True)


if __name__ == "__main__":
    serve()
