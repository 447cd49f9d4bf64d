"""Verification levels and the row fields they fill: ``verification``, ``cuda_ptx``, ``io_examples``.

- ``codegen`` (default): Warp generated both passes for the row's backends (every row has this).
- ``compile``: also compile the row's C++ units natively (Warp's Clang, batched) and its CUDA unit
  to PTX with NVRTC for ``sm_<cuda_arch>``; no GPU needed.
- ``execute``: also build each kernel for the CPU with Warp, launch it ``EXAMPLES`` times on seeded
  inputs (each launch twice, to check that it reproduces) and record inputs and outputs. With a
  CUDA device present, the same inputs run on it too and ``cuda_matches_cpu`` is recorded.

Compilers and launches run in a worker process (``builder.verify.execute``): a crash or a hang there is a
counted failure of that kernel, and the worker is restarted for the next one.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from builder.verify.compile import CPU_BATCH, DEFAULT_CUDA_ARCH

VERIFY_LEVELS = ("codegen", "compile", "execute")
DEFAULT_VERIFY = "codegen"
# Seconds one request may take: a batch of C++ units, one PTX compile, or one kernel's launches.
REQUEST_TIMEOUT = 600.0
EXIT_WAIT = 60.0  # seconds to wait for the exit status of a worker that closed its stdout


@dataclass
class Outcome:
    """The verification fields of one row."""

    level: str
    cpu_compiled: bool | None = None
    cuda_compiled: bool | None = None
    cuda_arch: int | None = None
    executed: bool | None = None
    outputs_finite: bool | None = None
    reproducible: bool | None = None
    comparison: str = ""
    cuda_matches_cpu: bool | None = None
    failures: list[str] = field(default_factory=list)
    cuda_ptx: str = ""
    io_examples: str = ""

    @property
    def failed(self) -> bool:
        return stage_failed(self.verification())

    def verification(self) -> dict:
        return {
            "level": self.level,
            "codegen": True,
            "cpu_compiled": self.cpu_compiled,
            "cuda_compiled": self.cuda_compiled,
            "cuda_arch": self.cuda_arch,
            "executed": self.executed,
            "outputs_finite": self.outputs_finite,
            "reproducible": self.reproducible,
            "comparison": self.comparison,
            "cuda_matches_cpu": self.cuda_matches_cpu,
            "failures": list(self.failures),
        }


def stage_failed(verification: dict) -> bool:
    """Whether a requested stage did not pass (what ``drop_failed`` drops). Not-finite or
    irreproducible outputs are properties of a kernel that ran, flagged but not failures."""
    return False in (verification["cpu_compiled"], verification["cuda_compiled"], verification["executed"])


@dataclass(frozen=True)
class Unit:
    """What verification needs of one kernel: its identity, source and emitted units."""

    kernel_name: str
    python_source: str
    seed: int
    index: int
    cpp_source: str | None  # None when the row carries no C++
    cuda_source: str | None


def verify(units: Sequence[Unit], level: str, cuda_arch: int = DEFAULT_CUDA_ARCH) -> list[Outcome]:
    """The outcome of every unit at ``level``."""
    outcomes = [Outcome(level) for _ in units]
    if level == "codegen":
        return outcomes
    worker = _worker()
    with_cpp = [i for i, u in enumerate(units) if u.cpp_source is not None]
    for start in range(0, len(with_cpp), CPU_BATCH):
        batch = with_cpp[start : start + CPU_BATCH]
        for i, error in zip(batch, worker.compile_cpu([units[i].cpp_source for i in batch]), strict=False):
            outcomes[i].cpu_compiled = error is None
            if error is not None:
                outcomes[i].failures.append(error)
    for unit, outcome in zip(units, outcomes, strict=False):
        if unit.cuda_source is not None:
            answer = worker.request({"op": "compile_ptx", "source": unit.cuda_source, "arch": cuda_arch})
            outcome.cuda_arch = cuda_arch
            outcome.cuda_compiled = "ptx" in answer
            outcome.cuda_ptx = answer.get("ptx", "")
            if "ptx" not in answer:
                outcome.failures.append(answer.get("error") or answer.get("fatal", "cuda compile: unknown"))
        if level == "execute":
            request = {
                "op": "execute",
                "kernel_name": unit.kernel_name,
                "python_source": unit.python_source,
                "seed": unit.seed,
                "index": unit.index,
            }
            answer = worker.request(request)
            outcome.executed = bool(answer.get("executed"))
            for name in ("outputs_finite", "reproducible", "cuda_matches_cpu"):
                setattr(outcome, name, answer.get(name))
            outcome.comparison = answer.get("comparison", "")
            outcome.io_examples = answer.get("io_examples", "")
            if not outcome.executed:
                outcome.failures.append(answer.get("failure") or answer.get("fatal", "execute: unknown"))
    return outcomes


class Worker:
    """A ``python -m builder.verify.execute`` child: one JSON request and one JSON answer per line."""

    def __init__(self, timeout: float = REQUEST_TIMEOUT) -> None:
        self.timeout = timeout
        self.process: subprocess.Popen | None = None
        self.cuda = False
        self._buffer = b""
        self._closed = False  # the worker closed its stdout: it is exiting, not hanging

    def request(self, message: dict) -> dict:
        """Send ``message``; a crash or timeout is answered as ``{"fatal": reason}``."""
        process = self._start()
        try:
            process.stdin.write((json.dumps(message) + "\n").encode())
            process.stdin.flush()
            answer = self._read_line(process)
        except (BrokenPipeError, OSError):
            answer = None
        if answer is None:
            return {"fatal": self._failure(process, message.get("op", ""))}
        return json.loads(answer)

    def compile_cpu(self, sources: list[str]) -> list[str | None]:
        """Errors per C++ unit; a batch that crashes the compiler is retried a unit at a time."""
        answer = self.request({"op": "compile_cpu", "sources": sources})
        if "errors" in answer:
            return answer["errors"]
        if len(sources) == 1:
            return [answer["fatal"]]
        return [self.compile_cpu([s])[0] for s in sources]

    def close(self) -> None:
        if self.process is not None:
            try:
                self.process.stdin.close()
                self.process.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
            self.process = None

    def _start(self) -> subprocess.Popen:
        if self.process is not None and self.process.poll() is None:
            return self.process
        self._log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "builder.verify.execute"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            bufsize=0,
        )
        self._buffer = b""
        self._closed = False
        hello = self._read_line(self.process)
        if hello is None:
            raise RuntimeError(f"the verification worker did not start: {self._failure(self.process, 'start')}")
        self.cuda = bool(json.loads(hello).get("cuda"))
        return self.process

    def _read_line(self, process: subprocess.Popen) -> bytes | None:
        deadline = time.monotonic() + self.timeout
        fd = process.stdout.fileno()
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                return None
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                self._closed = True
                return None
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def _failure(self, process: subprocess.Popen, op: str) -> str:
        """Why the worker gave no answer; it is stopped, and the next request starts a new one."""
        stage = {"compile_cpu": "cpu compile", "compile_ptx": "cuda compile", "execute": "execute"}.get(op, op)
        if self._closed:
            # A dying worker's stdout closes a moment before its exit status exists: without this
            # wait, poll() may still say "running" and a crash would be reported as a timeout.
            try:
                process.wait(timeout=EXIT_WAIT)
            except subprocess.TimeoutExpired:
                pass
        if process.poll() is None:
            process.kill()
            process.wait()
            reason = f"{stage}: timed out after {self.timeout:.0f} s"
        elif process.returncode < 0:
            reason = f"{stage}: crashed ({signal.Signals(-process.returncode).name})"
        else:
            self._log.seek(0)
            tail = self._log.read().decode(errors="replace").strip().splitlines()
            reason = f"{stage}: worker exited with {process.returncode}" + (f" ({tail[-1][:200]})" if tail else "")
        self.process = None
        return reason


_shared: Worker | None = None


def _worker() -> Worker:
    """This process's worker, started on first use and kept for every later batch."""
    global _shared
    if _shared is None:
        _shared = Worker()
        atexit.register(_shared.close)
    return _shared


