"""Bounds on what a build may be asked for: the seed's range, worker processes, and the size of a count.

``MAX_SEED`` is the largest seed (``WarpIRPairsConfig.validate`` and the CLI's ``--seed`` check it).
``cap_num_proc`` limits worker processes to the cores and the work. ``estimate`` turns a count into
the time and disk a build will take, from per-kernel figures measured on the reference machine
(bench/results.json: 2 cores, warp-lang 1.19.0); ``size_problem`` says when that is beyond this
machine, so the CLI asks for ``--yes`` before starting.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

MAX_SEED = 2**63 - 1

# Measured per kernel and process: codegen 2,000 kernels in 28.6 s with one process, compile 100 in
# 63.4 s (execute compiles too, so it is at least that); disk: 2,812 MB of parquet for 100,000
# kernels (all three configs), and 140 MB in the staging folder at its peak for 1,000 (datasets' cache).
SECONDS_PER_KERNEL = {"codegen": 0.0143, "compile": 0.634, "execute": 0.634}
RELEASE_BYTES_PER_KERNEL = 28_100
PEAK_BYTES_PER_KERNEL = 141_000
# Beyond these a build asks for --yes: a day of work, or more disk than the output's file system has free.
MAX_SECONDS_UNASKED = 24 * 3600

logger = logging.getLogger(__name__)


def cap_num_proc(num_proc: int, work: int) -> int:
    """``num_proc`` at most the CPU cores and ``work`` (units that can run at once), with a warning when lowered."""
    cores = os.cpu_count() or 1
    capped = max(1, min(num_proc, cores, work))
    if capped < num_proc:
        reasons = [f"{cores} CPU core(s)"] if num_proc > cores else []
        reasons += [f"{work} unit(s) of work"] if num_proc > work else []
        because = " and the build has ".join(reasons)
        logger.warning("num_proc %d lowered to %d: this machine has %s", num_proc, capped, because)
    return capped


@dataclass(frozen=True)
class Estimate:
    """What a build of ``kernels`` will take here: wall seconds, peak disk bytes, release bytes."""

    kernels: int
    seconds: float
    peak_bytes: int
    release_bytes: int

    def line(self) -> str:
        return (
            f"about {format_duration(self.seconds)} and "
            f"{format_bytes(self.peak_bytes)} of disk while building ({format_bytes(self.release_bytes)} released)"
        )


def estimate(kernels: int, verify: str, num_proc: int) -> Estimate:
    """The estimated cost of a build of ``kernels`` at ``verify`` with ``num_proc`` processes."""
    seconds = kernels * SECONDS_PER_KERNEL.get(verify, SECONDS_PER_KERNEL["codegen"]) / max(1, num_proc)
    return Estimate(kernels, seconds, kernels * PEAK_BYTES_PER_KERNEL, kernels * RELEASE_BYTES_PER_KERNEL)


def size_problem(cost: Estimate, out: Path) -> str | None:
    """Why a build of ``cost`` is beyond this machine (more than a day, or more disk than is free), or None."""
    if cost.seconds > MAX_SECONDS_UNASKED:
        return f"more than {format_duration(MAX_SECONDS_UNASKED)}"
    free = _free_bytes(out)
    if free is not None and cost.peak_bytes > free:
        return f"more disk than the {format_bytes(free)} free"
    return None


def _free_bytes(out: Path) -> int | None:
    for folder in (out, *out.parents):
        if folder.exists():
            try:
                return shutil.disk_usage(folder).free
            except OSError:
                return None
    return None


def format_duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    if seconds < 730 * 86400:
        return f"{seconds / 86400:.0f} days"
    return f"{seconds / (365 * 86400):.3g} years"


def format_bytes(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if size < 1000 or unit == "PB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} PB"
