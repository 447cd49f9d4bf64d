"""Kernels from real Python files: each file imported in a child process, its kernels found and
run through Warp's code generator there, as ``builder.codegen.ir`` does for synthesized ones.

Importing a file runs its code, which may crash the interpreter, loop forever, print or need
packages that are not installed. So each file is imported in a process of its own with a time
limit, and only plain data comes back: a file that fails is a ``Failure`` with a reason, and the
other files go on. Children are forked from a clean server process (``forkserver``): never from a
process whose Warp may have started a CUDA context.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import multiprocessing
import os
import sys
import tempfile
import textwrap
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from builder.codegen.ir import (
    BACKENDS,
    BackendIR,
    generate,
    import_warp,
    split_functions,
)
from builder.errors import one_line

# Seconds one file may take to import and generate code for all its kernels.
DEFAULT_TIMEOUT = 120.0
# Runs of a file whose process dies before sending results (a crash may be a one-off).
CRASH_ATTEMPTS = 2
# block_dim values tried, in order, when Warp refuses to generate a kernel at its module's block_dim.
RETRY_BLOCK_DIMS = (128, 64, 32, 16, 8)
_MODULE_PREFIX = "warp_ir_pairs_real_"


@dataclass(frozen=True)
class FoundKernel:
    """A kernel of a real file and what Warp emitted for it."""

    kernel_name: str  # the name in Warp's emitted code (``<kernel_name>_cpu_kernel_forward``)
    source_file: str  # relative to the folder (or the file's own folder) it was found under
    source_line: int  # the line of its first decorator
    description: str
    python_source: str  # the @wp.struct / @wp.func it needs, then the kernel (and its overload, if generic)
    value_types: tuple[str, ...]
    ir: dict[str, BackendIR]


@dataclass(frozen=True)
class Failure:
    """A file that gave no kernels, or one kernel of it that gave no IR."""

    source_file: str
    kernel: str | None  # None: the whole file
    reason: str  # a short label to count by: ``import SyntaxError``, ``timeout``, ``no kernels`` ...
    detail: str

    def line(self) -> str:
        where = self.source_file + (f" {self.kernel}" if self.kernel else "")
        return f"{where}: {self.reason}: {self.detail}"


def failure_counts(failures: Iterable[Failure]) -> Counter:
    """Failures by reason."""
    return Counter(f.reason for f in failures)


def python_files(paths: Iterable[str | os.PathLike]) -> list[tuple[Path, str]]:
    """``(file, path relative to its root)`` for each file given and every ``.py`` under each folder given, sorted.

    ``ValueError`` naming a path that does not exist or is not a Python file or folder.
    """
    found: dict[Path, str] = {}
    for given in paths:
        path = Path(given).absolute()
        if path.is_dir():
            for file in sorted(path.rglob("*.py")):
                if not any(part.startswith(".") or part == "__pycache__" for part in file.relative_to(path).parts):
                    found.setdefault(file, file.relative_to(path).as_posix())
        elif path.is_file() and path.suffix == ".py":
            found.setdefault(path, path.name)
        else:
            raise ValueError(f"{str(given)!r}: not a .py file or a folder (give Python files or folders holding them)")
    return sorted(found.items(), key=lambda item: item[1])


def harvest(
    files: Sequence[tuple[Path, str]],
    backends: Sequence[str] = BACKENDS,
    timeout: float = DEFAULT_TIMEOUT,
    num_proc: int = 1,
) -> tuple[list[FoundKernel], list[Failure]]:
    """The kernels of ``files`` (from ``python_files``), and every file or kernel that failed, in file order.

    Up to ``num_proc`` files are imported at once, each in its own process, killed after ``timeout``
    seconds. A file whose process dies before sending results is run once more (files that compile
    Warp modules at import crashed about once in five runs of all of ``warp/examples``); a second
    crash is its failure.
    """
    if timeout <= 0:
        raise ValueError(f"timeout {timeout!r}: must be > 0 seconds")
    if num_proc < 1:
        raise ValueError(f"num_proc {num_proc!r}: must be >= 1")
    context = _process_context()
    results: dict[int, list] = {}
    pending = [(position, path, rel, 1) for position, (path, rel) in enumerate(files)]
    running: list[_Child] = []
    while pending or running:
        while pending and len(running) < num_proc:
            position, path, rel, attempt = pending.pop(0)
            running.append(_Child.start(context, position, path, rel, tuple(backends), timeout, attempt))
        for child in list(running):
            outcome = child.poll()
            if outcome is None:
                continue
            running.remove(child)
            if child.attempt < CRASH_ATTEMPTS and any(
                isinstance(o, Failure) and o.reason == "crashed" for o in outcome
            ):
                pending.insert(0, (child.position, child.path, child.rel, child.attempt + 1))
            else:
                results[child.position] = outcome
        if running:
            time.sleep(0.02)
    kernels: list[FoundKernel] = []
    failures: list[Failure] = []
    for position in sorted(results):
        for item in results[position]:
            (kernels if isinstance(item, FoundKernel) else failures).append(item)
    return kernels, failures


def _process_context():
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["warp", "builder.real.harvest"])  # children start with Warp imported
        return context
    return multiprocessing.get_context("spawn")


@dataclass
class _Child:
    position: int
    path: Path
    rel: str
    attempt: int
    process: multiprocessing.Process
    connection: object
    deadline: float
    timeout: float

    stderr: Path  # what the child wrote there: the cause, when it dies before sending results

    @classmethod
    def start(
        cls, context, position: int, path: Path, rel: str, backends: tuple[str, ...], timeout: float, attempt: int = 1
    ) -> _Child:
        receiver, sender = context.Pipe(duplex=False)
        descriptor, stderr = tempfile.mkstemp(prefix="warp-ir-pairs-extract-", suffix=".log")
        os.close(descriptor)
        process = context.Process(target=_child_main, args=(sender, str(path), rel, backends, stderr), daemon=True)
        process.start()
        sender.close()
        return cls(position, path, rel, attempt, process, receiver, time.monotonic() + timeout, timeout, Path(stderr))

    def poll(self) -> list | None:
        """The child's results once it is done (or a ``Failure`` once it died or ran out of time), else None."""
        try:
            if self.connection.poll():
                results = self.connection.recv()
                self.process.join(timeout=10)
                self._close()
                return results
        except (EOFError, OSError):  # it died before sending: the exit status says how
            self.process.join(timeout=10)
            return [Failure(self.rel, None, "crashed", self._crash_text())]
        if not self.process.is_alive():
            self.process.join()
            if self.connection.poll():  # sent just before it ended
                return self.poll()
            return [Failure(self.rel, None, "crashed", self._crash_text())]
        if time.monotonic() > self.deadline:
            self.process.kill()
            self.process.join()
            self._close()
            return [Failure(self.rel, None, "timeout", f"not done after {self.timeout:g} s (killed)")]
        return None

    def _close(self) -> None:
        self.connection.close()
        self.stderr.unlink(missing_ok=True)

    def _crash_text(self) -> str:
        """How the child ended, and the last line it wrote to stderr."""
        code = self.process.exitcode
        text = (
            f"the process died of signal {-code}"
            if code is not None and code < 0
            else f"the process exited with status {code} before sending results"
        )
        try:
            last = next(
                (
                    line.strip()
                    for line in reversed(self.stderr.read_text(errors="replace").splitlines())
                    if line.strip()
                ),
                "",
            )
        except OSError:
            last = ""
        self._close()
        return f"{text}; its last error line: {last}" if last else text


