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
    """Kernels added one by one, each joined to every earlier kernel it is linked to."""

    def __init__(self) -> None:
        self._parent: list[int] = []
        self._by_core: dict[str, int] = {}
        self._index = NearDuplicateIndex()

    def add(self, core: str, sig: np.ndarray, family: str | None = None) -> int:
        """Add a kernel (its kernel-alone live-core hash and MinHash signature, and the family it
        must share a split with, such as a mutant's parent file); its position."""
        position = len(self._parent)
        self._parent.append(position)
        links = self._index.matches(sig)
        keys = (core,) if family is None else (core, f"family:{family}")
        links.extend(self._by_core[key] for key in keys if key in self._by_core)
        for other in links:
            self._union(position, other)
        for key in keys:
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
            self._parent[max(a, b)] = min(a, b)
