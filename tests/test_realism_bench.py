"""``bench/realism.py``: kernels from releases and their splits, the two-sample test, blended mixtures."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pyarrow.parquet as pq

from tests.conftest import NUM_EXAMPLES

_SPEC = importlib.util.spec_from_file_location("realism", Path(__file__).parent.parent / "bench" / "realism.py")
realism = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(realism)


def test_a_release_or_one_of_its_splits_gives_its_kernels(release):
    train = sum(pq.ParquetFile(p).metadata.num_rows for p in (release / "paired").glob("train-*.parquet"))
    assert len(realism.sources(str(release))) == NUM_EXAMPLES
    kernels = realism.sources(f"{release}:train")
    assert len(kernels) == train and all(k.startswith("def ") for k in kernels)
    assert realism.sources(f"{release}:nosuchsplit") == []


def test_blended_shares_and_a_missing_side(release, tmp_path, capsys):
    argv = [f"{release}:train", "--blend", f"{release}:test", "--shares", "0,1", "--real", f"{release}:validation"]
    assert realism.main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[-2].split()[-1] for line in lines] == ["0", "1"]
    assert all(0.0 <= float(line.rsplit(" ", 1)[1]) <= 1.0 for line in lines)
    assert realism.main([str(tmp_path), "--real", f"{release}:test"]) == 1
    assert "no kernels in" in capsys.readouterr().out
