"""A release built by datatrove tasks: one task per shard of the plan, then the same release.

``warp-ir-pairs build --executor datatrove-local`` runs it all on this machine
(``build_with_datatrove``). The three pieces also run apart, so datatrove's cluster executors can
run the tasks: ``prepare`` checks the arguments (``build_release``'s), plans and writes the work
folder; an executor runs ``job.step`` as ``job.tasks`` tasks, each writing one shard file;
``finish`` writes the release from the shard files and removes the work folder. Every task must
reach the work folder (default: ``.<out name>.work`` beside ``out``), so put ``out`` on a shared
filesystem. Datatrove marks finished tasks in ``job.logging_dir``; running the executor again runs
only the others, and ``prepare`` with the same arguments returns the same job from the stored plan.

On Slurm (``SlurmPipelineExecutor``: ``run()`` submits job arrays and returns; the tasks need the
project installed where ``venv_path`` points) or Ray (``RayPipelineExecutor``: ``run()`` returns
once every task has run or failed), pass ``job.step``, ``job.tasks`` and ``job.logging_dir`` to
the executor, then call ``finish(job)``: docs/building.md has both scripts.

A task that fails (a kernel Warp cannot generate: see its log in ``job.logging_dir``/logs) writes
no shard file; ``finish`` names the tasks without one, and running the executor again runs them.
"""

from __future__ import annotations

import itertools
import json
import os
import pickle
import shutil
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from datatrove.executor.local import LocalPipelineExecutor
from datatrove.pipeline.base import PipelineStep
from datatrove.utils.logging import logger as datatrove_logger
from datatrove.utils.logging import setup_default_logger
from datatrove.utils.stats import PipelineStats

from builder.codegen.rows import generate_rows
from builder.errors import ReleaseError
from builder.executors.timing import RunTimes
from builder.options import BuildOptions
from builder.plan.planner import Plan, PlannedKernel, make_plan
from builder.plan.shards import split_shards
from builder.plan.splits import SPLITS
from builder.release.output import check_output_dir, check_writable, claim_output, staging_folder
from builder.release.writer import (
    ROW_GROUP_SIZE,
    ReleaseSummary,
    Target,
    complete_release,
    failures_as_release_errors,
)
from builder.schema import features
from generators import GENERATOR_VERSION

# The work folder: the build's arguments, its plan, one task file per rank, the tasks' shard files
# and datatrove's logging folder (completions/, logs/, stats/).
FINGERPRINT_FILE = "build.json"
PLAN_FILE = "plan.pkl"
TASKS_DIR = "tasks"
SHARDS_DIR = "shards"
LOGS_DIR = "logs"
# Ranks a missing-shard error lists before it says how many more there are.
_LISTED_RANKS = 10


class GenerateShard(PipelineStep):
    """Task ``rank``: generate the rows of its shard and write them to ``shards/<rank>.parquet``.

    Holds only paths and names, so executors that pickle it (Slurm, Ray) send little; each task
    reads its kernels, as (seed, index) and what the plan knows of them, from its own task file
    and synthesizes them again. Warp is imported by the first kernel generated.
    """

    name = "generate shard"
    type = "warp-ir-pairs"

    def __init__(self, work_dir: str, config: str, verify: str, cuda_arch: int, corpus=None, ir_source=True) -> None:
        super().__init__()
        self.work_dir, self.config, self.verify, self.cuda_arch = work_dir, config, verify, cuda_arch
        self.corpus = corpus  # mutants: the real releases they are made from
        self.ir_source = ir_source

    def run(self, data: Any = None, rank: int = 0, world_size: int = 1) -> None:
        work = Path(self.work_dir)
        _, kernels = read_task(task_path(work, rank))
        target = shard_path(work, rank)
        # Written under another name and renamed when complete: a killed task leaves no file that looks done.
        partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with self.track_time(unit="shard"):
                self._write(kernels, partial)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)

    def _write(self, kernels: tuple[PlannedKernel, ...], path: Path) -> None:
        """Generate the rows of ``kernels`` into the parquet file ``path``; ``ShardFailed`` if Warp fails any."""
        schema = features(self.config)
        if self.corpus:  # a task process may not have inherited the corpus's mutant source
            from generators.mutate.sources import mutant_source

            mutant_source(self.corpus)
        rows = generate_rows(
            kernels, self.config, verify_level=self.verify, cuda_arch=self.cuda_arch, ir_source=self.ir_source
        )
        with pq.ParquetWriter(path, schema.arrow_schema) as writer:
            while group := list(itertools.islice(rows, ROW_GROUP_SIZE)):
                writer.write_table(
                    pa.Table.from_pylist([schema.encode_example(row) for row in group], schema=schema.arrow_schema)
                )
                self.stat_update("kernels", value=len(group), unit="shard")


