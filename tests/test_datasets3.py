"""``datasets`` 3.6, the last line that runs dataset scripts, loads ``warp_ir_pairs.py`` itself.

The test builds a second virtual environment with the package and ``datasets==3.6.0`` (the
suite's own environment has the newest ``datasets``), loads all three configs there through
``load_dataset("warp_ir_pairs.py", config, trust_remote_code=True)`` and compares every row
with what the builder gives here; a release built there validates here with the same rows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import datasets
import pytest

from builder.cli import main
from builder.schema import CONFIGS
from warp_ir_pairs import WarpIRPairs

ROOT = Path(__file__).resolve().parent.parent
DATASETS_3 = "datasets==3.6.0"
NUM_EXAMPLES, SEED = 92, 5  # 4 per category: 3 / 1 / 0

LOAD_ALL_CONFIGS = """
import json, sys
import datasets
from datasets import load_dataset

out = {"datasets": datasets.__version__}
for config in sys.argv[2:]:
    ds = load_dataset(
        "warp_ir_pairs.py",
        config,
        num_examples=NUM_EXAMPLES,
        seed=SEED,
        generator="random",
        trust_remote_code=True,
        cache_dir=sys.argv[1],
    )
    out[config] = {split: ds[split].to_list() for split in ds}
print(json.dumps(out))
""".replace("NUM_EXAMPLES", str(NUM_EXAMPLES)).replace("SEED", str(SEED))


@pytest.fixture(scope="module")
def python3(tmp_path_factory) -> Path:
    """The Python of a fresh venv holding this package and datasets 3.6."""
    venv = tmp_path_factory.mktemp("datasets3") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    install = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", "-e", str(ROOT), DATASETS_3],
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    return venv / "bin" / "python"


def test_datasets_3_6_loads_every_config_through_the_script_with_the_builders_rows(python3, tmp_path):
    env = {**os.environ, "HF_HOME": str(tmp_path / "hf"), "HF_DATASETS_OFFLINE": "1"}
    result = subprocess.run(
        [str(python3), "-c", LOAD_ALL_CONFIGS, str(tmp_path / "cache3"), *CONFIGS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = json.loads(result.stdout.splitlines()[-1])
    assert loaded["datasets"] == "3.6.0"
    for config in CONFIGS:
        builder = WarpIRPairs(
            config_name=config,
            num_examples=NUM_EXAMPLES,
            seed=SEED,
            generator="random",
            cache_dir=str(tmp_path / "cache"),
        )
        builder.download_and_prepare()
        here = builder.as_dataset()
        assert sorted(loaded[config]) == sorted(here) == ["train", "validation"]
        for split in here:
            assert len(loaded[config][split]) == len(here[split]) == {"train": 69, "validation": 23}[split]
            assert loaded[config][split] == here[split].to_list(), f"{config}/{split} rows differ under datasets 3.6"


def test_a_release_built_under_datasets_3_6_validates_and_holds_the_same_rows(python3, tmp_path):
    out3, out = tmp_path / "rel3", tmp_path / "rel"
    args = ["build", "--num-examples", str(NUM_EXAMPLES), "--seed", str(SEED), "--num-proc", "1"]
    args += ["--generator", "random"]
    result = subprocess.run(
        [str(python3), "-m", "builder.cli", *args, "--out", str(out3)],
        cwd=ROOT,
        env={**os.environ, "HF_HOME": str(tmp_path / "hf")},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert main([*args, "--out", str(out)]) == 0
    assert main(["validate", str(out3)]) == 0
    for config in CONFIGS:
        for split in ("train", "validation"):
            rows3 = datasets.load_dataset(str(out3), config, split=split, cache_dir=str(tmp_path / "c3")).to_list()
            rows = datasets.load_dataset(str(out), config, split=split, cache_dir=str(tmp_path / "c")).to_list()
            assert len(rows3) == {"train": 69, "validation": 23}[split] and rows3 == rows
