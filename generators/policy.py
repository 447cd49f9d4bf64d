"""The motif generator's policy: every distribution it draws from, one per line (YARPGen's gen_policy style).

The figures are fitted to real Warp kernels (warp/examples and newton 1.8.0, 2,309 kernels measured
with the liveness audit; see docs/generators.md): the comment after each line gives the real figure
it aims at. Motif families are not weighted here: the planner balances categories, so each family
gets an equal share of a release.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Dist(Generic[T]):
    """A categorical distribution: ``values`` drawn with ``weights``."""

    values: tuple[T, ...]
    weights: tuple[float, ...]

    def draw(self, rng: random.Random) -> T:
        return rng.choices(self.values, self.weights)[0]


def dist(pairs: Sequence[tuple[T, float]]) -> Dist[T]:
    return Dist(tuple(v for v, _ in pairs), tuple(w for _, w in pairs))


@dataclass(frozen=True)
class Policy:
    """Probabilities and distributions of the motif generator (fields documented in line)."""

    guard_rate: float = 0.3  # `if tid >= n: return` where the launch may outrun the data (real: 13.6% of kernels)
    early_return_rate: float = 0.35  # an early return on a data condition (real: 35.4% return early)
    helper_rate: float = 0.65  # a computation moved into a @wp.func (real: 39.1% call one)
    struct_rate: float = (
        0.2  # scalar settings passed as one @wp.struct (not measured on the real corpus; newton passes model structs)
    )
    docstring_rate: float = 0.45  # a one-line docstring (real: 46.3%)
    comment_rate: float = 0.5  # the kernel carries `#` comments (real: 50.3%)
    comment_line_rate: float = 0.8  # of the commentable lines, those that get one (real: 5.8% comment lines)
    blank_line_rate: float = 0.12  # a blank line between phases of the body
    float64_rate: float = 0.12  # scalar motifs in double precision (real: float64 arrays in a few % of kernels)
    where_rate: float = 0.4  # wp.where instead of an if/else assignment (real: wp.where in 3.2%)
    static_rate: float = 0.25  # a constant folded with wp.static (real: 6.0%)
    extra_output_rate: float = 0.35  # a second output array (real: 7.2 arrays per kernel)
    atomic_counter_rate: float = 0.3  # a counter bumped with wp.atomic_add (real: atomic_add in 11.5%)
    int_cast_rate: float = 0.5  # an index computed as wp.int32(...) rather than int(...) (real: int32 in 6.1%)
    remap_rate: float = 0.4  # a 1-D launch over a subset, i = indices[tid] (real: 52.9% gather/scatter)
    flag_rate: float = 0.35  # an early return on an int flag array (real: 35.4% return early, 7.2 arrays per kernel)
    # How a result reaches its output array: assigned, added (`+=`, wp.atomic_add), scaled by a gain
    # parameter or relaxed toward with wp.lerp (real: atomic_add in 11.5% of kernels, `+=` on arrays and
    # gains are common in newton's solvers; the split is not measured).
    store_mode: Dist[str] = dist((("set", 0.55), ("add", 0.1), ("atomic", 0.1), ("scale", 0.13), ("blend", 0.12)))
    limit_rate: float = 0.25  # a stored result clamped or norm-limited first (newton bounds speeds and ranges)
    vec3_spelling: Dist[str] = dist((("wp.vec3", 0.85), ("wp.vec3f", 0.15)))  # real: vec3 17.1%, vec3f 2.9%
    float_spelling: Dist[str] = dist((("float", 0.55), ("wp.float32", 0.45)))  # scalar arrays/params
    epsilon: Dist[str] = dist((("1.0e-6", 0.35), ("1e-6", 0.2), ("1.0e-8", 0.2), ("1e-5", 0.15), ("1.0e-12", 0.1)))


POLICY = Policy()