@dataclass(frozen=True)
class Job:
    """A prepared build: what an executor takes (``step``, ``tasks``, ``logging_dir``) and what ``finish`` reads."""

    options: BuildOptions
    target: Target  # checked
    work_dir: Path
    plan: Plan
    ranks: dict[str, list[int]]  # split -> the ranks of its shards, in plan order
    started: float = field(default_factory=time.perf_counter)

    @property
    def tasks(self) -> int:
        return sum(len(r) for r in self.ranks.values())

    @property
    def logging_dir(self) -> str:
        return str(self.work_dir / LOGS_DIR)

    @property
    def step(self) -> GenerateShard:
        options = self.options
        return GenerateShard(
            str(self.work_dir),
            options.source_config,
            options.verify,
            options.cuda_arch,
            options.corpus,
            options.ir_source,
        )

    def missing_shards(self) -> list[int]:
        """Ranks whose shard file is not there (yet)."""
        return [rank for rank in range(self.tasks) if not shard_path(self.work_dir, rank).is_file()]


def default_work_dir(out: Path) -> Path:
    """``.<out name>.work`` beside ``out``."""
    return out.parent / f".{out.name}.work"


def task_path(work: Path, rank: int) -> Path:
    return work / TASKS_DIR / f"{rank:05d}.json"


def task_text(split: str, kernels: tuple[PlannedKernel, ...]) -> str:
    """A task file: the split and each planned kernel's fields (seed, index, hash ...), as JSON."""
    return json.dumps({"split": split, "kernels": [[getattr(k, f.name) for f in fields(k)] for k in kernels]})


def read_task(path: Path) -> tuple[str, tuple[PlannedKernel, ...]]:
    """The split and the planned kernels of a task file (``task_text``)."""
    task = json.loads(path.read_text(encoding="utf-8"))
    names = [f.name for f in fields(PlannedKernel)]
    return task["split"], tuple(
        PlannedKernel(**{n: tuple(v) if isinstance(v, list) else v for n, v in zip(names, values, strict=True)})
        for values in task["kernels"]
    )


def shard_path(work: Path, rank: int) -> Path:
    return work / SHARDS_DIR / f"{rank:05d}.parquet"


def prepare(
    out: str | os.PathLike,
    options: BuildOptions | None = None,
    *,
    work_dir: str | os.PathLike | None = None,
    overwrite: bool = False,
    command: str = "",
    **option_values: Any,
) -> Job:
    """Check the arguments, plan, and write the plan and one task file per shard into the work folder.

    The arguments are ``build_release``'s, checked the same way (the same errors). The work
    folder defaults to ``default_work_dir(out)``. Called again with the same arguments, it reuses
    the stored plan; a work folder of other arguments is refused.
    """
    options = options if options is not None else BuildOptions(**option_values)
    with claim_output(out):
        return _prepare(options, Target.checked(out, overwrite, command), work_dir)


