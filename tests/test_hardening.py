"""Smaller promises: extract checks its output first, undecodable files say why, resumed builds time every run."""

import json
import os
import time

import pytest

from builder.errors import ReleaseError
from builder.executors.timing import RUNS_FILE, RunTimes
from builder.real import release as real_release
from builder.real.harvest import python_files
from builder.real.worker import kernels_of_source


def test_extract_checks_its_output_folder_before_harvesting(tmp_path, monkeypatch):
    source = tmp_path / "k.py"
    source.write_text("import warp as wp\n")
    harvested = []
    monkeypatch.setattr(real_release, "harvest", lambda *args: harvested.append(args) or ([], []))
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ReleaseError, match=f"cannot write the release to {str(blocker / 'rel')!r}: "):
        real_release.extract_release([source], blocker / "rel")
    read_only = tmp_path / "read-only"
    read_only.mkdir()
    read_only.chmod(0o555)
    try:
        if not os.access(read_only, os.W_OK):  # root may write anywhere
            with pytest.raises(ReleaseError, match="Permission denied"):
                real_release.extract_release([source], read_only / "rel")
    finally:
        read_only.chmod(0o755)
    assert harvested == []


def test_a_file_that_is_not_utf8_is_reported_with_its_decoding_error(tmp_path):
    path = tmp_path / "latin.py"
    path.write_bytes(
        b"import warp as wp\n# caf\xe9\n@wp.kernel\ndef k(a: wp.array(dtype=float)):\n    a[wp.tid()] = 1.0\n"
    )
    (failure,) = kernels_of_source(python_files([path])[0])
    assert failure.reason == "import UnicodeDecodeError"
    assert "'utf-8' codec can't decode byte 0xe9 in position 23" in failure.detail and "exec()" not in failure.detail


def test_a_file_with_a_coding_line_decodes_in_its_encoding(tmp_path):
    path = tmp_path / "latin.py"
    path.write_bytes(
        b"# -*- coding: latin-1 -*-\nimport warp as wp\n# caf\xe9\n"
        b"@wp.kernel\ndef k(a: wp.array(dtype=float)):\n    a[wp.tid()] = 1.0\n"
    )
    (found,) = kernels_of_source(python_files([path])[0])
    assert found.kernel_name == "k" and found.source_file == "latin.py"


def test_a_resumed_build_counts_the_time_of_every_run(tmp_path):
    now = time.time()
    killed = {"start": now - 100, "end": None}  # SIGKILLed: no end; its last shard was written 40 s in
    shard = tmp_path / "shards" / "00000.parquet"
    shard.parent.mkdir()
    shard.write_bytes(b"")
    os.utime(shard, (now - 60, now - 60))
    (tmp_path / RUNS_FILE).write_text(json.dumps([{"start": now - 200, "end": now - 170}, killed]))
    os.utime(tmp_path / RUNS_FILE, (now - 100, now - 100))
    times = RunTimes(tmp_path)
    times.start()
    times.runs[-1]["start"] = now - 10
    times.end()
    assert times.resumed
    assert times.total() == pytest.approx(30 + 40 + 10, abs=1.0)
