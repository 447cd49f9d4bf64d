"""A release: parquet per config and split, plus a dataset card, built through ``WarpIRPairs``.

``paired`` is generated once (one code-generation pass per kernel); ``cpu`` and ``cuda`` are
derived from it by selecting columns, so all configs hold the same kernels in the same splits.
Everything is written to a staging folder beside the target and moved into place only when
complete: a failed or interrupted build leaves no partial release.
"""

from __future__ import annotations

import math
import os
import shutil
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from builder.card import CardContext, render_card
from builder.compile import DEFAULT_CUDA_ARCH
from builder.coverage import measure, release_table_files
from builder.plan import Plan, PlanError
from builder.plots import PLOTS_DIR, distribution_table, line_counts, write_plots
from builder.rows import CONFIG_BACKENDS, CONFIGS, ShardFailed, device_label, features, ir_columns, validate_config
from builder.splits import DEFAULT_RATIOS
from builder.verify import DEFAULT_VERIFY, VerificationReport, stage_failed

# Uncompressed Arrow bytes per parquet file; larger splits are cut into several files.
MAX_FILE_BYTES = 512 * 1024 * 1024
# Rows per parquet row group: streaming's reshard() makes one shard per row group, so small groups
# let several DataLoader workers share a split (about 1.3 MB of Arrow data per group).
ROW_GROUP_SIZE = 100
_RELEASE_ENTRIES = frozenset(CONFIGS) | {"README.md", ".gitattributes", PLOTS_DIR}


class ReleaseError(Exception):
    """The release cannot be built as asked; the message names the value and what is allowed."""


@dataclass
class ReleaseSummary:
    out: Path
    plan: Plan
    configs: tuple[str, ...]
    num_proc: int
    seconds_generating: float
    seconds_total: float
    verification: VerificationReport
    files: dict[str, list[Path]] = field(default_factory=dict)

    @property
    def num_kernels(self) -> int:
        return sum(len(k) for k in self.plan.splits.values())

    @property
    def kernels_per_second(self) -> float:
        return self.num_kernels / self.seconds_generating if self.seconds_generating else 0.0


def validate_configs(configs: Sequence[str]) -> tuple[str, ...]:
    """Known, distinct configs in canonical order."""
    configs = list(configs)
    if not configs:
        raise ReleaseError(f"no configs given; allowed: {', '.join(CONFIGS)}")
    for config in configs:
        try:
            validate_config(config)
        except ValueError as error:
            raise ReleaseError(str(error)) from None
    return tuple(c for c in CONFIGS if c in configs)


def check_output_dir(out: Path, overwrite: bool) -> None:
    """``out`` must be absent, empty, or (with ``overwrite``) an earlier release."""
    if out.exists() and not out.is_dir():
        raise ReleaseError(f"output path {str(out)!r} exists and is not a directory")
    if not out.is_dir() or not any(out.iterdir()):
        return
    if not overwrite:
        raise ReleaseError(f"output directory {str(out)!r} exists and is not empty; pass --overwrite to replace it")
    # --overwrite deletes the folder: only ever one that holds nothing but a release.
    foreign = sorted(p.name for p in out.iterdir() if p.name not in _RELEASE_ENTRIES and not p.name.endswith(".png"))
    if foreign or not (out / "README.md").is_file():
        raise ReleaseError(
            f"output directory {str(out)!r} does not look like a warp-ir-pairs release "
            f"(unexpected entries: {', '.join(foreign) or 'no README.md'}); refusing to overwrite it"
        )


