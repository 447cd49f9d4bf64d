"""The scoring child process: compiles spliced units in batches, launches them, answers line by line.

``builder.evaluate.score`` starts ``python -m builder.evaluate.worker MEMORY_BYTES`` and sends one
JSON request per line: ``{"items": [...]}``. The worker answers ``{"compiled": [error | null, ...]}``
once the batch is compiled, then ``{"item": i, "reason": ..., "detail": ...}`` for each item it runs
(reason null: equivalent), then ``{"done": true}``. One answer per item lets the parent name the item
that was running when the worker crashed or hung. An item is ``{"backend", "unit", "reference_unit",
"kernel_name", "python_source", "pass", "io_examples", "seed", "index"}``; ``reference_unit`` is
compiled beside it when the reference's outputs must be computed here (the backward pass, or a row
without ``io_examples``).
"""

from __future__ import annotations

import ctypes
import itertools
import json
import os
import re
import resource
import shutil
import sys
import tempfile
from pathlib import Path

from builder.codegen.ir import import_warp, loaded_kernel, start_warp_runtime
from builder.errors import one_line
from builder.evaluate.guard import Guarded, verdict
from builder.verify.compile import CompileError, batch_unit, build_cpu_object, compile_ptx, compiler_log, preamble
from builder.verify.inputs import block_dim, draw_inputs, launch, launch_dims, resolved_block_dim
from generators import KernelSpec

OPTIMIZATION_LEVEL = 0  # scoring compares outputs under a tolerance; -O0 compiles several times faster
_CLANG_ERROR = re.compile(r"kernel\.cpp:(\d+):\d+: error: (.*)")
_BLOCK_DIM = re.compile(r"^#define WP_TILE_BLOCK_DIM \d+$", re.MULTILINE)
_handles = itertools.count()


def with_block_dim(unit: str, block_dim: int) -> str:
    """``unit`` built for launches of ``block_dim`` threads per block, as the recorded launches were."""
    return _BLOCK_DIM.sub(f"#define WP_TILE_BLOCK_DIM {block_dim}", unit, count=1)


def compile_batch(sources: list[str], folder: Path) -> list[tuple[str, str] | str]:
    """Per source: ``(LLVM handle, symbol suffix)`` of its loaded object, or the compile error.

    Equal sources (a prediction equal to the reference it is compared with) are compiled once.
    """
    distinct = list(dict.fromkeys(sources))
    built = _compile_distinct(distinct, folder)
    position = {source: i for i, source in enumerate(distinct)}
    return [built[position[source]] for source in sources]


def _compile_distinct(sources: list[str], folder: Path) -> list[tuple[str, str] | str]:
    results: list[tuple[str, str] | str] = [""] * len(sources)
    groups: dict[str, list[int]] = {}
    for i, source in enumerate(sources):
        groups.setdefault(preamble(source), []).append(i)
    for members in groups.values():
        pending = list(members)
        while pending:
            unit = batch_unit([sources[i] for i in pending])
            try:
                results_of = _build(unit, folder, len(pending))
            except CompileError as error:
                if len(pending) == 1:
                    results[pending[0]] = f"{error.reason}: {error.detail}"
                    break
                blamed = _blame(unit, compiler_log(), len(pending))
                if not blamed:  # an error outside every unit's own code: compile each alone
                    for i in pending:
                        results[i] = _compile_distinct([sources[i]], folder)[0]
                    break
                for n, message in blamed.items():
                    results[pending[n]] = f"cpu compile: {message}"
                pending = [i for n, i in enumerate(pending) if n not in blamed]
                continue
            for n, i in enumerate(pending):
                results[i] = results_of[n]
            break
    return results


def _build(unit: str, folder: Path, count: int) -> list[tuple[str, str] | str]:
    """Compile and load one batch unit; per member its (handle, suffix), or why it did not load."""
    wp, context = import_warp()
    obj = folder / f"batch{next(_handles)}.o"
    build_cpu_object(unit, obj, OPTIMIZATION_LEVEL, "-ferror-limit 0")  # every failing unit in one run
    handle = f"warp_ir_pairs_eval_{obj.stem}"
    if context.runtime.llvm.wp_load_obj(str(obj).encode(), handle.encode(), wp.config.legacy_cpu_linker) != 0:
        return ["cpu compile: the object did not load"] * count
    return [(handle, f"_batch_{n}") for n in range(count)]


