"""`extract` on hostile files: bounded time, the good kernels kept, each hostile file reported, nothing left running."""

from __future__ import annotations

import os
import textwrap
import time
from pathlib import Path

from builder.cli import main
from builder.real.harvest import harvest, python_files

GOOD = """
import warp as wp


@wp.kernel
def double(values: wp.array(dtype=float)):
    i = wp.tid()
    values[i] = values[i] * 2.0
"""


def _pid_line(folder: Path) -> str:
    return f"import os\nopen(os.path.join({str(folder)!r}, 'pid-' + str(os.getpid())), 'w').close()\n"


def hostile_files(folder: Path, marker: Path) -> dict[str, str]:
    pids = _pid_line(folder / "pids")
    return {
        "allocates.py": pids + "blocks = []\nwhile True:\n    blocks.append(bytearray(2**26))\n",
        "killpg.py": pids + "import signal\nos.killpg(0, signal.SIGKILL)\n",
        # Its parent is the fork server, not extract: the server is restarted and the file's kernel kept.
        "kills_parent.py": pids
        + "import signal\nos.kill(os.getppid(), signal.SIGKILL)\n"
        + GOOD.replace("double", "parent_killer").replace("values[i] * 2.0", "values[i] + 1.0"),
        "forks.py": pids
        + textwrap.dedent(
            f"""
            import time
            if os.fork() == 0:
                open(os.path.join({str(folder / "pids")!r}, 'pid-' + str(os.getpid())), 'w').close()
                time.sleep(12)
                open({str(marker)!r}, 'w').close()
                os._exit(0)
            """
        )
        + GOOD.replace("double", "forked_negate").replace("values[i] * 2.0", "-values[i]"),
        "spins.py": pids + "while True:\n    pass\n",
    }


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X")
    except OSError:
        return False


def test_hostile_files_are_contained(tmp_path, capsys):
    marker = tmp_path / "grandchild-was-here"
    source = tmp_path / "src"
    (source / "pids").mkdir(parents=True)
    for name, text in {
        **hostile_files(source, marker),
        "good_a.py": GOOD,
        "good_b.py": GOOD.replace("double", "clamp").replace("values[i] * 2.0", "wp.min(values[i], 1.0)"),
    }.items():
        (source / name).write_text(text, encoding="utf-8")
    started = time.monotonic()
    argv = [
        "extract",
        str(source),
        "--out",
        str(tmp_path / "r"),
        "--configs",
        "cpu",
        "--timeout",
        "8",
        "--num-proc",
        "2",
    ]
    code = main([*argv, "--memory-limit", "1G"])
    seconds = time.monotonic() - started
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert seconds < 150
    # forks.py holds a good kernel too: its file imports fine, the grandchild is only killed.
    assert "extracted 4 kernel(s) from 4 of 7 file(s)" in printed
    for name, reason in (
        ("allocates.py", "import MemoryError"),
        ("killpg.py", "crashed"),
        ("spins.py", "timeout"),
    ):
        assert f"  {name}: {reason}" in printed, printed
    pids = [int(p.name.removeprefix("pid-")) for p in (source / "pids").iterdir()]
    assert (
        len(pids) >= 4
    )  # the workers (a worker serves several files; a retried file gets a fresh one) and the grandchild
    assert [pid for pid in pids if _alive(pid)] == []
    time.sleep(13)  # past the grandchild's sleep: it was killed, so it never writes
    assert not marker.exists()


def test_a_file_that_crashes_its_shared_worker_is_retried_alone(tmp_path):
    """A good file after a crashing one in the same worker is not lost; the crashing file fails alone too."""
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "a_crash.py").write_text("import os\nos._exit(7)\n", encoding="utf-8")
    (folder / "b_good.py").write_text(GOOD, encoding="utf-8")
    kernels, failures = harvest(python_files([folder]), timeout=20, num_proc=1)
    assert [k.kernel_name for k in kernels] == ["double"]
    assert [(f.source_file, f.reason) for f in failures] == [("a_crash.py", "crashed")]
    assert os.getpid()  # the harvesting process survived
