"""``--generator`` mixtures: ``motif:0.6,mutant:0.3,random:0.1`` -> named weights and exact counts."""

from __future__ import annotations

import math
from dataclasses import dataclass

from builder.plan.splits import split_counts

# Generator families a build can draw from (the motif synthesizer, mutants of real kernels, the random synthesizer).
GENERATORS = ("motif", "mutant", "random")
# A build given a corpus and no --generator draws this mixture (without a corpus: generators.DEFAULT_GENERATOR).
# Chosen from the classifier two-sample test against real kernels the corpus held out (docs/mutants.md).
DEFAULT_MIXTURE = "mutant:0.7,motif:0.3"


@dataclass(frozen=True)
class Mixture:
    """Generator name -> weight, weights summing to 1, in the order given."""

    weights: tuple[tuple[str, float], ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.weights)

    def counts(self, total: int) -> dict[str, int]:
        """``total`` kernels divided by the weights exactly (largest remainder, ties to the earlier name)."""
        return dict(zip(self.names, split_counts(total, [w for _, w in self.weights]), strict=True))

    def text(self) -> str:
        """The canonical spelling, for the card and the build's recorded options (``motif:0.6,mutant:0.4``)."""
        return ",".join(f"{name}:{weight:g}" for name, weight in self.weights)


def parse_mixture(text: str, allowed: tuple[str, ...] = GENERATORS) -> Mixture:
    """The mixture ``text`` spells: ``NAME`` alone, or ``NAME:WEIGHT,...`` with weights > 0 summing to 1.

    ``ValueError`` with a one-line message naming the bad part and what is allowed.
    """
    parts = [p.strip() for p in str(text).split(",")]
    if not text or not text.strip() or any(not p for p in parts):
        raise ValueError(f"--generator {text!r}: give NAME or NAME:WEIGHT,... with names from {', '.join(allowed)}")
    if len(parts) == 1 and ":" not in parts[0]:
        parts = [parts[0] + ":1"]
    weights: list[tuple[str, float]] = []
    for part in parts:
        name, sep, value = (s.strip() for s in part.partition(":"))
        if name not in allowed:
            raise ValueError(f"--generator {text!r}: unknown generator {name!r}; allowed: {', '.join(allowed)}")
        if name in dict(weights):
            raise ValueError(f"--generator {text!r}: {name!r} given twice")
        try:
            weight = float(value) if sep else math.nan
        except ValueError:
            weight = math.nan
        if not math.isfinite(weight) or weight <= 0:
            raise ValueError(f"--generator {text!r}: weight of {name!r} is {value or 'missing'!r}; give a number > 0")
        weights.append((name, weight))
    total = sum(w for _, w in weights)
    if abs(total - 1.0) > 1e-6:
        raise ValueError(f"--generator {text!r}: weights sum to {total:g}; they must sum to 1")
    return Mixture(tuple(weights))
