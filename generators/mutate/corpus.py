"""The real kernels mutants descend from, read from a release folder's parquet files.

A release of real kernels (``warp-ir-pairs extract``, or the ``real`` release) holds one row per
kernel with its self-contained ``python_source`` and provenance in ``metadata``. The corpus is
ordered by row id, so the parent a (seed, index) draws does not depend on file order or on how
many files the release was written in.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

# Config folders tried in order: any one holds every kernel of a release.
_CONFIGS = ("paired", "cpu", "cuda")
# metadata fields naming the package and its version, in the order they are tried (the real
# release may name them either way; a warp/examples release has only warp_version).
_PACKAGE_FIELDS = ("package",)
_VERSION_FIELDS = ("package_version", "version", "warp_version")


class CorpusError(ValueError):
    """A corpus folder that holds no usable real kernels; the message names the folder and why."""


@dataclass(frozen=True, slots=True)
class Parent:
    """One real kernel a mutant may start from, and where it came from."""

    id: str
    kernel_name: str
    python_source: str
    package: str
    version: str
    source_file: str
    split: str  # the parent's split in its release: a mutant of a test kernel stays in test

    @property
    def family(self) -> str:
        """The family of the parent and of every mutant of it: its package and source file."""
        return f"{self.package}:{self.source_file}"


def read_corpus(folder: str | os.PathLike, *, package: str = "") -> tuple[Parent, ...]:
    """Every kernel of the release in ``folder``, sorted by id, a source met twice kept once.

    ``package`` names the package when the rows' metadata does not (a warp/examples release);
    with neither, the folder's name stands in. ``CorpusError`` for a folder with no kernels.
    """
    root = Path(folder)
    config = next((c for c in _CONFIGS if any((root / c).glob("*.parquet"))), None)
    if config is None:
        raise CorpusError(f"corpus {str(root)!r}: no parquet files under {', '.join(c + '/' for c in _CONFIGS)}")
    found: dict[str, Parent] = {}
    for path in sorted((root / config).glob("*.parquet")):
        split = path.name.split("-", 1)[0]
        table = pq.read_table(path, columns=["id", "kernel_name", "python_source", "metadata"])
        metadata = table.column("metadata").to_pylist()
        for kid, name, source, meta in zip(
            *(table.column(c).to_pylist() for c in ("id", "kernel_name", "python_source")), metadata, strict=True
        ):
            meta = meta or {}
            found[kid] = Parent(
                id=kid,
                kernel_name=name,
                python_source=source,
                package=_first(meta, _PACKAGE_FIELDS) or package or root.name,
                version=_first(meta, _VERSION_FIELDS) or "unknown",
                source_file=meta.get("source_file") or "",
                split=split,
            )
    seen: set[str] = set()
    parents = []
    for kid in sorted(found):
        if found[kid].python_source not in seen:
            seen.add(found[kid].python_source)
            parents.append(found[kid])
    if not parents:
        raise CorpusError(f"corpus {str(root)!r}: its parquet files hold no rows")
    return tuple(parents)


def _first(metadata: dict, fields: tuple[str, ...]) -> str:
    return next((str(metadata[f]) for f in fields if metadata.get(f)), "")


def merge_corpora(*corpora: tuple[Parent, ...]) -> tuple[Parent, ...]:
    """Several corpora as one, sorted by id, a source met twice kept once (its smallest id)."""
    merged: dict[str, Parent] = {}
    for parent in sorted((p for corpus in corpora for p in corpus), key=lambda p: p.id):
        merged.setdefault(parent.python_source, parent)
    return tuple(sorted(merged.values(), key=lambda p: p.id))