def _child_main(sender, path: str, rel: str, backends: tuple[str, ...], stderr: str) -> None:
    # The file's own prints would mix with the command's output; its errors go to ``stderr``,
    # read back only if this process dies before sending its results.
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    os.dup2(os.open(stderr, os.O_WRONLY | os.O_APPEND), 2)
    try:
        results = kernels_of_file(path, rel, backends)
    except BaseException as error:  # anything that escaped (SystemExit from the file included)
        results = [Failure(rel, None, f"extract {type(error).__name__}", one_line(error, typed=False))]
    sender.send(results)
    sender.close()
    os._exit(0)  # no atexit handlers or thread joins of whatever the file started


def kernels_of_file(path: str, rel: str, backends: Sequence[str] = BACKENDS) -> list[FoundKernel | Failure]:
    """Import ``path`` (in this process) and extract every kernel defined in it.

    Kernels are those whose function is written in this file: at module level, or made by a
    factory that ran at import. A generic kernel gives one row per overload it declared.
    """
    warp, context = import_warp()
    path = os.path.abspath(path)
    sys.path.insert(0, os.path.dirname(path))  # sibling imports, as when the file is run
    name = _MODULE_PREFIX + hashlib.sha1(path.encode()).hexdigest()[:12]
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    except BaseException as error:  # SyntaxError, ImportError, SystemExit, anything the file raises
        return [Failure(rel, None, f"import {type(error).__name__}", one_line(error, typed=False))]
    kernels = sorted(
        {
            k
            for m in list(context.user_modules.values())
            for k in m._get_live_kernels()
            if k.func.__code__.co_filename == path
        },
        key=lambda k: (k.func.__code__.co_firstlineno, k.key),
    )
    if not kernels:
        return [Failure(rel, None, "no kernels", "no @wp.kernel is defined when the file is imported")]
    results: list[FoundKernel | Failure] = []
    for kernel in kernels:
        if kernel.is_generic and not kernel.overloads:
            results.append(
                Failure(rel, kernel.key, "generic without overloads", "no wp.overload() declared its argument types")
            )
            continue
        for target in kernel.overloads.values() if kernel.is_generic else (kernel,):
            try:
                results.append(_found(warp, kernel, target, rel, backends))
            except Exception as error:  # Warp raises many types; all mean "no IR for this kernel"
                results.append(
                    Failure(rel, kernel.key, f"codegen {type(error).__name__}", one_line(error, typed=False))
                )
    return results


