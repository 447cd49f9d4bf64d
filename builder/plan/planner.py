"""The build plan: which (seed, index) kernels go into which split.

Cheap (no Warp): synthesize candidates in index order, drop structural duplicates, then assign
each category's kernels to train / validation / test with exact counts.
"""

from __future__ import annotations

import ast
import logging
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from builder.errors import OptionError, PlanError
from builder.options import BuildOptions
from builder.plan.candidates import LIVE_GENERATORS, Candidates, analyze, synthesize_kernel, upcoming_indices
from builder.plan.difficulty import difficulty, difficulty_bounds
from builder.plan.families import family_splits
from builder.plan.groups import Groups
from builder.plan.liveness import live_structure
from builder.plan.mutants import mutant_kernels
from builder.plan.splits import (
    DEFAULT_RATIOS,
    SPLITS,
    balanced_counts,
    split_counts,
)
from builder.plan.structure import structure_of
from generators import KernelSpec, categories_of
from generators.spec import builtins_in

logger = logging.getLogger("warp_ir_pairs")

# A category may draw this many candidates per kernel it must deliver (plus a fixed allowance)
# before the planner gives up on it.
MAX_DRAWS_PER_KERNEL = 20
MAX_DRAWS_ALLOWANCE = 200
# A stream (``as_streaming_dataset``) is planned in blocks of this many kernels, so its first row
# comes after one block's plan (about 2 s) whatever ``num_examples`` is.
STREAM_BLOCK = 1000


@dataclass(frozen=True, slots=True)  # slots: a plan holds one per kernel, 100,000s in one process
class PlannedKernel:
    """One kernel of the plan: its (seed, index) and what the plan learned of it.

    A kernel is a pure function of (seed, index): the spec is not kept but made again where it is
    needed (``contents``), so a plan, and a shard of it sent to a worker, stays small.
    """

    seed: int
    index: int
    structural_hash: str
    complexity: int = 0  # AST node count of the source
    difficulty: str = ""  # easy / medium / hard: the complexity tercile within its category
    category: str = ""
    generator: str = "random"  # the synthesizer of generators.GENERATORS that made it
    # The builder.plan.constructs.CONSTRUCTS the source uses (the card's coverage); equal tuples are one object.
    constructs: tuple[str, ...] = ()
    # The Warp registry keys the source calls (``metadata.builtins``): kept, since finding them takes a parse.
    builtins: tuple[str, ...] = ()

    @classmethod
    def of(cls, seed: int, index: int, spec: KernelSpec, generator: str = "random") -> PlannedKernel:
        """The planned kernel of ``spec`` (its difficulty is set by the plan)."""
        analysis = analyze(spec.python_source, generator)
        return cls(
            seed,
            index,
            analysis.structural_hash,
            analysis.complexity,
            category=spec.category,
            generator=generator,
            constructs=analysis.constructs,
            builtins=analysis.builtins,
        )

    @property
    def contents(self) -> tuple[KernelSpec, tuple[str, ...]]:
        """``(spec, builtins)``: the spec synthesized again from (seed, index) on every access (read it once
        per use); builtins as planned (found again in the source for an entry made without them)."""
        spec = synthesize_kernel(self.seed, self.index, self.generator)
        return spec, self.builtins or builtins_in(ast.parse(spec.python_source))

    @property
    def spec(self) -> KernelSpec:
        return self.contents[0]

    @property
    def id(self) -> str:
        return kernel_id(self.seed, self.index)


@dataclass(frozen=True)
class Plan:
    seed: int
    num_examples: int
    categories: tuple[str, ...]
    split_ratios: tuple[float, float, float]
    splits: dict[str, tuple[PlannedKernel, ...]]
    draws: int
    duplicates: int
    failures: Counter = field(default_factory=Counter)
    # Per category, the largest complexity still "easy" and still "medium".
    difficulty_bounds: dict[str, tuple[int, int]] = field(default_factory=dict)
    generator: str = "random"  # the synthesizer of generators.GENERATORS the kernels came from

    def counts(self) -> dict[str, dict[str, int]]:
        """Kernels per split and category, e.g. ``counts()["train"]["vector"]``."""
        return {s: dict(Counter(k.category for k in kernels)) for s, kernels in self.splits.items()}

    def figures(self) -> dict:
        """Planning figures a release records in its card (``stats`` reads them back)."""
        return {
            "seed": self.seed,
            "num_examples": self.num_examples,
            "generator": self.generator,
            "draws": self.draws,
            "duplicates": self.duplicates,
            "duplicate_rate": round(self.duplicate_rate, 6),
            "synthesis_failures": dict(self.failures),
            "difficulty_bounds": {c: list(b) for c, b in self.difficulty_bounds.items()},
        }

    @property
    def duplicate_rate(self) -> float:
        """Share of successfully synthesized candidates dropped as structural duplicates."""
        synthesized = self.draws - sum(self.failures.values())
        return self.duplicates / synthesized if synthesized else 0.0


