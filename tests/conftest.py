"""Shared builds: small real releases made once per test session."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from builder.release.writer import build_release

# One plan shared by the release fixtures and the builder test that must match them.
SEED = 1
NUM_EXAMPLES = 460  # 20 per category: 14 / 3 / 3


@pytest.fixture(scope="session")
def release(tmp_path_factory) -> Path:
    """All three configs, one process."""
    out = tmp_path_factory.mktemp("release") / "rel"
    build_release(out, num_examples=NUM_EXAMPLES, seed=SEED, num_proc=1, command="pytest", generator="random")
    return out


@pytest.fixture(scope="session")
def release_two_procs(tmp_path_factory) -> Path:
    """The same arguments as ``release`` with two worker processes."""
    out = tmp_path_factory.mktemp("release2") / "rel"
    build_release(out, num_examples=NUM_EXAMPLES, seed=SEED, num_proc=2, command="pytest", generator="random")
    return out


def read_split(root: Path, config: str, split: str):
    """All parquet files of one config and split, concatenated in file order, as a pyarrow table."""
    import pyarrow as pa

    files = sorted((root / config).glob(f"{split}-*.parquet"))
    assert files, f"no parquet files for {config}/{split} in {root}"
    return pa.concat_tables(pq.read_table(f) for f in files)


def run_cli(args, capsys) -> tuple[int, str, str]:
    """``warp-ir-pairs ARGS`` in this process: exit status, stdout, stderr."""
    from builder.cli import main

    try:
        code = main(args)
    except SystemExit as exit_:
        code = exit_.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err
