"""Ctrl-C (SIGINT to the whole process group, as a terminal sends it) or SIGTERM on running builds.

    PYTHONPATH=$PWD python bench/interrupt_check.py --tries 10 --num-proc 1 2 [--signal TERM]

One uninterrupted build per ``--num-proc`` first measures how long a build runs. Each try then
starts ``warp-ir-pairs build`` in its own process group, waits a seeded random time within that
run, sends the signal, and checks: exit status 130 (143 for SIGTERM), exactly one line on stderr
(``interrupted; ...``), nothing on stdout, no staging folder left, and no process of the group alive.
A build that had finished (its summary printed) when the signal came is not counted, and tries go
on until ``--tries`` were counted (at most three times as many runs). Prints one line per try and
a tally; exits 1 if any try failed.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMAND = [sys.executable, "-m", "builder.cli", "build"]
# datasets' progress bars ("Generating train split: 59%|...| 27/46 [00:01<00:01, ...]"): the build's own output.
PROGRESS = re.compile(r"\d+/\d+ \[[\d:]+<")


def one_try(out: Path, num_proc: int, delay: float, signum: int, num_examples: int) -> tuple[bool, str]:
    """Run, signal after ``delay`` seconds, and judge; (passed, description)."""
    args = [*COMMAND, "--out", str(out), "--num-examples", str(num_examples), "--num-proc", str(num_proc)]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    time.sleep(delay)
    if process.poll() is not None:
        process.communicate()
        return True, f"finished before the signal ({delay:.1f} s): not counted"
    os.killpg(process.pid, signum)
    stdout, stderr = process.communicate(timeout=120)
    if process.returncode == 0 and b"kernels" in stdout and (out / "README.md").is_file():
        return True, f"finished before the signal ({delay:.1f} s, summary printed, exiting): not counted"
    lines = [line for line in stderr.decode(errors="replace").split("\n") if line.strip() and not PROGRESS.search(line)]
    expected = 128 + signum
    leftovers = [p.name for p in out.parent.iterdir() if ".partial-" in p.name or p.name.endswith(".lock")]
    alive = _group_alive(process.pid)
    ok = (
        process.returncode == expected
        and len(lines) == 1
        and "interrupted; " in lines[0]
        and not leftovers
        and not alive
    )
    ok = ok and not stdout
    detail = f"exit {process.returncode}, {len(lines)} stderr line(s): {lines[-1] if lines else ''!r}"
    detail += f", leftovers {leftovers}" if leftovers else ""
    detail += ", group still alive" if alive else ""
    return ok, detail


def _group_alive(pgid: int) -> bool:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        time.sleep(0.1)
    return True


def build_seconds(num_proc: int, num_examples: int) -> float:
    """Wall time of one uninterrupted build (the range the signal is sent in)."""
    with tempfile.TemporaryDirectory() as parent:
        args = [*COMMAND, "--out", f"{parent}/rel", "--num-examples", str(num_examples), "--num-proc", str(num_proc)]
        start = time.monotonic()
        subprocess.run(args, capture_output=True, check=True)
        return time.monotonic() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=10, help="interrupted tries to count per --num-proc")
    parser.add_argument("--num-proc", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--num-examples", type=int, default=300)
    parser.add_argument("--signal", choices=("INT", "TERM"), default="INT")
    parser.add_argument("--seed", type=int, default=0, help="seed of the delays")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    signum = getattr(signal, f"SIG{args.signal}")
    failed = counted = 0
    for num_proc in args.num_proc:
        seconds = build_seconds(num_proc, args.num_examples)
        print(f"num_proc {num_proc}: an uninterrupted build takes {seconds:.1f} s", flush=True)
        here = number = 0
        while here < args.tries and number < 3 * args.tries:
            number += 1
            with tempfile.TemporaryDirectory() as parent:
                delay = rng.uniform(0.5, max(0.6, seconds - 0.3))
                ok, detail = one_try(Path(parent) / "rel", num_proc, delay, signum, args.num_examples)
                here += "not counted" not in detail
                failed += not ok
                print(
                    f"num_proc {num_proc} try {number} after {delay:.1f} s: {'ok' if ok else 'FAIL'}: {detail}",
                    flush=True,
                )
        counted += here
    print(f"{counted - failed} of {counted} interrupted tries ok (SIG{args.signal})")
    return 1 if failed or counted < args.tries * len(args.num_proc) else 0


if __name__ == "__main__":
    sys.exit(main())
