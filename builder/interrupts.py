"""SIGINT and SIGTERM during a command: every process stops, the main one says so in one line.

``install()`` makes both signals raise in the main process (``KeyboardInterrupt``, and
``Terminated``, a subclass, for SIGTERM) and records which came. Worker processes forked from it
(the datasets and planner pools, their managers) inherit the handler: there SIGINT is ignored,
because the terminal sends it to the whole process group and the main process stops the pools
itself, and SIGTERM (how a pool is stopped) ends the worker at once, without a traceback.

Python swallows an exception raised inside a ``__del__`` (Warp's modules have one), so a signal
is also recorded: ``check()`` raises it at the next safe point, and a caller that sees some other
exception (a pool's cleanup can replace the ``KeyboardInterrupt``) asks ``received()``.
Inside ``deferred()`` (the final move of a release) signals are recorded and not raised.

In the ``warp-ir-pairs`` command itself (``install(out=...)``) a signal outside ``deferred()``
stops at once instead of raising: unwinding through a ``multiprocess`` pool whose workers were
killed can block forever on the task queue's lock (a worker held it when it died) or print an
at-fork hook's traceback. The stop kills every descendant process, removes the staging folders
and lock files registered with ``removed_on_stop``, prints the one line and exits 128 + signal.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from builder.errors import Terminated

SIGNALS = (signal.SIGINT, signal.SIGTERM)

_main_pid: int | None = None
_received: int | None = None
_deferring = 0
_written: str | None = None
_fork_hook = False  # os.register_at_fork cannot be undone: registered once
_command = False  # this process is the warp-ir-pairs command (not a library caller such as a test)
_out: str | None = None  # the command's output, once it may stop at once (install(out=...))
_resume = ""  # what the stop's line adds while nothing was written
_stopping = False  # set once a stop began (inherited by a child forked after it)
_removed: list[Path] = []  # staging folders and lock files a stop removes
_REAPED_WITHIN = 5.0  # seconds a stop waits for the processes it killed


def install_at_startup() -> None:
    """When this process is the ``warp-ir-pairs`` command, a signal during its imports ends it with the one line.

    The command's imports take seconds and write nothing; ``install()`` replaces this handler once
    ``main`` runs. Any other importer of ``builder`` keeps Python's handling.
    """
    argv = getattr(sys, "orig_argv", sys.argv)
    named = os.path.basename(sys.argv[0]) == "warp-ir-pairs"
    command = named or any(a in ("builder.cli", "builder") for a in argv[1:4])
    if command and threading.current_thread() is threading.main_thread():
        global _command
        _command = True
        for signum in SIGNALS:
            signal.signal(signum, _end_at_startup)


def _end_at_startup(signum: int, frame: FrameType | None) -> None:
    out = next((b for a, b in zip(sys.argv, sys.argv[1:], strict=False) if a == "--out"), None)
    where = f" to {out}" if out else ""
    os.write(2, f"warp-ir-pairs: interrupted; nothing was written{where}\n".encode())
    os._exit(exit_status(signum))


def install(*, out: str | None = None, resume: str = "") -> None:
    """Handle SIGINT and SIGTERM in this process (the main one) and in the workers it forks.

    With ``out`` (the command's output), in the ``warp-ir-pairs`` command, a signal stops the
    command at once; ``resume`` is added to its line while nothing was written.
    """
    global _main_pid, _received, _written, _fork_hook, _out, _resume
    _main_pid, _received, _written = os.getpid(), None, None
    _out, _resume = (out, resume) if _command else (None, "")
    for signum in SIGNALS:
        signal.signal(signum, _handle)
    if not _fork_hook:
        os.register_at_fork(after_in_child=_in_forked_worker)
        _fork_hook = True


def _in_forked_worker() -> None:
    # A worker must die of SIGTERM at the C level: a Python handler runs only between bytecodes,
    # and a pool worker blocked on its task queue's lock (multiprocess retries sem_wait on EINTR)
    # never gets there, so Pool.terminate() waited on it forever.
    if _main_pid is None or os.getpid() == _main_pid:
        return
    if _stopping:
        os._exit(exit_status(_received or signal.SIGTERM))
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    except ValueError:  # forked from a thread where signals cannot be set; _handle still ends it
        pass


def settle() -> None:
    """The outcome is decided: from now on a signal is recorded and never raised."""
    global _deferring
    _deferring += 1


def uninstall() -> None:
    """Once the command's outcome is printed: signals are ignored while the interpreter shuts down.

    Python puts the default action back for its own teardown, which takes a while after a build;
    a Ctrl-C then would kill the process and replace the status already decided. A library caller
    of ``main`` (a test) gets Python's default handling back instead.
    """
    global _main_pid, _deferring, _out
    _main_pid, _deferring, _out = None, 0, None
    signal.signal(signal.SIGINT, signal.SIG_IGN if _command else signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_IGN if _command else signal.SIG_DFL)


def received() -> int | None:
    """The first signal the main process received since ``install()``, if any."""
    return _received


def exit_status(signum: int) -> int:
    """128 + the signal number: 130 for SIGINT, 143 for SIGTERM, as shells report."""
    return 128 + signum


def check() -> None:
    """Raise the signal received earlier (and swallowed, or deferred) now."""
    if _received is not None and not _deferring and os.getpid() == _main_pid:
        _raise(_received)


@contextmanager
def removed_on_stop(path: Path) -> Iterator[Path]:
    """``path`` (a staging folder, a lock file) is removed if the command stops during the block."""
    _removed.append(path)
    try:
        yield path
    finally:
        _removed.remove(path)


def descendants(root: int) -> list[int]:
    """Every process below ``root`` (children first, then theirs), read from ``/proc``; empty elsewhere.

    Each process's ``task/*/children`` where the kernel keeps them (a memory sampler polls this ten
    times a second beside the build it measures); otherwise every process's parent, read from a
    scan of all of ``/proc``."""
    found = _descendants_by_children(root)
    return found if found is not None else _descendants_by_scan(root)


def _descendants_by_children(root: int) -> list[int] | None:
    found, parents = [], [root]
    for pid in parents:  # grows as children are found: breadth first
        try:
            tasks = list(Path(f"/proc/{pid}/task").iterdir())
        except OSError:
            continue  # it ended meanwhile
        for task in tasks:
            try:
                children = (task / "children").read_text().split()
            except FileNotFoundError:
                return None  # a kernel without CONFIG_PROC_CHILDREN
            except OSError:
                continue
            found.extend(int(c) for c in children)
            parents.extend(int(c) for c in children)
    return found


def _descendants_by_scan(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    try:
        entries = list(Path("/proc").iterdir())
    except OSError:
        return []
    for entry in entries:
        if entry.name.isdigit():
            try:
                ppid = int(_stat(entry.name)[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, stack = [], [root]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


@contextmanager
def deferred() -> Iterator[None]:
    """A block no signal interrupts: one that arrives is recorded, for ``check()`` / ``received()``."""
    global _deferring
    _deferring += 1
    try:
        yield
    finally:
        _deferring -= 1


def mark_written(out: str) -> None:
    """The release in ``out`` is complete and in place: an interrupt from now on must not say otherwise."""
    global _written
    _written = out


def written() -> str | None:
    """The output a release was moved into during this command, if one was."""
    return _written


def message(out: str) -> str:
    """The one line an interrupted command prints."""
    if _written is not None:
        return f"interrupted; the release was already complete in {out}"
    return f"interrupted; nothing was written to {out}"


def _handle(signum: int, frame: FrameType | None) -> None:
    global _received
    if os.getpid() != _main_pid:  # a forked worker
        if signum == signal.SIGTERM:
            os._exit(exit_status(signum))
        return
    if _received is None:
        _received = signum
    if _deferring:
        return
    if _out is not None:
        _stop(_received)
    if _in_finalizer(frame):
        return
    _raise(signum)


def _stop(signum: int) -> None:
    """End the command now: every descendant killed, registered paths removed, the one line, 128 + signal."""
    global _stopping
    _stopping = True  # a pool thread may fork on meanwhile: such a child ends itself (_in_forked_worker)
    deadline = time.monotonic() + _REAPED_WITHIN
    while (killed := descendants(os.getpid())) and time.monotonic() < deadline:
        for pid in killed:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        _reap(killed, deadline)
    for path in reversed(_removed):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            try:
                path.unlink()
            except OSError:
                pass
    # A progress bar may be mid-line: the line starts on its own.
    os.write(2, f"\nwarp-ir-pairs: {message(_out or '')}{'' if _written else _resume}\n".encode())
    os._exit(exit_status(signum))


def _reap(pids: list[int], deadline: float) -> None:
    """Collect the killed children; wait (until ``deadline``) for the other killed processes to end too."""
    waiting = set(pids)
    while waiting and time.monotonic() < deadline:
        for pid in list(waiting):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:  # not a child of this process: gone once /proc shows it ended
                done = pid if _ended(pid) else 0
            if done:
                waiting.discard(pid)
        if waiting:
            time.sleep(0.01)


def _ended(pid: int) -> bool:
    try:
        state = _stat(pid)[0]
    except (OSError, IndexError):
        return True
    return state in ("Z", "X")


def _stat(pid: int | str) -> list[str]:
    """The fields of ``/proc/PID/stat`` after the command name: state, parent pid, ..."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _raise(signum: int) -> None:
    raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


def _in_finalizer(frame: FrameType | None) -> bool:
    """Whether ``frame`` runs inside a ``__del__``, where a raised exception would be printed and dropped."""
    while frame is not None:
        if frame.f_code.co_name == "__del__":
            return True
        frame = frame.f_back
    return False
