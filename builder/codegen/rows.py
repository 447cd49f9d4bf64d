"""Row schema per config and the rows themselves: plan entries plus Warp's output."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Iterator

from builder.codegen.alignment import alignment
from builder.codegen.collector import fewer_collections
from builder.codegen.ir import extract, warp_version
from builder.errors import ExtractionError, ShardFailed
from builder.plan.planner import PlannedKernel
from builder.schema import (
    BACKEND_PREFIX,
    CONFIG_BACKENDS,
    MUTANT_FIELDS,
    device_label,
    validate_config,
)
from builder.verify.compile import CPU_BATCH, DEFAULT_CUDA_ARCH
from builder.verify.levels import DEFAULT_VERIFY, Unit, verify
from generators import GENERATOR_VERSION, KernelSpec

logger = logging.getLogger("warp_ir_pairs")


def source_lines(python_source: str) -> int:
    """Non-blank lines of Python."""
    return sum(1 for line in python_source.splitlines() if line.strip())


def generate_rows(
    kernels: Iterable[PlannedKernel],
    config: str,
    *,
    verify_level: str = DEFAULT_VERIFY,
    cuda_arch: int = DEFAULT_CUDA_ARCH,
    drop_failed: bool = False,
    ir_source: bool = True,
) -> Iterator[dict]:
    """Extract and verify each kernel for the config's backends and yield its row.

    A kernel Warp cannot generate is counted and logged with its (seed, index), the rest of the
    shard still runs, and the shard then raises ``ShardFailed``: a release never silently lacks a
    planned kernel. A kernel that fails a later verification stage keeps its row, with the failure
    in ``verification``, unless ``drop_failed`` (then it is logged with its reason). Without
    ``ir_source`` the ``*_source`` columns (Warp's whole module: the forward and backward functions
    again, plus boilerplate) are null; verification still compiles the whole module.
    """
    backends = CONFIG_BACKENDS[validate_config(config)]
    sources = [f"{BACKEND_PREFIX[b]}_source" for b in backends]
    with fewer_collections():
        for row in _rows(kernels, config, backends, verify_level, cuda_arch, drop_failed):
            if not ir_source:
                row.update(dict.fromkeys(sources))
            yield row


def _rows(
    kernels: Iterable[PlannedKernel], config: str, backends, verify_level: str, cuda_arch: int, drop_failed: bool
) -> Iterator[dict]:
    version = warp_version()
    failures: Counter = Counter()
    examples: list[str] = []
    batch: list[tuple[PlannedKernel, KernelSpec, tuple[str, ...], dict]] = []
    for kernel in kernels:
        spec, builtins = kernel.contents
        try:
            batch.append((kernel, spec, builtins, extract(spec, backends)))
        except ExtractionError as error:
            failures[error.reason] += 1
            examples.append(f"seed={kernel.seed} index={kernel.index} {spec.kernel_name}: {error}")
            logger.error(
                "kernel seed=%d index=%d failed (%s): %s", kernel.seed, kernel.index, error.reason, error.detail
            )
            continue
        if len(batch) == CPU_BATCH:
            yield from _verified_rows(batch, config, version, verify_level, cuda_arch, drop_failed)
            batch = []
    yield from _verified_rows(batch, config, version, verify_level, cuda_arch, drop_failed)
    if failures:
        raise ShardFailed(failures, examples)


def _verified_rows(
    batch, config: str, version: str, verify_level: str, cuda_arch: int, drop_failed: bool
) -> Iterator[dict]:
    units = [
        Unit(
            spec.kernel_name,
            spec.python_source,
            kernel.seed,
            kernel.index,
            ir["cpu"].source if "cpu" in ir else None,
            ir["cuda"].source if "cuda" in ir else None,
        )
        for kernel, spec, _, ir in batch
    ]
    for (kernel, spec, builtins, ir), outcome in zip(batch, verify(units, verify_level, cuda_arch), strict=False):
        if drop_failed and outcome.failed:
            logger.warning(
                "kernel seed=%d index=%d dropped: %s", kernel.seed, kernel.index, "; ".join(outcome.failures)
            )
            continue
        yield make_row(kernel, spec, builtins, ir=ir, outcome=outcome, config=config, version=version)


def make_row(
    kernel: PlannedKernel,
    spec: KernelSpec,
    builtins: tuple[str, ...],
    *,
    ir: dict,
    outcome,
    config: str,
    version: str,
    provenance: tuple[str, int] | None = None,
) -> dict:
    """The row of one extracted, verified kernel (``spec`` and ``builtins`` from ``kernel.contents``).

    ``provenance``: (file, line) of a kernel from a real file (``builder.real.release``), whose
    ``kernel`` has an ``id``, ``structural_hash``, ``complexity`` and ``difficulty`` but no seed or index.
    """
    row = {
        "id": kernel.id,
        "kernel_name": spec.kernel_name,
        "category": spec.category,
        "description": spec.description,
        "python_source": spec.python_source,
    }
    for backend in CONFIG_BACKENDS[config]:
        prefix = BACKEND_PREFIX[backend]
        out = ir[backend]
        row.update(
            {f"{prefix}_forward": out.forward, f"{prefix}_backward": out.backward, f"{prefix}_source": out.source}
        )
    row["cuda_ptx"] = outcome.cuda_ptx
    row["complexity"] = kernel.complexity
    row["difficulty"] = kernel.difficulty
    row["alignment"] = [
        entry for backend in CONFIG_BACKENDS[config] for entry in alignment(ir[backend].forward, backend)
    ]
    row["verification"] = outcome.verification()
    row["io_examples"] = outcome.io_examples
    row["metadata"] = {
        "device": device_label(config),
        "seed": kernel.seed,
        "index": kernel.index,
        "warp_version": version,
        "generator_version": GENERATOR_VERSION,
        "structural_hash": kernel.structural_hash,
        "source_lines": source_lines(spec.python_source),
        "builtins": list(builtins),
        "value_types": list(spec.value_types),
        "source_file": provenance[0] if provenance else None,
        "source_line": provenance[1] if provenance else None,
        "generator": "real" if provenance else spec.generator,
        **_mutant_fields(spec),
    }
    return row


def _mutant_fields(spec: KernelSpec) -> dict:
    """A mutant's provenance for ``metadata`` (``MUTANT_FIELDS`` and ``edits``); nulls for other kernels."""
    found = dict(spec.provenance)
    edits = found.get("edits")
    return {**{name: found.get(name) for name in MUTANT_FIELDS}, "edits": list(edits) if edits is not None else None}
