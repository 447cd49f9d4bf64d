"""Kernel candidates for the planner: each (seed, index) synthesized and analyzed, on demand or ahead in a pool.

A candidate depends on (seed, index) alone, so where and when it is computed changes no plan.
"""

from __future__ import annotations

import ast
import itertools
import multiprocessing
from collections.abc import Iterator, Set
from dataclasses import dataclass

import generators
from builder.plan.constructs import constructs_in
from builder.plan.kernel_ast import walk
from builder.plan.liveness import live_keys_of
from builder.plan.near_duplicates import signature
from builder.plan.structure import structure_of
from generators.mutate.sources import active_source
from generators.spec import builtins_in

# Generators whose kernels are live by construction: deduplicated and grouped on their live core.
LIVE_GENERATORS = ("motif", "mutant")


@dataclass(frozen=True)
class Analysis:
    """What the plan and the rows need from a kernel's AST."""

    structural_hash: str  # the dedup key: builder.plan.planner.dedup_hash
    complexity: int  # AST node count
    builtins: tuple[str, ...]
    constructs: tuple[str, ...]
    live_core: str | None = None  # motif kernels: the kernel-alone live core (builder.plan.groups links on it)


def analyze(python_source: str, generator: str = "random") -> Analysis:
    """The dedup hash, complexity, builtins and constructs of a kernel, from one parse.

    Motif kernels and mutants are deduplicated on meaning (``builder.plan.liveness.live_keys``), the
    random fuzzer's on their whole AST (``builder.plan.structure``)."""
    tree = ast.parse(python_source)
    builtins, constructs = builtins_in(tree), tuple(sorted(constructs_in(tree)))
    if generator in LIVE_GENERATORS:
        nodes = walk(tree)  # one walk for the node count (structure_of's, without its text) and the live keys
        core, structure = live_keys_of(tree, nodes)  # prunes the tree: last
        complexity = len(nodes)
        return Analysis(structure, complexity, builtins, constructs, core)
    digest, complexity = structure_of(tree, python_source)
    return Analysis(digest, complexity, builtins, constructs)


def synthesize_kernel(
    seed: int, index: int, generator: str = "random", attempt: int | None = None
) -> generators.KernelSpec:
    """The kernel at (seed, index) of ``generator``: a mutant of the corpus this process last made a
    source of (``generators.mutate.sources.mutant_source``; ``attempt``: the one the plan found to
    pass, made again without its code-generation check), else ``generators.synthesize``."""
    if generator == "mutant":
        return active_source().mutant(seed, index, attempt).spec
    return generators.synthesize(seed, index, generator)


def candidate(seed: int, index: int, generator: str = "random", kept: Set[str] = frozenset()) -> tuple:
    """``(True, structural hash, complexity, constructs, builtins, link, origin, spec)`` of kernel ``index``,
    or ``(False, reason, message, (), (), None, None, None)`` if synthesis failed.

    ``link``: for motif kernels and mutants, what ``Groups.add`` links on (the kernel-alone live core
    and the MinHash signature); None for the random generator, whose kernels are split one by one,
    and for a kernel whose structural hash is in ``kept`` (the planner's so far): the planner drops
    such a duplicate unread (a fifth of a 2,000-kernel motif plan's draws, a third of a mutant plan's).
    ``origin``: for mutants, ``(category, family, parent split, passing attempt)``, read from the kernel; else None.
    ``spec``: the kernel, for ``builder.plan.recent_specs``."""
    link = origin = None
    try:
        spec = synthesize_kernel(seed, index, generator)
        analysis = analyze(spec.python_source, generator)
        if analysis.live_core is not None and analysis.structural_hash not in kept:
            link = (analysis.live_core, signature(spec.python_source))
        if spec.provenance:
            meta = dict(spec.provenance)
            origin = (spec.category, meta["family"], meta["parent_split"], meta["attempt"])
    except Exception as error:  # the planner counts and logs it
        return False, f"synthesis {type(error).__name__}", str(error), (), (), None, None, None
    found = (analysis.structural_hash, analysis.complexity, analysis.constructs, analysis.builtins)
    return True, *found, link, origin, spec


def upcoming_indices(open_categories: list[str], first_round: int, known: tuple[str, ...]) -> Iterator[int]:
    """Indices the planner will draw from ``first_round`` on, if no category closes meanwhile."""
    for round_ in itertools.count(first_round):
        for category in open_categories:
            yield known.index(category) + round_ * len(known)


class Candidates:
    """``candidate`` results by index: computed on demand, or ahead in batches over ``num_proc`` processes.

    A candidate depends on (seed, index) alone, so computing ahead changes no result; candidates
    of categories that close meanwhile are computed for nothing (at most one batch).
    """

    BATCH = 128  # candidates per process per batch

    def __init__(self, seed: int, num_proc: int, generator: str = "random") -> None:
        self.seed = seed
        self.generator = generator
        self.num_proc = num_proc
        self.ready: dict[int, tuple] = {}
        self.pool = None

    def __enter__(self) -> Candidates:
        if self.num_proc > 1:
            self.pool = multiprocessing.get_context().Pool(self.num_proc)
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()

    def get(self, index: int, upcoming: Iterator[int], kept: Set[str] = frozenset()) -> tuple:
        """The candidate of ``index``.

        ``upcoming``: the indices the planner expects to draw next, ``index`` among them. ``kept``:
        the structural hashes kept so far, which ``candidate`` makes no link for (a pool computes
        its batch ahead of the planner, so it makes every link).
        """
        if self.pool is None:
            return candidate(self.seed, index, self.generator, kept)
        if index not in self.ready:
            batch = list(itertools.islice(upcoming, self.BATCH * self.num_proc))
            results = self.pool.starmap(candidate, [(self.seed, i, self.generator) for i in batch], chunksize=16)
            self.ready = dict(zip(batch, results, strict=False))
        return self.ready.pop(index)