def dedup_hash(python_source: str, generator: str = "random") -> str:
    """The structural hash rows are deduplicated and checked on: the live core for motif kernels, the
    whole AST (identifiers renamed, literals erased) for the random fuzzer's and for real kernels."""
    if generator in LIVE_GENERATORS:
        return live_structure(python_source)
    return structure_of(ast.parse(python_source), python_source)[0]


def kernel_id(seed: int, index: int) -> str:
    """Stable row id; zero-padded so ids sort in index order."""
    return f"s{seed}-{index:09d}"


def _plan_options(
    seed: object,
    num_examples: object,
    categories: object,
    split_ratios: object,
    generator: object = "random",
    corpus: object = None,
) -> BuildOptions:
    """The arguments of a plan, checked as build options are (``PlanError`` names a bad one)."""
    try:
        return BuildOptions(
            seed=seed,
            num_examples=num_examples,
            categories=categories,
            split_ratios=split_ratios,
            generator=generator,
            corpus=corpus,
        )
    except OptionError as error:
        raise PlanError(str(error), allowed=error.allowed) from None


def make_plan(
    seed: int,
    num_examples: int,
    categories: Sequence[str] | None = None,
    *,
    split_ratios: Sequence[float] = DEFAULT_RATIOS,
    first_round: int = 0,
    num_proc: int = 1,
    generator: str = "random",
    corpus: Sequence[str] | None = None,
) -> Plan:
    """Plan ``num_examples`` structurally distinct kernels of ``generator``, balanced over ``categories``.

    Candidates are drawn round by round (one index per category per round) from ``first_round`` on.
    With ``num_proc`` > 1 they are synthesized ahead in that many processes; the plan is the same.
    Mutants (``corpus``: the real releases they start from) are planned by ``builder.plan.mutants``.
    """
    options = _plan_options(seed, num_examples, categories, split_ratios, generator, corpus)
    if options.generator == "mutant":
        return _mutant_plan(options, first_round=first_round, num_proc=num_proc)
    known = categories_of(generator)
    categories, ratios = options.categories or known, options.split_ratios
    targets = dict(zip(categories, balanced_counts(num_examples, len(categories)), strict=False))
    accepted: dict[str, list[PlannedKernel]] = {c: [] for c in categories}
    draws, failures, seen, duplicates = Counter(), Counter(), set(), 0
    open_categories = [c for c in categories if targets[c] > 0]
    round_ = first_round
    shared: dict[tuple[str, ...], tuple[str, ...]] = {}  # one object per distinct constructs or builtins tuple
    groups, group_of = Groups(), {}  # motif kernels: index -> position among the groups that share a split
    with Candidates(seed, num_proc, generator) as candidates:
        while open_categories:
            for category in list(open_categories):
                index = known.index(category) + round_ * len(known)
                draws[category] += 1
                made, digest, complexity, constructs, builtins, link, _ = candidates.get(
                    index, upcoming_indices(open_categories, round_, known)
                )
                if not made:  # a synthesizer bug: count it, log it, keep drawing (within the bound below)
                    failures[digest] += 1
                    logger.warning("kernel seed=%d index=%d failed (%s): %s", seed, index, digest, complexity)
                elif digest in seen:
                    duplicates += 1
                else:
                    seen.add(digest)
                    if link is not None:
                        group_of[index] = groups.add(*link)
                    accepted[category].append(
                        PlannedKernel(
                            seed,
                            index,
                            digest,
                            complexity,
                            category=category,
                            generator=generator,
                            constructs=shared.setdefault(constructs, constructs),
                            builtins=shared.setdefault(builtins, builtins),
                        )
                    )
                if len(accepted[category]) == targets[category]:
                    open_categories.remove(category)
                elif draws[category] >= MAX_DRAWS_PER_KERNEL * targets[category] + MAX_DRAWS_ALLOWANCE:
                    raise _ran_dry(category, len(accepted[category]), targets[category], draws[category], seed)
            round_ += 1

    bounds = {c: difficulty_bounds([k.complexity for k in accepted[c]]) for c in categories}
    return Plan(
        seed=seed,
        num_examples=num_examples,
        categories=categories,
        split_ratios=ratios,
        splits=_assign_splits(
            accepted,
            bounds,
            seed=seed,
            ratios=ratios,
            first_round=first_round,
            group_of={i: groups.root(p) for i, p in group_of.items()} if group_of else None,
        ),
        draws=sum(draws.values()),
        duplicates=duplicates,
        failures=failures,
        difficulty_bounds=bounds,
        generator=generator,
    )


