"""Random statement sequences over a ``Body``: assignments, updates, branches and loops.

Categories choose which statement kinds they allow and how many; this module keeps each kind
valid Warp (types stable per name, loop and thread indices never assigned, loop trip counts
bounded, ``break`` / ``continue`` / ``return`` only behind a condition).
"""

from __future__ import annotations

import random
from typing import Sequence

from generators.program import FLOAT, INT, VECTORS, Body, Exprs

# Warp unrolls constant ``range`` loops of up to this many iterations (its ``max_unroll``).
MAX_UNROLL = 16
# Largest product of unrolled trip counts in one loop nest: keeps emitted IR in the tens of KB.
UNROLL_BUDGET = 8

# Statement kinds a category may enable.
SIMPLE = ("assign", "update", "augment", "ternary")
BRANCHES = ("if", "ifelse", "elif")
LOOPS = ("for", "for_dynamic", "while")
ALL_KINDS = SIMPLE + BRANCHES + LOOPS + ("guard_exit",)

_STEMS = {
    FLOAT: ("x", "y", "t", "s", "val", "acc", "tmp", "w", "r", "u"),
    INT: ("k", "n", "idx", "m", "q", "c"),
}


class Statements:
    """Emits random statements of the enabled ``kinds`` using values of ``types``."""

    def __init__(
        self,
        rng: random.Random,
        body: Body,
        exprs: Exprs,
        types: Sequence[str],
        kinds: Sequence[str],
        expr_depth: int = 2,
        max_nesting: int = 2,
        loop_bound: str | None = None,
        budget: int = 40,
    ) -> None:
        unknown = set(kinds) - set(ALL_KINDS)
        if unknown:
            raise ValueError(f"unknown statement kinds {sorted(unknown)}; allowed: {ALL_KINDS}")
        self.rng = rng
        self.body = body
        self.exprs = exprs
        self.types = tuple(types)
        self.kinds = tuple(kinds)
        self.expr_depth = expr_depth
        self.max_nesting = max_nesting
        self.loop_bound = loop_bound  # an int parameter name for dynamic trip counts
        self.budget = budget  # statements left to emit, nested ones included
        self.in_loop = 0
        self.unrolled = 1  # product of the unrolled trip counts of the enclosing loops

    def _stem(self, type_name: str) -> str:
        stems = _STEMS.get(type_name)
        if stems is None:
            stems = ("v", "p", "d", "q", "dir") if type_name in VECTORS else ("m", "R", "A", "M")
        return self.rng.choice(stems)

    def _depth(self) -> int:
        return self.rng.randint(1, self.expr_depth)

    def emit(self, count: int) -> None:
        """Emit ``count`` statements here; once the budget is spent, just one (blocks need a statement)."""
        for i in range(count):
            if self.budget <= 0 and i > 0:
                return
            self.one()

    def one(self) -> None:
        self.budget -= 1
        kinds = list(self.kinds)
        if self.body.depth >= self.max_nesting or self.budget < 3:
            kinds = [k for k in kinds if k in SIMPLE] or ["assign"]
        getattr(self, f"_{self.rng.choice(kinds)}")()

    # -- simple statements -------------------------------------------------------------------
    def _assign(self) -> None:
        t = self.rng.choice(self.types)
        self.body.assign(self._stem(t), t, self.exprs.of(t, self._depth()).text)

    def _target(self) -> tuple[str, str] | None:
        candidates = [(n, t) for t in self.types for n in self.body.mutable_names(t)]
        return self.rng.choice(candidates) if candidates else None

    def _update(self) -> None:
        target = self._target()
        if target is None:
            return self._assign()
        name, t = target
        expr = self.exprs.of(t, self._depth()).text
        if expr == name:  # no ``x = x``
            expr = self.exprs.of(t, self._depth() + 1).text
        self.body.store(name, t, expr)

    def _augment(self) -> None:
        target = self._target()
        if target is None:
            return self._assign()
        name, t = target
        ops = ("+=", "-=", "*=") if t in (FLOAT, INT) else ("+=", "-=")
        self.body.line(f"{name} {self.rng.choice(ops)} {self.exprs.of(t, self._depth()).operand()}")

    def _ternary(self) -> None:
        t = self.rng.choice(self.types)
        a, b = self.exprs.of(t, self._depth() - 1), self.exprs.of(t, self._depth() - 1)
        cond = self.exprs.condition(1)
        self.body.assign(self._stem(t), t, f"{a.operand()} if {cond.text} else {b.operand()}")

    # -- branches ----------------------------------------------------------------------------
    def _inner(self) -> None:
        self.emit(self.rng.randint(1, 3))

    def _if(self) -> None:
        with self.body.block(f"if {self.exprs.condition(1).text}"):
            self._inner()

    def _ifelse(self) -> None:
        with self.body.block(f"if {self.exprs.condition(1).text}"):
            self._inner()
        with self.body.block("else"):
            self._inner()

    def _elif(self) -> None:
        with self.body.block(f"if {self.exprs.condition(1).text}"):
            self._inner()
        for _ in range(self.rng.randint(1, 3)):
            with self.body.block(f"elif {self.exprs.condition(1).text}"):
                self._inner()
        if self.rng.random() < 0.7:
            with self.body.block("else"):
                self._inner()

    def _guard_exit(self) -> None:
        """``break`` / ``continue`` inside loops, otherwise an early ``return``."""
        word = self.rng.choice(("break", "continue")) if self.in_loop else "return"
        with self.body.block(f"if {self.exprs.condition(1).text}"):
            self.body.line(word)

    # -- loops -------------------------------------------------------------------------------
    def _loop_body(self, index: str, trips: int = 1) -> None:
        self.body.bind(index, INT, mutable=False)
        self.in_loop += 1
        self.unrolled *= trips
        self._inner()
        if "guard_exit" in self.kinds and self.rng.random() < 0.3:
            self._guard_exit()
        self.unrolled //= trips
        self.in_loop -= 1

    def _for(self) -> None:
        index = self.body.fresh(self.rng.choice(("i", "j", "step", "it")))
        bounds, trips = constant_range(self.rng, self.unrolled)
        with self.body.block(f"for {index} in range({bounds})"):
            self._loop_body(index, trips if trips <= MAX_UNROLL else 1)

    def _for_dynamic(self) -> None:
        if self.loop_bound is None:
            return self._for()
        index = self.body.fresh(self.rng.choice(("i", "j", "it")))
        # The trip count comes from a parameter; clamp it so a launch cannot run away.
        limit = self.rng.choice((8, 16, 32, 64))
        with self.body.block(f"for {index} in range(wp.min({self.loop_bound}, {limit}))"):
            self._loop_body(index)

    def _while(self) -> None:
        counter = self.body.assign("count", INT, "int(0)", mutable=False)
        limit = self.rng.randint(2, 32)
        cond = self.exprs.condition(0).operand() if self.rng.random() < 0.5 else None
        header = f"while {counter} < {limit}" + (f" and {cond}" if cond else "")
        with self.body.block(header):
            self.body.line(f"{counter} += 1")  # first, so a ``continue`` cannot skip it
            self.in_loop += 1
            self._inner()
            if "guard_exit" in self.kinds and self.rng.random() < 0.3:
                self._guard_exit()
            self.in_loop -= 1


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
