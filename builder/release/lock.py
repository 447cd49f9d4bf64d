"""An exclusive lock on a release's output folder, held from the first check to the final move.

The lock is ``fcntl.flock`` on ``.<name>.lock`` beside the folder; the file holds the pid of the
process that holds it, so a refused build can name it. The kernel drops the lock when its holder
dies, even by SIGKILL, so a lock file left behind never blocks a later build. Within one process
the lock is re-entrant (``build_with_datatrove`` holds it across ``prepare`` and ``finish``).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from builder import interrupts
from builder.errors import ReleaseError

# Lock files this process holds: path -> (descriptor, depth of nested holds).
_held: dict[Path, list[int]] = {}


def lock_path(out: Path) -> Path:
    """``.<name>.lock`` beside ``out``."""
    return out.parent / f".{out.name}.lock"


@contextmanager
def output_lock(out: str | os.PathLike) -> Iterator[Path]:
    """Hold the lock of ``out`` for the block; ``ReleaseError`` naming the holder's pid when another process has it."""
    path = lock_path(Path(out).absolute())
    if path in _held:
        _held[path][1] += 1
        try:
            yield path
        finally:
            _held[path][1] -= 1
        return
    fd = _acquire(path, Path(out))
    _held[path] = [fd, 1]
    try:
        with interrupts.removed_on_stop(path):
            yield path
    finally:
        del _held[path]
        # Unlinked while still locked: a process that opened the old file finds it replaced and retries.
        try:
            path.unlink()
        except OSError:
            pass
        os.close(fd)


def holds_lock(out: str | os.PathLike) -> bool:
    """Whether this process holds the lock of ``out``."""
    return lock_path(Path(out).absolute()) in _held


def _acquire(path: Path, out: Path) -> int:
    while True:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as error:
            raise ReleaseError(f"cannot write the release to {str(out)!r}: {error.strerror or error}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            os.close(fd)
            who = f"pid {holder}" if holder else "another process (pid not yet recorded)"
            raise ReleaseError(
                f"output {str(out)!r} is locked by another build ({who}); wait for it to end or choose another --out"
            ) from None
        if _same_file(fd, path):
            break
        os.close(fd)  # the holder removed the file as we opened it: lock the new one
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd


def _same_file(fd: int, path: Path) -> bool:
    try:
        on_disk = path.stat()
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (mine.st_dev, mine.st_ino) == (on_disk.st_dev, on_disk.st_ino)


def _read_pid(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode(errors="replace").strip()
    except OSError:
        return ""
    return text if text.isdigit() else ""
