"""Golden releases: refactors must not change a byte of the parquet files.

``golden_sha256.json`` holds the sha256 of every parquet file of 300-kernel releases of seeds 0
and 5 (all three configs) of the random generator (``--generator random``). Its rows equal those
commit 264f4d8 built, column for column, apart from the metadata fields added since (``generator``,
``package``, ``package_version``, ``license``, ``block_dim``, the mutant provenance fields, null here) and
``metadata.generator_version`` (0.5.0; the 0.4.0 files were checked equal to these column by column
apart from that field and the null mutant fields).
The same arguments must give the same bytes whatever the executor and process count.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from builder.cli import main

GOLDEN = json.loads((Path(__file__).with_name("golden_sha256.json")).read_text())
RUNS = [
    ("0", ["--num-proc", "1"]),
    ("0", ["--num-proc", "2"]),
    ("5", ["--num-proc", "2"]),
    ("5", ["--num-proc", "1", "--executor", "datatrove-local"]),
]


def _digests(release: Path) -> dict[str, str]:
    return {
        str(p.relative_to(release)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(release.rglob("*.parquet"))
    }


@pytest.mark.parametrize(("seed", "extra"), RUNS, ids=[f"seed{s}-{'-'.join(e)}" for s, e in RUNS])
def test_release_bytes_equal_golden(tmp_path: Path, seed: str, extra: list[str]) -> None:
    out = tmp_path / "release"
    argv = ["build", "--out", str(out), "--num-examples", "300", "--seed", seed, "--generator", "random", *extra]
    if "datatrove-local" in extra:
        argv += ["--work-dir", str(tmp_path / "work")]
    assert main(argv) == 0
    assert _digests(out) == GOLDEN[seed]
