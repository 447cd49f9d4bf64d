"""KernelSpec -> Warp's code generator -> forward / backward functions and translation units.

Each kernel gets a Warp module of its own, built once and generated for both targets, then
removed from Warp's registries so memory stays flat. The source reaches Warp through
``linecache`` under one fixed file name, and Warp's global function-name counter is reset around
every kernel, so the IR text depends only on the Python source: never on which kernels came
before it in the process or shared its shard.
"""

from __future__ import annotations

import linecache
import os
import sys
import tempfile
import types
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from builder.errors import ExtractionError, one_line
from generators import KernelSpec

BACKENDS = ("cpu", "cuda")
# Emitted code names its source file in comments; a fixed name keeps IR free of build details.
SOURCE_FILENAME = "kernel.py"
_MODULE_PREFIX = "warp_ir_pairs_kernel_"
_NO_DRIVER = "Could not find or load the NVIDIA CUDA driver"


@dataclass(frozen=True)
class BackendIR:
    """What Warp emitted for one target."""

    forward: str
    backward: str
    source: str


def import_warp():
    """Import Warp lazily: planning and synthesis never need it (its runtime starts when first needed)."""
    import warp
    import warp._src.context as context

    warp.config.log_level = warp.LOG_ERROR  # Warp's greeting is noise here
    return warp, context


def start_warp_runtime():
    """``import_warp()`` with Warp's runtime started, its no-CUDA-driver line kept out of stderr."""
    warp, context = import_warp()
    if context.runtime is None:
        _init_quietly(warp)
    return warp, context


def cuda_driver_found() -> bool:
    """Whether Warp found a CUDA driver; without one, CUDA source is still generated (no GPU is needed)."""
    warp, _ = start_warp_runtime()
    return warp.is_cuda_available()


def _init_quietly(warp) -> None:
    # Warp's native code prints "Could not find or load the NVIDIA CUDA driver" to stderr when its
    # runtime starts, once per process, in the middle of progress bars; the build summary says it
    # once instead (cuda_driver_found). Other native messages still reach stderr. Not started on
    # import: extract's workers run under a memory limit that loading the runtime would exceed.
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            warp.init()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        sink.seek(0)
        text = sink.read().decode(errors="replace")
    kept = [line for line in text.splitlines() if line and _NO_DRIVER not in line]
    if kept:
        print("\n".join(kept), file=sys.stderr)


def warp_version() -> str:
    return import_warp()[0].__version__


def extract(spec: KernelSpec, backends: Iterable[str] = BACKENDS) -> dict[str, BackendIR]:
    """Run Warp's code generator on ``spec`` for each backend in ``backends``."""
    backends = tuple(backends)
    unknown = [b for b in backends if b not in BACKENDS]
    if unknown:
        raise ValueError(f"unknown backend(s) {unknown}; allowed: {list(BACKENDS)}")
    with loaded_kernel(spec) as kernel:
        try:
            _, emitted = generate(kernel.module, backends)
        except Exception as error:  # Warp raises many types; all mean "no IR for this kernel"
            raise ExtractionError(f"codegen {type(error).__name__}", one_line(error, typed=False)) from error
    return {b: split_functions(spec.kernel_name, b, source) for b, source in emitted.items()}


def generate(
    module, backends: Iterable[str], kernels: list | None = None, **overrides
) -> tuple[object, dict[str, str]]:
    """Warp's ``ModuleBuilder`` of ``module`` and the translation unit it emits for each backend.

    Symbol names carry no content hash (the module's ``strip_hash`` option is set) and no GPU
    architecture is assumed. ``kernels``: build only these (with what they call); ``overrides``
    replace resolved module options (``enable_backward``, ``block_dim``).
    """
    warp, context = import_warp()
    module.options["strip_hash"] = True  # read by Kernel.get_mangled_name, not from the builder's options
    options = module.resolve_options(warp.config) | {"output_arch": None} | overrides
    hasher = context.ModuleHasher(kernels, options) if kernels is not None else None
    builder = context.ModuleBuilder(module, options, hasher)
    return builder, {b: builder.codegen(b) for b in backends}


@contextmanager
def loaded_kernel(spec: KernelSpec, tag: str = "") -> Iterator:
    """The ``warp.Kernel`` of ``spec`` in a module of its own, removed from Warp's registries on exit.

    ``tag`` makes the module name unique when kernels of the same name are compiled in one
    process (Warp keeps loaded binaries by module name).
    """
    warp, context = import_warp()
    module_name = _MODULE_PREFIX + spec.kernel_name + tag
    counts = context.function_key_counts
    saved_counts = dict(counts)
    counts.clear()  # helpers are numbered from 0 in every kernel (`helper_0`), whatever ran before
    try:
        yield _load_kernel(spec, module_name, warp)
    finally:
        counts.clear()
        counts.update(saved_counts)
        context.user_modules.pop(module_name, None)
        sys.modules.pop(module_name, None)
        linecache.cache.pop(SOURCE_FILENAME, None)


def _load_kernel(spec: KernelSpec, module_name: str, warp):
    """Execute the source as a module Warp can read back with ``inspect``."""
    source = spec.python_source
    linecache.cache[SOURCE_FILENAME] = (len(source), None, source.splitlines(True), SOURCE_FILENAME)
    module = types.ModuleType(module_name)
    module.__file__ = SOURCE_FILENAME
    module.wp = warp
    sys.modules[module_name] = module
    try:
        exec(compile(source, SOURCE_FILENAME, "exec"), module.__dict__)
    except Exception as error:
        raise ExtractionError(f"load {type(error).__name__}", one_line(error, typed=False)) from error
    kernel = getattr(module, spec.kernel_name, None)
    if not isinstance(kernel, warp.Kernel):
        raise ExtractionError("load no kernel", f"source defines no @wp.kernel named {spec.kernel_name!r}")
    return kernel


def split_functions(kernel_name: str, backend: str, source: str) -> BackendIR:
    """The forward and backward functions of ``kernel_name`` in a translation unit Warp emitted for ``backend``."""
    return BackendIR(
        forward=function_text(source, f"{kernel_name}_{backend}_kernel_forward"),
        backward=function_text(source, f"{kernel_name}_{backend}_kernel_backward"),
        source=source,
    )


def function_text(source: str, symbol: str) -> str:
    """The definition of ``symbol`` in Warp's emitted code, template line included.

    Warp writes each definition as a signature, then ``{`` and ``}`` alone at column 0 with the
    body indented, so the closing line is the first ``}`` line after the opening ``{``.
    """
    # Plain string search: a regular expression anchored at every line start cost about 1 ms per kernel.
    call = symbol + "("
    found = source.find(call)
    while found > 0 and (source[found - 1].isalnum() or source[found - 1] == "_"):
        found = source.find(call, found + 1)
    if found < 0:
        raise ExtractionError("missing function", f"{symbol} not in emitted code")
    start = source.rfind("\n", 0, found) + 1
    if start:
        previous = source.rfind("\n", 0, start - 1) + 1
        line = source[previous : start - 1]
        if line.startswith("template <") and line.endswith(">"):
            start = previous
    opening = source.find("\n{\n", found)
    closing = source.find("\n}\n", opening)
    if opening < 0 or closing < 0:
        raise ExtractionError("malformed function", f"{symbol} has no body")
    return source[start : closing + 2]
