"""The ``markers`` check of ``validate``: Warp's ``<L n>`` markers point into ``python_source``.

Warp precedes the code of every Python statement with a comment that repeats the statement's
line and ends in ``<L n>``. For the IR to be aligned with the row's own source, line ``n`` of
``python_source`` must exist, hold code, and be that statement; ``alignment.python_line`` must
point at such a line too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pyarrow.parquet as pq

from builder.release.checks.release import CheckResult, Release
from builder.schema import BACKEND_PREFIX, CONFIG_BACKENDS

MARKER = re.compile(r"^\s*// ?(?:adj: )?(.*?)\s*<L (\d+)>\s*$", re.MULTILINE)
SHOWN = 5
BATCH_ROWS = 200


def marker_problems(python_source: str, ir_texts: list[str], alignment_lines: list[int]) -> list[str]:
    """What is wrong with the markers of one row (empty: nothing)."""
    lines = python_source.split("\n")
    problems = []
    for text in ir_texts:
        for match in MARKER.finditer(text or ""):
            statement, n = match.group(1), int(match.group(2))
            if not 1 <= n <= len(lines) or not lines[n - 1].strip():
                problems.append(f"<L {n}> points at no code line of python_source ({len(lines)} lines)")
            elif " ".join(statement.split()) != " ".join(lines[n - 1].split()):
                problems.append(f"<L {n}> repeats {statement[:40]!r}, but that line is {lines[n - 1].strip()[:40]!r}")
    for n in alignment_lines:
        if not 1 <= n <= len(lines) or not lines[n - 1].strip():
            problems.append(f"alignment python_line {n} points at no code line of python_source")
    return problems


def markers_result(data: Mapping[str, object]) -> tuple[bool, str, bool]:
    """``(passed, detail, skipped)`` over each readable config's files (``ConfigData`` of ``builder.release.checks``).

    Every ``<L n>`` marker of the forward and backward IR, and every ``alignment.python_line``, is
    a code line of ``python_source``.
    """
    unusable = [f"{config}: {config_data.unusable}" for config, config_data in data.items() if config_data.unusable]
    if unusable:
        return False, f"could not run: {'; '.join(unusable)}", True
    bad: list[str] = []
    rows = markers = 0
    for config, config_data in data.items():
        columns = [f"{BACKEND_PREFIX[b]}_{part}" for b in CONFIG_BACKENDS[config] for part in ("forward", "backward")]
        for paths in config_data.files.values():
            for path in paths:
                for batch in pq.ParquetFile(path).iter_batches(
                    BATCH_ROWS, columns=["id", "python_source", "alignment", *columns]
                ):
                    table = batch.to_pydict()
                    for i, kid in enumerate(table["id"]):
                        texts = [table[c][i] for c in columns]
                        markers += sum(len(MARKER.findall(t or "")) for t in texts)
                        found = marker_problems(
                            table["python_source"][i], texts, [a["python_line"] for a in table["alignment"][i] or []]
                        )
                        rows += 1
                        if found:
                            bad.append(
                                f"{config} id {kid}: {found[0]}"
                                + (f" (and {len(found) - 1} more)" if len(found) > 1 else "")
                            )
    if bad:
        more = f"; and {len(bad) - SHOWN} more" if len(bad) > SHOWN else ""
        return False, f"{len(bad)} of {rows} rows: {'; '.join(bad[:SHOWN])}{more}", False
    return True, f"{markers} <L n> markers in {rows} rows, each on its statement's line of python_source", False


def check_markers(release: Release) -> CheckResult:
    """Every ``<L n>`` marker and ``alignment.python_line`` is its statement's line of ``python_source``."""
    passed, detail, skipped = markers_result(release.data)
    return CheckResult("markers", passed, detail, skipped=skipped)
