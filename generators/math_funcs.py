"""Library math in every float precision: transcendental, rounding and special functions."""

import random
from functools import cache

from generators.draft import simple_kernel
from generators.registry import signatures
from generators.spec import KernelSpec
from generators.swarm import FLOAT_SCALARS, draw

CATEGORY = "math"


@cache
def _math_keys() -> tuple[str, ...]:
    """Registry keys over float scalars that are plain calls, not operators or casts."""
    plain = (s for s in signatures() if s.form == "call" and s.result.is_scalar)
    return tuple(sorted({s.key for s in plain if all(p.is_scalar for p in s.params)}))


def synthesize(rng: random.Random) -> KernelSpec:
    keys = _math_keys()
    swarm = draw(
        rng,
        type_kinds=("scalar",),
        scalars=FLOAT_SCALARS,
        n_types=(1, 3),
        kinds=("assign", "assign", "update", "augment", "ternary", "store"),
        budget=(3, 12),
        expr_depth=(2, 3),
        require=rng.sample(keys, min(8, len(keys))),
    )
    types = ", ".join(t.name for t in swarm.types)
    return simple_kernel(
        rng,
        swarm,
        CATEGORY,
        ("evaluate", "approximate", "attenuate", "activate", "normalize", "warp"),
        ("signal", "curve", "response", "field", "spectrum"),
        f"Library math functions on {types} with arguments kept in their domains.",
        n_params=(0, 2),
    )
