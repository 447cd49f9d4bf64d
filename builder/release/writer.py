"""A release: parquet per config and split, plus a dataset card, built through ``WarpIRPairs``
(or through datatrove tasks, ``builder.executors.datatrove``, from the same plan and shards).

``paired`` is generated once (one code-generation pass per kernel); ``cpu`` and ``cuda`` are
derived from it by selecting columns, so all configs hold the same kernels in the same splits.
Everything is written to a staging folder beside the target and moved into place only when
complete: a failed or interrupted build leaves no partial release.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from builder import interrupts
from builder.bounds import cap_num_proc
from builder.errors import ReleaseError, known_failure
from builder.options import BuildOptions
from builder.plan.planner import Plan
from builder.release.card import CardContext, render_card
from builder.release.checksums import write_checksums
from builder.release.layout import CARD, PLOTS_DIR, TABLE_CONFIGS, parquet_name
from builder.release.limitations import LimitsSample, content_hash, read_sample
from builder.release.output import check_output_dir, claim_output, move_into_place, staging_folder
from builder.release.plots import LineCounter, distribution_table, write_plots
from builder.release.stats import CoverageCounter
from builder.schema import CONFIG_BACKENDS, device_label, features, ir_columns
from builder.verify.levels import VerificationReport, stage_failed

# Uncompressed Arrow bytes per parquet file; larger splits are cut into several files.
MAX_FILE_BYTES = 512 * 1024 * 1024
# Rows per parquet row group: streaming's reshard() makes one shard per row group, so small groups
# let several DataLoader workers share a split (about 1.3 MB of Arrow data per group).
ROW_GROUP_SIZE = 100
# The datasets builder's cache inside the staging folder of a local build.
_CACHE_DIR = ".cache"


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


@dataclass(frozen=True)
class Target:
    """Where a release goes: ``out`` (absolute), whether it may replace an earlier release, and the
    command the card names as the one that built it."""

    out: Path
    overwrite: bool = False
    command: str = ""

    @classmethod
    def checked(cls, out: str | os.PathLike, overwrite: bool = False, command: str = "") -> Target:
        """The target of ``out``; ``ReleaseError`` unless it is absent, empty or (``overwrite``) a release."""
        target = cls(Path(out).absolute(), overwrite, command)
        check_output_dir(target.out, overwrite)
        return target


def build_release(
    out: str | os.PathLike,
    options: BuildOptions | None = None,
    *,
    overwrite: bool = False,
    command: str = "",
    **option_values: Any,
) -> ReleaseSummary:
    """Build a release of ``options`` into ``out`` through the ``datasets`` builder and return what was built.

    Without ``options``, ``option_values`` are ``BuildOptions``' keywords. Every check runs before
    a folder is made.
    """
    from warp_ir_pairs import WarpIRPairs  # the builder script imports this package

    started = time.perf_counter()
    options = options if options is not None else BuildOptions(**option_values)
    options = replace(options, num_proc=cap_num_proc(options.num_proc, options.num_examples))
    with claim_output(out):
        target = Target.checked(out, overwrite, command)
        return _build(WarpIRPairs, options, target, started)


def _build(builder_class, options: BuildOptions, target: Target, started: float) -> ReleaseSummary:
    with staging_folder(target.out) as staging:
        cache_dir = str(staging / _CACHE_DIR)
        # The writer leaves failed rows out itself (drop_failed), so that it can count them.
        row_options = {**options.row_options(), "drop_failed": False}
        builder = builder_class(config_name=options.source_config, cache_dir=cache_dir, **row_options)
        generating = time.perf_counter()
        with failures_as_release_errors():
            builder.download_and_prepare(num_proc=options.num_proc if options.num_proc > 1 else None)
        seconds_generating = time.perf_counter() - generating
        sources = {split: cache_batches(split_cache_files(builder, split)) for split in builder.plan.splits}
        return complete_release(
            options,
            target,
            staging=staging,
            plan=builder.plan,
            sources=sources,
            seconds_generating=seconds_generating,
            started=started,
        )


@contextmanager
def failures_as_release_errors() -> Iterator[None]:
    """Generation errors with a known reason (``ShardFailed``, ``PlanError``) raised as one-line ``ReleaseError``s."""
    try:
        yield
    except Exception as error:
        reason = known_failure(error)
        if reason is not None:
            raise ReleaseError(reason) from error
        raise


def complete_release(
    options: BuildOptions,
    target: Target,
    *,
    staging: Path,
    plan: Plan,
    sources: dict[str, Iterable[pa.RecordBatch]],
    seconds_generating: float,
    started: float,
) -> ReleaseSummary:
    """Write the release of the generated ``sources`` into ``staging``, move it to ``target.out`` and summarize it.

    ``started`` is the ``time.perf_counter()`` of the build's start.
    """
    plan, report, files = write_release(
        staging, plan, sources, options=options, command=target.command, seconds_generating=seconds_generating
    )
    shutil.rmtree(staging / _CACHE_DIR, ignore_errors=True)  # the datasets builder's cache, when it made one
    write_checksums(staging)
    move_into_place(staging, target.out, target.overwrite)
    files = {c: [target.out / p.relative_to(staging) for p in paths] for c, paths in files.items()}
    seconds_total = time.perf_counter() - started
    return ReleaseSummary(
        target.out, plan, options.configs, options.num_proc, seconds_generating, seconds_total, report, files
    )


def split_cache_files(builder, split: str) -> list[str]:
    """The Arrow cache files ``builder.download_and_prepare()`` wrote for ``split``, in order.

    Named as ``datasets`` names them, rather than read from ``builder.as_dataset(split).cache_files``:
    a ``Dataset`` maps its files and keeps objects for every record batch of them, about 2 kB a
    row, which at 100,000 kernels held 150 MB in the process that writes the release.
    """
    from datasets.naming import filenames_for_dataset_split

    if split not in builder.info.splits:
        raise ReleaseError(f"the datasets cache holds no {split} split (it holds {', '.join(builder.info.splits)})")
    info = builder.info.splits[split]
    files = filenames_for_dataset_split(
        builder.cache_dir, builder.dataset_name, split, filetype_suffix="arrow", shard_lengths=info.shard_lengths
    )
    missing = [f for f in files if not os.path.isfile(f)]
    if missing:
        raise ReleaseError(f"the {split} split's Arrow cache file {missing[0]} is missing: the datasets cache changed")
    return files


def cache_batches(files: Iterable[str]) -> Iterator[pa.RecordBatch]:
    """The record batches of a built split, read from its Arrow cache ``files`` in order.

    Read as streams rather than memory-mapped, so pages already written out do not stay in the
    process's resident memory however large the split is.
    """
    for path in files:
        with pa.OSFile(path) as source:
            yield from pa.ipc.open_stream(source)


def write_release(
    staging: Path,
    plan: Plan,
    sources: dict[str, Iterable[pa.RecordBatch]],
    *,
    options: BuildOptions,
    command: str,
    seconds_generating: float,
) -> tuple[Plan, VerificationReport, dict[str, list[Path]]]:
    """Write every config's parquet files, the plots and the card into ``staging``.

    ``sources`` holds, per split, the generated rows (any config that has every backend of
    ``options.configs``) in plan order. Each batch is read once and written to every config, so memory
    stays at a few row groups whatever the release's size. Returns the plan of the rows kept
    (``drop_failed`` leaves failed ones out), the verification report and the files per config.
    """
    configs, drop_failed, num_proc = options.configs, options.drop_failed, options.num_proc
    report = VerificationReport(options.verify, options.report_arch, seconds=seconds_generating, num_proc=num_proc)
    files: dict[str, list[Path]] = {c: [] for c in configs}
    split_bytes: dict[str, dict[str, int]] = {c: {} for c in configs}  # config -> split -> Arrow bytes
    kept: dict[str, list] = {}  # split -> the planned kernels of the rows written
    measured = next(c for c in TABLE_CONFIGS if c in configs)  # the files `warp-ir-pairs stats` reads
    names = features(measured).arrow_schema.names
    coverage_counter, line_counter = CoverageCounter(), LineCounter(names)
    # The card's sample is measured as it is written, unless dropped rows leave its size unknown until the end.
    sample = None if drop_failed else LimitsSample(names, sum(map(len, plan.splits.values())))
    # Parquet encoding releases the GIL: given more than one process, it runs in a thread beside
    # the Python-side counting of the same rows instead of before it.
    with ThreadPoolExecutor(max_workers=1) if num_proc > 1 else nullcontext() as background:
        for split, batches in sources.items():
            writers = {c: SplitFiles(staging / c, split, features(c).arrow_schema) for c in configs}
            kept[split] = []
            planned = iter(plan.splits[split])  # rows come in plan order, less any dropped ones
            for group in row_groups(_verified(batches, report, drop_failed), ROW_GROUP_SIZE):
                interrupts.check()
                kernels = [next(k for k in planned if k.id == i) for i in group.column("id").to_pylist()]
                kept[split].extend(kernels)
                derived = {c: derive_config(group, c) for c in configs}
                writing = (
                    background.submit(_write_group, writers, derived) if background else _write_group(writers, derived)
                )
                coverage_counter.add(derived[measured], [k.constructs for k in kernels])
                line_counter.add(derived[measured])
                if sample is not None and (picked := sample.advance(group.num_rows)):
                    sample.add(derived[measured], picked)
                if background:
                    writing.result()
                # The allocator would keep freed group buffers: 100s of MB at 100,000 kernels.
                pa.default_memory_pool().release_unused()
            for config, writer in writers.items():
                split_bytes[config][split] = writer.total_bytes
                files[config].extend(writer.close())
    if drop_failed:
        plan = replace(plan, splits={s: tuple(k) for s, k in kept.items() if k})
    coverage, lines = coverage_counter.result(plan.figures()), line_counter.result()
    if sample is None:  # rows were dropped: the sample is read back from the files
        sample = read_sample(files[measured])
    limits = sample.result(num_proc=num_proc, meanwhile=lambda: write_plots(lines, staging / PLOTS_DIR))
    split_bytes = {c: {s: n for s, n in b.items() if s in plan.splits} for c, b in split_bytes.items()}
    context = CardContext(
        plan,
        tuple(configs),
        split_bytes,
        files,
        command,
        coverage,
        report,
        distribution_table(lines),
        limits,
        content_hash([p for paths in files.values() for p in paths]),
    )
    (staging / CARD).write_text(render_card(context), encoding="utf-8")
    return plan, report, files


def _write_group(writers: dict[str, SplitFiles], derived: dict[str, pa.Table]) -> None:
    for config, writer in writers.items():
        writer.write(derived[config])


def _verified(
    batches: Iterable[pa.RecordBatch], report: VerificationReport, drop_failed: bool
) -> Iterator[pa.RecordBatch]:
    """``batches`` with every row counted in ``report``; with ``drop_failed``, without failed rows."""
    for batch in batches:
        verifications = batch.column(batch.schema.get_field_index("verification")).to_pylist()
        for verification in verifications:
            report.add(verification)
        if drop_failed:
            failed = [stage_failed(v) for v in verifications]
            report.dropped += sum(failed)
            batch = batch.filter(pc.invert(pa.array(failed, pa.bool_())))
        if batch.num_rows:
            yield batch


def row_groups(batches: Iterable[pa.RecordBatch], size: int) -> Iterator[pa.Table]:
    """The rows of ``batches`` regrouped into single-chunk tables of ``size`` rows (the last may be shorter).

    Parquet pages follow the Arrow chunks, and chunks depend on how many processes built a
    split: regrouping makes the file bytes depend on the rows alone.
    """
    pending: list[pa.RecordBatch] = []
    count = 0
    for batch in batches:
        while batch.num_rows:
            take = min(size - count, batch.num_rows)
            pending.append(batch.slice(0, take))
            count += take
            batch = batch.slice(take)
            if count == size:
                yield _fresh_table(pending)
                pending, count = [], 0
    if count:
        yield _fresh_table(pending)


def _fresh_table(batches: list[pa.RecordBatch]) -> pa.Table:
    """``batches`` as one table whose columns are concatenated into new buffers.

    New buffers make the layout, and so ``nbytes`` (the card's split sizes), depend on the values
    alone: a column read from parquet carries a validity bitmap even without nulls, one that
    ``datasets`` wrote does not, and a slice keeps the buffers of the batch it was cut from.
    """
    table = pa.Table.from_batches(batches)
    return pa.Table.from_arrays([pa.concat_arrays(column.chunks) for column in table.columns], schema=table.schema)


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
        table = table.set_column(
            table.schema.get_field_index("alignment"), "alignment", _alignment_of(table, backends[0])
        )
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


class SplitFiles:
    """The parquet files of one config and split, written row group by row group.

    A new file starts once ``MAX_FILE_BYTES`` of Arrow data went into the current one; the files
    are named ``<split>-0000i-of-0000K.parquet`` when the split is complete and K is known.
    """

    def __init__(self, folder: Path, split: str, schema: pa.Schema) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder, self.split, self.schema = folder, split, schema
        self.paths: list[Path] = []
        self.writer: pq.ParquetWriter | None = None
        self.file_bytes = 0
        self.total_bytes = 0

    def write(self, group: pa.Table) -> None:
        if self.writer is None or self.file_bytes >= MAX_FILE_BYTES:
            self._next_file()
        self.writer.write_table(group, row_group_size=ROW_GROUP_SIZE)
        self.file_bytes += group.nbytes
        self.total_bytes += group.nbytes

    def close(self) -> list[Path]:
        if self.writer is None:  # no rows (every one dropped): no file
            return []
        self.writer.close()
        count = len(self.paths)
        named = [self.folder / parquet_name(self.split, i, count) for i in range(count)]
        for path, name in zip(self.paths, named, strict=False):
            path.rename(name)
        return named

    def _next_file(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.paths.append(self.folder / f".{self.split}-{len(self.paths):05d}.parquet.partial")
        self.writer = pq.ParquetWriter(self.paths[-1], self.schema, compression="zstd")
        self.file_bytes = 0
