"""Row schema per config and the rows themselves: plan entries plus Warp's output."""

from __future__ import annotations

import gc
import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from builder.codegen.alignment import alignment
from builder.codegen.ir import ExtractionError, extract, warp_version
from builder.plan.planner import PlannedKernel
from builder.schema import (
    BACKEND_PREFIX,
    CONFIG_BACKENDS,
    device_label,
    validate_config,
)
from builder.verify.compile import CPU_BATCH, DEFAULT_CUDA_ARCH
from builder.verify.levels import DEFAULT_VERIFY, Unit, verify
from generators import GENERATOR_VERSION, KernelSpec

logger = logging.getLogger("warp_ir_pairs")

# Allocations between young-generation collections while rows are made (Python's default: 700).
GC_THRESHOLD = 20_000


def source_lines(python_source: str) -> int:
    """Non-blank lines of Python."""
    return sum(1 for line in python_source.splitlines() if line.strip())


class ShardFailed(RuntimeError):
    """Kernels of a shard failed code generation; the message counts them by reason."""

    def __init__(self, failures: Counter, examples: list[str]) -> None:
        counts = ", ".join(f"{reason}: {n}" for reason, n in failures.most_common())
        super().__init__(
            f"{sum(failures.values())} kernel(s) failed code generation ({counts}); first: {'; '.join(examples[:3])}"
        )
        self.failures = failures
        self.examples = examples

    def __reduce__(self):
        # Rebuilt from its fields: a worker process (datatrove's pool) sends it back pickled.
        return type(self), (self.failures, self.examples)


def generate_rows(
    kernels: Iterable[PlannedKernel],
    config: str,
    verify_level: str = DEFAULT_VERIFY,
    cuda_arch: int = DEFAULT_CUDA_ARCH,
    drop_failed: bool = False,
) -> Iterator[dict]:
    """Extract and verify each kernel for the config's backends and yield its row.

    A kernel Warp cannot generate is counted and logged with its (seed, index), the rest of the
    shard still runs, and the shard then raises ``ShardFailed``: a release never silently lacks a
    planned kernel. A kernel that fails a later verification stage keeps its row, with the failure
    in ``verification``, unless ``drop_failed`` (then it is logged with its reason).
    """
    backends = CONFIG_BACKENDS[validate_config(config)]
    with _fewer_collections():
        yield from _rows(kernels, config, backends, verify_level, cuda_arch, drop_failed)


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often meanwhile (the previous thresholds come back after).

    Code generation allocates millions of short-lived objects; collecting every 700 allocations
    (Python's default) cost about 5% of a build. Collections still run, so memory stays flat.
    """
    previous = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD, *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)


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
        yield make_row(kernel, spec, builtins, ir, outcome, config, version)


def make_row(
    kernel: PlannedKernel,
    spec: KernelSpec,
    builtins: tuple[str, ...],
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
    }
    return row