def _blame(unit: str, log: str, count: int) -> dict[int, str]:
    """Members of a batch unit that Clang's errors point into, with each one's first error.

    Each member sits in ``namespace wp_batch_<n>``, so the line of an error names its member. Clang
    stops after a few errors: members it did not reach are compiled again in the next round.
    """
    starts = [unit[: unit.find(f"namespace wp_batch_{n} {{")].count("\n") + 1 for n in range(count)]
    blamed: dict[int, str] = {}
    for match in _CLANG_ERROR.finditer(log):
        line = int(match.group(1))
        member = max((n for n, start in enumerate(starts) if start <= line), default=None)
        if member is None:
            return {}  # an error in the shared preamble: nobody's own code
        blamed.setdefault(member, f"error: {match.group(2).strip()[:300]}")
    return blamed


def hooks(compiled: tuple[str, str], kernel_name: str):
    """The forward and backward entry points of one compiled unit, as Warp's launch wants them."""
    _, context = import_warp()
    handle, suffix = compiled
    function = ctypes.CFUNCTYPE(None)

    def entry(direction: str):
        address = context.runtime.llvm.wp_lookup(handle.encode(), f"{kernel_name}_cpu_{direction}{suffix}".encode())
        return function(address) if address else None

    return context.KernelHooks(entry("forward"), entry("backward"))


def use_hooks(kernel, kernel_hooks, block_dim: int) -> None:
    """Make ``wp.launch`` run ``kernel_hooks`` for ``kernel`` instead of building Warp's own code."""
    _, context = import_warp()
    executable = context.ModuleExec(None, None, context.runtime.get_device("cpu"), {}, block_dim)
    executable.kernel_names[kernel] = "evaluated"
    executable.kernel_hooks["evaluated"] = kernel_hooks
    kernel.module.options["strip_hash"] = True  # Module.load then returns the executable as it is
    kernel.module.execs[(None, block_dim)] = executable
    loader = type(kernel.module).load

    def load(*args, **kwargs):
        # Module.load hashes the module (which prepares what a launch reads) and returns the executable.
        if loader(kernel.module, *args, **kwargs) is not executable:
            raise RuntimeError("the launch asked for another block size; Warp's own code would have run")
        return executable

    kernel.module.load = load


def run_item(item: dict, predicted, reference, tag: str) -> tuple[str, str] | None:
    """Launch one prediction on the row's examples; ``(reason, detail)`` or None if it is equivalent."""
    spec = KernelSpec(item["kernel_name"], "", "", item["python_source"])
    with loaded_kernel(spec, tag=tag) as kernel:
        block = resolved_block_dim(spec, "cpu")
        for example in examples(item, spec, kernel):
            records = example["inputs"]
            inputs = {r["name"]: r["values"] for r in records if r["kind"] == "array"}
            if item["pass"] == "forward":
                expected = example.get("outputs")
                if reference is not None:
                    expected = launched(kernel, spec, reference, block, records)[0]
                outputs, overrun = launched(kernel, spec, predicted, block, records)
                if overrun:
                    return "execute: wrote out of bounds", overrun
                failed = verdict(outputs, expected, inputs)
            else:
                expected = launched(kernel, spec, reference, block, records, adjoint=item["index"])[0]
                outputs, overrun = launched(kernel, spec, predicted, block, records, adjoint=item["index"])
                if overrun:
                    return "execute: wrote out of bounds", overrun
                failed = verdict(outputs, expected, inputs, what="adjoint")
            if failed:
                return failed
    return None


def examples(item: dict, spec: KernelSpec, kernel) -> list[dict]:
    """The recorded examples, or inputs drawn as ``--verify execute`` draws them (outputs unknown)."""
    if item.get("io_examples"):
        return json.loads(item["io_examples"])["examples"]
    return [{"inputs": draw_inputs(spec, kernel, item["seed"], item["index"], n)} for n in range(2)]


