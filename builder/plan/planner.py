"""The build plan: which (seed, index) kernels go into which split.

Cheap (no Warp): synthesize candidates in index order, drop structural duplicates, then assign
each category's kernels to train / validation / test with exact counts.
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from builder.errors import OptionError, PlanError
from builder.options import BuildOptions
from builder.plan import recent_specs
from builder.plan.candidates import Candidates, upcoming_indices
from builder.plan.difficulty import difficulty, difficulty_bounds
from builder.plan.draws import Draws
from builder.plan.families import family_splits
from builder.plan.mixture import parse_mixture
from builder.plan.mutants import draw_mutants
from builder.plan.plan import Plan, PlannedKernel, dedup_hash, kernel_id
from builder.plan.splits import (
    DEFAULT_RATIOS,
    SPLITS,
    balanced_counts,
    split_counts,
)
from generators import categories_of

# Plan and PlannedKernel live in builder.plan.plan; importers of this module find them here too.
__all__ = ["Plan", "PlannedKernel", "block_plan", "dedup_hash", "kernel_id", "make_plan", "stream_blocks"]

logger = logging.getLogger("warp_ir_pairs")

# A category may draw this many candidates per kernel it must deliver (plus a fixed allowance)
# before the planner gives up on it.
MAX_DRAWS_PER_KERNEL = 20
MAX_DRAWS_ALLOWANCE = 200
# A stream (``as_streaming_dataset``) is planned in blocks of this many kernels, so its first row
# comes after one block's plan (about 2 s) whatever ``num_examples`` is.
STREAM_BLOCK = 1000
# The first round each generator of a mixture draws from: disjoint index ranges, so (seed, index)
# ids stay unique across generators (a mutant plan's first index is its first round).
MIXTURE_ROUNDS = {"motif": 0, "random": 10**7, "mutant": 5 * 10**8}


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
    Mutants (``corpus``: the real releases they start from) are drawn by ``builder.plan.mutants``.
    A mixture's generators draw their shares in turn into one ``Draws`` (deduplicated and grouped
    together, from disjoint index ranges: ``MIXTURE_ROUNDS``), split once.
    """
    options = _plan_options(seed, num_examples, categories, split_ratios, generator, corpus)
    recent_specs.forget()  # the specs of this plan's kernels replace an earlier plan's
    draws = Draws(seed)
    if len(options.generators) > 1:
        shares = parse_mixture(options.generator).counts(num_examples).items()
        for name, count in ((n, c) for n, c in shares if c > 0):
            _draw(
                draws,
                replace(
                    options, generator=name, num_examples=count, corpus=options.corpus if name == "mutant" else None
                ),
                first_round=first_round + MIXTURE_ROUNDS[name],
                num_proc=num_proc,
            )
        order = tuple(c for name, _ in shares for c in categories_of(name))
    else:
        _draw(draws, options, first_round=first_round, num_proc=num_proc)
        order = options.categories or categories_of(generator)
    kept = {c: draws.kept[c] for c in dict.fromkeys(order) if c in draws.kept}  # mutants: the categories met
    bounds = {c: difficulty_bounds([k.complexity for k in ks]) for c, ks in kept.items()}
    group_of, pinned = draws.roots()
    splits = _assign_splits(
        kept, bounds, seed=seed, ratios=options.split_ratios, first_round=first_round, group_of=group_of, pinned=pinned
    )
    return Plan(
        seed=seed,
        num_examples=num_examples,
        categories=tuple(kept),
        split_ratios=options.split_ratios,
        splits=splits,
        draws=draws.draws,
        duplicates=draws.duplicates,
        failures=draws.failures,
        difficulty_bounds=bounds,
        generator=options.generator,
    )


def _draw(draws: Draws, options: BuildOptions, *, first_round: int, num_proc: int) -> None:
    """Draw ``options.num_examples`` kernels of one generator into ``draws``."""
    if options.generator == "mutant":
        _draw_mutants(draws, options, first_round=first_round, num_proc=num_proc)
    else:
        _draw_synthesized(draws, options, first_round=first_round, num_proc=num_proc)


def _draw_synthesized(draws: Draws, options: BuildOptions, *, first_round: int, num_proc: int) -> None:
    """Kernels of the motif or random synthesizer, round by round, each category's count exact."""
    seed, generator, known = options.seed, options.generator, categories_of(options.generator)
    categories = options.categories or known
    targets = dict(zip(categories, balanced_counts(options.num_examples, len(categories)), strict=False))
    tried, got = Counter(), Counter()  # this generator's draws and kernels (a mixture's others share categories)
    for category in categories:  # a plan's categories: every one asked for, even one with no kernel
        draws.kept.setdefault(category, [])
    open_categories = [c for c in categories if targets[c] > 0]
    round_ = first_round
    with Candidates(seed, num_proc, generator) as candidates:
        while open_categories:
            for category in list(open_categories):
                index = known.index(category) + round_ * len(known)
                tried[category] += 1
                made, digest, complexity, constructs, builtins, link, _, spec = candidates.get(
                    index, upcoming_indices(open_categories, round_, known), draws.kept_hashes
                )
                if not made:  # a synthesizer bug: count it, log it, keep drawing (within the bound below)
                    draws.fail(digest)
                    logger.warning("kernel seed=%d index=%d failed (%s): %s", seed, index, digest, complexity)
                elif not draws.duplicate(digest):
                    kernel = PlannedKernel(
                        seed,
                        index,
                        digest,
                        complexity,
                        category=category,
                        generator=generator,
                        constructs=draws.shared(constructs),
                        builtins=draws.shared(builtins),
                    )
                    if draws.keep(kernel, link):
                        got[category] += 1
                        recent_specs.keep(seed, index, generator, spec)
                if got[category] == targets[category]:
                    open_categories.remove(category)
                elif tried[category] >= MAX_DRAWS_PER_KERNEL * targets[category] + MAX_DRAWS_ALLOWANCE:
                    raise _ran_dry(category, got[category], targets[category], tried[category], seed)
            round_ += 1
    draws.draws += sum(tried.values())


def _draw_mutants(draws: Draws, options: BuildOptions, *, first_round: int, num_proc: int) -> None:
    from generators.mutate.sources import mutant_source

    try:  # made before the candidates' pool forks, which inherits it
        mutant_source(options.corpus)
    except ValueError as error:  # a corpus folder without real kernels (CorpusError), or none usable
        raise PlanError(str(error)) from None
    seed, total = options.seed, options.num_examples

    def kernel_of(index, digest, complexity, category, constructs, builtins, attempt) -> PlannedKernel:
        return PlannedKernel(
            seed,
            index,
            digest,
            complexity,
            category=category,
            generator="mutant",
            constructs=draws.shared(constructs),
            builtins=draws.shared(builtins),
            attempt=attempt,
        )

    draw_mutants(
        draws,
        total,
        categories=options.categories,
        first_index=first_round,
        num_proc=num_proc,
        max_draws=MAX_DRAWS_PER_KERNEL * total + MAX_DRAWS_ALLOWANCE,
        kernel_of=kernel_of,
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
        # a kernel no link joined (the random generator's, in a mixture) is a family of its own
        items = [(k.id, k.category, _family(k.index, group_of)) for ks in kernels.values() for k in ks]
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


def _family(index: int, group_of: dict[int, int]) -> str:
    return f"g{group_of[index]}" if index in group_of else f"k{index}"


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