def _found(warp, kernel, target, rel: str, backends: Sequence[str]) -> FoundKernel:
    module = target.module
    saved_module, saved_kernel = dict(module.options), dict(target.options)
    # Every row has a backward pass: files often turn it off to build faster
    # (set_module_options, @wp.kernel(enable_backward=False)).
    # A kernel's own options override the module's, so both are set.
    target.options["enable_backward"] = True
    try:
        first_error = None
        # Tile kernels' shapes depend on the block_dim they are launched with, which the file passes at
        # launch time: when Warp refuses the module's, smaller ones are tried (the IR states the one used).
        for block_dim in (module.resolve_options(warp.config)["block_dim"], *RETRY_BLOCK_DIMS):
            try:
                builder, emitted = generate(module, backends, [target], enable_backward=True, block_dim=block_dim)
                break
            except Exception as error:
                first_error = first_error or error
        else:
            raise first_error
        name = target.get_mangled_name()  # the kernel's key: generate() strips the hash
    finally:
        module.options.clear()
        module.options.update(saved_module)
        target.options.clear()
        target.options.update(saved_kernel)
    helpers = [s.cls for s in builder.structs] + [
        f.func for f in builder.functions if getattr(f, "func", None) is not None
    ]
    parts = [_source_of(obj) for obj in dict.fromkeys(helpers)] + [_source_of(kernel.func)]
    if target is not kernel:
        parts.append(
            f"wp.overload({kernel.func.__name__}, "
            f"{{{', '.join(f'{a!r}: {_type_text(t)}' for a, t in target.adj.arg_types.items())}}})\n"
        )
    return FoundKernel(
        kernel_name=name,
        source_file=rel,
        source_line=kernel.func.__code__.co_firstlineno,
        description=description_of(kernel.func, rel, kernel.key),
        python_source="\n\n".join(p.strip("\n") for p in parts if p) + "\n",
        value_types=_value_types(target),
        ir={b: split_functions(name, b, source) for b, source in emitted.items()},
    )


def _source_of(obj) -> str:
    try:
        return textwrap.dedent(inspect.getsource(obj))
    except (OSError, TypeError):  # defined by exec, or in C
        return ""


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


def _type_text(t) -> str:
    """A Warp argument type as Python source, e.g. ``wp.array(dtype=wp.vec3f, ndim=1)``."""
    import warp
    import warp._src.types as types

    if types.is_array(t):
        kind = type(t).__name__.lstrip("_").removesuffix("Annotation").lower()  # _ArrayAnnotation, indexedarray ...
        return f"wp.{kind}(dtype={_type_text(t.dtype)}, ndim={t.ndim})"
    name = getattr(t, "__name__", None) or getattr(t, "key", None) or repr(t)
    return f"wp.{name}" if getattr(warp, name, None) is t else name


def _value_types(kernel) -> tuple[str, ...]:
    """Warp scalar, vector and matrix type names of the kernel's arguments and variables."""
    import warp._src.types as types

    names = set()
    for var in [*kernel.adj.args, *kernel.adj.variables]:
        t = types.strip_reference(var.type)
        if types.is_array(t):
            t = t.dtype
        if t in types.scalar_types or hasattr(t, "_wp_generic_type_str_"):
            names.add(t.__name__)
    return tuple(sorted(names))
