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
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from builder.errors import Terminated

SIGNALS = (signal.SIGINT, signal.SIGTERM)

_main_pid: int | None = None
_received: int | None = None
_deferring = 0
_written: str | None = None
_fork_hook = False  # os.register_at_fork cannot be undone: registered once
_command = False  # this process is the warp-ir-pairs command (not a library caller such as a test)


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


def install() -> None:
    """Handle SIGINT and SIGTERM in this process (the main one) and in the workers it forks."""
    global _main_pid, _received, _written, _fork_hook
    _main_pid, _received, _written = os.getpid(), None, None
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
    global _main_pid, _deferring
    _main_pid, _deferring = None, 0
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
    if _deferring or _in_finalizer(frame):
        return
    _raise(signum)


def _raise(signum: int) -> None:
    raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


def _in_finalizer(frame: FrameType | None) -> bool:
    """Whether ``frame`` runs inside a ``__del__``, where a raised exception would be printed and dropped."""
    while frame is not None:
        if frame.f_code.co_name == "__del__":
            return True
        frame = frame.f_back
    return False
