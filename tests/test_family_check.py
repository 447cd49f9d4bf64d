"""The ``families`` validate check on parquet files whose metadata carries mutant provenance."""

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from builder.release.checks.families import check_families
from builder.release.checks.release import ConfigData, Release


def _write(folder: Path, split: str, rows: list[dict]) -> Path:
    path = folder / "paired" / f"{split}-00000-of-00001.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = pa.array([r["metadata"] for r in rows])
    pq.write_table(pa.table({"id": [r["id"] for r in rows], "metadata": meta}), path)
    return path


def _release(folder: Path, splits: dict[str, list[dict]]) -> Release:
    files = {split: [_write(folder, split, rows)] for split, rows in splits.items()}
    release = Release(folder)
    release.data["paired"] = ConfigData(files=files)
    return release


def _mutant(kid: str, family: str, parent_split: str = "train") -> dict:
    return {
        "id": kid,
        "metadata": {
            "family": family,
            "parent_id": "real-" + family,
            "parent_split": parent_split,
            "source_file": None,
        },
    }


def test_families_in_one_split_each_pass(tmp_path):
    release = _release(
        tmp_path,
        {
            "train": [_mutant("a", "pkg:x.py"), _mutant("b", "pkg:x.py")],
            "test": [_mutant("c", "pkg:y.py", "test"), _mutant("d", "pkg:y.py", "test")],
        },
    )
    result = check_families(release)
    assert result.line() == "PASS families: 2 families, 4 rows, each in one split; 2 of real test kernels in test"


def test_a_family_across_splits_and_a_mutant_of_a_test_kernel_in_train_fail(tmp_path):
    release = _release(
        tmp_path,
        {
            "train": [_mutant("a", "pkg:x.py"), _mutant("b", "pkg:y.py", "test")],
            "validation": [_mutant("c", "pkg:x.py")],
        },
    )
    result = check_families(release)
    assert not result.passed
    assert result.detail == (
        "2 problem(s): family 'pkg:x.py' in train, validation; train id b is a mutant of real test kernel real-pkg:y.py"
    )


def test_rows_without_family_metadata_fall_back_to_their_file_or_themselves(tmp_path):
    real = [{"id": f"r{n}", "metadata": {"source_file": "a.py"}} for n in range(2)]
    release = _release(tmp_path, {"train": real[:1], "test": real[1:]})
    assert check_families(release).detail == "1 problem(s): family 'a.py' in test, train"
    synthetic = tmp_path / "synthetic"
    rows = {"train": [{"id": "s0", "metadata": {"seed": 0}}], "test": [{"id": "s1", "metadata": {"seed": 0}}]}
    assert check_families(_release(synthetic, rows)).passed
