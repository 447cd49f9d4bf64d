"""Where a release lands: the output folder claimed and checked, a staging folder beside it, the final move.

A release is written into a staging folder beside ``--out`` (``.<name>.partial-<pid>``) and moved
into place only when it is complete. ``claim_output`` holds the output's lock (``lock.py``) from the
first check to the final move, and first tidies what killed builds left: staging folders of dead
processes, and an old release set aside by an interrupted ``--overwrite`` (``.<name>.old-<pid>``),
which is put back when ``--out`` is missing and removed when the new release made it in.
``--overwrite`` renames the old release aside, the new one in, and only then removes the old one,
so at every instant ``--out`` holds a whole release.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from builder import interrupts
from builder.errors import ReleaseError
from builder.release.layout import CARD, CHECKSUMS, PLOTS_DIR
from builder.release.lock import output_lock
from builder.schema import CONFIGS

_TOP_FILES = frozenset({CARD, ".gitattributes", CHECKSUMS})
_STAGING = re.compile(r"^\.(?P<name>.+)\.partial-(?P<pid>\d+)$")
_SHOWN = 5  # unexpected entries named in an error

logger = logging.getLogger(__name__)


@contextmanager
def claim_output(out: str | os.PathLike) -> Iterator[Path]:
    """Hold ``out``'s lock for the block, after removing what killed builds left beside it."""
    out = Path(out).absolute()
    with output_lock(out):
        remove_stale_staging(out.parent)
        _recover_aside(out)
        yield out


def check_output_dir(out: Path, overwrite: bool) -> None:
    """``out`` must be absent, empty, or (with ``overwrite``) an earlier release and nothing else."""
    if out.exists() and not out.is_dir():
        raise ReleaseError(f"output path {str(out)!r} exists and is not a directory")
    if not out.is_dir() or not any(out.iterdir()):
        return
    if not overwrite:
        raise ReleaseError(f"output directory {str(out)!r} exists and is not empty; pass --overwrite to replace it")
    # --overwrite deletes the folder: only ever one that holds nothing but a release, in every subfolder too.
    foreign = foreign_entries(out)
    if foreign or not (out / CARD).is_file():
        listed = ", ".join(foreign[:_SHOWN]) + (f" and {len(foreign) - _SHOWN} more" if len(foreign) > _SHOWN else "")
        raise ReleaseError(
            f"output directory {str(out)!r} does not look like a warp-ir-pairs release "
            f"(unexpected entries: {listed or 'no README.md'}); refusing to overwrite it"
        )


def foreign_entries(out: Path) -> list[str]:
    """Paths under ``out`` (relative, sorted) that a release does not write."""
    foreign = []
    for entry in sorted(out.iterdir()):
        name = entry.name
        if entry.is_file() and not entry.is_symlink() and (name in _TOP_FILES or name.endswith(".png")):
            continue
        if entry.is_dir() and not entry.is_symlink() and name in (*CONFIGS, PLOTS_DIR):
            suffix = ".png" if name == PLOTS_DIR else ".parquet"
            inner = sorted(entry.iterdir())
            foreign += [f"{name}/{p.name}" for p in inner if p.is_symlink() or not p.is_file() or p.suffix != suffix]
            continue
        foreign.append(name)
    return foreign


@contextmanager
def staging_folder(out: Path) -> Iterator[Path]:
    """A fresh staging folder beside ``out``, removed when the block fails or is interrupted."""
    staging = _staging_path(out)
    _make_staging(staging, out)
    try:
        with interrupts.removed_on_stop(staging):
            yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def check_writable(out: Path) -> None:
    """``ReleaseError`` unless a release can be written to ``out`` (a staging folder is made beside it and removed)."""
    staging = _staging_path(out)
    _make_staging(staging, out)
    shutil.rmtree(staging)


def move_into_place(staging: Path, out: Path, overwrite: bool = False) -> None:
    """Put the finished ``staging`` folder at ``out``: renamed in, the old release (``overwrite``) set aside first.

    A file put into ``out`` during the build is never removed: without ``overwrite`` the move is
    refused, with it ``out`` is checked again. Signals wait until the renames are done.
    """
    interrupts.check()
    with interrupts.deferred():
        if out.is_dir() and any(out.iterdir()):
            if not overwrite:
                raise ReleaseError(f"output directory {str(out)!r} was filled during the build; nothing was written")
            check_output_dir(out, overwrite)
            aside = out.parent / f".{out.name}.old-{os.getpid()}"
            _rename(out, aside, out)
            try:
                _rename(staging, out, out)
            except ReleaseError:
                os.rename(aside, out)
                raise
            interrupts.mark_written(str(out))
            _remove_aside(aside)
            return
        _rename(staging, out, out)  # over an empty folder, or none: atomic either way
        interrupts.mark_written(str(out))


def remove_stale_staging(parent: Path) -> list[Path]:
    """Remove the staging folders in ``parent`` whose process is gone (killed builds); the folders removed."""
    removed = []
    try:
        entries = list(parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = _STAGING.match(entry.name)
        if match and entry.is_dir() and not entry.is_symlink() and not _alive(int(match["pid"])):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def _recover_aside(out: Path) -> None:
    """Put back an old release an interrupted ``--overwrite`` set aside, or remove it once the new one is in."""
    for aside in sorted(out.parent.glob(f".{glob_escape(out.name)}.old-*")):
        if not aside.is_dir() or aside.is_symlink():
            continue
        if not out.exists():
            os.rename(aside, out)
        else:
            _remove_aside(aside)


def _remove_aside(aside: Path) -> None:
    """Remove an old release set aside, unless something not of a release got into it: that is left for its owner."""
    foreign = foreign_entries(aside)
    if foreign:
        logger.warning("kept %s: it holds %s, which a release does not write", aside, ", ".join(foreign[:_SHOWN]))
        return
    shutil.rmtree(aside, ignore_errors=True)


def glob_escape(name: str) -> str:
    """``name`` with glob's special characters matched literally."""
    return re.sub(r"([*?\[])", r"[\1]", name)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _rename(source: Path, target: Path, out: Path) -> None:
    try:
        os.rename(source, target)
    except OSError as error:
        reason = error.strerror or error
        raise ReleaseError(f"cannot move the release into {str(out)!r}: {reason}; it holds what it held") from None


def _staging_path(out: Path) -> Path:
    return out.parent / f".{out.name}.partial-{os.getpid()}"


def _make_staging(staging: Path, out: Path) -> None:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir()
        probe = staging / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise ReleaseError(f"cannot write the release to {str(out)!r}: {error.strerror or error}") from None
