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

__all__ = [
    "CATEGORIES",
    "DEFAULT_GENERATOR",
    "GENERATORS",
    "GENERATOR_VERSION",
    "KernelSpec",
    "categories_of",
    "category_of",
    "kernel_rng",
    "synthesize",
    "validate_generator",
]

# Bump whenever any synthesizer's output for a given (seed, index), or the row schema, changes.
GENERATOR_VERSION = "0.5.0"
# The synthesizers a build may use: live, idiomatic motif kernels (the default), mutants of real
# kernels (``--corpus``) or the typed random (fuzzing) synthesizer, kept for compiler coverage.
GENERATORS = ("motif", "mutant", "random")
DEFAULT_GENERATOR = "motif"
# Motif families a mutant may be labelled with, in the order generators.mutate.category tries their
# markers (the most specific construct first); a mutant no marker fits gets a random-generator category.
MUTANT_FAMILIES = (
    "neighbor_sum",
    "mesh_query",
    "random_sampling",
    "fem_assembly",
    "sparse_matvec",
    "quaternion_kinematics",
    "rigid_transform",
    "grid_stencil",
)

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
CATEGORIES: tuple[str, ...] = tuple(SYNTHESIZERS)  # the random generator's categories


def validate_generator(generator: object) -> str:
    """``generator`` if it names a synthesizer; a ValueError naming it and the allowed ones otherwise."""
    if generator not in GENERATORS:
        raise ValueError(f"unknown generator {generator!r}; allowed: {', '.join(GENERATORS)}")
    return generator  # type: ignore[return-value]


def categories_of(generator: str) -> tuple[str, ...]:
    """The categories of ``generator``, in index order."""
    from generators.motifs import MOTIF_CATEGORIES

    generator = validate_generator(generator)
    if generator == "mutant":  # a mutant's category is read from its code (generators.mutate.category)
        return (*MUTANT_FAMILIES, *CATEGORIES)
    return MOTIF_CATEGORIES if generator == "motif" else CATEGORIES


def category_of(index: int) -> str:
    """The category every kernel at ``index`` belongs to, whatever the seed."""
    return CATEGORIES[index % len(CATEGORIES)]


def kernel_rng(seed: int, index: int) -> random.Random:
    """The RNG behind kernel (seed, index); string seeds hash the same in every process."""
    return random.Random(f"warp-ir-pairs/{seed}/{index}")


def synthesize(seed: int, index: int, generator: str = "random") -> KernelSpec:
    """The kernel at (seed, index) of ``generator`` (the random synthesizer unless told otherwise).

    A draw longer than ``MAX_LINES`` is replaced by the next draw from the same RNG, so the
    result is still a pure function of (seed, index).
    """
    if validate_generator(generator) == "motif":
        from generators.motifs import synthesize as motif_synthesize

        return motif_synthesize(seed, index)
    if generator == "mutant":
        raise ValueError("mutant kernels need their corpus: builder.plan.candidates.synthesize_kernel makes them")
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
