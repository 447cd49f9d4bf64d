"""What a plan's draws gather before the split: kept kernels, failures, and the links that group them.

One ``Draws`` serves every generator of a build, so a mixture's generators deduplicate against
each other (one set of structural hashes) and are grouped together (one ``Groups``): a motif
kernel and a mutant with one live core, or near-duplicates, share a split whoever made them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Set
from dataclasses import dataclass, field

from builder.plan.groups import Groups
from builder.plan.plan import PlannedKernel

# Why a kernel was left out when it would join a pinned group to another (``Draws.keep``).
CONFLICT = "joins a pinned group to another"


@dataclass
class Draws:
    """The candidates drawn so far for a plan of ``seed``."""

    seed: int
    kept: dict[str, list[PlannedKernel]] = field(default_factory=dict)  # category -> kernels, in order kept
    draws: int = 0
    duplicates: int = 0
    failures: Counter = field(default_factory=Counter)
    groups: Groups = field(default_factory=Groups)
    group_of: dict[int, int] = field(default_factory=dict)  # index -> position in ``groups`` (linked kernels)
    pinned: dict[int, str] = field(default_factory=dict)  # index -> the split its group must take
    _seen: set[str] = field(default_factory=set)
    _shared: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)

    def fail(self, reason: str) -> None:
        self.failures[reason] += 1

    @property
    def kept_hashes(self) -> Set[str]:
        """The structural hashes of the kernels kept so far (read only)."""
        return self._seen

    def duplicate(self, digest: str) -> bool:
        """True (and counted) when a kernel of this structural hash was kept before."""
        if digest in self._seen:
            self.duplicates += 1
            return True
        return False

    def shared(self, names: tuple[str, ...]) -> tuple[str, ...]:
        """One object per distinct constructs or builtins tuple: a plan holds 100,000s of kernels."""
        return self._shared.setdefault(names, names)

    def keep(self, kernel: PlannedKernel, link: tuple | None = None, *, family: str | None = None, pin=None) -> bool:
        """Keep ``kernel``; ``link`` (live core, MinHash signature) joins it to the groups it belongs
        with, ``family`` to its family's, ``pin`` fixes its group's split.

        False (counted in ``failures``) when its links would join a pinned group to a free one or to
        another pin: the free group would follow the pin whole (mutants of real test kernels pulled
        their near-duplicates' families into test, 40% of a 20,000-mutant build), so the kernel
        that bridges them is left out instead."""
        if link is not None:
            links = self.groups.linked(*link, family=family)
            if len(self.groups.pins(links) | {pin}) > 1:
                self.fail(CONFLICT)
                return False
            self.group_of[kernel.index] = self.groups.add(*link, family=family, pin=pin, links=links)
        self._seen.add(kernel.structural_hash)
        self.kept.setdefault(kernel.category, []).append(kernel)
        if pin is not None:
            self.pinned[kernel.index] = pin
        return True

    def count(self, category: str) -> int:
        return len(self.kept.get(category, ()))

    def roots(self) -> tuple[dict[int, int], dict[int, str]] | tuple[None, None]:
        """(index -> group, group -> pinned split) of the linked kernels; (None, None) when none is linked."""
        if not self.group_of:
            return None, None
        roots = {i: self.groups.root(p) for i, p in self.group_of.items()}
        return roots, {roots[i]: split for i, split in self.pinned.items()}
