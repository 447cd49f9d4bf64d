"""The warp-ir-pairs command: bad input, failures and the summary."""

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli as run

import generators
from generators import KernelSpec

BROKEN = "@wp.kernel\ndef broken(a: wp.array(dtype=float)):\n    tid = wp.tid()\n    a[tid] = a[tid] + 1\n"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--configs", "cpu,metal"], "unknown config 'metal'; allowed: cpu, cuda, paired"),
        (
            ["--generator", "random", "--categories", "vector,tensor"],
            "unknown category 'tensor'; allowed: arithmetic, vector",
        ),
        (["--num-examples", "0"], "argument --num-examples: '0': must be an integer >= 1"),
        (["--num-examples", "-3"], "argument --num-examples: '-3': must be an integer >= 1"),
        (["--num-examples", "many"], "argument --num-examples: 'many' is not an integer"),
        (
            ["--split-ratios", "0.7,0.2,0.2"],
            "argument --split-ratios: '0.7,0.2,0.2': split ratios [0.7, 0.2, 0.2] sum to 1.1",
        ),
        (["--split-ratios", "1.2,-0.1,-0.1"], "each must be a finite number >= 0"),
        (["--num-proc", "0"], "argument --num-proc: '0': must be an integer >= 1"),
        (["--verify", "run"], "argument --verify: invalid choice: 'run' (choose from "),
        (
            ["--verify", "compile", "--cuda-arch", "91"],
            "cuda_arch 91: not a CUDA architecture NVRTC supports; allowed: 75, 80, 86, 87, 88, 89, 90,",
        ),
        (["--cuda-arch", "sm90"], "argument --cuda-arch: 'sm90' is not an integer"),
    ],
)
def test_bad_arguments_exit_nonzero_with_one_line_and_write_nothing(tmp_path, capsys, args, message):
    out = tmp_path / "rel"
    code, stdout, stderr = run(["build", "--out", str(out), "--num-examples", "20", *args], capsys)
    assert code != 0
    assert stderr.count("\n") == 1 and message in stderr, stderr
    assert list(tmp_path.iterdir()) == []


def test_a_non_empty_output_directory_needs_overwrite(tmp_path, capsys):
    out = tmp_path / "rel"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    code, _, stderr = run(["build", "--out", str(out), "--num-examples", "20"], capsys)
    assert code == 1
    assert (
        stderr == f"warp-ir-pairs: error: output directory {str(out)!r} exists and is not empty; "
        "pass --overwrite to replace it\n"
    )
    code, _, stderr = run(["build", "--out", str(out), "--num-examples", "20", "--overwrite"], capsys)
    assert code == 1 and "does not look like a warp-ir-pairs release (unexpected entries: notes.txt)" in stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rel"] and (out / "notes.txt").read_text() == "mine"


def test_an_unwritable_path_is_reported(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _, stderr = run(["build", "--out", str(blocker / "rel"), "--num-examples", "20"], capsys)
    assert code == 1
    assert stderr.startswith(f"warp-ir-pairs: error: cannot write the release to {str(blocker / 'rel')!r}: ")
    assert stderr.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


@pytest.mark.parametrize("num_proc", ["1", "2"])  # in-process, and in datasets' worker processes
def test_a_kernel_that_fails_code_generation_stops_the_build_and_leaves_nothing(
    tmp_path, capsys, monkeypatch, num_proc
):
    real = generators.SYNTHESIZERS["arithmetic"]

    def sometimes_broken(rng):
        return KernelSpec("broken", "arithmetic", "broken", BROKEN) if rng.random() < 0.5 else real(rng)

    monkeypatch.setitem(generators.SYNTHESIZERS, "arithmetic", sometimes_broken)
    out = tmp_path / "rel"
    code, _, stderr = run(
        [
            "build",
            "--out",
            str(out),
            "--num-examples",
            "12",
            "--generator",
            "random",
            "--categories",
            "arithmetic",
            "--num-proc",
            num_proc,
        ],
        capsys,
    )
    assert code == 1
    error = stderr.strip().splitlines()[-1]
    assert error.startswith("warp-ir-pairs: error: ") and "kernel(s) failed code generation (codegen " in error
    assert "seed=0 index=" in error and "broken" in error
    assert list(tmp_path.iterdir()) == []


def test_overwrite_replaces_an_earlier_release(tmp_path, capsys):
    out = tmp_path / "rel"
    args = ["build", "--out", str(out), "--num-examples", "10", "--configs", "cpu", "--num-proc", "1"]
    assert run(args, capsys)[0] == 0
    first = (out / "cpu" / "train-00000-of-00001.parquet").read_bytes()
    code, stdout, _ = run([*args, "--seed", "5", "--overwrite"], capsys)
    assert code == 0 and "Built 10 kernels" in stdout
    assert (out / "cpu" / "train-00000-of-00001.parquet").read_bytes() != first
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "checksums.sha256", "cpu", "plots"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rel"]


def test_installed_command_builds_and_prints_the_summary(tmp_path):
    command = Path(sys.executable).with_name("warp-ir-pairs")
    assert command.exists(), "install the project (README) so the warp-ir-pairs command exists"
    out = tmp_path / "rel"
    result = subprocess.run(
        [
            str(command),
            "build",
            "--out",
            str(out),
            "--num-examples",
            "92",
            "--seed",
            "2",
            "--num-proc",
            "2",
            "--split-ratios",
            "0.5,0.25,0.25",
            "--generator",
            "random",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"Built 92 kernels into {out}"
    assert "| vector | 2 | 1 | 1 | 4 |" in lines
    assert "| **total** | 46 | 23 | 23 | 92 |" in lines
    assert any(line.startswith("generation: ") and "kernels/s with 2 process(es)" in line for line in lines)
    assert "failures by reason: none" in lines
    assert any(
        line.startswith("verify level codegen: 92 kernels in ") and "kernels/s with 2 process(es)" in line
        for line in lines
    )
    assert "verification failures by reason: none" in lines
    assert "Generating train split" in result.stderr  # the progress bar
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "checksums.sha256", "cpu", "cuda", "paired", "plots"]
