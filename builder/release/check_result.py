"""The outcome of one ``validate`` check, apart from the checks so that check modules can share it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check: ``skipped`` when it could not run for a reason it names."""

    name: str
    passed: bool
    detail: str
    skipped: bool = False

    def line(self) -> str:
        """``PASS|FAIL|SKIP <name>: <detail>``."""
        status = "PASS" if self.passed else "SKIP" if self.skipped else "FAIL"
        return f"{status} {self.name}: {self.detail}"