def _prepare(options: BuildOptions, target: Target, work_dir: str | os.PathLike | None) -> Job:
    check_writable(target.out)  # now, not after the tasks ran
    work = Path(work_dir).absolute() if work_dir is not None else default_work_dir(target.out)
    fingerprint = _fingerprint(options)
    _check_work_dir(work, fingerprint)
    plan = _stored_plan(work) or _new_plan(work, options, fingerprint)
    ranks = _write_tasks(work, split_shards(plan, options.num_shards))
    return Job(options, target, work, plan, ranks)


def finish(job: Job, seconds_generating: float = 0.0) -> ReleaseSummary:
    """Write the release from the tasks' shard files into ``job.build.out``, then remove the work folder.

    ``seconds_generating`` (the tasks' wall time, when known) gives the card's kernels/s.
    """
    missing = job.missing_shards()
    if missing:
        # A rank marked complete whose file is gone would be skipped by a rerun: unmark it.
        for rank in missing:
            (job.work_dir / LOGS_DIR / "completions" / f"{rank:05d}").unlink(missing_ok=True)
        listed = ", ".join(map(str, missing[:_LISTED_RANKS])) + (
            f" and {len(missing) - _LISTED_RANKS} more" if len(missing) > _LISTED_RANKS else ""
        )
        raise ReleaseError(
            f"{len(missing)} of {job.tasks} task(s) have no shard file in {str(job.work_dir / SHARDS_DIR)!r} "
            f"(rank(s) {listed}); rerun the build to generate them"
        )
    with claim_output(job.target.out):
        check_output_dir(job.target.out, job.target.overwrite)
        sources = {split: _shard_batches(job.work_dir, ranks) for split, ranks in job.ranks.items()}
        with staging_folder(job.target.out) as staging:
            summary = complete_release(
                job.options,
                job.target,
                staging=staging,
                plan=job.plan,
                sources=sources,
                seconds_generating=seconds_generating,
                started=job.started,
            )
    shutil.rmtree(job.work_dir)
    return summary


def build_with_datatrove(
    out: str | os.PathLike,
    options: BuildOptions | None = None,
    *,
    work_dir: str | os.PathLike | None = None,
    overwrite: bool = False,
    command: str = "",
    **option_values: Any,
) -> ReleaseSummary:
    """``build_release`` through datatrove's local executor: ``num_proc`` tasks at a time, resumable after a kill.

    The arguments are ``prepare``'s. Tasks a killed or failed run finished are not run again; the
    card's generation time sums every run's (``RunTimes``). ``out`` stays locked throughout.
    """
    with claim_output(out):
        job = prepare(out, options, work_dir=work_dir, overwrite=overwrite, command=command, **option_values)
        return _run(job)


def _run(job: Job) -> ReleaseSummary:
    executor = QuietLocalExecutor(
        pipeline=[job.step], tasks=job.tasks, logging_dir=job.logging_dir, skip_completed=True
    )
    remaining = len(executor.get_incomplete_ranks())
    executor.workers = max(1, min(job.options.num_proc, remaining))  # no idle worker processes to start
    done = job.tasks - remaining
    if done:
        print(f"resuming: {done} of {job.tasks} tasks already complete in {job.work_dir}", file=sys.stderr)
    times = RunTimes(job.work_dir)
    times.start()
    try:
        _console_warnings_only()
        with failures_as_release_errors():
            executor.run()
    finally:
        times.end()
        setup_default_logger()
    return finish(job, times.total())


class QuietLocalExecutor(LocalPipelineExecutor):
    """``LocalPipelineExecutor`` whose console shows warnings and errors only; each task's log file keeps every line."""

    def _run_for_rank(self, rank: int, local_rank: int = 0, node_rank: int = -1) -> PipelineStats:
        # datatrove logs a task's INFO lines to the console only for local_rank 0 (the rest log ERROR
        # and above there), and to the task's log file whatever local_rank is; local_rank does nothing else.
        _console_warnings_only()
        try:
            return super()._run_for_rank(rank, max(local_rank, 1), node_rank)
        finally:
            _console_warnings_only()  # datatrove puts its DEBUG console back after each task


