"""Rows of kernels from real Python files: category ``real``, provenance in ``metadata``.

The rows have the synthetic rows' schema: no seed or index; the kernel's file and line in
``metadata.source_file`` / ``source_line``, its package, version and license, and the
``block_dim`` its IR was generated at. A kernel whose analysis or row building fails is a
``Failure`` with its reason; the others are kept. Kernels whose structural hash is already taken (by
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
from builder.errors import one_line
from builder.plan.candidates import Analysis, analyze
from builder.plan.difficulty import difficulty, difficulty_bounds
from builder.real.worker import Failure, FoundKernel
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
    failures: list[Failure] = field(default_factory=list)


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
    kept: list[tuple[FoundKernel, Analysis]] = []
    duplicates: Counter = Counter()
    failures: list[Failure] = []
    seen: set[str] = set()
    for kernel in found:
        try:
            analysis = analyze(kernel.python_source)
        except Exception as error:  # one kernel's source the analysis cannot read costs only that kernel
            failures.append(
                Failure(
                    kernel.source_file,
                    kernel.kernel_name,
                    f"analysis {type(error).__name__}",
                    one_line(error, typed=False, limit=200),
                )
            )
            continue
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
        try:
            rows.append(_row(kernel, analysis, bounds, config, version))
        except Exception as error:
            failures.append(
                Failure(
                    kernel.source_file,
                    kernel.kernel_name,
                    f"row {type(error).__name__}",
                    one_line(error, typed=False, limit=200),
                )
            )
    return RealRows(rows, duplicates, failures)


def _row(kernel: FoundKernel, analysis: Analysis, bounds: tuple[int, int], config: str, version: str) -> dict:
    entry = RealKernel(
        real_id(kernel.source_file, kernel.python_source),
        analysis.structural_hash,
        analysis.complexity,
        difficulty(analysis.complexity, bounds),
    )
    spec = KernelSpec(kernel.kernel_name, REAL_CATEGORY, kernel.description, kernel.python_source, kernel.value_types)
    row = make_row(
        entry,
        spec,
        analysis.builtins,
        ir=kernel.ir,
        outcome=Outcome("codegen"),
        config=config,
        version=version,
        provenance=(kernel.source_file, kernel.source_line),
    )
    row["metadata"].update(
        package=kernel.package,
        package_version=kernel.package_version,
        license=kernel.license,
        block_dim=kernel.block_dim,
    )
    return row
