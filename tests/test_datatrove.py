"""build --executor datatrove-local: the local executor's release, from resumable datatrove tasks."""

from __future__ import annotations

import hashlib
import os
import pickle
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import datasets
import pytest
from conftest import run_cli as run

import generators
from builder.cli import main
from builder.errors import ReleaseError
from builder.executors.datatrove import (
    QuietLocalExecutor,
    build_with_datatrove,
    finish,
    prepare,
    read_task,
    shard_path,
    task_path,
)
from builder.plan.shards import split_shards
from builder.plan.splits import SPLITS
from builder.schema import CONFIGS

REPO = Path(__file__).resolve().parents[1]
# 200 kernels, seed 7: 138 / 39 / 23 over train / validation / test.
BUILD = ["--num-examples", "200", "--seed", "7", "--generator", "random"]
# A smaller build for the work-folder tests: 4 kernels per category, 46 / 23 / 23.
SMALL = dict(num_examples=92, seed=3, split_ratios=(0.5, 0.25, 0.25), num_shards=2)


def digests(release: Path) -> dict[str, str]:
    """sha256 of every parquet file and plot of a release, by path inside it."""
    files = [*release.rglob("*.parquet"), *release.rglob("*.png")]
    return {str(p.relative_to(release)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def card_without_timings(release: Path) -> list[str]:
    """README.md without the lines that carry the generation time (card.py: the verification report's
    "N kernels in X s, Y kernels/s" line and ``kernels_per_second`` in the YAML)."""
    lines = (release / "README.md").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if "kernels/s" not in line and "kernels_per_second" not in line]


@pytest.fixture(scope="module")
def local_release(tmp_path_factory) -> tuple[Path, list[str]]:
    """The local executor's release of BUILD, and the command line that built it."""
    argv = [
        "build",
        *BUILD,
        "--out",
        str(tmp_path_factory.mktemp("local") / "release"),
        "--num-proc",
        "2",
        "--executor",
        "local",
    ]
    assert main(argv) == 0
    return Path(argv[argv.index("--out") + 1]), argv


def test_datatrove_and_local_executors_write_the_same_release(tmp_path, capsys, local_release):
    local, local_argv = local_release
    out = tmp_path / "release"
    argv = ["build", *BUILD, "--out", str(out), "--num-proc", "2", "--num-shards", "3", "--executor", "datatrove-local"]
    started = time.perf_counter()
    code, stdout, _ = run(argv, capsys)
    seconds = time.perf_counter() - started
    assert code == 0
    assert stdout.splitlines()[0] == f"Built 200 kernels into {out}"
    assert any(
        line.startswith("generation: ") and "kernels/s with 2 process(es)" in line for line in stdout.splitlines()
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["release"]  # the work folder is gone
    mine, theirs = digests(out), digests(local)
    assert len(mine) == 11 and mine == theirs  # 3 configs x 3 splits, 2 plots
    for config in CONFIGS:
        ours = datasets.load_dataset(str(out), config, cache_dir=str(tmp_path / "cache"))
        reference = datasets.load_dataset(str(local), config, cache_dir=str(tmp_path / "cache"))
        assert {s: ours[s].num_rows for s in ours} == {"train": 138, "validation": 39, "test": 23}
        for split in SPLITS:
            assert ours[split].to_list() == reference[split].to_list(), (config, split)
    # The card records each command line; apart from it only the timings differ.
    local_command, command = shlex.join(["warp-ir-pairs", *local_argv]), shlex.join(["warp-ir-pairs", *argv])
    assert sum(local_command in line for line in card_without_timings(local)) == 1
    assert card_without_timings(out) == [line.replace(local_command, command) for line in card_without_timings(local)]
    print(f"datatrove-local build of 200 kernels, 9 tasks, 2 workers: {seconds:.1f} s")


def test_a_killed_build_resumes_without_redoing_finished_tasks(tmp_path, local_release):
    out, work = tmp_path / "release", tmp_path / ".release.work"
    command = [
        sys.executable,
        "-m",
        "builder.cli",
        "build",
        *BUILD,
        "--out",
        str(out),
        "--executor",
        "datatrove-local",
        "--num-proc",
        "1",
        "--num-shards",
        "5",
    ]
    tasks = 15  # 5 shards in each of 3 splits, 3 to 28 kernels each: the first takes over a second (Warp's import)
    completions = work / "logs" / "completions"
    build = subprocess.Popen(
        command, cwd=REPO, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while not (completions.is_dir() and len(list(completions.iterdir())) >= 3):
            assert build.poll() is None, f"the build ended (exit {build.returncode}) before a task completed"
            time.sleep(0.005)
    finally:
        os.killpg(build.pid, signal.SIGKILL)
        build.wait()
    done = sorted(int(p.name) for p in completions.iterdir())
    assert 3 <= len(done) < tasks
    assert not out.exists()
    finished = {rank: os.stat(shard_path(work, rank)) for rank in done}
    # Hard links keep the finished shards' inodes once the rerun removes the work folder.
    kept = tmp_path / "kept"
    kept.mkdir()
    for rank in done:
        os.link(shard_path(work, rank), kept / str(rank))
    rerun = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stderr.splitlines() == [f"resuming: {len(done)} of {tasks} tasks already complete in {work}"]
    assert not work.exists()
    card_written = (out / "README.md").stat().st_mtime_ns
    for rank, before in finished.items():
        after = os.stat(kept / str(rank))
        assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
        # A regenerated shard replaces the file (os.replace), unlinking this inode while tasks run;
        # a kept one loses its work-folder link only when the folder is removed, after the card.
        assert after.st_nlink == 1 and after.st_ctime_ns >= card_written, rank
    assert digests(out) == digests(local_release[0])
    print(f"killed after {len(done)} of {tasks} tasks; the rerun skipped them")


def test_prepare_numbers_tasks_across_splits_and_reuses_its_plan(tmp_path, monkeypatch):
    job = prepare(tmp_path / "release", **SMALL)
    assert job.work_dir == tmp_path / ".release.work" and job.logging_dir == str(job.work_dir / "logs")
    assert job.ranks == {"train": [0, 1], "validation": [2, 3], "test": [4, 5]} and job.tasks == 6
    stored = pickle.loads((job.work_dir / "plan.pkl").read_bytes())
    assert job.plan == stored
    shards = split_shards(stored, 2)
    for split, ranks in job.ranks.items():
        for rank, kernels in zip(ranks, shards[split], strict=False):
            assert read_task(task_path(job.work_dir, rank)) == (split, kernels)  # (seed, index) and figures, no spec
    plan_file = os.stat(job.work_dir / "plan.pkl")

    def no_planning(*args, **kwargs):
        raise AssertionError("planned again")

    monkeypatch.setattr("builder.executors.datatrove.make_plan", no_planning)
    again = prepare(tmp_path / "release", **SMALL)
    assert again.plan == job.plan and again.ranks == job.ranks
    assert (os.stat(job.work_dir / "plan.pkl").st_ino, os.stat(job.work_dir / "plan.pkl").st_mtime_ns) == (
        plan_file.st_ino,
        plan_file.st_mtime_ns,
    )


def test_a_work_folder_of_other_arguments_is_refused(tmp_path, capsys):
    out, work = tmp_path / "release", tmp_path / "work"
    prepare(out, **SMALL, work_dir=work)
    before = sorted(p.relative_to(work) for p in work.rglob("*"))
    args = [
        "build",
        "--out",
        str(out),
        "--num-examples",
        "92",
        "--seed",
        "4",
        "--split-ratios",
        "0.5,0.25,0.25",
        "--num-shards",
        "2",
    ]
    code, _, stderr = run([*args, "--executor", "datatrove-local", "--work-dir", str(work)], capsys)
    assert code == 1
    assert (
        stderr == f"warp-ir-pairs: error: work folder {str(work)!r} holds a build with other arguments (seed 3 -> 4); "
        "remove it to start this one\n"
    )
    assert sorted(p.relative_to(work) for p in work.rglob("*")) == before and not out.exists()


def test_a_folder_that_is_not_a_work_folder_is_left_alone(tmp_path, capsys):
    work = tmp_path / "mine"
    work.mkdir()
    (work / "notes.txt").write_text("mine")
    code, _, stderr = run(
        [
            "build",
            "--out",
            str(tmp_path / "release"),
            "--num-examples",
            "23",
            "--executor",
            "datatrove-local",
            "--work-dir",
            str(work),
        ],
        capsys,
    )
    assert code == 1
    assert stderr == (
        f"warp-ir-pairs: error: work folder {str(work)!r} exists and is not a warp-ir-pairs work folder (no "
        "build.json); "
        "remove it or choose another\n"
    )
    assert [p.name for p in work.iterdir()] == ["notes.txt"]


def test_finish_names_a_missing_shard_and_a_rerun_makes_it(tmp_path, capsys):
    out = tmp_path / "release"
    job = prepare(out, **SMALL, configs=["cpu"])
    QuietLocalExecutor(pipeline=[job.step], tasks=job.tasks, workers=1, logging_dir=job.logging_dir).run()
    completions = job.work_dir / "logs" / "completions"
    assert sorted(p.name for p in completions.iterdir()) == [f"{r:05d}" for r in range(6)]
    shard_path(job.work_dir, 3).unlink()
    with pytest.raises(ReleaseError) as error:
        finish(job)
    shards = job.work_dir / "shards"
    assert (
        str(error.value)
        == f"1 of 6 task(s) have no shard file in {str(shards)!r} (rank(s) 3); rerun the build to generate them"
    )
    assert not out.exists() and sorted(p.name for p in completions.iterdir()) == [
        "00000",
        "00001",
        "00002",
        "00004",
        "00005",
    ]
    capsys.readouterr()
    summary = build_with_datatrove(out, **SMALL, configs=["cpu"], num_proc=1)
    assert capsys.readouterr().err == f"resuming: 5 of 6 tasks already complete in {job.work_dir}\n"
    assert summary.num_kernels == 92 and summary.configs == ("cpu",)
    assert sorted(p.name for p in (out / "cpu").iterdir()) == [
        f"{s}-00000-of-00001.parquet" for s in ("test", "train", "validation")
    ]
    assert not job.work_dir.exists()


def test_work_dir_needs_the_datatrove_executor(tmp_path, capsys):
    code, _, stderr = run(
        ["build", "--out", str(tmp_path / "release"), "--num-examples", "20", "--work-dir", str(tmp_path / "work")],
        capsys,
    )
    assert code == 2
    assert stderr == "warp-ir-pairs: error: argument --work-dir: only with --executor datatrove-local\n"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args",
    [
        ["--verify", "compile", "--cuda-arch", "91"],
        ["--num-shards", "0"],
        ["--out", "{tmp}/file/release"],
        ["--out", "{tmp}/full"],
    ],
)
def test_both_executors_refuse_bad_arguments_with_the_same_line(tmp_path, capsys, args):
    (tmp_path / "file").write_text("")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    args = [
        "build",
        "--out",
        str(tmp_path / "release"),
        "--num-examples",
        "20",
        *[a.format(tmp=tmp_path) for a in args],
    ]
    local = run([*args, "--executor", "local"], capsys)
    datatrove = run([*args, "--executor", "datatrove-local"], capsys)
    assert local[0] != 0 and local[2].count("\n") == 1
    assert datatrove == local
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "full"]


def test_without_datatrove_the_executor_says_how_to_install_it(tmp_path, capsys, monkeypatch):
    # None in sys.modules makes an import fail as if the module were not installed.
    for name in ["datatrove", *(n for n in sys.modules if n.startswith("datatrove."))]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.delitem(sys.modules, "builder.executors.datatrove")
    code, _, stderr = run(
        ["build", "--out", str(tmp_path / "release"), "--num-examples", "20", "--executor", "datatrove-local"], capsys
    )
    assert code == 1 and stderr.count("\n") == 1
    assert stderr.startswith("warp-ir-pairs: error: --executor datatrove-local needs datatrove (")
    assert stderr.endswith('install it with: pip install -e ".[datatrove]"\n')
    assert list(tmp_path.iterdir()) == []


def test_a_plan_that_runs_dry_fails_alike_and_leaves_no_work_folder(tmp_path, capsys, monkeypatch):
    def broken(rng):
        raise ValueError("no kernel today")

    monkeypatch.setitem(generators.SYNTHESIZERS, "arithmetic", broken)
    args = [
        "build",
        "--out",
        str(tmp_path / "release"),
        "--num-examples",
        "1",
        "--generator",
        "random",
        "--categories",
        "arithmetic",
    ]
    local = run([*args, "--executor", "local"], capsys)
    datatrove = run([*args, "--executor", "datatrove-local"], capsys)
    last_line = (
        "warp-ir-pairs: error: category 'arithmetic' reached 0 of 1 structurally distinct kernels in 220 draws "
        "(seed 0); ask for fewer kernels or more categories"
    )
    assert local[0] == datatrove[0] == 1
    assert local[2].splitlines()[-1] == datatrove[2].splitlines()[-1] == last_line
    assert list(tmp_path.iterdir()) == []


def test_the_step_survives_the_slurm_executors_pickle(tmp_path):
    """The module docstring's Slurm executor, pickled the way its launch_job does (not submitted)."""
    import dill
    from datatrove.executor.slurm import SlurmPipelineExecutor

    job = prepare(tmp_path / "release", **SMALL, configs=["cuda"])
    executor = SlurmPipelineExecutor(
        pipeline=[job.step],
        tasks=job.tasks,
        logging_dir=job.logging_dir,
        partition="cpu",
        time="01:00:00",
        cpus_per_task=1,
        job_name="warp-ir-pairs",
    )
    (step,) = dill.loads(dill.dumps(executor, fmode=dill.CONTENTS_FMODE)).pipeline
    assert (step.work_dir, step.config, step.verify) == (str(job.work_dir), "cuda", "codegen")
    for rank in range(job.tasks):
        step(None, rank, job.tasks)
    summary = finish(job)
    assert summary.num_kernels == 92 and sorted(summary.files) == ["cuda"]
    assert not job.work_dir.exists()