def build_release(
    out: str | os.PathLike,
    num_examples: int,
    seed: int = 0,
    configs: Sequence[str] = CONFIGS,
    split_ratios: Sequence[float] = DEFAULT_RATIOS,
    categories: Sequence[str] | None = None,
    num_proc: int = 1,
    num_shards: int | None = None,
    overwrite: bool = False,
    command: str = "",
    verify: str = DEFAULT_VERIFY,
    cuda_arch: int = DEFAULT_CUDA_ARCH,
    drop_failed: bool = False,
) -> ReleaseSummary:
    """Build a release into ``out`` and return what was built."""
    from warp_ir_pairs import WarpIRPairs, WarpIRPairsConfig  # the builder script imports this package

    started = time.perf_counter()
    out = Path(out).absolute()
    configs = validate_configs(configs)
    if isinstance(num_proc, bool) or not isinstance(num_proc, int) or num_proc < 1:
        raise ReleaseError(f"num_proc {num_proc!r}: must be an integer >= 1")
    check_output_dir(out, overwrite)
    # Generate paired unless a single backend is all that was asked for.
    source_config = configs[0] if len(configs) == 1 else "paired"
    options = dict(
        seed=seed,
        num_examples=num_examples,
        split_ratios=tuple(split_ratios),
        categories=tuple(categories) if categories is not None else None,
        num_shards=num_shards,
        verify=verify,
        cuda_arch=cuda_arch,
    )
    try:
        WarpIRPairsConfig(name=source_config, **options)  # validates before anything is written
    except ValueError as error:
        raise ReleaseError(str(error)) from None
    staging = out.parent / f".{out.name}.partial-{os.getpid()}"
    _make_staging(staging, out)
    try:
        builder = WarpIRPairs(config_name=source_config, cache_dir=str(staging / ".cache"), **options)
        generating = time.perf_counter()
        try:
            builder.download_and_prepare(num_proc=num_proc if num_proc > 1 else None)
        except Exception as error:
            reason = _failure_reason(error)
            if reason is not None:
                raise ReleaseError(reason) from error
            raise
        seconds_generating = time.perf_counter() - generating
        uses_cuda = "cuda" in CONFIG_BACKENDS[source_config] and verify != "codegen"
        report = VerificationReport(verify, cuda_arch if uses_cuda else None, seconds=seconds_generating, num_proc=num_proc)
        tables, failed = {}, {}
        for split in builder.plan.splits:
            tables[split] = builder.as_dataset(split=split).data.table
            verifications = tables[split].column("verification").to_pylist()
            for verification in verifications:
                report.add(verification)
            failed[split] = pa.array([stage_failed(v) for v in verifications], pa.bool_())
        plan: Plan = builder.plan
        if drop_failed:
            tables, plan = _drop_failed(tables, failed, plan, report)
        files: dict[str, list[Path]] = {}
        split_bytes: dict[str, dict[str, int]] = {c: {} for c in configs}
        for split, table in tables.items():
            for config in configs:
                derived = derive_config(table, config)
                split_bytes[config][split] = derived.nbytes
                files.setdefault(config, []).extend(write_parquet(derived, staging / config, split))
        shutil.rmtree(staging / ".cache")
        table_files = release_table_files(staging)
        coverage = measure(table_files, plan.figures())
        lines = line_counts(table_files)
        write_plots(lines, staging / PLOTS_DIR)
        context = CardContext(plan, configs, split_bytes, files, command, coverage, report, distribution_table(lines))
        (staging / "README.md").write_text(render_card(context), encoding="utf-8")
        _move_into_place(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    files = {c: [out / p.relative_to(staging) for p in paths] for c, paths in files.items()}
    return ReleaseSummary(out, plan, configs, num_proc, seconds_generating, time.perf_counter() - started, report, files)


def _drop_failed(
    tables: dict[str, pa.Table], failed: dict[str, pa.Array], plan: Plan, report: VerificationReport
) -> tuple[dict[str, pa.Table], Plan]:
    """Tables without failed rows, and the plan without their kernels (the card counts what is kept)."""
    kept_tables, kept_splits = {}, {}
    for split, table in tables.items():
        report.dropped += pc.sum(failed[split]).as_py() or 0
        table = table.filter(pc.invert(failed[split]))
        if len(table):
            ids = set(table.column("id").to_pylist())
            kept_tables[split] = table
            kept_splits[split] = tuple(k for k in plan.splits[split] if k.id in ids)
    return kept_tables, replace(plan, splits=kept_splits)


def derive_config(table: pa.Table, config: str) -> pa.Table:
    """The rows of ``config`` from a table of any config that holds its backends."""
    schema = features(config).arrow_schema
    missing = [c for c in ir_columns(config) if c not in table.column_names]
    if missing:
        raise ValueError(f"table lacks columns {missing} needed for config {config!r}")
    table = table.select(schema.names)
    metadata = table.column("metadata").combine_chunks()
    children = {f.name: metadata.field(i) for i, f in enumerate(metadata.type)}
    children["device"] = pa.array([device_label(config)] * len(table), pa.string())
    metadata = pa.StructArray.from_arrays(list(children.values()), names=list(children))
    table = table.set_column(table.schema.get_field_index("metadata"), "metadata", metadata)
    backends = CONFIG_BACKENDS[config]
    if len(backends) == 1:
        table = table.set_column(table.schema.get_field_index("alignment"), "alignment", _alignment_of(table, backends[0]))
    return table.cast(schema)


def _alignment_of(table: pa.Table, backend: str) -> pa.ListArray:
    """The ``alignment`` lists with only ``backend``'s entries."""
    lists = table.column("alignment").combine_chunks()
    entries = lists.flatten()
    keep = pc.equal(entries.field("backend"), backend)
    parents = pc.filter(pc.list_parent_indices(lists), keep).to_numpy(zero_copy_only=False)
    counts = np.bincount(parents, minlength=len(lists)) if len(parents) else np.zeros(len(lists), dtype=np.int64)
    offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]).astype(np.int32))
    return pa.ListArray.from_arrays(offsets, pc.filter(entries, keep), type=lists.type)


def write_parquet(table: pa.Table, folder: Path, split: str) -> list[Path]:
    """Write ``folder/<split>-0000i-of-0000K.parquet`` files, K from the table's size."""
    folder.mkdir(parents=True, exist_ok=True)
    count = max(1, math.ceil(table.nbytes / MAX_FILE_BYTES))
    rows = math.ceil(len(table) / count)
    paths = []
    for i in range(count):
        path = folder / f"{split}-{i:05d}-of-{count:05d}.parquet"
        part = table.slice(i * rows, rows)
        with pq.ParquetWriter(path, table.schema, compression="zstd") as writer:
            # Page layout follows the Arrow chunks, which depend on how many processes built the
            # split: re-chunk each row group so the bytes depend on the rows alone.
            for start in range(0, len(part), ROW_GROUP_SIZE):
                writer.write_table(part.slice(start, ROW_GROUP_SIZE).combine_chunks(), row_group_size=ROW_GROUP_SIZE)
        paths.append(path)
    return paths


def _make_staging(staging: Path, out: Path) -> None:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir()
        probe = staging / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise ReleaseError(f"cannot write the release to {str(out)!r}: {error.strerror or error}") from None


def _move_into_place(staging: Path, out: Path) -> None:
    if out.exists():
        shutil.rmtree(out)
    staging.rename(out)


def _failure_reason(error: BaseException | None) -> str | None:
    """The message of a ``ShardFailed`` / ``PlanError`` behind ``error``, if one is.

    ``datasets`` wraps worker errors; from a worker process only the traceback text survives,
    so that text is searched for the exception's line too.
    """
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, (ShardFailed, PlanError)):
            return str(error)
        for line in str(error).splitlines():
            for kind in (ShardFailed, PlanError):
                prefix = f"{kind.__module__}.{kind.__name__}: "
                if line.startswith(prefix):
                    return line[len(prefix) :]
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None