def launched(
    kernel, spec, kernel_hooks, block: int, records: list[dict], adjoint: int | None = None
) -> tuple[list[dict], str | None]:
    """Outputs of one launch on fresh copies of ``records`` (adjoints too for ``adjoint``), and any overrun."""
    import warp as wp

    use_hooks(kernel, kernel_hooks, block)
    arguments = Guarded(kernel, records)
    if adjoint is None:
        launch(kernel, spec, arguments.arguments)
        return arguments.outputs(kernel), arguments.overrun()
    adjoints = arguments.adjoints(kernel, adjoint)
    tile = block_dim(spec)
    dims = launch_dims(spec) + ((tile,) if tile is not None else ())  # as wp.launch_tiled extends it
    wp.launch(
        kernel,
        dim=dims,
        inputs=arguments.arguments,
        adj_inputs=adjoints.arguments,
        adjoint=True,
        device="cpu",
        block_dim=tile or 256,
    )
    wp.synchronize_device("cpu")
    return arguments.outputs(kernel) + adjoints.outputs(kernel, "adj_"), arguments.overrun() or adjoints.overrun()


def handle(request: dict, answer, scratch: Path, cuda: bool) -> None:
    """Compile every item of ``request``, then run each, answering as each finishes."""
    items = request["items"]
    cpu = [i for i, item in enumerate(items) if item["backend"] == "cpu"]
    sources, slots = [], {}
    for i in cpu:
        block = json.loads(items[i]["io_examples"])["launch"]["block_dim"] if items[i].get("io_examples") else 1
        slots[i] = [len(sources)]
        sources.append(with_block_dim(items[i]["unit"], block))
        if items[i].get("reference_unit"):
            slots[i].append(len(sources))
            sources.append(with_block_dim(items[i]["reference_unit"], block))
    built = compile_batch(sources, scratch)
    errors: list[str | None] = [None] * len(items)
    for i in cpu:
        errors[i] = built[slots[i][0]] if isinstance(built[slots[i][0]], str) else None
    for i, item in enumerate(items):
        if item["backend"] == "cuda":
            try:
                compile_ptx(item["unit"], item.get("arch", 90))
            except CompileError as error:
                errors[i] = f"{error.reason}: {error.detail}"
    answer({"compiled": errors})
    for i, item in enumerate(items):
        if errors[i] is not None or not item.get("execute", True):
            continue
        if item["backend"] == "cuda":
            answer(
                {
                    "item": i,
                    "reason": "not run: no GPU" if not cuda else "not run: CUDA launches not supported yet",
                    "detail": "",
                }
            )
            continue
        reference = built[slots[i][1]] if len(slots[i]) > 1 else None
        if isinstance(reference, str):
            answer({"item": i, "reason": "execute: the reference did not compile", "detail": reference[:200]})
            continue
        try:
            failed = run_item(
                item,
                hooks(built[slots[i][0]], item["kernel_name"]),
                reference and hooks(reference, item["kernel_name"]),
                f"_ev{next(_handles)}",
            )
        except Exception as error:  # a launch Warp refuses: that prediction's failure, not the worker's
            failed = ("execute: launch error", one_line(error, limit=200))
        answer({"item": i, "reason": failed and failed[0], "detail": failed[1] if failed else ""})
    answer({"done": True})
    _, context = import_warp()
    for loaded in {b[0] for b in built if isinstance(b, tuple)}:
        context.runtime.llvm.wp_unload_obj(loaded.encode())


def warm_up() -> None:
    """Build one of each acceleration structure, so Warp compiles (or finds in its cache) the modules
    they need now, not inside the first prediction's time limit."""
    import numpy as np

    from builder.verify.inputs import _build_structure, _structure_data

    points = np.zeros((8, 3), dtype=np.float32)
    for kind in ("mesh", "bvh", "hash_grid", "volume"):
        _build_structure({"kind": kind, "name": kind, **_structure_data(kind, points)}, "cpu")


def serve(memory_bytes: int) -> None:
    """Read requests from stdin until it closes; answer on the original stdout, one JSON line each."""
    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # what kernels or compilers print must not mix with the answers

    def answer(message: dict) -> None:
        answers.write(json.dumps(message) + "\n")
        answers.flush()

    scratch = Path(tempfile.mkdtemp(prefix="warp-ir-pairs-evaluate-"))
    try:
        wp, _ = start_warp_runtime()
        warm_up()
        cuda = wp.get_cuda_device_count() > 0
        answer({"ready": True, "cuda": cuda})
        for line in sys.stdin:
            handle(json.loads(line), answer, scratch, cuda)
            for obj in scratch.glob("*.o"):
                obj.unlink()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    serve(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
