"""Mutants of a real corpus, measured: checks passed, retries by reason, parents, identifiers, liveness.

    python bench/mutants.py CORPUS_DIR [CORPUS_DIR ...] --count 3000 --seed 0 --json out.json

CORPUS_DIR is a release of real kernels (``warp-ir-pairs extract ... --out DIR``, or the ``real``
release). Prints one JSON object: corpus size, parents usable and left out by reason, mutants
made and failed, attempts and failed attempts by reason, distinct parents and identifiers
(mutants and corpus), kernels with a dead statement, edits by kind, seconds per mutant, and a
digest of every spec (run twice to check determinism across processes).
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from builder.plan.families import families_across_splits, family_splits, split_deviation  # noqa: E402
from builder.plan.structure import structural_hash  # noqa: E402
from generators.mutate.chain import edit_kind  # noqa: E402
from generators.mutate.corpus import merge_corpora, read_corpus  # noqa: E402
from generators.mutate.liveness import dead_statements  # noqa: E402
from generators.mutate.mutant import MutantSource, MutationError  # noqa: E402
from generators.mutate.tree import RESERVED, all_names  # noqa: E402


def identifiers(source: str) -> set[str]:
    """Names a kernel's author chose: every identifier but Python's and Warp's own, and no attributes."""
    tree = ast.parse(source)
    attributes = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    return {n for n in all_names(tree) if n not in RESERVED} - (attributes - _defined(tree))


def _defined(tree: ast.AST) -> set[str]:
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    return names | {n.arg for n in ast.walk(tree) if isinstance(n, ast.arg)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="+")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json")
    parser.add_argument(
        "--usable", help="file of usable parent ids: read if it exists (no parent checks), else written"
    )
    args = parser.parse_args()
    corpus = merge_corpora(*(read_corpus(folder) for folder in args.corpus))
    started = time.perf_counter()
    usable_file = Path(args.usable) if args.usable else None
    if usable_file is not None and usable_file.exists():
        source = MutantSource.of(corpus, usable=frozenset(usable_file.read_text().split()))
    else:
        source = MutantSource.of(corpus)
        if usable_file is not None:
            usable_file.write_text("\n".join(sorted(source.parent_ids())) + "\n")
    setup = time.perf_counter() - started
    made, failed, parents, names, dead, edits, digest = 0, Counter(), set(), set(), 0, Counter(), hashlib.sha256()
    attempts = 0
    first_digest = ""
    hashes, items, pins = Counter(), [], {}
    started = time.perf_counter()
    for index in range(args.count):
        try:
            mutant = source.mutant(args.seed, index)
        except MutationError as error:
            failed.update(error.reasons)
            attempts += sum(error.reasons.values())
            continue
        made += 1
        attempts += mutant.attempt + 1
        parents.add(mutant.parent.id)
        names |= identifiers(mutant.spec.python_source)
        dead += bool(dead_statements(ast.parse(mutant.spec.python_source)))
        edits.update(edit_kind(e) for e in mutant.edits)
        digest.update(f"{index}\n{mutant.spec}\n{mutant.provenance()}\n".encode())
        hashes[structural_hash(mutant.spec.python_source)] += 1
        if index + 1 == min(300, args.count):
            first_digest = digest.hexdigest()
        items.append((f"{args.seed}-{index}", mutant.spec.category, mutant.parent.family))
        if mutant.parent.split == "test":
            pins[mutant.parent.family] = "test"
    seconds = time.perf_counter() - started
    corpus_names = set().union(*(identifiers(p.python_source) for p in source.parents))
    corpus_dead = sum(bool(dead_statements(ast.parse(p.python_source))) for p in source.parents)
    free = family_splits(items, (0.7, 0.15, 0.15), seed=args.seed)
    pinned = family_splits(items, (0.7, 0.15, 0.15), pinned=pins, seed=args.seed)
    report = {
        "corpus_kernels": len(corpus),
        "parents_usable": len(source.parents),
        "parents_left_out": dict(source.excluded.most_common()),
        "requested": args.count,
        "mutants": made,
        "mutants_failed_all_attempts": args.count - made,
        "attempts": attempts,
        "failed_attempts_by_reason": dict(source.failures.most_common()),
        "distinct_parents": len(parents),
        "distinct_identifiers": len(names),
        "corpus_distinct_identifiers": len(corpus_names),
        "vocabulary_names": source.vocab.size(),
        "mutants_with_dead_statement": dead,
        "distinct_structural_hashes": len(hashes),
        "structural_hashes_shared_with_a_parent": len(set(hashes) & {structural_hash(p.python_source) for p in corpus}),
        "families": len({family for _, _, family in items}),
        "family_splits_kernels_off_exact_counts": split_deviation(free, items, (0.7, 0.15, 0.15)),
        "family_splits_families_across_splits": len(families_across_splits(free, items)),
        "pinned_families_real_test": len(pins),
        "pinned_kernels_off_exact_counts": split_deviation(pinned, items, (0.7, 0.15, 0.15)),
        "parents_with_dead_statement": corpus_dead,
        "edits": dict(edits.most_common()),
        "edit_kinds_in_failed_attempts": dict(source.failed_edits.most_common()),
        "seconds_per_mutant": round(seconds / max(args.count, 1), 4),
        "setup_seconds": round(setup, 2),
        "digest": digest.hexdigest(),
        "digest_first_300": first_digest,
    }
    text = json.dumps(report, indent=1)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")


if __name__ == "__main__":
    main()
