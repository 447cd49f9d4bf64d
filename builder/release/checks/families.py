"""``validate`` check: families never straddle splits, and no mutant of a real test kernel trains.

A row's family is ``metadata.family`` when the schema carries it (mutants of real kernels: the
parent's package and file), else its real file (``metadata.source_file``, with
``metadata.package`` when present), else the row alone. A mutant whose parent sat in the real
release's test split (``metadata.parent_split``), or whose parent is a test row of this release
(``metadata.parent_id``), must be in test too.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from builder.release.checks.release import CheckResult

SHOWN = 5
_FIELDS = ("family", "source_file", "package", "parent_id", "parent_split")


def check_families(release) -> CheckResult:
    """Every family in one split; every mutant of a real test kernel in test (``release``: a ``checks.Release``)."""
    good, skipped = release.usable()
    if skipped or not good:
        return CheckResult(
            "families", False, f"could not run: {'; '.join(skipped) or 'no readable config'}", skipped=True
        )
    config = next(iter(good))  # the aligned check holds the configs to the same ids and splits
    rows = [row for split, paths in good[config].files.items() for path in paths for row in _rows(path, split)]
    splits_of: dict[str, set[str]] = {}
    split_of_id = {}
    for kid, split, meta in rows:
        splits_of.setdefault(_family(kid, meta), set()).add(split)
        split_of_id[kid] = split
    problems = [f"family {f!r} in {', '.join(sorted(s))}" for f, s in sorted(splits_of.items()) if len(s) > 1]
    of_test = 0
    for kid, split, meta in rows:
        parent_test = meta.get("parent_split") == "test" or split_of_id.get(meta.get("parent_id") or "") == "test"
        if parent_test:
            of_test += 1
            if split != "test":
                problems.append(f"{split} id {kid} is a mutant of real test kernel {meta.get('parent_id')}")
    if problems:
        more = f"; and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
        return CheckResult("families", False, f"{len(problems)} problem(s): {'; '.join(problems[:SHOWN])}{more}")
    return CheckResult(
        "families",
        True,
        f"{len(splits_of)} families, {len(rows)} rows, each in one split; {of_test} of real test kernels in test",
    )


def _rows(path: Path, split: str) -> list[tuple[str, str, dict]]:
    table = pq.read_table(path, columns=["id", "metadata"])
    metadata = table.column("metadata").combine_chunks()
    present = [f for f in _FIELDS if metadata.type.get_field_index(f) >= 0]
    values = {f: metadata.field(f).to_pylist() for f in present}
    ids = table.column("id").to_pylist()
    return [(kid, split, {f: values[f][n] for f in present}) for n, kid in enumerate(ids)]


def _family(kid: str, meta: dict) -> str:
    if meta.get("family"):
        return meta["family"]
    if meta.get("source_file"):
        return f"{meta['package']}:{meta['source_file']}" if meta.get("package") else meta["source_file"]
    return kid
