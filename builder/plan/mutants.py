"""The plan of a mutant build: mutants of a corpus's real kernels, deduplicated on meaning, split by family.

A mutant's category is read from its code (``generators.mutate.category``), so mutants cannot be
drawn per category as synthesized kernels are: indices are drawn in order and every live-distinct
mutant is kept until the plan is full; the categories are as balanced as the corpus is. Each
mutant is grouped with the other mutants of its parent's file (its family), with kernels of the
same live core and with near-duplicates, and each group sits whole in one split; the group of a
mutant whose parent is in the real release's test split is pinned to test.
"""

from __future__ import annotations

import itertools
import logging
from collections import Counter
from collections.abc import Sequence

from builder.errors import PlanError
from builder.plan.candidates import Candidates
from builder.plan.groups import Groups

logger = logging.getLogger("warp_ir_pairs")


def mutant_kernels(
    seed: int,
    num_examples: int,
    *,
    categories: Sequence[str] | None,
    first_index: int,
    num_proc: int,
    max_draws: int,
    kernel_of,
) -> tuple[dict[str, list], dict[int, int], dict[int, str], Counter, int, int]:
    """Draw mutants (indices ``first_index``, the next, ...) until ``num_examples`` live-distinct ones are kept.

    ``kernel_of(index, digest, complexity, category, constructs, builtins, attempt)`` makes a planned kernel.
    Returns (kept kernels per category, index -> group, group -> pinned split, failures by reason,
    draws, duplicates). ``PlanError`` after ``max_draws`` draws."""
    accepted: dict[str, list] = {}
    groups, group_of, pinned_index = Groups(), {}, {}
    seen: set[str] = set()
    failures: Counter = Counter()
    draws = duplicates = kept = 0
    with Candidates(seed, num_proc, "mutant") as candidates:
        for index in itertools.count(first_index):
            if kept == num_examples:
                break
            if draws == max_draws:
                raise PlanError(
                    f"mutants reached {kept} of {num_examples} distinct kernels in {draws} draws (seed {seed}); "
                    "ask for fewer kernels or give a larger corpus"
                )
            draws += 1
            made, digest, complexity, constructs, builtins, link, origin = candidates.get(index, itertools.count(index))
            if not made:
                failures[digest] += 1
                logger.info("mutant seed=%d index=%d failed (%s): %s", seed, index, digest, complexity)
                continue
            category, family, parent_split, attempt = origin
            if categories is not None and category not in categories:
                failures["category not asked for"] += 1
                continue
            if digest in seen:
                duplicates += 1
                continue
            seen.add(digest)
            group_of[index] = groups.add(*link, family=family)
            if parent_split == "test":
                pinned_index[index] = "test"
            accepted.setdefault(category, []).append(
                kernel_of(index, digest, complexity, category, constructs, builtins, attempt)
            )
            kept += 1
    roots = {i: groups.root(p) for i, p in group_of.items()}
    pinned = {roots[i]: split for i, split in pinned_index.items()}
    return accepted, roots, pinned, failures, draws, duplicates
