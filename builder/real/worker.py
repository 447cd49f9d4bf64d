"""The child side of ``extract``: a sandboxed process that imports files and sends their kernels back.

A worker runs in a session (and process group) of its own, so the parent can kill it and
everything it started at once, and a file calling ``os.killpg(0, ...)`` hits only the worker.
Its address space is capped (``RLIMIT_AS``) so a file that allocates without bound fails there
instead of filling the machine. It takes ``(position, Source)`` tasks from its pipe until it gets
``None``; it imports each file (a package's modules share the import of the package) and answers
``(position, results)``, plain data only.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import re
import resource
import signal
import sys
import tokenize
from dataclasses import dataclass

from builder.codegen.ir import BACKENDS, BackendIR, generate, import_warp
from builder.errors import one_line
from builder.real.nested import Unrun, unrun_kernels
from builder.real.packages import Source
from builder.real.sources import NotSelfContained, kernel_source
from builder.real.standalone import BLOCK_DIMS, standalone_ir

# A kernel decorator line: ``@wp.kernel``, ``@wp.kernel(...)``, ``@warp.kernel``.
KERNEL_DECORATOR = re.compile(r"^[ \t]*@(?:wp|warp)\.kernel\b", re.MULTILINE)


@dataclass(frozen=True)
class FoundKernel:
    """A kernel of a real file and what Warp emitted for its self-contained ``python_source``."""

    kernel_name: str  # the name in Warp's emitted code (``<kernel_name>_cpu_kernel_forward``)
    source_file: str  # relative to its package root's parent (or the folder it was found under)
    source_line: int  # the line of its first decorator in that file
    description: str
    python_source: str  # imports it needs, constants, types, @wp.struct, @wp.func, the kernel (and its overload)
    value_types: tuple[str, ...]
    ir: dict[str, BackendIR]
    block_dim: int
    package: str | None = None
    package_version: str | None = None
    license: str | None = None


@dataclass(frozen=True)
class Failure:
    """A file that gave no kernels, or one kernel of it that gave no row."""

    source_file: str
    kernel: str | None  # None: the whole file
    reason: str  # a short label to count by: ``import SyntaxError``, ``timeout``, ``no kernels`` ...
    detail: str

    def line(self) -> str:
        where = self.source_file + (f" {self.kernel}" if self.kernel else "")
        return f"{where}: {self.reason}: {self.detail}"


def worker_main(connection, backends: tuple[str, ...], memory_limit: int | None, stderr: str) -> None:
    """Serve tasks from ``connection`` until ``None``; never returns."""
    os.setsid()
    if memory_limit:
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    # The files' prints would mix with the command's output; their errors go to ``stderr``,
    # read back only if this process dies before answering.
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    os.dup2(os.open(stderr, os.O_WRONLY | os.O_APPEND), 2)
    while True:
        task = connection.recv()
        if task is None:
            break
        position, source = task
        try:
            results = kernels_of_source(source, backends)
        except BaseException as error:  # anything that escaped (SystemExit from the file included)
            results = [Failure(source.rel, None, f"extract {type(error).__name__}", one_line(error, typed=False))]
        _kill_strays()
        connection.send((position, results))
    connection.close()
    os._exit(0)  # no atexit handlers or thread joins of whatever the files started


def _kill_strays() -> None:
    """SIGKILL every other process of this worker's group: what the file just imported forked."""
    me = os.getpid()
    try:
        entries = [e for e in os.listdir("/proc") if e.isdigit() and int(e) != me]
    except OSError:
        return
    for entry in entries:
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
            if int(fields[2]) == me:  # field 5 of stat: the process group
                os.kill(int(entry), signal.SIGKILL)
        except (OSError, ValueError, IndexError):
            continue


