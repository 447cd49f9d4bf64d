"""`warp-ir-pairs validate` on a real release and on copies of it with one thing broken."""

import shutil
import struct
import tempfile
import zlib
from pathlib import Path

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import read_split

from builder.cli import main
from builder.release.checks import CHECK_NAMES

SPLITS = ("train", "validation", "test")
CONFIGS = ("cpu", "cuda", "paired")


def run(capsys, folder: Path) -> tuple[int, dict[str, str], list[str]]:
    """Exit code, check name -> its report line, and every stdout line."""
    code = main(["validate", str(folder)])
    lines = capsys.readouterr().out.splitlines()
    by_check = {line.split()[1].rstrip(":"): line for line in lines[:-1]}
    return code, by_check, lines


@pytest.fixture
def copy(release, tmp_path) -> Path:
    """A copy without checksums.sha256, as an older release: each test breaks one thing for the check that owns it."""
    out = tmp_path / "rel"
    shutil.copytree(release, out)
    (out / "checksums.sha256").unlink()
    return out


def rewrite(path: Path, edit) -> None:
    """Replace a parquet file by ``edit(table)``, keeping its schema (``huggingface`` metadata included)."""
    table = pq.read_table(path)
    edited = edit(table)
    assert edited.schema.equals(table.schema, check_metadata=True)
    pq.write_table(edited, path)


def set_cell(table: pa.Table, column: str, row: int, value) -> pa.Table:
    values = table.column(column).to_pylist()
    values[row] = value
    index = table.schema.get_field_index(column)
    return table.set_column(index, table.schema.field(index), pa.array(values, table.schema.field(index).type))


