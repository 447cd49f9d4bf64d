"""Ctrl-C and SIGTERM on a running build: one line, exit 130 / 143, every process gone, nothing left."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# datasets' progress bars ("Generating train split: 59%|...| 27/46 [00:01<00:01, ...]"): the build's own output.
PROGRESS = re.compile(r"\d+/\d+ \[[\d:]+<")


def interrupted_build(tmp_path: Path, num_proc: int, signum: int) -> tuple[int, str, str]:
    """Start a build in its own process group, signal the group once it writes its staging folder."""
    out = tmp_path / "rel"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [
        sys.executable,
        "-m",
        "builder.cli",
        "build",
        "--out",
        str(out),
        "--num-examples",
        "300",
        "--num-proc",
        str(num_proc),
    ]
    process = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".rel.partial-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)  # into generation
    os.killpg(process.pid, signum)  # the whole group, as a terminal's Ctrl-C
    stdout, stderr = process.communicate(timeout=300)
    deadline = time.monotonic() + 30  # helpers (a pool's resource tracker) see their parent gone and exit
    while _group_alive(process.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _group_alive(process.pid), "a process of the build outlived it"
    return process.returncode, stdout.decode(), stderr.decode()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("num_proc, signum", [(1, signal.SIGINT), (2, signal.SIGINT), (2, signal.SIGTERM)])
def test_an_interrupted_build_prints_one_line_and_leaves_nothing(tmp_path, num_proc, signum):
    code, stdout, stderr = interrupted_build(tmp_path, num_proc, signum)
    assert code == 128 + signum
    assert stdout == ""
    lines = [line for line in stderr.split("\n") if line and not PROGRESS.search(line)]
    assert lines == [f"warp-ir-pairs: interrupted; nothing was written to {tmp_path / 'rel'}"]
    assert list(tmp_path.iterdir()) == []


def test_a_signal_swallowed_by_a_finalizer_still_stops_the_build():
    # Python drops an exception raised in __del__ (Warp's modules have one): it must not be lost.
    from builder import interrupts

    class Finalized:
        def __del__(self):
            os.kill(os.getpid(), signal.SIGINT)

    interrupts.install()
    try:
        Finalized()  # its __del__ runs here
        assert interrupts.received() == signal.SIGINT
        with pytest.raises(KeyboardInterrupt):
            interrupts.check()
    finally:
        interrupts.uninstall()


def test_descendants_reads_children_and_grandchildren_as_a_scan_of_proc_does():
    from builder.interrupts import _descendants_by_children, _descendants_by_scan, descendants

    # A child that starts a grandchild and waits on it: two levels below this process.
    child = subprocess.Popen([sys.executable, "-c", "import subprocess; subprocess.run(['sleep', '30'])"])
    try:
        deadline = time.monotonic() + 10
        while len(_descendants_by_scan(os.getpid())) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        found = descendants(os.getpid())
        assert child.pid in found and len(found) >= 2
        assert sorted(found) == sorted(_descendants_by_scan(os.getpid()))
        assert _descendants_by_children(os.getpid()) in (None, found)  # None: a kernel without task/*/children
    finally:
        for pid in _descendants_by_scan(child.pid):
            os.kill(pid, signal.SIGKILL)
        child.kill()
        child.wait()
    assert descendants(999_999_999) == []  # no such process
