"""Kernels from real Python files, harvested by sandboxed worker processes (``builder.real.worker``).

Importing a file runs its code, which may crash the interpreter, loop forever, fill memory, kill
its process group or its parent, fork, print or need packages that are not installed. So files
are imported only in workers: each in a session of its own, with an address-space limit, forked
from a clean server process (``forkserver``, never a process whose Warp may have started a CUDA
context; restarted when a file kills it). A worker imports files one after the other (a package
is imported once and its modules walked); a file that crashes or hangs its worker is killed with
the worker's whole process group and run again alone in a fresh worker, whose second crash or
timeout is that file's failure. No worker, nor anything a file started in its group, outlives
``harvest``. This bounds damage; it is not a security boundary: untrusted code belongs in a
container.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import tempfile
import time
from collections import Counter, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from builder.codegen.ir import BACKENDS
from builder.real.packages import Source, path_sources
from builder.real.worker import Failure, FoundKernel, worker_main

__all__ = ["Failure", "FoundKernel", "failure_counts", "harvest", "python_files"]

# Seconds one file may take to import and generate code for all its kernels.
DEFAULT_TIMEOUT = 120.0
# Bytes of address space a worker may map (RLIMIT_AS).
DEFAULT_MEMORY_LIMIT = 4 * 2**30
# Files one worker imports before it is replaced (Warp keeps every module it imported).
TASKS_PER_WORKER = 200
_POLL = 0.02


def failure_counts(failures: Iterable[Failure]) -> Counter:
    """Failures by reason."""
    return Counter(f.reason for f in failures)


def python_files(paths: Iterable[str | os.PathLike]) -> list[Source]:
    """Every ``.py`` file given or under a folder given (see ``builder.real.packages.path_sources``)."""
    return path_sources(paths)


def harvest(
    sources: Sequence[Source],
    backends: Sequence[str] = BACKENDS,
    timeout: float = DEFAULT_TIMEOUT,
    num_proc: int = 1,
    memory_limit: int | None = DEFAULT_MEMORY_LIMIT,
) -> tuple[list[FoundKernel], list[Failure]]:
    """The kernels of ``sources``, and every file or kernel that failed, in file order.

    Up to ``num_proc`` workers run at once; a file not done ``timeout`` seconds after it was handed
    out is killed. ``memory_limit``: bytes of address space per worker (None: no limit).
    """
    if timeout <= 0:
        raise ValueError(f"timeout {timeout!r}: must be > 0 seconds")
    if num_proc < 1:
        raise ValueError(f"num_proc {num_proc!r}: must be >= 1")
    if memory_limit is not None and memory_limit < 2**28:
        raise ValueError(f"memory_limit {memory_limit!r}: must be at least 256 MiB (268435456 bytes)")
    pool = _Pool(_process_context(), tuple(backends), timeout, memory_limit)
    try:
        results = pool.run(list(sources), num_proc)
    finally:
        pool.close_all()
    kernels: list[FoundKernel] = []
    failures: list[Failure] = []
    for position in sorted(results):
        for item in results[position]:
            (kernels if isinstance(item, FoundKernel) else failures).append(item)
    return kernels, failures


def _process_context():
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["warp", "builder.real.worker"])  # workers start with Warp imported
        return context
    return multiprocessing.get_context("spawn")


@dataclass
class _Worker:
    process: multiprocessing.Process
    connection: object
    stderr: Path
    alone: bool  # serves one retried file, then ends
    task: tuple[int, Source] | None = None
    deadline: float = 0.0
    served: int = 0


@dataclass
class _Pool:
    context: object
    backends: tuple[str, ...]
    timeout: float
    memory_limit: int | None
    workers: list[_Worker] = field(default_factory=list)

    def run(self, sources: list[Source], num_proc: int) -> dict[int, list]:
        pending = deque((position, source) for position, source in enumerate(sources))
        retry: deque = deque()  # files that brought down a shared worker, to run alone
        results: dict[int, list] = {}
        while pending or retry or any(w.task for w in self.workers):
            for worker in [
                w for w in self.workers if w.task is None and (w.alone or not pending or w.served >= TASKS_PER_WORKER)
            ]:
                self.close(worker)
            while len(self.workers) < num_proc and (
                retry or len(pending) > sum(w.task is None and not w.alone for w in self.workers)
            ):
                alone = bool(retry)
                self.hand(self.start(alone), retry.popleft() if alone else pending.popleft())
            for worker in list(self.workers):
                if worker.task is None and not worker.alone and pending:
                    self.hand(worker, pending.popleft())
                outcome = self.poll(worker)
                if outcome is None:
                    continue
                position, items = outcome
                if not worker.alone and _out_of_memory(items):  # perhaps what earlier files left behind
                    items = items[0]
                if isinstance(items, Failure):  # the worker died or hung on this file
                    if worker.alone:
                        results[position] = [items]
                    else:
                        retry.append(worker.task)
                    worker.task = None
                    self.close(worker)
                else:
                    results[position] = items
                    worker.task = None
            time.sleep(_POLL)
        return results

    def start(self, alone: bool) -> _Worker:
        ours, theirs = self.context.Pipe(duplex=True)
        descriptor, stderr = tempfile.mkstemp(prefix="warp-ir-pairs-extract-", suffix=".log")
        os.close(descriptor)
        process = self.context.Process(
            target=worker_main, args=(theirs, self.backends, self.memory_limit, stderr), daemon=True
        )
        process.start()
        theirs.close()
        worker = _Worker(process, ours, Path(stderr), alone)
        self.workers.append(worker)
        return worker

    def hand(self, worker: _Worker, task: tuple[int, Source]) -> None:
        worker.task, worker.deadline = task, time.monotonic() + self.timeout
        worker.served += 1
        try:
            worker.connection.send(task)
        except OSError:  # it died already: poll says how
            pass

    def poll(self, worker: _Worker) -> tuple[int, list | Failure] | None:
        """``(position, results)`` once the worker answered, ``(position, Failure)`` once it died or ran out of time."""
        if worker.task is None:
            return None
        position, source = worker.task
        try:
            if worker.connection.poll():
                return worker.connection.recv()
        except (EOFError, OSError):  # it died before answering
            return position, Failure(source.rel, None, "crashed", self.crash_text(worker))
        if not _alive(worker.process):
            if worker.connection.poll():  # answered just before it ended
                return self.poll(worker)
            return position, Failure(source.rel, None, "crashed", self.crash_text(worker))
        if time.monotonic() > worker.deadline:
            return position, Failure(source.rel, None, "timeout", f"not done after {self.timeout:g} s (killed)")
        return None

    def crash_text(self, worker: _Worker) -> str:
        """How the worker ended, and the last line it wrote to stderr."""
        _kill_group(worker.process)
        code = worker.process.exitcode
        text = (
            f"the process died of signal {-code}"
            if code is not None and code < 0
            else f"the process exited with status {code} before sending results"
        )
        try:
            last = next(
                (
                    line.strip()
                    for line in reversed(worker.stderr.read_text(errors="replace").splitlines())
                    if line.strip()
                ),
                "",
            )
        except OSError:
            last = ""
        return f"{text}; its last error line: {last}" if last else text

    def close(self, worker: _Worker) -> None:
        """End the worker and everything in its process group."""
        try:
            if worker.task is None:
                worker.connection.send(None)
        except OSError:
            pass
        _kill_group(worker.process)
        worker.connection.close()
        worker.stderr.unlink(missing_ok=True)
        if worker in self.workers:
            self.workers.remove(worker)

    def close_all(self) -> None:
        for worker in list(self.workers):
            worker.task = None
            self.close(worker)


def _out_of_memory(items) -> bool:
    return (
        isinstance(items, list)
        and len(items) == 1
        and isinstance(items[0], Failure)
        and "MemoryError" in items[0].reason
    )


def _alive(process: multiprocessing.Process) -> bool:
    """Whether the worker runs: asked of the system, since a killed forkserver can no longer report it."""
    if process.pid is None:
        return False
    try:
        with open(f"/proc/{process.pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X")
    except (OSError, IndexError):
        return process.is_alive() if not os.path.isdir("/proc") else False


def _kill_group(process: multiprocessing.Process) -> None:
    """SIGKILL to the worker's process group (its session: whatever it forked) and to the worker."""
    if process.pid is None:
        return
    for kill in (os.killpg, os.kill):
        try:
            kill(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    process.join(timeout=5)
