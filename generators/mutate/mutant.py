"""Mutants of real kernels: (seed, index, corpus) -> a checked ``KernelSpec`` and its provenance.

The parent is drawn by (seed, index) from the corpus (ordered by row id); attempt ``a`` draws its
chain of edits from (seed, index, a). A chain whose result Warp cannot generate code for (both
backends, forward and backward), that leaves a statement unreachable or a store dead (parents
have none), or that only renames and retunes (the structural hash of its parent, which the
planner's near-duplicate pass would drop) is dropped, counted by reason, and the next attempt runs.
"""

from __future__ import annotations

import ast
import random
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace

from builder.plan.structure import structural_hash
from generators.mutate.category import classify
from generators.mutate.chain import COSMETIC, EDITS, apply_chain, edit_kind
from generators.mutate.check import check_spec
from generators.mutate.corpus import Parent
from generators.mutate.edit import EditContext
from generators.mutate.liveness import dead_statements
from generators.mutate.tree import parse_module
from generators.mutate.vocab import Vocabulary, mine_vocabulary
from generators.spec import KernelSpec

FAMILY = "mutant"
MAX_ATTEMPTS = 8


class MutationError(Exception):
    """No attempt at (seed, index) gave a mutant that passes the checks; ``reasons`` counts why."""

    def __init__(self, seed: int, index: int, reasons: Counter) -> None:
        listed = ", ".join(f"{r}: {n}" for r, n in reasons.most_common())
        super().__init__(f"mutant seed {seed} index {index}: no attempt of {MAX_ATTEMPTS} passed ({listed})")
        self.reasons = reasons


@dataclass(frozen=True)
class Mutant:
    """A checked mutant: its spec, its parent, the edits applied, and the attempts it took."""

    spec: KernelSpec
    parent: Parent
    edits: tuple[str, ...]
    attempt: int
    retries: tuple[str, ...] = ()  # the reason each earlier attempt failed

    def provenance(self) -> dict:
        """The ``PROVENANCE_FIELDS`` of this mutant, for its row's ``metadata``."""
        p = self.parent
        return {
            "family": p.family,
            "parent_id": p.id,
            "parent_package": p.package,
            "parent_version": p.version,
            "parent_file": p.source_file,
            "parent_kernel": p.kernel_name,
            "parent_split": p.split,
            "edits": list(self.edits),
        }