def kernels_of_source(source: Source, backends=BACKENDS) -> list[FoundKernel | Failure]:
    """Import ``source`` (in this process) and extract every kernel whose function is written in it.

    Kernels are those at module level and those a factory made at import. A generic kernel gives
    one row per overload it declared.
    """
    warp, context = import_warp()
    undecodable = _decoding_error(source.path)
    if undecodable is not None:  # Warp would read it as no source at all and blame exec()
        return [Failure(source.rel, None, f"import {type(undecodable).__name__}", one_line(undecodable, typed=False))]
    if source.sys_path not in sys.path:
        sys.path.insert(0, source.sys_path)
    try:
        if source.in_package:
            importlib.import_module(source.module)
        elif source.module not in sys.modules:
            spec = importlib.util.spec_from_file_location(source.module, source.path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[source.module] = module
            spec.loader.exec_module(module)
    except BaseException as error:  # SyntaxError, ImportError, SystemExit, anything the file raises
        return [Failure(source.rel, None, f"import {type(error).__name__}", one_line(error, typed=False))]
    path = os.path.realpath(source.path)
    kernels = sorted(
        {
            k
            for m in list(context.user_modules.values())
            for k in m._get_live_kernels()
            if os.path.realpath(k.func.__code__.co_filename) == path
        },
        key=lambda k: (k.func.__code__.co_firstlineno, k.key),
    )
    results: list[FoundKernel | Failure] = []
    ran = {k.func.__code__.co_firstlineno for k in kernels}
    try:
        recovered, unrun = unrun_kernels(sys.modules[source.module], source.path, ran)
    except (OSError, SyntaxError, ValueError) as error:  # the file changed since it was imported
        recovered, unrun = (
            [],
            [Unrun(0, "", f"not defined at import: {type(error).__name__}", one_line(error, typed=False))],
        )
    results += [Failure(source.rel, u.name or None, u.reason, u.detail) for u in unrun]
    kernels += sorted(recovered, key=lambda k: k.func.__code__.co_firstlineno)
    for kernel in kernels:
        if kernel.is_generic and not kernel.overloads:
            results.append(
                Failure(
                    source.rel, kernel.key, "generic without overloads", "no wp.overload() declared its argument types"
                )
            )
            continue
        for target in kernel.overloads.values() if kernel.is_generic else (kernel,):
            try:
                found = _found(warp, kernel, target, source, backends)
            except Exception as error:  # one bad kernel never costs the file's others
                found = Failure(source.rel, kernel.key, f"extract {type(error).__name__}", one_line(error, typed=False))
            if isinstance(found, Failure) and any(
                kernel is k for k in recovered
            ):  # often: it reads its function's locals
                found = Failure(
                    found.source_file, found.kernel, f"not defined at import, alone: {found.reason}", found.detail
                )
            results.append(found)
    return results


def _decoding_error(path: str) -> Exception | None:
    """Why the text of ``path`` does not decode in its declared encoding (UTF-8 unless a coding line says), or None."""
    try:
        with open(path, "rb") as file:
            encoding, _ = tokenize.detect_encoding(file.readline)
            file.seek(0)
            file.read().decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError) as error:
        return error
    except OSError:
        return None  # the import reports it
    return None


def kernel_definitions(path: str) -> int:
    """``@wp.kernel`` decorator lines in the file (as ``grep`` counts them)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            return len(KERNEL_DECORATOR.findall(file.read()))
    except OSError:
        return 0


def _found(warp, kernel, target, source: Source, backends) -> FoundKernel | Failure:
    try:
        python_source = kernel_source(kernel, target)
    except NotSelfContained as error:
        return Failure(source.rel, kernel.key, f"not self-contained: {error.reason}", error.detail)
    block_dims = tuple(dict.fromkeys((target.module.resolve_options(warp.config)["block_dim"], *BLOCK_DIMS)))
    try:
        made = standalone_ir(python_source, backends, block_dims)
    except Exception as error:  # Warp raises many types
        original = _original_error(warp, target, backends, block_dims)
        if original is not None:
            return Failure(
                source.rel, kernel.key, f"codegen {type(original).__name__}", one_line(original, typed=False)
            )
        return Failure(
            source.rel, kernel.key, f"not self-contained: codegen {type(error).__name__}", one_line(error, typed=False)
        )
    return FoundKernel(
        kernel_name=made.kernel_name,
        source_file=source.rel,
        source_line=kernel.func.__code__.co_firstlineno,
        description=description_of(kernel.func, source.rel, kernel.key),
        python_source=python_source,
        value_types=made.value_types,
        ir=made.ir,
        block_dim=made.block_dim,
        package=source.package,
        package_version=source.version,
        license=source.license,
    )


def _original_error(warp, target, backends, block_dims) -> Exception | None:
    """What Warp raises generating ``target`` in its own module at the first of ``block_dims`` (None: one works)."""
    module = target.module
    saved_module, saved_kernel = dict(module.options), dict(target.options)
    target.options["enable_backward"] = True
    first = None
    try:
        for block_dim in block_dims:
            try:
                generate(module, backends, [target], enable_backward=True, block_dim=block_dim)
                return None
            except Exception as error:
                first = first or error
        return first
    finally:
        module.options.clear()
        module.options.update(saved_module)
        target.options.clear()
        target.options.update(saved_kernel)


def description_of(func, rel: str, key: str) -> str:
    """One line: the docstring's first line, else the comment just above the kernel or the first one in it."""
    doc = inspect.getdoc(func)
    if doc:
        return doc.strip().splitlines()[0].strip()
    try:
        lines, first = inspect.findsource(func)
    except (OSError, TypeError):
        lines, first = [], 0
    above: list[str] = []
    for line in reversed(lines[:first]):
        if not line.strip().startswith("#"):
            break
        above.insert(0, line.strip().lstrip("#").strip())
    comment = " ".join(a for a in above if a)
    if not comment:
        body, _ = inspect.getsourcelines(func) if lines else ([], 0)
        comment = next(
            (line.strip().lstrip("#").strip() for line in body if line.strip().startswith("#") and line.strip("# \n")),
            "",
        )
    return comment or f"Kernel {key} from {rel}."
