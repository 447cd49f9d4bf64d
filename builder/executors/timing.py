"""The generation time of a resumable build, summed over its runs (``runs.json`` in the work folder).

A resumed build that reported only its last run's time would claim the kernels of every run
were made in that time. Each run records its start and, when it ends in any way Python sees
(done, failed, interrupted), its end; a run killed outright (SIGKILL, power loss) has no end,
and counts up to the last file it wrote into the work folder.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

RUNS_FILE = "runs.json"


class RunTimes:
    """Start and end (wall clock) of every run of the build whose work folder is ``work``."""

    def __init__(self, work: Path) -> None:
        self.path = Path(work) / RUNS_FILE
        self.runs: list[dict] = self._read()

    def start(self) -> None:
        self.runs.append({"start": time.time(), "end": None})
        self._write()

    def end(self) -> None:
        if self.runs:
            self.runs[-1]["end"] = time.time()
            self._write()

    @property
    def resumed(self) -> bool:
        return len(self.runs) > 1

    def total(self) -> float:
        """Seconds of generation over every run; an unfinished run counts to its last write in the work folder."""
        total = 0.0
        for number, run in enumerate(self.runs):
            end = run.get("end")
            if end is None:
                bound = self.runs[number + 1]["start"] if number + 1 < len(self.runs) else time.time()
                end = self._last_write(run["start"], bound)
            total += max(0.0, end - run["start"])
        return total

    def _last_write(self, start: float, bound: float) -> float:
        latest = start
        for root, _, names in os.walk(self.path.parent):
            for name in names:
                try:
                    mtime = os.stat(os.path.join(root, name)).st_mtime
                except OSError:
                    continue
                if start <= mtime <= bound:
                    latest = max(latest, mtime)
        return latest

    def _read(self) -> list[dict]:
        try:
            runs = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        return runs if isinstance(runs, list) else []

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(f".{self.path.name}.{os.getpid()}.partial")
        partial.write_text(json.dumps(self.runs), encoding="utf-8")
        os.replace(partial, self.path)