@dataclass
class MutantSource:
    """Mutants of one corpus. Parents that fail the checks unchanged (code generation, a dead
    statement) are left out and counted."""

    parents: tuple[Parent, ...]
    vocab: Vocabulary
    floats: tuple[float, ...]
    excluded: Counter = field(default_factory=Counter)  # parents left out, by reason
    failures: Counter = field(default_factory=Counter)  # failed attempts, by reason
    failed_edits: Counter = field(default_factory=Counter)  # edit kinds in the chains of failed attempts

    @classmethod
    def of(cls, corpus: tuple[Parent, ...], *, usable: Collection[str] | None = None) -> MutantSource:
        """The source over ``corpus`` (from ``read_corpus``).

        Each parent is checked unchanged (liveness, code generation) unless ``usable`` names the
        ids already found to pass (``parent_ids()`` of a source built once, handed to workers).
        Vocabulary and values come from the whole corpus either way, so both paths give the same mutants.
        """
        vocab = mine_vocabulary((p.python_source, p.kernel_name) for p in corpus)
        kept, excluded = [], Counter()
        for parent in corpus:
            reason = _parent_problem(parent) if usable is None else "" if parent.id in usable else "not usable"
            reason = reason or _overloaded(parent) or _unchangeable(parent, vocab)
            if reason:
                excluded[reason] += 1
            else:
                kept.append(parent)
        if not kept:
            raise ValueError(f"no kernel of the corpus ({len(corpus)}) passes the checks unchanged: {dict(excluded)}")
        return cls(tuple(kept), vocab, _corpus_floats(corpus), excluded)

    def parent_ids(self) -> frozenset[str]:
        """Ids of the parents that passed the checks: ``usable`` for another source over the same corpus."""
        return frozenset(p.id for p in self.parents)

    def parent_of(self, seed: int, index: int) -> Parent:
        rng = random.Random(f"warp-ir-pairs/{FAMILY}/{seed}/{index}")
        return self.parents[rng.randrange(len(self.parents))]

    def mutant(self, seed: int, index: int, known: int | None = None) -> Mutant:
        """The mutant at (seed, index); ``MutationError`` when every attempt fails.

        ``known``: the attempt an earlier call found to pass (``Mutant.attempt``, which the plan
        records): that attempt alone is made again, without Warp's code-generation check, which it
        passed then; the spec is the same."""
        parent = self.parent_of(seed, index)
        reasons: list[str] = []
        parent_hash = structural_hash(parent.python_source)
        for attempt in range(MAX_ATTEMPTS) if known is None else (known,):
            rng = random.Random(f"warp-ir-pairs/{FAMILY}/{seed}/{index}/{attempt}")
            module = parse_module(parent.python_source, parent.kernel_name)
            try:
                edits = apply_chain(EditContext(module, rng, self.vocab, self.floats))
                source = module.source()
                reason = "no edit applies" if not edits else ""
            except Exception as error:  # an edit that does not fit this kernel's syntax: counted, next attempt
                edits, reason = [], f"edit {type(error).__name__}"
            spec = None
            if not reason:
                dead = dead_statements(parse_module(source, module.kernel_name).tree)
                if dead:  # parents have none (``of`` leaves the others out), so an edit made it
                    reason = "liveness " + dead[-1].split(": ", 1)[1].split(" ")[0]
                elif structural_hash(source) == parent_hash:
                    reason = "structural duplicate of parent"
                else:
                    spec = KernelSpec(module.kernel_name, classify(source), _describe(parent, edits), source)
                    reason = check_spec(spec) if known is None else ""
            if not reason:
                made = Mutant(spec, parent, tuple(edits), attempt, tuple(reasons))
                provenance = tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in made.provenance().items())
                provenance += (("attempt", attempt),)  # what a plan records to make it again unchecked
                return replace(made, spec=replace(spec, generator=FAMILY, provenance=provenance))
            reasons.append(reason)
            self.failures[reason] += 1
            self.failed_edits.update({edit_kind(e) for e in edits})
        raise MutationError(seed, index, Counter(reasons))


def _describe(parent: Parent, edits: list[str]) -> str:
    return (
        f"Mutant of {parent.kernel_name} ({parent.package} {parent.version}, {parent.source_file}): {'; '.join(edits)}"
    )


def _unchangeable(parent: Parent, vocab: Vocabulary) -> str:
    """'' when some structural edit applies to the parent; else why not (its mutants would all hash as it does).

    Syntax only, so it runs on both paths of ``MutantSource.of`` and they keep the same parents.
    """
    for key, (edit, _) in EDITS.items():
        if key not in COSMETIC:
            module = parse_module(parent.python_source, parent.kernel_name)
            try:
                if edit(EditContext(module, random.Random(0), vocab)) is not None:
                    return ""
            except Exception:  # an edit that does not fit this syntax: try the next
                continue
    return "no structural edit applies"


def _overloaded(parent: Parent) -> str:
    """'' unless the parent is a generic kernel instantiated with ``wp.overload``: Warp numbers the
    ``<L n>`` markers of such a kernel's IR from its ``def`` line, not from the top of
    ``python_source``, so its mutants' rows would fail ``validate``'s markers check. Syntax only."""
    return "generic kernel with wp.overload" if "wp.overload(" in parent.python_source else ""


def _parent_problem(parent: Parent) -> str:
    try:
        module = parse_module(parent.python_source, parent.kernel_name)
    except (SyntaxError, ValueError) as error:
        return f"parse {type(error).__name__}"
    if dead_statements(module.tree):
        return "parent has a dead statement"
    if all(
        isinstance(s, ast.Pass) or isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)
        for s in module.kernel.body
    ):
        return "parent kernel is empty"
    return check_spec(KernelSpec(module.kernel_name, "arithmetic", "", parent.python_source))


def _corpus_floats(parents: Sequence[Parent]) -> tuple[float, ...]:
    """Distinct float literals of the corpus: the realistic values a changed constant may take."""
    found = set()
    for parent in parents:
        for node in ast.walk(ast.parse(parent.python_source)):
            if isinstance(node, ast.Constant) and type(node.value) is float and abs(node.value) < 1e6:
                found.add(node.value)
    return tuple(sorted(found))