def _mutant_plan(options: BuildOptions, *, first_round: int, num_proc: int) -> Plan:
    from generators.mutate.sources import mutant_source

    try:  # made before the candidates' pool forks, which inherits it
        mutant_source(options.corpus)
    except ValueError as error:  # a corpus folder without real kernels (CorpusError), or none usable
        raise PlanError(str(error)) from None
    seed, total = options.seed, options.num_examples
    shared: dict[tuple[str, ...], tuple[str, ...]] = {}

    def kernel_of(index, digest, complexity, category, constructs, builtins) -> PlannedKernel:
        return PlannedKernel(
            seed,
            index,
            digest,
            complexity,
            category=category,
            generator="mutant",
            constructs=shared.setdefault(constructs, constructs),
            builtins=shared.setdefault(builtins, builtins),
        )

    accepted, group_of, pinned, failures, draws, duplicates = mutant_kernels(
        seed,
        total,
        categories=options.categories,
        num_proc=num_proc,
        max_draws=MAX_DRAWS_PER_KERNEL * total + MAX_DRAWS_ALLOWANCE,
        kernel_of=kernel_of,
    )
    categories = tuple(c for c in categories_of("mutant") if c in accepted)
    accepted = {c: accepted[c] for c in categories}
    bounds = {c: difficulty_bounds([k.complexity for k in accepted[c]]) for c in categories}
    splits = _assign_splits(
        accepted,
        bounds,
        seed=seed,
        ratios=options.split_ratios,
        first_round=first_round,
        group_of=group_of,
        pinned=pinned,
    )
    return Plan(
        seed=seed,
        num_examples=total,
        categories=categories,
        split_ratios=options.split_ratios,
        splits=splits,
        draws=draws,
        duplicates=duplicates,
        failures=failures,
        difficulty_bounds=bounds,
        generator="mutant",
    )


def _ran_dry(category: str, reached: int, target: int, draws: int, seed: int) -> PlanError:
    return PlanError(
        f"category {category!r} reached {reached} of {target} structurally distinct kernels in {draws} draws "
        f"(seed {seed}); ask for fewer kernels or more categories"
    )


def _assign_splits(
    accepted: dict[str, list[PlannedKernel]],
    bounds: dict[str, tuple[int, int]],
    *,
    seed: int,
    ratios: tuple[float, float, float],
    first_round: int,
    group_of: dict[int, int] | None = None,
    pinned: dict[int, str] | None = None,
) -> dict[str, tuple[PlannedKernel, ...]]:
    """Each category's ``accepted`` kernels, with their difficulty, shuffled by seed and cut by
    ``ratios`` into splits with exact counts; each split in index order, empty ones left out.

    With ``group_of`` (index -> group, ``builder.plan.groups``) each group is placed whole instead,
    the counts as exact as the groups allow; ``pinned`` (group -> split) fixes a group's split."""
    splits: dict[str, list[PlannedKernel]] = {s: [] for s in SPLITS}
    stream = f"/{first_round}" if first_round else ""
    kernels = {
        c: [replace(k, difficulty=difficulty(k.complexity, bounds[c])) for k in ks] for c, ks in accepted.items()
    }
    if group_of is not None:
        items = [(k.id, k.category, f"g{group_of[k.index]}") for ks in kernels.values() for k in ks]
        pins = {f"g{g}": split for g, split in (pinned or {}).items()}
        placed = family_splits(items, ratios, pinned=pins, seed=f"{seed}{stream}")
        for k in (k for ks in kernels.values() for k in ks):
            splits[placed[k.id]].append(k)
    else:
        for category, of_category in kernels.items():
            random.Random(f"warp-ir-pairs/split/{seed}/{category}{stream}").shuffle(of_category)
            start = 0
            for split, count in zip(SPLITS, split_counts(len(of_category), ratios), strict=False):
                splits[split].extend(of_category[start : start + count])
                start += count
    return {s: tuple(sorted(k, key=lambda p: p.index)) for s, k in splits.items() if k}


def stream_blocks(num_examples: int) -> list[tuple[int, int]]:
    """``(block, kernels)`` pairs of ``STREAM_BLOCK`` kernels that add up to ``num_examples``, the rest last."""
    _plan_options(0, num_examples, None, DEFAULT_RATIOS)
    full, rest = divmod(num_examples, STREAM_BLOCK)
    return [(b, STREAM_BLOCK) for b in range(full)] + ([(full, rest)] if rest else [])


def block_plan(
    seed: int,
    block: int,
    num_examples: int,
    *,
    categories: Sequence[str] | None = None,
    split_ratios: Sequence[float] = DEFAULT_RATIOS,
    generator: str = "random",
    corpus: Sequence[str] | None = None,
) -> Plan:
    """The plan of one stream block: ``make_plan`` over indices no other block can reach.

    Block 0 is ``make_plan(seed, num_examples)`` itself. A block is deduplicated and split on its
    own, so two blocks may hold kernels of the same structure (at about the raw duplicate rate).
    """
    # The most rounds a block may draw (MAX_DRAWS_PER_KERNEL per kernel of its largest category).
    rounds_per_block = MAX_DRAWS_PER_KERNEL * STREAM_BLOCK + MAX_DRAWS_ALLOWANCE
    return make_plan(
        seed,
        num_examples,
        categories,
        split_ratios=split_ratios,
        first_round=block * rounds_per_block,
        generator=generator,
        corpus=corpus,
    )
