"""Where a release lands: the output folder checked, a staging folder beside it, the final move.

A release is written into a staging folder beside ``--out`` and moved into place only when it is
complete, so ``--out`` never holds a partial release.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from builder.errors import ReleaseError
from builder.release.layout import CARD
from builder.release.layout import (
    RELEASE_ENTRIES as _RELEASE_ENTRIES,  # --overwrite replaces only a folder of these
)


def check_output_dir(out: Path, overwrite: bool) -> None:
    """``out`` must be absent, empty, or (with ``overwrite``) an earlier release."""
    if out.exists() and not out.is_dir():
        raise ReleaseError(f"output path {str(out)!r} exists and is not a directory")
    if not out.is_dir() or not any(out.iterdir()):
        return
    if not overwrite:
        raise ReleaseError(f"output directory {str(out)!r} exists and is not empty; pass --overwrite to replace it")
    # --overwrite deletes the folder: only ever one that holds nothing but a release.
    foreign = sorted(p.name for p in out.iterdir() if p.name not in _RELEASE_ENTRIES and not p.name.endswith(".png"))
    if foreign or not (out / CARD).is_file():
        raise ReleaseError(
            f"output directory {str(out)!r} does not look like a warp-ir-pairs release "
            f"(unexpected entries: {', '.join(foreign) or 'no README.md'}); refusing to overwrite it"
        )


@contextmanager
def staging_folder(out: Path) -> Iterator[Path]:
    """A fresh staging folder beside ``out``, removed when the block fails or is interrupted."""
    staging = _staging_path(out)
    _make_staging(staging, out)
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def check_writable(out: Path) -> None:
    """``ReleaseError`` unless a release can be written to ``out`` (a staging folder is made beside it and removed)."""
    staging = _staging_path(out)
    _make_staging(staging, out)
    shutil.rmtree(staging)


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


def move_into_place(staging: Path, out: Path) -> None:
    """Replace ``out`` (checked by ``check_output_dir``) with the finished ``staging`` folder."""
    if out.exists():
        shutil.rmtree(out)
    staging.rename(out)
