"""The liveness and realism report of a release (synthetic or real): ``warp-ir-pairs stats`` prints it.

Reads ``python_source``, ``description`` and ``category`` of one config's parquet files, measures
each kernel (``builder.plan.quality``), checks descriptions and labels (``builder.plan.descriptions``)
and aggregates.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq

from builder.plan.descriptions import description_problems, label_true
from builder.plan.kernel_ast import find_kernels, make_ctx, source_scope
from builder.plan.liveness import Liveness, live_core_hash, live_structure
from builder.plan.near_duplicates import cross_split_near_duplicates
from builder.plan.quality import kernel_quality, summarize

# Shares printed by ``report``, in order, with their labels.
_LINES = (
    ("dead", "kernels with a dead statement"),
    ("litcond", "literal-only branch condition"),
    ("trivial", "trivial operation (x - x, min(x, x), x * 1)"),
    ("litcall", "wp.* call on literals only"),
    ("const_out", "output depends on no input"),
    ("gather", "gather/scatter through an index array"),
    ("nontid_write", "write at an index other than the thread's"),
    ("early_return", "early return"),
    ("bounds_guard", "bounds guard"),
    ("helper", "calls a @wp.func"),
    ("docstring", "docstring"),
    ("comment", "# comment"),
)


def release_quality(files: list[Path], category_names: list[str] | None = None) -> dict:
    """The measures of every row of ``files`` (one config's parquet files)."""
    measures, failures, problems, labels, descriptions = [], Counter(), Counter(), Counter(), Counter()
    sources: list[tuple[str, str]] = []  # (split, python_source)
    for path in files:
        split = path.name.split("-")[0]
        columns = [c for c in ("python_source", "description", "category") if c in pq.read_schema(path).names]
        table = pq.read_table(path, columns=columns).to_pydict()
        for i, source in enumerate(table["python_source"]):
            sources.append((split, source))
            try:
                measures.append(kernel_quality(source))
            except (SyntaxError, ValueError) as error:
                failures[type(error).__name__] += 1
                continue
            description = (table.get("description") or [None] * (i + 1))[i]
            if description:
                descriptions[description] += 1
                problems["with a problem" if description_problems(source, description) else "checked"] += 1
            category = (table.get("category") or [None] * (i + 1))[i]
            if isinstance(category, int) and category_names:
                category = category_names[category]
            truth = label_true(source, category) if isinstance(category, str) else None
            labels["no marker" if truth is None else "true" if truth else "false"] += 1
    figures = summarize(measures)
    total = sum(descriptions.values())
    figures["descriptions_unique"] = (
        round(sum(1 for c in descriptions.values() if c == 1) / total, 4) if total else None
    )
    figures["descriptions_checked"] = round(problems["checked"] / total, 4) if total else None
    judged = labels["true"] + labels["false"]
    figures["labels_true"] = round(labels["true"] / judged, 4) if judged else None
    figures["unparsed"] = dict(failures)
    figures["live_core_in_train"] = live_core_in_train(sources)
    figures["near_duplicates_of_train"] = cross_split_near_duplicates(sources)
    return figures


def live_core_in_train(sources: list[tuple[str, str]]) -> dict[str, dict[str, float]]:
    """Share of each non-train split's rows whose live core is a train row's.

    The live core: the kernel with dead code removed, identifiers renamed and numbers erased."""
    hashes = []
    for split, source in sources:
        tree = ast.parse(source)
        kernels = find_kernels(tree)
        if not kernels:
            continue
        live = Liveness(kernels[-1], make_ctx(kernels[-1], source_scope(tree)))
        live.prune()
        hashes.append((split, (live_core_hash(kernels[-1]), live_structure(source))))
    return {
        "kernel": _shares([(split, h[0]) for split, h in hashes]),
        "kernel_and_helpers": _shares([(split, h[1]) for split, h in hashes]),
    }


def _shares(hashes: list[tuple[str, str]]) -> dict[str, float]:
    """Share of each non-train split's rows whose hash is a train row's."""
    train = {h for split, h in hashes if split == "train"}
    shares: dict[str, list[bool]] = {}
    for split, h in hashes:
        if split != "train":
            shares.setdefault(split, []).append(h in train)
    return {split: round(sum(v) / len(v), 4) for split, v in shares.items()}


def report(figures: dict) -> str:
    """The figures as lines of text."""
    if not figures.get("kernels"):
        return "quality: no kernels"
    lines = [f"quality of {figures['kernels']} kernels (liveness over the Python AST):"]
    lines += [f"  {label}: {100 * figures[key]:.1f}%" for key, label in _LINES]
    lines.append(f"  arrays per kernel (mean): {figures['arrays_mean']:.2f}")
    lines.append(f"  distinct identifiers: {figures['distinct_identifiers']}")
    for key, label in (
        ("descriptions_unique", "descriptions unique"),
        ("descriptions_checked", "descriptions checked against the code"),
        ("labels_true", "category true of the live code"),
    ):
        if figures.get(key) is not None:
            lines.append(f"  {label}: {100 * figures[key]:.1f}%")
    core = figures.get("live_core_in_train") or {}
    shares = [
        ("rows whose kernel's live core is a train row's", core.get("kernel", {})),
        ("rows whose live core and helpers are a train row's", core.get("kernel_and_helpers", {})),
        ("rows near-duplicating a train row (MinHash, token 5-grams)", figures.get("near_duplicates_of_train") or {}),
    ]
    for label, by_split in shares:
        for split, share in sorted(by_split.items()):
            lines.append(f"  {split} {label}: {100 * share:.2f}%")
    return "\n".join(lines)
