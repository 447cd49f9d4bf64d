"""What a small build prints: realised split ratios, one statement about CUDA, no native warning in stderr."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_small_build_states_ratios_and_cuda_once(tmp_path: Path) -> None:
    out = tmp_path / "release"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "builder.cli",
            "build",
            "--out",
            str(out),
            "--num-examples",
            "10",
            "--num-proc",
            "2",
            "--generator",
            "random",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Could not find or load the NVIDIA CUDA driver" not in result.stderr
    assert "splits: train 10 (100.0%), validation 0 (0.0%), test 0 (0.0%); asked 70/15/15" in result.stdout
    assert "warning: realised split ratios differ from the asked ones by 30.0 points" in result.stdout
    assert "--num-examples 140 gives ratios within 3 points" in result.stdout
    assert result.stdout.count("CUDA source was generated without a CUDA driver") == 1


def test_version_prints_package_generator_and_warp_versions(capsys) -> None:
    import pytest

    from builder.cli import main
    from generators import GENERATOR_VERSION

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"warp-ir-pairs 0.1.0, generator {GENERATOR_VERSION}, warp-lang 1.19.0"


def test_project_urls_are_set() -> None:
    import tomllib

    urls = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]
    assert urls["Repository"].startswith("https://") and urls["Homepage"].startswith("https://")
