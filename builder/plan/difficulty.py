"""Difficulty: a kernel's complexity tercile within its category (``easy``, ``medium``, ``hard``)."""

from __future__ import annotations

from collections.abc import Sequence

from builder.schema import DIFFICULTIES


def difficulty_bounds(complexities: Sequence[int]) -> tuple[int, int]:
    """Upper complexity bounds of the first and second terciles (inclusive)."""
    ordered = sorted(complexities)
    if not ordered:
        return (0, 0)
    n = len(ordered)
    return ordered[-(-n // 3) - 1], ordered[-(-2 * n // 3) - 1]


def difficulty(complexity: int, bounds: tuple[int, int]) -> str:
    """``easy`` up to the first tercile bound, ``medium`` up to the second, else ``hard``."""
    return (
        DIFFICULTIES[0] if complexity <= bounds[0] else DIFFICULTIES[1] if complexity <= bounds[1] else DIFFICULTIES[2]
    )
