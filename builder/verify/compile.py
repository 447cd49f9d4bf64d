"""Native compilation of the emitted translation units, with no GPU needed.

C++ goes through the Clang that ships inside Warp, CUDA through NVRTC to PTX, with the options
Warp uses when it loads a module in release mode and its precompiled headers. What is compiled is
the row's own ``cpp_source`` / ``cuda_source`` text.

C++ units are compiled in batches: one translation unit holds the shared preamble once and each
kernel's code in a namespace of its own (exported ``extern "C"`` entry points get a per-kernel
suffix), which spreads the fixed cost of a compiler run over the batch. Only a pass/fail flag is
kept from C++, so this cannot change any row. A batch that fails is compiled again one kernel at a
time to name the kernel(s) at fault. PTX is kept in the row, so each CUDA unit is compiled alone:
the PTX then depends on the kernel and the architecture only, never on its neighbours.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from builder.codegen.ir import start_warp_runtime
from builder.errors import CompileError

DEFAULT_CUDA_ARCH = 90
# Kernels per batched C++ translation unit.
CPU_BATCH = 16
_EXPORT = re.compile(r"^(WP_API void \w+)\(", re.MULTILINE)
# Clang and NVRTC both write "<file>:<line>: error: <what>"; Warp adds a line with the error code.
_ERROR_LINES = (re.compile(r"\berror: .*"), re.compile(r"error.*", re.IGNORECASE))
_workdir: Path | None = None


def supported_archs() -> tuple[int, ...]:
    """CUDA architectures (``90`` is sm_90) this Warp's NVRTC can target."""
    warp, context = start_warp_runtime()
    return tuple(sorted(context.runtime.nvrtc_supported_archs))


def compile_cpu(sources: Sequence[str]) -> list[CompileError | None]:
    """Compile each C++ unit natively; ``None`` where it compiled, the error where it did not."""
    results: list[CompileError | None] = [None] * len(sources)
    groups: dict[str, list[int]] = {}
    parts = [_split_preamble(s) for s in sources]
    for i, (preamble, _) in enumerate(parts):
        groups.setdefault(preamble, []).append(i)
    for preamble, members in groups.items():
        for start in range(0, len(members), CPU_BATCH):
            batch = members[start : start + CPU_BATCH]
            if len(batch) > 1:
                try:
                    _build_cpu(_batch_unit(preamble, [parts[i][1] for i in batch]))
                    continue
                except CompileError:
                    pass  # find out which kernel(s) fail on their own
            for i in batch:
                try:
                    _build_cpu(sources[i])
                except CompileError as error:
                    results[i] = error
    return results


def compile_ptx(source: str, arch: int = DEFAULT_CUDA_ARCH) -> str:
    """The PTX NVRTC makes of one CUDA unit for ``sm_<arch>``."""
    warp, context = start_warp_runtime()
    import warp._src.build as build

    folder = _scratch()
    unit, ptx = folder / "kernel.cu", folder / "kernel.ptx"
    unit.write_text(source, encoding="utf-8")
    ptx.unlink(missing_ok=True)
    with _native_output() as log:
        try:
            build.build_cuda(
                str(unit),
                arch,
                str(ptx),
                pch_dir=context.runtime.get_nvrtc_pch_dir(),
                config="release",
                optimization_level=3,
                use_precompiled_headers=True,
            )
            failed = None
        except Exception as error:  # Warp raises a bare Exception with NVRTC's error code
            failed = error
    if failed is not None:
        raise CompileError("cuda compile", _first_error(log.read_text(errors="replace")) or str(failed))
    return ptx.read_text(encoding="utf-8")


def build_cpu_object(source: str, obj: Path, optimization_level: int = 2, extra_flags: str = "") -> None:
    """Compile one C++ unit to the object file ``obj`` (which Warp's LLVM can load); ``CompileError`` if it fails."""
    _build_cpu(source, obj, optimization_level, extra_flags)


def batch_unit(sources: Sequence[str]) -> str:
    """One unit of C++ units that share a preamble; unit ``i``'s exported entry points get the suffix ``_batch_<i>``."""
    preambles = {_split_preamble(s)[0] for s in sources}
    if len(preambles) != 1:
        raise ValueError(f"batch_unit: {len(preambles)} different preambles; batch units that share one")
    return _batch_unit(preambles.pop(), [_split_preamble(s)[1] for s in sources])


def compiler_log() -> str:
    """What the last native compile in this process printed (Clang's errors name ``kernel.cpp:<line>``)."""
    log = _scratch() / "compiler.log"
    return log.read_text(errors="replace") if log.is_file() else ""


def preamble(source: str) -> str:
    """The leading ``#`` / comment / blank lines of a unit (units with the same one can share a batch)."""
    return _split_preamble(source)[0]


def _build_cpu(source: str, obj: Path | None = None, optimization_level: int = 2, extra_flags: str = "") -> None:
    warp, context = start_warp_runtime()
    import warp._src.build as build

    folder = _scratch()
    unit = folder / "kernel.cpp"
    obj = obj if obj is not None else folder / "kernel.o"
    unit.write_text(source, encoding="utf-8")
    with _native_output() as log:
        try:
            build.build_cpu(
                str(obj),
                str(unit),
                mode="release",
                # Clang's warnings on generated code (x != x ...) are noise here
                extra_flags=f"-w {extra_flags}".strip(),
                optimization_level=optimization_level,
                use_precompiled_headers=True,
                pch_dir=context.runtime.get_clang_pch_dir(),
            )
            return
        except Exception as error:  # Warp raises a bare Exception with Clang's error code
            failed = error
    raise CompileError("cpu compile", _first_error(log.read_text(errors="replace")) or str(failed))


def _split_preamble(source: str) -> tuple[str, str]:
    """(the leading ``#`` / comment / blank lines, the rest)."""
    lines = source.split("\n")
    n = 0
    while n < len(lines) and (not lines[n].strip() or lines[n].startswith(("#", "//"))):
        n += 1
    return "\n".join(lines[:n]), "\n".join(lines[n:])


def _batch_unit(preamble: str, bodies: list[str]) -> str:
    blocks = [preamble]
    for i, body in enumerate(bodies):
        renamed = _EXPORT.sub(lambda m, i=i: f"{m.group(1)}_batch_{i}(", body)
        blocks.append(f"namespace wp_batch_{i} {{\n{renamed}\n}}  // namespace wp_batch_{i}")
    return "\n".join(blocks) + "\n"


def _first_error(log: str) -> str:
    for pattern in _ERROR_LINES:
        match = pattern.search(log)
        if match:
            return match.group(0).strip()[:300]
    return ""


def _scratch() -> Path:
    """This process's folder for compiler input and output, removed at exit."""
    global _workdir
    if _workdir is None or not _workdir.is_dir():
        _workdir = Path(tempfile.mkdtemp(prefix="warp-ir-pairs-compile-"))
        atexit.register(shutil.rmtree, _workdir, True)
    return _workdir


@contextmanager
def _native_output() -> Iterator[Path]:
    """Route what native compilers print (file descriptors 1 and 2) to a log file."""
    log = _scratch() / "compiler.log"
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(log, "wb") as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            yield log
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
