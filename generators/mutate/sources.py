"""The mutant source of a build's corpus, made once per process.

A mutant is a pure function of (seed, index, corpus); making the ``MutantSource`` of a corpus checks
every parent with Warp's code generator, so each process makes it once and keeps it. A process
forked after ``mutant_source`` ran (the datasets builder's and datatrove's workers) inherits it.
"""

from __future__ import annotations

import os
from pathlib import Path

from generators.mutate.corpus import merge_corpora, read_corpus
from generators.mutate.mutant import MutantSource

_SOURCES: dict[tuple[str, ...], MutantSource] = {}
_ACTIVE: list[tuple[str, ...]] = []  # the corpus synthesize("mutant") draws from in this process


def corpus_key(corpus: tuple[str | os.PathLike, ...]) -> tuple[str, ...]:
    """The folders of ``corpus`` as absolute paths, in the order given."""
    return tuple(str(Path(folder).resolve()) for folder in corpus)


def mutant_source(corpus: tuple[str | os.PathLike, ...]) -> MutantSource:
    """The source over the real kernels of the releases in ``corpus``, made at the first call; it
    becomes the one ``generators.synthesize(..., "mutant")`` uses in this process."""
    key = corpus_key(corpus)
    if key not in _SOURCES:
        _SOURCES[key] = MutantSource.of(merge_corpora(*(read_corpus(folder) for folder in key)))
    _ACTIVE[:] = [key]
    return _SOURCES[key]


def active_source() -> MutantSource:
    """The source of the corpus this process last asked for (``mutant_source``)."""
    if not _ACTIVE:
        raise ValueError("mutant kernels need a corpus: build with --corpus DIR (a release of real kernels)")
    return _SOURCES[_ACTIVE[0]]
