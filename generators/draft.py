"""A kernel being synthesized: builder, expression sampler and statement emitter in one place.

Category synthesizers create a ``Draft`` from their swarm, add what their category is about
(arrays, structs, helpers, loops, atomics, queries ...) and call ``finish``, which writes every
output at the thread's own index and returns the ``KernelSpec``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from generators.expressions import Exprs
from generators.program import Body, Helper, KernelBuilder, StructDef, function_source, pick_name
from generators.spec import KernelSpec
from generators.statements import Statements
from generators.swarm import Swarm
from generators.types import INT32, VType

# Source lines a kernel may have, helpers and structs included (the dataset's promise).
MAX_LINES = 100
_FIELD_NAMES = ("pos", "vel", "mass", "radius", "color", "weight", "rot", "xf", "flags", "count", "energy", "normal")


class Draft:
    """One kernel under construction over a swarm."""

    def __init__(self, rng: random.Random, swarm: Swarm, ndim: int = 1) -> None:
        self.rng = rng
        self.swarm = swarm
        self.kb = KernelBuilder(rng, ndim)
        self.exprs = Exprs(rng, self.kb.body, swarm, self.kb.helpers, own=self.kb.own)
        self.outputs: list[tuple[str, VType]] = []
        self.loop_bound: str | None = None
        self._statements: Statements | None = None

    @property
    def body(self) -> Body:
        return self.kb.body

    def pick_type(self) -> VType:
        return self.rng.choice(self.swarm.types)

    # -- parameters ---------------------------------------------------------------------------
    def inputs(self, count: int, types: Sequence[VType] | None = None) -> list[str]:
        return [self.kb.input_array(self.rng.choice(types or self.swarm.types)) for _ in range(count)]

    def add_outputs(self, count: int, types: Sequence[VType] | None = None) -> list[str]:
        names = []
        for _ in range(count):
            t = self.rng.choice(types or self.swarm.types)
            names.append(self.kb.output_array(t))
            self.outputs.append((names[-1], t))
        return names

    def value_params(self, count: int) -> list[str]:
        return [self.kb.value_param(self.pick_type()) for _ in range(count)]

    def bound_param(self) -> str:
        """An int parameter that dynamic loops use as their (clamped) trip count."""
        self.loop_bound = self.kb.value_param(INT32)
        return self.loop_bound

    def struct(self, count: int) -> StructDef:
        """A ``@wp.struct`` with ``count`` fields of the swarm's types."""
        names = self.rng.sample(_FIELD_NAMES, count)
        fields = [(name, self.pick_type()) for name in names]
        self.exprs.used_types.update(t.name for _, t in fields)
        return self.kb.struct(fields)

    # -- helpers ------------------------------------------------------------------------------
    def helper(self, overload_of: Helper | None = None) -> Helper:
        """A ``@wp.func`` over the swarm's types, calling only helpers defined before it.

        With ``overload_of``, the helper reuses that name with other parameter types: Warp
        picks the overload from the argument types at each call.
        """
        rng = self.rng
        if overload_of is not None:
            arity = len(overload_of.params)
            name = overload_of.name
            for _ in range(8):
                params = tuple(self.pick_type() for _ in range(arity))
                if params != overload_of.params:
                    break
            else:
                return overload_of
            result = overload_of.result
        else:
            name = self.kb.body.fresh(
                rng.choice(
                    ("blend", "shade", "warp_point", "falloff", "kernel_weight", "project", "smooth", "response")
                )
            )
            params = tuple(self.pick_type() for _ in range(rng.randint(1, 3)))
            result = self.pick_type()
        body = Body(taken=[h.name for h in self.kb.helpers] + [s.name for s in self.kb.structs] + [name])
        arg_names = []
        for t in params:
            arg_names.append(body.bind(body.fresh(rng.choice(("a", "b", "c", "x", "y", "u"))), t, mutable=False))
        exprs = Exprs(rng, body, self.swarm, tuple(self.kb.helpers))
        kinds = [
            k
            for k in self.swarm.kinds
            if k in ("assign", "update", "augment", "ternary", "if", "ifelse", "for", "guard_exit")
        ] or ["assign"]
        Statements(
            rng, body, exprs, kinds, self.swarm.types, budget=rng.randint(1, 5), max_nesting=1, returns=result
        ).run()
        body.line(f"return {exprs.of(result).text}")
        self.exprs.used_types |= exprs.used_types
        arguments = [(a, t.text) for a, t in zip(arg_names, params, strict=False)]
        source = function_source("func", name, arguments, body, result.text)
        helper = Helper(name, params, result, source)
        self.kb.helpers.append(helper)
        return helper

    # -- statements ---------------------------------------------------------------------------
    @property
    def statements(self) -> Statements:
        """The statement emitter, created once the parameters are known."""
        if self._statements is None:
            self._statements = Statements(
                self.rng,
                self.body,
                self.exprs,
                self.swarm.kinds,
                self.swarm.types,
                budget=self.swarm.budget,
                max_nesting=self.swarm.max_nesting,
                outputs=self.outputs,
                own=self.kb.own,
                loop_bound=self.loop_bound,
            )
        return self._statements

    def finish(self, name: str, category: str, description: str) -> KernelSpec:
        """Write each output at the thread's own index and assemble the spec."""
        for array, t in self.outputs:
            target = f"{array}[{self.kb.own}]"
            value = self.exprs.of(t).text
            if value == target:  # no ``out[tid] = out[tid]``
                value = self.exprs.of(t, self.swarm.expr_depth + 1).text
            self.body.line(f"{target} = {value}")
        source = self.kb.source(name)
        return KernelSpec(name, category, description, source, tuple(sorted(self.exprs.used_types)))

    def standard(
        self,
        n_inputs: tuple[int, int] = (1, 2),
        n_outputs: tuple[int, int] = (1, 2),
        n_params: tuple[int, int] = (0, 1),
    ) -> None:
        """The common frame: inputs loaded at the own index, outputs, parameters, a loop bound."""
        self.inputs(self.rng.randint(*n_inputs))
        self.add_outputs(self.rng.randint(*n_outputs))
        self.value_params(self.rng.randint(*n_params))
        if "for_dynamic" in self.swarm.kinds:
            self.bound_param()


def simple_kernel(
    rng: random.Random,
    swarm: Swarm,
    category: str,
    verbs: Sequence[str],
    nouns: Sequence[str],
    description: str,
    n_params: tuple[int, int] = (0, 2),
) -> KernelSpec:
    """The common recipe: the standard frame, the swarm's statements, outputs written."""
    draft = Draft(rng, swarm)
    draft.standard(n_params=n_params)
    draft.statements.run()
    return draft.finish(pick_name(rng, verbs, nouns), category, description)


def line_count(source: str) -> int:
    return source.count("\n") + (0 if source.endswith("\n") else 1)
