"""Per-kernel swarm configurations: which types, builtins and statements one kernel may use.

Swarm testing (Groce et al., used by Csmith and YARPGen) draws a random feature set per
program instead of one fixed distribution, so each kernel leans on a few features heavily and
the dataset as a whole covers all of them. Every choice comes from the kernel's seeded RNG.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from generators.registry import signature_keys
from generators.types import VType, universe

# Statement kinds ``generators.statements`` knows.
SIMPLE = ("assign", "update", "augment", "ternary", "store")
BRANCHES = ("if", "ifelse", "elif")
LOOPS = ("for", "for_dynamic", "while")
ALL_KINDS = SIMPLE + BRANCHES + LOOPS + ("guard_exit",)

ALL_KINDS_OF_TYPE = ("scalar", "vector", "matrix", "quat", "transform", "spatial_vector", "spatial_matrix")
FLOAT_SCALARS = ("float16", "float32", "float64")
INT_SCALARS = ("int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64")


@dataclass(frozen=True)
class Swarm:
    """One kernel's feature set.

    ``types`` are the value types its names and arrays hold; ``keys`` the registry builtins
    expressions may call; ``kinds`` the statement kinds (repeats weight them); ``budget`` the
    number of statements, nested ones included.
    """

    types: tuple[VType, ...]
    keys: frozenset[str]
    kinds: tuple[str, ...]
    expr_depth: int
    max_nesting: int
    budget: int
    call_weight: float


def draw(
    rng: random.Random,
    type_kinds: Sequence[str] = ALL_KINDS_OF_TYPE,
    scalars: Sequence[str] = FLOAT_SCALARS,
    n_types: tuple[int, int] = (1, 3),
    kinds: Sequence[str] = ALL_KINDS,
    budget: tuple[int, int] = (4, 20),
    expr_depth: tuple[int, int] = (1, 3),
    max_nesting: tuple[int, int] = (1, 3),
    key_share: tuple[float, float] = (0.4, 1.0),
    main_precision: float = 0.6,
    require: Sequence[str] = (),
    include_kind: str | None = None,
) -> Swarm:
    """A random feature set within the given ranges.

    With probability ``main_precision`` all types share one scalar (as most real kernels do);
    otherwise each type draws its own from ``scalars``. ``require`` lists keys always enabled;
    ``include_kind`` makes sure one type is of that kind (``vector``, ``matrix`` ...).
    """
    pool = [t for t in universe() if t.kind in type_kinds and t.scalar in scalars and not t.is_bool]
    if not pool:
        raise ValueError(f"no value type of kinds {list(type_kinds)} over scalars {list(scalars)}")
    if rng.random() < main_precision:
        # float32 / int32 are what most kernels use; weight them as such.
        weights = [3.0 if s in ("float32", "int32") else 1.0 for s in scalars]
        scalar = rng.choices(list(scalars), weights)[0]
        pool = [t for t in pool if t.scalar == scalar] or pool
    count = min(rng.randint(*n_types), len(pool))
    types = tuple(rng.sample(pool, count))
    if include_kind is not None and not any(t.kind == include_kind for t in types):
        kind_pool = [t for t in pool if t.kind == include_kind] or [
            t for t in universe() if t.kind == include_kind and t.scalar in scalars
        ]
        types = (rng.choice(kind_pool),) + types[1:]
    share = rng.uniform(*key_share)
    keys = frozenset(k for k in signature_keys() if rng.random() < share) | frozenset(require)
    chosen = [k for k in kinds if rng.random() < 0.75] or [rng.choice(list(kinds))]
    weighted = tuple(k for k in chosen for _ in range(rng.randint(1, 3)))
    return Swarm(
        types=types,
        keys=keys,
        kinds=weighted,
        expr_depth=rng.randint(*expr_depth),
        max_nesting=rng.randint(*max_nesting),
        budget=rng.randint(*budget),
        call_weight=rng.uniform(1.0, 4.0),
    )
