"""Rows of kernels from real Python files: category ``real``, provenance in ``metadata``.

The rows have the synthetic rows' schema: no seed or index, and the kernel's file and line in
``metadata.source_file`` / ``source_line``. Kernels whose structural hash is already taken (by
the synthetic data, or by an earlier kernel of the same files) are left out and counted, so a
model can be evaluated on them without near-duplicates of its training data.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from builder.codegen.ir import warp_version
from builder.codegen.rows import make_row
from builder.plan.planner import Analysis, analyze, difficulty, difficulty_bounds
from builder.real.harvest import FoundKernel
from builder.schema import REAL_CATEGORY
from builder.verify.levels import Outcome
from generators import KernelSpec


@dataclass(frozen=True)
class RealKernel:
    """What ``make_row`` reads of a plan entry, for a kernel from a real file."""

    id: str
    structural_hash: str
    complexity: int
    difficulty: str
    seed: None = None
    index: None = None


@dataclass
class RealRows:
    """Rows of the kernels kept, and the kernels left out as structural duplicates, by reason."""

    rows: list[dict]
    duplicates: Counter = field(default_factory=Counter)


def real_id(source_file: str, python_source: str) -> str:
    """Stable row id of a kernel from a real file: its file and source (an overload's source names its types)."""
    return "real-" + hashlib.sha256(f"{source_file}\n{python_source}".encode()).hexdigest()[:16]


def warp_examples_folder() -> Path:
    """The ``examples`` folder of the installed ``warp`` package."""
    import warp

    return Path(warp.__file__).resolve().parent / "examples"


def real_rows(found: Sequence[FoundKernel], config: str, exclude_hashes: Collection[str] = ()) -> RealRows:
    """The rows (``config``'s schema) of ``found``.

    Leaves out structural duplicates of ``exclude_hashes`` or of an earlier kernel.
    """
    version = warp_version()
    analyses = [analyze(k.python_source) for k in found]
    kept: list[tuple[FoundKernel, Analysis]] = []
    duplicates: Counter = Counter()
    seen: set[str] = set()
    for kernel, analysis in zip(found, analyses, strict=False):
        if analysis.structural_hash in exclude_hashes:
            duplicates["of the synthetic data"] += 1
        elif analysis.structural_hash in seen:
            duplicates["of an earlier real kernel"] += 1
        else:
            seen.add(analysis.structural_hash)
            kept.append((kernel, analysis))
    bounds = difficulty_bounds([a.complexity for _, a in kept]) if kept else (0, 0)
    rows = []
    for kernel, analysis in kept:
        entry = RealKernel(
            real_id(kernel.source_file, kernel.python_source),
            analysis.structural_hash,
            analysis.complexity,
            difficulty(analysis.complexity, bounds),
        )
        spec = KernelSpec(
            kernel.kernel_name, REAL_CATEGORY, kernel.description, kernel.python_source, kernel.value_types
        )
        rows.append(
            make_row(
                entry,
                spec,
                analysis.builtins,
                ir=kernel.ir,
                outcome=Outcome("codegen"),
                config=config,
                version=version,
                provenance=(kernel.source_file, kernel.source_line),
            )
        )
    return RealRows(rows, duplicates)
