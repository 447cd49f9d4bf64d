"""Bounds on a build's inputs: the seed's range, worker processes, and counts beyond the machine."""

import logging
import os

import pytest
from conftest import run_cli as run

from builder.bounds import MAX_SEED, cap_num_proc, estimate, size_problem
from warp_ir_pairs import WarpIRPairsConfig


@pytest.mark.parametrize("seed", [str(2**64), str(2**63)])
def test_a_seed_beyond_2_63_is_refused_by_the_cli_in_one_line(tmp_path, capsys, seed):
    code, _, stderr = run(["build", "--out", str(tmp_path / "rel"), "--num-examples", "20", "--seed", seed], capsys)
    assert code == 2
    assert stderr == f"warp-ir-pairs build: error: argument --seed: {seed!r}: must be an integer from 0 to {MAX_SEED}\n"
    assert list(tmp_path.iterdir()) == []


def test_a_seed_beyond_2_63_is_refused_by_the_config():
    with pytest.raises(ValueError, match=rf"seed {2**64}: must be an integer from 0 to {MAX_SEED}$"):
        WarpIRPairsConfig(name="paired", seed=2**64)
    assert WarpIRPairsConfig(name="paired", seed=MAX_SEED).seed == MAX_SEED


def test_num_proc_is_capped_to_the_cores_and_the_work_with_a_warning(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        capped = cap_num_proc(1000, 20)
    cores = os.cpu_count() or 1
    assert capped == min(cores, 20)
    assert f"num_proc 1000 lowered to {min(cores, 20)}: this machine has {cores} CPU core(s)" in caplog.text
    assert cap_num_proc(cores, 1) == 1


def test_a_count_far_beyond_the_machine_asks_for_yes_before_planning(tmp_path, capsys):
    code, stdout, stderr = run(["build", "--out", str(tmp_path / "rel"), "--num-examples", str(10**12)], capsys)
    assert code == 1 and stdout == ""
    assert stderr.startswith(
        f"warp-ir-pairs: error: --num-examples {10**12} is beyond this machine (more than 24.0 h): about "
    )
    assert stderr.endswith("; pass --yes to build it anyway\n") and stderr.count("\n") == 1
    assert "years and" in stderr and "PB of disk while building (28.1 PB released)" in stderr
    assert list(tmp_path.iterdir()) == []


def test_the_estimate_follows_the_measured_figures(tmp_path):
    cost = estimate(100_000, "codegen", 2)
    assert 600 < cost.seconds < 900 and 2.5e9 < cost.release_bytes < 3.0e9
    assert size_problem(cost, tmp_path) is None or "disk" in size_problem(cost, tmp_path)
    assert size_problem(estimate(10**8, "compile", 2), tmp_path) == "more than 24.0 h"
