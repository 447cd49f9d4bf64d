"""Groups of kernels that must share a split: the same computation however it is spelled.

Two motif kernels are linked when their kernels alone have one live core (dead code removed,
names and numbers erased; helpers may differ) or when they are near-duplicates (MinHash over
normalized token 5-grams, ``near_duplicates.THRESHOLD``). A group is a connected set of links
(union-find), and ``family_splits`` places each group whole, so no test or validation kernel has
its live core, or a near-duplicate, in train: leakage is absent by construction, not filtered.
"""

from __future__ import annotations

import numpy as np

from builder.plan.near_duplicates import NearDuplicateIndex


class Groups:
    """Kernels added one by one, each joined to every earlier kernel it is linked to; a group may
    be pinned to a split (a pin spreads to the groups it joins)."""

    def __init__(self) -> None:
        self._parent: list[int] = []
        self._by_core: dict[str, int] = {}
        self._index = NearDuplicateIndex()
        self._pin: dict[int, str] = {}  # root -> the split its group must take

    def linked(self, core: str, sig: np.ndarray, family: str | None = None) -> list[int]:
        """Positions of the earlier kernels a kernel of this live core, signature and family links to."""
        links = self._index.matches(sig)
        links.extend(self._by_core[key] for key in _keys(core, family) if key in self._by_core)
        return links

    def pins(self, positions: list[int]) -> set[str | None]:
        """The pins of the groups of ``positions`` (None: a group free to take any split)."""
        return {self._pin.get(self.root(p)) for p in positions}

    def add(self, core: str, sig: np.ndarray, family: str | None = None, *, pin: str | None = None, links=None) -> int:
        """Add a kernel (its kernel-alone live-core hash and MinHash signature, and the family it
        must share a split with, such as a mutant's parent file; ``pin``: the split its group must
        take; ``links``: ``linked``'s answer, if asked already); its position."""
        links = self.linked(core, sig, family) if links is None else links
        position = len(self._parent)
        self._parent.append(position)
        if pin is not None:
            self._pin[position] = pin
        for other in links:
            self._union(position, other)
        for key in _keys(core, family):
            self._by_core.setdefault(key, position)
        self._index.add(sig)
        return position

    def root(self, position: int) -> int:
        """The group of the kernel at ``position``: the first position added to it."""
        parent = self._parent
        while parent[position] != position:
            parent[position] = parent[parent[position]]
            position = parent[position]
        return position

    def sizes(self) -> list[int]:
        """Kernels per group, largest first."""
        counts: dict[int, int] = {}
        for position in range(len(self._parent)):
            root = self.root(position)
            counts[root] = counts.get(root, 0) + 1
        return sorted(counts.values(), reverse=True)

    def _union(self, a: int, b: int) -> None:
        a, b = self.root(a), self.root(b)
        if a != b:
            low, high = min(a, b), max(a, b)
            self._parent[high] = low
            if high in self._pin:
                self._pin.setdefault(low, self._pin.pop(high))


def _keys(core: str, family: str | None) -> tuple[str, ...]:
    return (core,) if family is None else (core, f"family:{family}")
