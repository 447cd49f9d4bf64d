"""Soak test of the output folder: builds into one --out killed at random moments, with validate reading it.

    PYTHONPATH=$PWD python bench/soak.py [--rounds 20] [--num-examples 300] [--num-proc 1] [--seed 0]

Not part of the default test run (it takes minutes). Each round runs ``warp-ir-pairs build
--overwrite`` into the same ``--out`` with a seed that alternates between two values (so the new
release differs from the previous one), and sends SIGKILL or SIGINT to its process group at a
seeded random moment (some rounds end before it). Meanwhile a thread runs ``warp-ir-pairs
validate OUT`` in a loop. After every round ``--out`` must be absent (only before any release
was complete), the previous complete release, or the new complete release, with every checksum
verifying; a SIGINT must end in exit 130 and one line; and once the next run is over, no staging
or set-aside folder of an earlier round may remain. Prints one line per round and a summary;
exits 1 on any violation.
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
import threading
import time
from pathlib import Path

from builder.release.checksums import CHECKSUMS_FILE, verify_checksums

CLI = [sys.executable, "-m", "builder.cli"]
# datasets' progress bars ("Generating train split: 59%|...| 27/46 [00:01<00:01, ...]"): the build's own output.
PROGRESS = re.compile(r"\d+/\d+ \[[\d:]+<")


class ValidateLoop(threading.Thread):
    """``warp-ir-pairs validate OUT`` again and again until stopped; counts of its exit statuses."""

    def __init__(self, out: Path) -> None:
        super().__init__(daemon=True)
        self.out, self.stop, self.counts = out, threading.Event(), {}

    def run(self) -> None:
        while not self.stop.is_set():
            if not self.out.exists():
                time.sleep(0.2)
                continue
            done = subprocess.run([*CLI, "validate", str(self.out)], capture_output=True, timeout=600)
            self.counts[done.returncode] = self.counts.get(done.returncode, 0) + 1


def card_seed(out: Path) -> int | None:
    for line in (out / "README.md").read_text(encoding="utf-8").splitlines():
        if line.strip().startswith("seed:"):
            return int(line.split(":", 1)[1])
    return None


def state_of(out: Path, previous: str | None, seed: int) -> tuple[str, str | None]:
    """``absent`` / ``previous`` / ``new`` / a violation, and the checksums text of what is there."""
    if not out.exists():
        return ("absent" if previous is None else "VIOLATION: absent after a complete release"), None
    report = verify_checksums(out)
    if not report.recorded or report.problems:
        return f"VIOLATION: checksums {report.problems[:2] or 'missing'}", None
    text = (out / CHECKSUMS_FILE).read_text()
    if text == previous:
        return "previous", text
    if card_seed(out) == seed:
        return "new", text
    return f"VIOLATION: a complete release of seed {card_seed(out)}, neither previous nor new", text


def leftovers(parent: Path, name: str, pids: set[int]) -> list[str]:
    """Staging or set-aside folders of ``name`` made by the processes ``pids``."""
    found = []
    for entry in parent.iterdir():
        for kind in (".partial-", ".old-"):
            prefix = f".{name}{kind}"
            if (
                entry.name.startswith(prefix)
                and entry.name[len(prefix) :].isdigit()
                and int(entry.name[len(prefix) :]) in pids
            ):
                found.append(entry.name)
    return found


def one_round(
    out: Path, seed: int, num_examples: int, num_proc: int, delay: float | None, signum: int
) -> tuple[int, str, int]:
    """Run a build, signalling its group after ``delay`` seconds (None: let it finish); exit status, stderr, pid."""
    args = [*CLI, "build", "--out", str(out), "--num-examples", str(num_examples), "--seed", str(seed)]
    args += ["--num-proc", str(num_proc), "--overwrite"]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    if delay is not None:
        try:
            process.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signum)
    _, stderr = process.communicate(timeout=600)
    if signum == signal.SIGKILL:
        try:
            os.killpg(process.pid, signal.SIGKILL)  # workers that outlived their parent
        except ProcessLookupError:
            pass
    return process.returncode, stderr.decode(errors="replace"), process.pid


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--num-examples", type=int, default=300)
    parser.add_argument("--num-proc", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0, help="seed of the kill moments and signals")
    parser.add_argument(
        "--max-delay", type=float, default=None, help="latest kill, seconds (default: 1.2 x a clean build)"
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)
    parent = Path(tempfile.mkdtemp(prefix="soak-"))
    out = parent / "rel"
    started = time.monotonic()
    code, stderr, _ = one_round(out, 0, args.num_examples, args.num_proc, None, signal.SIGINT)
    clean = time.monotonic() - started
    if code != 0:
        print(f"the first, clean build failed: {stderr.strip()}")
        return 1
    previous = (out / CHECKSUMS_FILE).read_text()
    max_delay = args.max_delay or 1.2 * clean
    print(f"clean build of {args.num_examples} kernels: {clean:.1f} s; kills at 0.3..{max_delay:.1f} s", flush=True)
    validator = ValidateLoop(out)
    validator.start()
    violations, earlier_pids, tally = [], set(), {}
    for number in range(1, args.rounds + 1):
        seed = number % 2
        signum = rng.choice((signal.SIGKILL, signal.SIGINT))
        delay = rng.uniform(0.3, max_delay)
        code, stderr, pid = one_round(out, seed, args.num_examples, args.num_proc, delay, signum)
        state, text = state_of(out, previous, seed)
        stale = leftovers(parent, out.name, earlier_pids)
        problems = [state] if state.startswith("VIOLATION") else []
        problems += [f"VIOLATION: left by an earlier round: {stale}"] if stale else []
        lines = [line for line in stderr.split("\n") if line.strip() and not PROGRESS.search(line)]
        if (
            signum == signal.SIGINT
            and code != 0
            and (code != 130 or len(lines) != 1 or "interrupted; " not in lines[0])
        ):
            problems.append(f"VIOLATION: SIGINT ended in exit {code} with {len(lines)} stderr line(s): {lines[-1:]!r}")
        ending = "finished" if code == 0 else f"{signal.Signals(signum).name} after {delay:.1f} s (exit {code})"
        tally[state if not problems else "violation"] = tally.get(state if not problems else "violation", 0) + 1
        print(
            f"round {number:2d} seed {seed}: {ending}: out holds {state}" + "".join(f"; {p}" for p in problems[1:]),
            flush=True,
        )
        violations += problems
        if problems:
            (parent / f"round-{number}.stderr").write_text(stderr)
        previous = text or previous
        earlier_pids.add(pid)
    code, stderr, pid = one_round(out, 0, args.num_examples, args.num_proc, None, signal.SIGINT)  # a last, clean run
    stale = leftovers(parent, out.name, earlier_pids)
    if code != 0 or stale or state_of(out, None, 0)[0] not in ("new", "previous"):
        violations.append(f"VIOLATION: the last clean run: exit {code}, leftovers {stale}, {stderr.strip()[-200:]}")
    validator.stop.set()
    validator.join(timeout=600)
    print(f"after {args.rounds} rounds: out held {tally}; validate runs by exit status {validator.counts}")
    print(f"{len(violations)} violation(s)" + (": " + "; ".join(violations) if violations else ""))
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
