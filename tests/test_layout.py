"""builder.release.layout: the one parquet finder."""

import pytest

from builder.release.layout import data_files_pattern, parquet_files, parquet_name, release_configs, table_files


def _touch(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return path


def test_files_are_listed_per_split_in_split_order(tmp_path):
    names = [
        parquet_name("train", 1, 2),
        parquet_name("train", 0, 2),
        parquet_name("test", 0, 1),
        parquet_name("validation", 0, 1),
    ]
    for name in names:
        _touch(tmp_path / "cpu" / name)
    _touch(tmp_path / "cpu" / "notes.txt")
    files = parquet_files(tmp_path, "cpu")
    assert list(files) == ["train", "validation", "test"]
    assert [p.name for p in files["train"]] == ["train-00000-of-00002.parquet", "train-00001-of-00002.parquet"]
    assert parquet_files(tmp_path, "cuda") == {}
    assert release_configs(tmp_path) == ["cpu"]


def test_table_files_prefer_paired(tmp_path):
    with pytest.raises(FileNotFoundError, match="no parquet files under paired/, cpu/ or cuda/"):
        table_files(tmp_path)
    cpu = _touch(tmp_path / "cpu" / parquet_name("train", 0, 1))
    assert table_files(tmp_path) == [cpu]
    paired = [_touch(tmp_path / "paired" / parquet_name(s, 0, 1)) for s in ("train", "test")]
    assert table_files(tmp_path) == sorted(paired)


def test_the_cards_pattern_matches_the_file_names():
    assert data_files_pattern("paired", "validation") == "paired/validation-*.parquet"
    assert parquet_name("validation", 3, 12) == "validation-00003-of-00012.parquet"
