"""bench/throughput.py runs end to end (tiny sizes: the figures are the benchmark's job, not the tests')."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_benchmark_measures_floor_pipeline_scaling_and_memory(tmp_path):
    out = tmp_path / "results.json"
    command = [
        sys.executable,
        "bench/throughput.py",
        "--kernels",
        "46",
        "--verify-kernels",
        "2",
        "--memory-kernels",
        "0",
        "--repeat",
        "1",
        "--json",
        str(out),
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode in (0, 1), done.stderr[-2000:]  # 1: a target missed, which tiny runs may
    results = json.loads(out.read_text())
    assert results["floor"]["kernels"] == results["pipeline_1"]["kernels"] == results["pipeline_2"]["kernels"] == 46
    assert (
        results["compile_floor"]["kernels"] == results["compile"]["kernels"] == 2
        and results["compile"]["verify"] == "compile"
    )
    assert [results[k]["num_proc"] for k in ("pipeline_1", "pipeline_2", "compile")] == [1, 2, 1]
    for key in ("floor", "pipeline_1", "pipeline_2", "compile_floor", "compile"):
        assert results[key]["kernels_per_second"] > 0 and results[key]["peak_rss_mb"]["self"] > 50
    assert results["floor"]["runs_kernels_per_second"] == [results["floor"]["kernels_per_second"]]
    assert results["pipeline_2"]["peak_rss_mb"]["worker_processes"] >= 2  # datasets' pool (and the planning pool)
    assert results["pipeline_2"]["peak_rss_mb"]["workers"] > 50
    ratios = results["ratios"]
    assert ratios["pipeline_over_floor"] == round(
        results["pipeline_1"]["kernels_per_second"] / results["floor"]["kernels_per_second"], 3
    )
    assert ratios["scaling_2_over_1"] == round(
        results["pipeline_2"]["kernels_per_second"] / results["pipeline_1"]["kernels_per_second"], 3
    )
    assert ratios["by_round"] == [
        {"pipeline_over_floor": ratios["pipeline_over_floor"], "scaling_2_over_1": ratios["scaling_2_over_1"]}
    ]  # one round: its ratios are those of the fastest runs
    assert set(results["targets"]) == {"pipeline_over_floor", "scaling_2_over_1", "compile_over_floor"}
    assert results["machine"]["cores"] >= 1 and results["machine"]["warp-lang"] == "1.19.0"
    assert "pipeline/floor" in done.stdout and "scaling" in done.stdout and f"figures written to {out}" in done.stdout
    assert done.returncode == (0 if all(t["met"] for t in results["targets"].values()) else 1)
