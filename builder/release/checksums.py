"""A release's ``checksums.sha256``: the sha256 of every file it holds, in ``sha256sum``'s format.

Written last, into the staging folder, so it covers the card and every parquet file and image;
``sha256sum -c checksums.sha256`` checks a release without this project. ``verify_checksums``
is ``validate``'s check. Parquet bytes are untouched: the checksums live beside them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from builder.release.layout import CHECKSUMS

CHECKSUMS_FILE = CHECKSUMS
_CHUNK = 1 << 20


@dataclass
class ChecksumReport:
    """What ``verify_checksums`` found: ``recorded`` is False for a release written without checksums."""

    recorded: bool
    verified: int = 0
    problems: list[str] = field(default_factory=list)


def release_files(folder: Path) -> list[Path]:
    """Every file in ``folder`` but the checksums, relative, sorted; hidden folders (caches) are left out."""
    files = []
    for path in folder.rglob("*"):
        relative = path.relative_to(folder)
        if relative.as_posix() == CHECKSUMS_FILE or not path.is_file():
            continue
        if any(part.startswith(".") for part in relative.parts[:-1]):
            continue
        files.append(relative)
    return sorted(files, key=lambda p: p.as_posix())


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_checksums(folder: Path) -> Path:
    """Write ``checksums.sha256`` covering every file in ``folder``; its path."""
    lines = [f"{file_sha256(folder / p)}  {p.as_posix()}\n" for p in release_files(folder)]
    target = folder / CHECKSUMS_FILE
    target.write_text("".join(lines), encoding="utf-8")
    return target


def verify_checksums(folder: Path) -> ChecksumReport:
    """Compare every file in ``folder`` with ``checksums.sha256``; changed, missing and unlisted files are problems."""
    listing = folder / CHECKSUMS_FILE
    if not listing.is_file():
        return ChecksumReport(recorded=False)
    report = ChecksumReport(recorded=True)
    recorded: dict[str, str] = {}
    for number, line in enumerate(listing.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        digest, _, name = line.partition("  ")
        if len(digest) != 64 or not name:
            report.problems.append(f"{CHECKSUMS_FILE} line {number} is not '<sha256>  <path>'")
            continue
        recorded[name] = digest.lower()
    present = {p.as_posix() for p in release_files(folder)}
    for name, digest in recorded.items():
        path = folder / name
        if name not in present:
            report.problems.append(f"{name} is listed but missing")
        elif file_sha256(path) != digest:
            report.problems.append(f"{name}: sha256 differs from {CHECKSUMS_FILE} (changed since it was written)")
        else:
            report.verified += 1
    report.problems += [f"{name} is not listed in {CHECKSUMS_FILE}" for name in sorted(present - set(recorded))]
    return report
