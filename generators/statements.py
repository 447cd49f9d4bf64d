"""Random statements over a ``Body``: assignments, stores, branches, loops and guarded exits.

The swarm chooses which kinds a kernel uses and how many statements it gets. Each kind stays
valid Warp and free of undefined behaviour: types are stable per name, thread and loop
indices are never assigned, loop trip counts are bounded (constant, or a parameter clamped by
``wp.min``, or a counter), array writes outside atomics go to the thread's own index only, and
``break`` / ``continue`` / ``return`` appear only behind a condition.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from generators.expressions import Exprs
from generators.program import Body
from generators.swarm import ALL_KINDS, SIMPLE
from generators.types import INT32, VType

# Warp unrolls constant ``range`` loops of up to this many iterations (its ``max_unroll``).
MAX_UNROLL = 16
# Largest product of unrolled trip counts in one loop nest: keeps emitted IR in the tens of KB.
UNROLL_BUDGET = 8

_STEMS = {
    "scalar": ("x", "y", "t", "s", "val", "acc", "tmp", "w", "r", "u", "h"),
    "vector": ("v", "p", "d", "dir", "pos", "vel", "n"),
    "matrix": ("m", "R", "A", "M", "J"),
    "quat": ("q", "rot", "orient"),
    "transform": ("xf", "pose", "frame"),
    "spatial_vector": ("twist", "wrench", "sv"),
    "spatial_matrix": ("inertia", "S", "Phi"),
}
_INT_STEMS = ("k", "idx", "m", "c", "bits", "code")


class Statements:
    """Emits random statements of the swarm's kinds into ``body``."""

    def __init__(
        self,
        rng: random.Random,
        body: Body,
        exprs: Exprs,
        kinds: Sequence[str],
        types: Sequence[VType],
        budget: int,
        max_nesting: int = 2,
        outputs: Sequence[tuple[str, VType]] = (),
        own: str = "tid",
        loop_bound: str | None = None,
        returns: VType | None = None,
    ) -> None:
        unknown = set(kinds) - set(ALL_KINDS)
        if unknown:
            raise ValueError(f"unknown statement kinds {sorted(unknown)}; allowed: {ALL_KINDS}")
        self.rng = rng
        self.body = body
        self.exprs = exprs
        self.kinds = tuple(kinds)
        self.types = tuple(types)
        self.budget = budget  # statements left to emit, nested ones included
        self.max_nesting = max_nesting
        self.outputs = tuple(outputs)  # arrays this thread writes at ``own``
        self.own = own
        self.loop_bound = loop_bound  # an int parameter for dynamic trip counts
        self.returns = returns  # a helper's result type; None in kernels
        self.in_loop = 0
        self.unrolled = 1  # product of the unrolled trip counts of the enclosing loops

    def stem(self, t: VType) -> str:
        return self.rng.choice(_INT_STEMS if t.is_int else _STEMS[t.kind])

    def emit(self, count: int) -> None:
        """Emit ``count`` statements; once the budget is spent, just one (blocks need a statement)."""
        for i in range(count):
            if self.budget <= 0 and i > 0:
                return
            self.one()

    def run(self) -> None:
        """Spend the whole budget at the current level."""
        while self.budget > 0:
            self.one()

    def one(self) -> None:
        self.budget -= 1
        kinds = list(self.kinds)
        if self.body.depth >= self.max_nesting or self.budget < 2:
            kinds = [k for k in kinds if k in SIMPLE] or ["assign"]
        getattr(self, f"_{self.rng.choice(kinds)}")()

    # -- simple statements -------------------------------------------------------------------
    def _assign(self) -> None:
        t = self.rng.choice(self.types)
        self.body.assign(self.stem(t), t, self.exprs.of(t).text)

    def _target(self) -> tuple[str, VType] | None:
        candidates = [(n, t) for n, t in self.body.mutable_values() if t in self.types]
        return self.rng.choice(candidates) if candidates else None

    def _update(self) -> None:
        target = self._target()
        if target is None:
            return self._assign()
        name, t = target
        expr = self.exprs.of(t).text
        if expr == name:  # no ``x = x``
            expr = self.exprs.of(t, self.exprs.swarm.expr_depth + 1).text
        self.body.store(name, t, expr)

    def _augment(self) -> None:
        target = self._target()
        if target is None or target[1].kind in ("quat", "transform") or target[1].is_bool:
            return self._update()
        name, t = target
        ops = ["+=", "-="]
        if t.is_scalar and t.is_float:
            ops.append("*=")
        self.body.line(f"{name} {self.rng.choice(ops)} {self.exprs.of(t).operand()}")

    def _ternary(self) -> None:
        t = self.rng.choice(self.types)
        depth = max(self.exprs.swarm.expr_depth - 1, 0)
        a, b = self.exprs.of(t, depth), self.exprs.of(t, depth)
        self.body.assign(self.stem(t), t, f"{a.operand()} if {self.exprs.condition(1).text} else {b.operand()}")

    def _store(self) -> None:
        if not self.outputs:
            return self._assign()
        array, t = self.rng.choice(self.outputs)
        self.body.line(f"{array}[{self.own}] = {self.exprs.of(t).text}")

    # -- branches ----------------------------------------------------------------------------
    def _inner(self) -> None:
        self.emit(self.rng.randint(1, 3))

    def _if(self) -> None:
        with self.body.block(f"if {self.exprs.condition(1).text}"):
            self._inner()

    def _ifelse(self) -> None:
        self._if()
        with self.body.block("else"):
            self._inner()

    def _elif(self) -> None:
        self._if()
        for _ in range(self.rng.randint(1, 3)):
            with self.body.block(f"elif {self.exprs.condition(1).text}"):
                self._inner()
        if self.rng.random() < 0.7:
            with self.body.block("else"):
                self._inner()

    def _guard_exit(self) -> None:
        """``break`` / ``continue`` inside loops, otherwise an early ``return``."""
        if self.in_loop:
            word = self.rng.choice(("break", "continue"))
        elif self.returns is not None:
            word = f"return {self.exprs.of(self.returns, 1).text}"
        else:
            word = "return"
        with self.body.block(f"if {self.exprs.condition(1).text}"):
            self.body.line(word)

    # -- loops -------------------------------------------------------------------------------
    def loop_body(self, index: str | None, trips: int = 1) -> None:
        """Statements of a loop whose index (if any) is bound here; ``trips`` if unrolled."""
        if index is not None:
            self.body.bind_loop_index(index)
        self.in_loop += 1
        self.unrolled *= trips
        self._inner()
        if "guard_exit" in self.kinds and self.rng.random() < 0.3:
            self._guard_exit()
        self.unrolled //= trips
        self.in_loop -= 1

    def _for(self) -> None:
        index = self.body.fresh(self.rng.choice(("i", "j", "step", "it", "s")))
        bounds, trips = constant_range(self.rng, self.unrolled)
        with self.body.block(f"for {index} in range({bounds})"):
            self.loop_body(index, trips if trips <= MAX_UNROLL else 1)

    def _for_dynamic(self) -> None:
        if self.loop_bound is None:
            return self._for()
        index = self.body.fresh(self.rng.choice(("i", "j", "it", "p")))
        # The trip count comes from a parameter; clamp it so a launch cannot run away.
        limit = self.rng.choice((8, 16, 32, 64))
        start = self.rng.choice(("", "", "1, ", "2, "))
        with self.body.block(f"for {index} in range({start}wp.min({self.loop_bound}, {limit}))"):
            self.loop_body(index)

    def _while(self) -> None:
        counter = self.body.assign(self.rng.choice(("count", "iter", "guard")), INT32, "int(0)", mutable=False)
        limit = self.rng.randint(2, 32)
        cond = self.exprs.condition(0).operand() if self.rng.random() < 0.5 else None
        with self.body.block(f"while {counter} < {limit}" + (f" and {cond}" if cond else "")):
            self.body.line(f"{counter} += 1")  # first, so a ``continue`` cannot skip it
            self.loop_body(None)


def constant_range(rng: random.Random, unrolled: int, low: int = 2, high: int = 24) -> tuple[str, int]:
    """``range`` arguments with constant bounds and their trip count.

    Inside loops already unrolled ``unrolled`` times, a trip count that would push the nest past
    ``UNROLL_BUDGET`` is raised above ``MAX_UNROLL`` so Warp keeps that loop rolled.
    """
    trips = rng.randint(low, high)
    if trips <= MAX_UNROLL and unrolled * trips > UNROLL_BUDGET:
        trips = rng.randint(MAX_UNROLL + 1, MAX_UNROLL + 16)
    form = rng.choice(("stop", "start_stop", "step"))
    if form == "stop":
        return str(trips), trips
    start = rng.randint(0, 4)
    if form == "start_stop":
        return f"{start}, {start + trips}", trips
    step = rng.randint(2, 3)
    return f"{start}, {start + trips * step}, {step}", trips