# Flags of ``verification`` that a report counts (rows where the flag is true).
REPORTED_FLAGS = ("cpu_compiled", "cuda_compiled", "executed", "outputs_finite", "reproducible", "cuda_matches_cpu")


@dataclass
class VerificationReport:
    """What a build's verification showed: counts of passing rows per flag and failures by reason."""

    level: str
    cuda_arch: int | None
    kernels: int = 0
    seconds: float = 0.0
    num_proc: int = 1
    passed: dict[str, int] = field(default_factory=dict)
    attempted: dict[str, int] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    dropped: int = 0

    @property
    def kernels_per_second(self) -> float:
        return self.kernels / self.seconds if self.seconds else 0.0

    def add(self, verification: dict) -> None:
        """Count one row's ``verification`` struct."""
        self.kernels += 1
        for flag in REPORTED_FLAGS:
            if verification[flag] is not None:
                self.attempted[flag] = self.attempted.get(flag, 0) + 1
                self.passed[flag] = self.passed.get(flag, 0) + bool(verification[flag])
        for failure in verification["failures"]:
            reason = failure[:100]
            self.failures[reason] = self.failures.get(reason, 0) + 1

    def figures(self) -> dict:
        """The report as plain values (the card's YAML keeps them)."""
        return {
            "level": self.level,
            "cuda_arch": self.cuda_arch,
            "kernels": self.kernels,
            "kernels_per_second": round(self.kernels_per_second, 2),
            "num_proc": self.num_proc,
            "passed": {f: self.passed.get(f, 0) for f in REPORTED_FLAGS if f in self.attempted},
            "attempted": {f: self.attempted[f] for f in REPORTED_FLAGS if f in self.attempted},
            "failures": dict(sorted(self.failures.items(), key=lambda item: (-item[1], item[0]))),
            "dropped": self.dropped,
        }

    def lines(self) -> list[str]:
        """Human-readable lines, for the build summary and the card."""
        arch = f", PTX for sm_{self.cuda_arch}" if self.cuda_arch else ""
        out = [
            f"verify level {self.level}{arch}: {self.kernels} kernels in {self.seconds:.1f} s, "
            f"{self.kernels_per_second:.1f} kernels/s with {self.num_proc} process(es)"
        ]
        for flag in REPORTED_FLAGS:
            if flag in self.attempted:
                out.append(f"{flag}: {self.passed.get(flag, 0)} of {self.attempted[flag]}")
        failures = self.figures()["failures"]
        out.append(
            "verification failures by reason: " + ("; ".join(f"{r}: {n}" for r, n in failures.items()) or "none")
        )
        if self.dropped:
            out.append(f"dropped (--drop-failed): {self.dropped} kernel(s)")
        return out
