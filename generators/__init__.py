"""Kernel synthesizers: one per category, each a pure function of a seeded ``random.Random``.

``synthesize(seed, index)`` is the only entry point the builder needs: the category of an index
is fixed by its position in ``CATEGORIES`` and every random choice comes from ``kernel_rng``.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from generators import (
    arithmetic,
    atomic,
    combined,
    control_flow,
    geometry_query,
    helper_function,
    integer_bitwise,
    math_funcs,
    matrix,
    multi_conditional,
    multi_dim,
    nested_loop,
    quaternion_transform,
    random_numbers,
    reduction,
    scalar_param,
    scan,
    spatial,
    stencil,
    struct,
    tile,
    vector,
    while_break,
)
from generators.draft import MAX_LINES, line_count
from generators.spec import KernelSpec

__all__ = ["CATEGORIES", "GENERATOR_VERSION", "KernelSpec", "category_of", "kernel_rng", "synthesize"]

# Bump whenever any synthesizer's output for a given (seed, index), or the row schema, changes.
GENERATOR_VERSION = "0.3.0"

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
        reduction,
        stencil,
        scan,
        struct,
        helper_function,
        random_numbers,
        quaternion_transform,
        spatial,
        integer_bitwise,
        multi_dim,
        while_break,
        geometry_query,
        tile,
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
    """The kernel at (seed, index).

    A draw longer than ``MAX_LINES`` is replaced by the next draw from the same RNG, so the
    result is still a pure function of (seed, index).
    """
    category = category_of(index)
    rng = kernel_rng(seed, index)
    for _ in range(20):
        spec = SYNTHESIZERS[category](rng)
        if line_count(spec.python_source) <= MAX_LINES:
            break
    else:
        raise AssertionError(f"{category!r} drew 20 kernels over {MAX_LINES} lines at seed {seed}, index {index}")
    if spec.category != category:
        raise AssertionError(f"synthesizer for {category!r} returned category {spec.category!r}")
    return spec
