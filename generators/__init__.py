"""Kernel synthesizers: one per category, each a pure function of a seeded ``random.Random``.

``synthesize(seed, index)`` is the only entry point the builder needs: the category of an index
is fixed by its position in ``CATEGORIES`` and every random choice comes from ``kernel_rng``.
"""

from __future__ import annotations

import random
from typing import Callable

from generators import (
    arithmetic,
    atomic,
    combined,
    control_flow,
    math_funcs,
    matrix,
    multi_conditional,
    nested_loop,
    scalar_param,
    vector,
)
from generators.spec import KernelSpec

__all__ = ["CATEGORIES", "GENERATOR_VERSION", "KernelSpec", "category_of", "kernel_rng", "synthesize"]

# Bump whenever any synthesizer's output for a given (seed, index) changes.
GENERATOR_VERSION = "0.1.0"

# Order is part of the data contract: it maps indices to categories and labels to ints.
SYNTHESIZERS: dict[str, Callable[[random.Random], KernelSpec]] = {
    module.CATEGORY: module.synthesize
    for module in (
        arithmetic,
        vector,
        matrix,
        control_flow,
        math_funcs,
        atomic,
        nested_loop,
        multi_conditional,
        combined,
        scalar_param,
    )
}
CATEGORIES: tuple[str, ...] = tuple(SYNTHESIZERS)


def category_of(index: int) -> str:
    """The category every kernel at ``index`` belongs to, whatever the seed."""
    return CATEGORIES[index % len(CATEGORIES)]


def kernel_rng(seed: int, index: int) -> random.Random:
    """The RNG behind kernel (seed, index); string seeds hash the same in every process."""
    return random.Random(f"warp-ir-pairs/{seed}/{index}")


def synthesize(seed: int, index: int) -> KernelSpec:
    """The kernel at (seed, index)."""
    spec = SYNTHESIZERS[category_of(index)](kernel_rng(seed, index))
    if spec.category != category_of(index):
        raise AssertionError(f"synthesizer for {category_of(index)!r} returned category {spec.category!r}")
    return spec