def _console_warnings_only() -> None:
    datatrove_logger.remove()
    datatrove_logger.add(sys.stderr, level="WARNING", format="datatrove: {level}: {message}")


# Row options the shard files do not depend on: rows are dropped, and real kernels read, after the tasks.
_NOT_IN_SHARDS = ("drop_failed", "real_paths", "real_timeout")


def _fingerprint(options: BuildOptions) -> dict:
    """What the plan and the shard files depend on, as stored in JSON."""
    shards = {name: value for name, value in options.row_options().items() if name not in _NOT_IN_SHARDS}
    versions = {"warp_version": version("warp-lang"), "generator_version": GENERATOR_VERSION}
    return json.loads(json.dumps({"config": options.source_config, **shards, **versions}))


def _check_work_dir(work: Path, fingerprint: dict) -> None:
    """Refuse ``work`` unless it is absent, empty, or the work folder of these arguments."""
    stored = work / FINGERPRINT_FILE
    if stored.is_file():
        previous = json.loads(stored.read_text(encoding="utf-8"))
        if previous != fingerprint:
            changed = ", ".join(
                f"{key} {previous.get(key)!r} -> {value!r}"
                for key, value in fingerprint.items()
                if previous.get(key) != value
            )
            raise ReleaseError(
                f"work folder {str(work)!r} holds a build with other arguments ({changed}); remove it to start this one"
            )
    elif work.exists() and (not work.is_dir() or any(work.iterdir())):
        raise ReleaseError(
            f"work folder {str(work)!r} exists and is not a warp-ir-pairs work folder (no {FINGERPRINT_FILE}); remove "
            "it or choose another"
        )


def _stored_plan(work: Path) -> Plan | None:
    path = work / PLAN_FILE
    return _read_pickle(path) if path.is_file() else None


def _new_plan(work: Path, options: BuildOptions, fingerprint: dict) -> Plan:
    """Plan, then write the fingerprint and the plan.

    A plan that fails leaves no work folder to refuse a corrected rerun.
    """
    with failures_as_release_errors():
        plan = make_plan(
            options.seed,
            options.num_examples,
            options.categories,
            split_ratios=options.split_ratios,
            num_proc=options.num_proc,
            generator=options.generator,
            corpus=options.corpus,
        )
    try:
        _write_atomically(work / FINGERPRINT_FILE, json.dumps(fingerprint, indent=2).encode())
        _write_atomically(work / PLAN_FILE, pickle.dumps(plan))
    except OSError as error:
        raise ReleaseError(f"cannot write the work folder {str(work)!r}: {error.strerror or error}") from None
    return plan


def _write_tasks(work: Path, shards: dict[str, list[tuple[PlannedKernel, ...]]]) -> dict[str, list[int]]:
    """Write each shard's task file (those not written yet); the ranks of each split's shards.

    Ranks run across the splits in SPLITS order, then shard order.
    """
    numbers = itertools.count()
    ranks = {split: [next(numbers) for _ in shards[split]] for split in SPLITS if split in shards}
    for split, split_ranks in ranks.items():
        for rank, kernels in zip(split_ranks, shards[split], strict=False):
            if not task_path(work, rank).is_file():
                _write_atomically(task_path(work, rank), task_text(split, kernels).encode())
    return ranks


def _shard_batches(work: Path, ranks: Iterable[int]) -> Iterator[pa.RecordBatch]:
    """The rows of the shard files of ``ranks``, in order, a row group at a time."""
    for rank in ranks:
        yield from pq.ParquetFile(shard_path(work, rank)).iter_batches(batch_size=ROW_GROUP_SIZE)


def _read_pickle(path: Path) -> Any:
    with path.open("rb") as file:
        return pickle.load(file)


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_bytes(data)
    os.replace(partial, path)
