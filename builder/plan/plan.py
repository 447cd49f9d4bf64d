"""What a plan is: the planned kernels, each (seed, index) and what planning learned of it, by split.

``PlannedKernel`` and ``Plan`` are data: ``builder.plan.planner`` makes plans, the builder, the
executors and the release read them. A kernel is a pure function of (seed, index, generator), so
a plan holds no source: a kernel's spec is made again where it is needed.
"""

from __future__ import annotations

import ast
from collections import Counter
from dataclasses import dataclass, field

from builder.plan import recent_specs
from builder.plan.candidates import LIVE_GENERATORS, analyze, synthesize_kernel
from builder.plan.liveness import live_structure
from builder.plan.structure import structure_of
from generators import KernelSpec
from generators.spec import builtins_in


@dataclass(frozen=True, slots=True)  # slots: a plan holds one per kernel, 100,000s in one process
class PlannedKernel:
    """One kernel of the plan: its (seed, index) and what the plan learned of it.

    A kernel is a pure function of (seed, index): the spec is not kept but made again where it is
    needed (``contents``), so a plan, and a shard of it sent to a worker, stays small.
    """

    seed: int
    index: int
    structural_hash: str
    complexity: int = 0  # AST node count of the source
    difficulty: str = ""  # easy / medium / hard: the complexity tercile within its category
    category: str = ""
    generator: str = "random"  # the synthesizer of generators.GENERATORS that made it
    # The builder.plan.constructs.CONSTRUCTS the source uses (the card's coverage); equal tuples are one object.
    constructs: tuple[str, ...] = ()
    # The Warp registry keys the source calls (``metadata.builtins``): kept, since finding them takes a parse.
    builtins: tuple[str, ...] = ()
    attempt: int | None = None  # mutants: the attempt that passed its checks in the plan (made again unchecked)

    @classmethod
    def of(cls, seed: int, index: int, spec: KernelSpec, generator: str = "random") -> PlannedKernel:
        """The planned kernel of ``spec`` (its difficulty is set by the plan)."""
        analysis = analyze(spec.python_source, generator)
        return cls(
            seed,
            index,
            analysis.structural_hash,
            analysis.complexity,
            category=spec.category,
            generator=generator,
            constructs=analysis.constructs,
            builtins=analysis.builtins,
        )

    @property
    def contents(self) -> tuple[KernelSpec, tuple[str, ...]]:
        """``(spec, builtins)``: the spec the plan kept in this process (``builder.plan.recent_specs``, the
        first access only), else synthesized again from (seed, index) on every access (read it once per
        use); builtins as planned (found again in the source for an entry made without them)."""
        spec = recent_specs.take(self.seed, self.index, self.generator) or synthesize_kernel(
            self.seed, self.index, self.generator, self.attempt
        )
        return spec, self.builtins or builtins_in(ast.parse(spec.python_source))

    @property
    def spec(self) -> KernelSpec:
        return self.contents[0]

    @property
    def id(self) -> str:
        return kernel_id(self.seed, self.index)


@dataclass(frozen=True)
class Plan:
    seed: int
    num_examples: int
    categories: tuple[str, ...]
    split_ratios: tuple[float, float, float]
    splits: dict[str, tuple[PlannedKernel, ...]]
    draws: int
    duplicates: int
    failures: Counter = field(default_factory=Counter)
    # Per category, the largest complexity still "easy" and still "medium".
    difficulty_bounds: dict[str, tuple[int, int]] = field(default_factory=dict)
    generator: str = "random"  # the synthesizer of generators.GENERATORS the kernels came from

    def counts(self) -> dict[str, dict[str, int]]:
        """Kernels per split and category, e.g. ``counts()["train"]["vector"]``."""
        return {s: dict(Counter(k.category for k in kernels)) for s, kernels in self.splits.items()}

    def figures(self) -> dict:
        """Planning figures a release records in its card (``stats`` reads them back)."""
        return {
            "seed": self.seed,
            "num_examples": self.num_examples,
            "generator": self.generator,
            "draws": self.draws,
            "duplicates": self.duplicates,
            "duplicate_rate": round(self.duplicate_rate, 6),
            "synthesis_failures": dict(self.failures),
            "difficulty_bounds": {c: list(b) for c, b in self.difficulty_bounds.items()},
        }

    @property
    def duplicate_rate(self) -> float:
        """Share of successfully synthesized candidates dropped as structural duplicates."""
        synthesized = self.draws - sum(self.failures.values())
        return self.duplicates / synthesized if synthesized else 0.0


def dedup_hash(python_source: str, generator: str = "random") -> str:
    """The structural hash rows are deduplicated and checked on: the live core for motif kernels, the
    whole AST (identifiers renamed, literals erased) for the random fuzzer's and for real kernels."""
    if generator in LIVE_GENERATORS:
        return live_structure(python_source)
    return structure_of(ast.parse(python_source), python_source)[0]


def kernel_id(seed: int, index: int) -> str:
    """Stable row id; zero-padded so ids sort in index order."""
    return f"s{seed}-{index:09d}"
