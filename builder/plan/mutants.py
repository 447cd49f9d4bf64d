"""The draws of a mutant plan: mutants of a corpus's real kernels, deduplicated on meaning, linked by family.

A mutant's category is read from its code (``generators.mutate.category``), so mutants cannot be
drawn per category as synthesized kernels are: indices are drawn in order and every live-distinct
mutant is kept until the plan is full; the categories are as balanced as the corpus is. Each
mutant is linked to the other mutants of its parent's file (its family), to kernels of the same
live core and to near-duplicates (``Groups``, shared with the other generators of a mixture), and
the planner places each group whole in one split; the group of a mutant whose parent is in the
real release's test split is pinned to test.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence

from builder.errors import PlanError
from builder.plan.candidates import Candidates
from builder.plan.draws import Draws

logger = logging.getLogger("warp_ir_pairs")


def draw_mutants(
    draws: Draws,
    num_examples: int,
    *,
    categories: Sequence[str] | None,
    first_index: int,
    num_proc: int,
    max_draws: int,
    kernel_of,
) -> None:
    """Draw mutants (indices ``first_index``, the next, ...) into ``draws`` until ``num_examples``
    live-distinct ones are kept.

    ``kernel_of(index, digest, complexity, category, constructs, builtins, attempt)`` makes a planned
    kernel. ``PlanError`` after ``max_draws`` draws."""
    seed, kept, tried = draws.seed, 0, 0
    with Candidates(seed, num_proc, "mutant") as candidates:
        for index in itertools.count(first_index):
            if kept == num_examples:
                break
            if tried == max_draws:
                raise PlanError(
                    f"mutants reached {kept} of {num_examples} distinct kernels in {tried} draws (seed {seed}); "
                    "ask for fewer kernels or give a larger corpus"
                )
            tried += 1
            made, digest, complexity, constructs, builtins, link, origin, _ = candidates.get(
                index, itertools.count(index), draws.kept_hashes
            )
            if not made:
                draws.fail(digest)
                logger.info("mutant seed=%d index=%d failed (%s): %s", seed, index, digest, complexity)
                continue
            category, family, parent_split, attempt = origin
            if categories is not None and category not in categories:
                draws.fail("category not asked for")
                continue
            if draws.duplicate(digest):
                continue
            kernel = kernel_of(index, digest, complexity, category, constructs, builtins, attempt)
            if draws.keep(kernel, link, family=family, pin="test" if parent_split == "test" else None):
                kept += 1
    draws.draws += tried
