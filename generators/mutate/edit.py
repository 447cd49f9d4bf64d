"""What every edit receives: the module being edited, the chain's RNG and the corpus's vocabulary."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from generators.mutate.tree import Module
from generators.mutate.vocab import Vocabulary


@dataclass
class EditContext:
    """One mutant's state while its chain of edits runs; each edit changes ``module.tree`` in place."""

    module: Module
    rng: random.Random
    vocab: Vocabulary
    floats: tuple[float, ...] = ()  # float literals of the corpus, the "realistic values" a constant may take
    renamed: set[str] = field(default_factory=set)  # names this chain gave: a chain renames each identifier once
    touched: set[int] = field(default_factory=set)  # ids of nodes an edit changed: not changed back by the next