def png(width: int, height: int) -> bytes:
    """A real PNG of ``width`` x ``height`` grey pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def test_a_fresh_release_passes_every_check_and_writes_nothing(release, capsys, monkeypatch, tmp_path):
    before = sorted((p.relative_to(release), p.stat().st_mtime_ns) for p in release.rglob("*"))
    user_cache, temp = tmp_path / "user-cache", tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", user_cache)
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    code, by_check, lines = run(capsys, release)
    assert code == 0
    assert (
        list(by_check)
        == list(CHECK_NAMES)
        == [
            "checksums",
            "card",
            "images",
            "parquet",
            "load",
            "schema",
            "counts",
            "ids",
            "aligned",
            "leakage",
            "ir",
            "markers",
            "families",
        ]
    )
    assert all(line.startswith(f"PASS {name}: ") for name, line in by_check.items())
    assert lines[-1] == "13 of 13 checks passed"
    assert by_check["parquet"] == "PASS parquet: 9 files, 1380 rows read in 3 configs"
    assert by_check["checksums"] == "PASS checksums: 12 files match checksums.sha256"
    assert "1380 rows" in by_check["load"] and "460 ids" in by_check["aligned"]
    images = len(list(release.glob("plots/*.png")))
    assert by_check["images"].startswith(f"PASS images: {images} image")
    # the release is untouched, the user's cache unused, the temporary cache removed
    assert sorted((p.relative_to(release), p.stat().st_mtime_ns) for p in release.rglob("*")) == before
    assert not user_cache.exists() and not list(temp.iterdir())


def test_a_truncated_parquet_file_fails_and_dependent_checks_do_not_pass(copy, capsys):
    path = copy / "paired" / "train-00000-of-00001.parquet"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    code, by_check, lines = run(capsys, copy)
    assert code == 1
    assert by_check["parquet"].startswith("FAIL parquet: 1 problem(s): paired/train-00000-of-00001.parquet: ")
    assert by_check["card"].startswith("PASS card")
    for name in ("schema", "counts", "ids", "aligned", "leakage", "ir", "markers", "families"):
        assert by_check[name].startswith(f"SKIP {name}: could not run: paired: ")
        assert "paired: paired/train-00000-of-00001.parquet does not read" in by_check[name]
    assert by_check["load"].startswith("FAIL load: 1 problem(s): paired: does not load")
    assert lines[-1] == "3 of 13 checks passed"


def test_a_row_copied_from_train_into_test_is_leakage(copy, capsys):
    train = read_split(copy, "paired", "train")
    row_id = train.column("id")[0].as_py()
    digest = train.column("metadata")[0].as_py()["structural_hash"]
    for config in CONFIGS:
        first = read_split(copy, config, "train").slice(0, 1)
        rewrite(
            copy / config / "test-00000-of-00001.parquet",
            lambda table, first=first: pa.concat_tables([table, first.cast(table.schema)]),
        )
    code, by_check, _ = run(capsys, copy)
    assert code == 1
    assert by_check["leakage"] == (
        f"FAIL leakage: 1 problem(s): cpu,cuda,paired: structural hash {digest} in 2 splits (train: {row_id}; test: "
        f"{row_id})"
    )
    assert by_check["ids"] == f"FAIL ids: 1 problem(s): cpu,cuda,paired: id {row_id} appears 2 times (train, test)"
    assert "cpu/test: num_examples 69 in the card YAML, 70 rows in the data" in by_check["counts"]
    assert (
        by_check["load"] == "FAIL load: 1 problem(s): cpu,cuda,paired: does not load: "
        "NonMatchingSplitsSizesError (test 69 in the card, 70 loaded)"
    )
    assert by_check["aligned"].startswith("PASS aligned") and by_check["ir"].startswith("PASS ir")


def test_an_edited_num_examples_in_the_card_yaml_fails_counts(copy, capsys):
    card = copy / "README.md"
    text = card.read_text()
    assert text.count("num_examples: 322") == 3  # cpu, cuda, paired train
    card.write_text(text.replace("num_examples: 322", "num_examples: 323", 1))
    code, by_check, lines = run(capsys, copy)
    assert code == 1
    assert (
        by_check["counts"]
        == "FAIL counts: 1 problem(s): cpu/train: num_examples 323 in the card YAML, 322 rows in the data"
    )
    assert (
        by_check["load"] == "FAIL load: 1 problem(s): cpu: does not load: "
        "NonMatchingSplitsSizesError (train 323 in the card, 322 loaded)"
    )
    assert by_check["schema"].startswith("PASS schema")  # features still compared: loaded without the split-size check
    assert lines[-1] == "11 of 13 checks passed"


def test_an_edited_number_in_the_card_count_table_fails_counts(copy, capsys):
    card = copy / "README.md"
    text = card.read_text()
    assert text.count("| vector | 14 | 3 | 3 | 20 |") == 1
    card.write_text(text.replace("| vector | 14 | 3 | 3 | 20 |", "| vector | 14 | 4 | 3 | 20 |"))
    code, by_check, lines = run(capsys, copy)
    assert code == 1
    assert (
        by_check["counts"]
        == "FAIL counts: 1 problem(s): cpu,cuda,paired: count table vector/validation: 4 in the card, 3 in the data"
    )
    assert lines[-1] == "12 of 13 checks passed"


def test_an_emptied_ir_field_fails_ir(copy, capsys):
    path = copy / "paired" / "validation-00000-of-00001.parquet"
    row_id = pq.read_table(path, columns=["id"]).column("id")[5].as_py()
    rewrite(path, lambda table: set_cell(table, "cuda_backward", 5, ""))
    code, by_check, lines = run(capsys, copy)
    assert code == 1
    assert by_check["ir"] == f"FAIL ir: 1 problem(s): paired: 1 of 460 rows, e.g. {row_id} cuda_backward is empty"
    assert by_check["aligned"] == f"FAIL aligned: 1 problem(s): cuda: id {row_id} cuda_backward differ(s) from paired"
    assert lines[-1] == "11 of 13 checks passed"


def test_a_renamed_kernel_fails_ir(copy, capsys):
    table = read_split(copy, "cpu", "test")
    row_id, name = table.column("id")[2].as_py(), table.column("kernel_name")[2].as_py()
    for config in CONFIGS:  # in every config, so the configs still agree
        rewrite(copy / config / "test-00000-of-00001.parquet", lambda t: set_cell(t, "kernel_name", 2, "renamed"))
    code, by_check, lines = run(capsys, copy)
    assert code == 1
    ir = by_check["ir"]
    assert ir.startswith("FAIL ir: 3 problem(s): cpu: 1 of 460 rows, e.g. ")
    assert f"{row_id} cpp_forward does not define renamed_cpu_kernel_forward" in ir
    assert f"{row_id} cuda_source lacks renamed_cuda_kernel_forward and renamed_cuda_kernel_backward" in ir
    assert name != "renamed" and lines[-1] == "12 of 13 checks passed"


def test_card_images_must_be_real_pngs_in_the_release(copy, capsys):
    card = copy / "README.md"
    card.write_text(card.read_text() + '\n![one](extra/one.png)\n\n![two](extra/two.png "title")\n')
    (copy / "extra").mkdir()
    (copy / "extra" / "one.png").write_bytes(png(3, 2))
    (copy / "extra" / "two.png").write_bytes(png(1, 1))
    shown = len(list(copy.glob("plots/*.png"))) + 2
    code, by_check, _ = run(capsys, copy)
    assert code == 0 and by_check["images"] == f"PASS images: {shown} images, each a PNG in the release"
    (copy / "extra" / "two.png").write_bytes(png(1, 1)[:8] + b"\x00" * 16)
    (copy / "extra" / "one.png").unlink()
    code, by_check, _ = run(capsys, copy)
    assert code == 1
    assert (
        by_check["images"]
        == "FAIL images: 2 problem(s): extra/one.png does not exist; extra/two.png is not a PNG (no IHDR chunk)"
    )


def test_a_parquet_folder_missing_from_the_card_fails_card(copy, capsys):
    shutil.copytree(copy / "cpu", copy / "cpu2")
    code, by_check, _ = run(capsys, copy)
    assert code == 1
    assert by_check["card"].startswith(
        "FAIL card: 4 problem(s): cpu2/test-00000-of-00001.parquet is matched by no data_files pattern"
    )
    assert "cpu2: folder cpu2/ holds parquet files but is not a config in the card" in by_check["card"]


@pytest.mark.parametrize("case", ["missing", "no card"])
def test_a_folder_that_is_no_release_is_a_one_line_error(tmp_path, capsys, case):
    folder = tmp_path / "nothing"
    if case == "no card":
        folder.mkdir()
        (folder / "cpu").mkdir()
    code = main(["validate", str(folder)])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    reason = "no such directory" if case == "missing" else "not a release (no README.md card)"
    assert err == f"warp-ir-pairs: error: {folder}: {reason}\n"
