"""The output folder: locked for the whole build, replaced atomically, never losing a file it did not write."""

import errno
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import run_cli as run

from builder.errors import ReleaseError
from builder.release import output
from builder.release.lock import lock_path, output_lock
from builder.release.output import check_output_dir, claim_output, move_into_place

ROOT = Path(__file__).resolve().parent.parent
HOLD = (
    "import sys, time; from builder.release.lock import output_lock\n"
    "with output_lock(sys.argv[1]):\n    print('held', flush=True); time.sleep(60)\n"
)


def fake_release(folder: Path, marker: str) -> Path:
    """A folder with a release's layout (a card, one parquet file per config, a plot) marked ``marker``."""
    for config in ("cpu", "cuda", "paired"):
        (folder / config).mkdir(parents=True)
        (folder / config / "train-00000-of-00001.parquet").write_text(marker)
    (folder / "plots").mkdir()
    (folder / "plots" / "ir_lines.png").write_text(marker)
    (folder / "README.md").write_text(marker)
    return folder


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.fixture
def holder(tmp_path):
    """Another process holding the lock of ``tmp_path/rel``; yields (out, its pid)."""
    out = tmp_path / "rel"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(out)], stdout=subprocess.PIPE, env=env)
    assert process.stdout.readline() == b"held\n"
    yield out, process.pid
    process.kill()
    process.wait()


@pytest.mark.parametrize("executor", ["local", "datatrove-local"])
def test_a_second_build_into_a_locked_output_exits_1_naming_the_holder(holder, capsys, executor):
    out, pid = holder
    code, stdout, stderr = run(["build", "--out", str(out), "--num-examples", "20", "--executor", executor], capsys)
    assert code == 1 and stdout == ""
    assert (
        stderr == f"warp-ir-pairs: error: output {str(out)!r} is locked by another build (pid {pid}); "
        "wait for it to end or choose another --out\n"
    )
    assert not out.exists() and not (out.parent / ".rel.work").exists()


def test_the_lock_is_reentrant_in_one_process_and_removed_after(tmp_path):
    out = tmp_path / "rel"
    with output_lock(out), output_lock(out):
        assert lock_path(out).read_text() == f"{os.getpid()}\n"
    assert not lock_path(out).exists()


def test_a_file_put_into_out_during_a_build_is_never_deleted(tmp_path):
    out = tmp_path / "rel"
    staging = fake_release(tmp_path / ".rel.partial-1", "new")
    check_output_dir(out, overwrite=False)  # absent at the start of the build ...
    out.mkdir()
    (out / "mine.txt").write_text("mine")  # ... and filled during it
    with pytest.raises(ReleaseError, match="was filled during the build; nothing was written"):
        move_into_place(staging, out, overwrite=False)
    assert (out / "mine.txt").read_text() == "mine" and sorted(p.name for p in out.iterdir()) == ["mine.txt"]


def test_overwrite_refuses_a_folder_holding_anything_a_release_does_not_write(tmp_path):
    out = fake_release(tmp_path / "rel", "old")
    (out / "plots" / "keep.txt").write_text("mine")
    with pytest.raises(ReleaseError, match=r"unexpected entries: plots/keep.txt\); refusing to overwrite it"):
        check_output_dir(out, overwrite=True)
    (out / "plots" / "keep.txt").unlink()
    (out / "cpu" / "notes").mkdir()
    with pytest.raises(ReleaseError, match="unexpected entries: cpu/notes"):
        check_output_dir(out, overwrite=True)


def test_overwrite_renames_the_old_release_aside_then_the_new_one_in(tmp_path, monkeypatch):
    out = fake_release(tmp_path / "rel", "old")
    staging = fake_release(tmp_path / ".rel.partial-1", "new")
    renames = []
    real_rename = os.rename
    monkeypatch.setattr(
        output.os, "rename", lambda a, b: (renames.append((Path(a).name, Path(b).name)), real_rename(a, b))
    )
    move_into_place(staging, out, overwrite=True)
    assert renames == [("rel", f".rel.old-{os.getpid()}"), (".rel.partial-1", "rel")]
    assert (out / "README.md").read_text() == "new" and sorted(p.name for p in tmp_path.iterdir()) == ["rel"]


@pytest.mark.parametrize("failing", ["aside", "in"])
def test_a_failed_rename_keeps_the_old_release(tmp_path, monkeypatch, failing):
    # A mount point as --out cannot be renamed (EBUSY): the old release must stay where it was.
    out = fake_release(tmp_path / "rel", "old")
    staging = fake_release(tmp_path / ".rel.partial-1", "new")
    real_rename = os.rename

    def rename(source, target):
        if (failing == "aside" and Path(source) == out) or (
            failing == "in" and Path(target) == out and Path(source) == staging
        ):
            raise OSError(errno.EBUSY, os.strerror(errno.EBUSY))
        real_rename(source, target)

    monkeypatch.setattr(output.os, "rename", rename)
    with pytest.raises(ReleaseError, match="Device or resource busy; it holds what it held"):
        move_into_place(staging, out, overwrite=True)
    assert (out / "README.md").read_text() == "old" and (
        out / "cpu" / "train-00000-of-00001.parquet"
    ).read_text() == "old"


def test_an_old_release_left_aside_is_put_back_when_out_is_missing(tmp_path):
    fake_release(tmp_path / f".rel.old-{dead_pid()}", "old")  # killed between the two renames
    with claim_output(tmp_path / "rel") as out:
        assert (out / "README.md").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rel"]


def test_an_old_release_left_aside_is_removed_once_the_new_one_is_in(tmp_path):
    fake_release(tmp_path / "rel", "new")
    fake_release(tmp_path / f".rel.old-{dead_pid()}", "old")  # killed while removing the old one
    with claim_output(tmp_path / "rel") as out:
        assert (out / "README.md").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rel"]


def test_staging_folders_of_killed_builds_are_removed_by_the_next_run(tmp_path, capsys):
    pid = dead_pid()
    (tmp_path / f".rel.partial-{pid}" / "paired").mkdir(parents=True)
    (tmp_path / f".other.partial-{pid}").mkdir()
    alive = tmp_path / f".other.partial-{os.getppid()}"  # a live process's: left alone
    alive.mkdir()
    code, _, stderr = run(["build", "--out", str(tmp_path / "rel"), "--num-examples", "20", "--num-proc", "1"], capsys)
    assert code == 0, stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [alive.name, "rel"]


def test_a_sigkilled_build_leaves_no_staging_folder_after_the_next_run(tmp_path):
    out = tmp_path / "rel"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-m", "builder.cli", "build", "--out", str(out), "--num-examples", "300", "--num-proc", "1"]
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".rel.partial-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    process.kill()
    process.wait()
    assert list(tmp_path.glob(".rel.partial-*")), "the build never made its staging folder"
    with claim_output(out):
        pass
    assert list(tmp_path.iterdir()) == []
