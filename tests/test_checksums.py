"""checksums.sha256 and the row-by-row IR comparison: `validate` catches silent corruption."""

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from builder.cli import main
from builder.release.checksums import CHECKSUMS_FILE, file_sha256, verify_checksums, write_checksums


def run(capsys, folder: Path) -> tuple[int, dict[str, str], list[str]]:
    code = main(["validate", str(folder)])
    lines = capsys.readouterr().out.splitlines()
    return code, {line.split()[1].rstrip(":"): line for line in lines[:-1]}, lines


@pytest.fixture
def copy(release, tmp_path) -> Path:
    out = tmp_path / "rel"
    shutil.copytree(release, out)
    return out


def test_the_release_records_a_sha256_per_file(release):
    listed = dict(reversed(line.split("  ", 1)) for line in (release / CHECKSUMS_FILE).read_text().splitlines())
    files = sorted(
        p.relative_to(release).as_posix() for p in release.rglob("*") if p.is_file() and p.name != CHECKSUMS_FILE
    )
    assert sorted(listed) == files and len(files) == 12
    assert all(listed[name] == file_sha256(release / name) for name in files)


def test_a_flipped_byte_in_a_parquet_page_of_cpu_fails_validate_naming_the_file(copy, capsys):
    path = copy / "cpu" / "train-00000-of-00001.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0x01  # inside a data page, far from the footer
    path.write_bytes(bytes(data))
    code, by_check, _ = run(capsys, copy)
    assert code == 1
    assert by_check["checksums"] == (
        "FAIL checksums: 1 problem(s): cpu/train-00000-of-00001.parquet: "
        "sha256 differs from checksums.sha256 (changed since it was written)"
    )


def test_a_release_without_checksums_validates_as_before_with_a_note(copy, capsys):
    (copy / CHECKSUMS_FILE).unlink()
    code, by_check, lines = run(capsys, copy)
    assert code == 0 and lines[-1] == "13 of 13 checks passed"
    assert (
        by_check["checksums"]
        == "PASS checksums: note: no checksums.sha256 (a release written before checksums); files not verified"
    )


def test_an_ir_cell_of_cpu_that_differs_from_paired_fails_aligned(copy, capsys):
    # A corruption that keeps every other check green: the function is still defined, only its body changed.
    path = copy / "cpu" / "test-00000-of-00001.parquet"
    table = pq.read_table(path)
    values = table.column("cpp_forward").to_pylist()
    values[1] = values[1].replace("{", "{ ", 1)
    index = table.schema.get_field_index("cpp_forward")
    pq.write_table(table.set_column(index, table.schema.field(index), pa.array(values, pa.string())), path)
    write_checksums(copy)  # rewritten checksums: only the comparison with paired can see it
    assert verify_checksums(copy).problems == []
    code, by_check, lines = run(capsys, copy)
    row_id = table.column("id")[1].as_py()
    assert code == 1 and lines[-1] == "12 of 13 checks passed"
    assert by_check["aligned"] == f"FAIL aligned: 1 problem(s): cpu: id {row_id} cpp_forward differ(s) from paired"


def test_listed_files_that_are_missing_or_unlisted_files_fail(copy):
    (copy / "plots" / "ir_lines.png").unlink()
    (copy / "cuda" / "extra.parquet").write_bytes(b"PAR1")
    assert verify_checksums(copy).problems == [
        "plots/ir_lines.png is listed but missing",
        "cuda/extra.parquet is not listed in checksums.sha256",
    ]


def test_content_hash_covers_names_and_bytes_read_in_chunks(tmp_path: Path) -> None:
    import hashlib

    from builder.release.limitations import content_hash

    files = []
    for folder, size in (("cpu", 3 << 20), ("cuda", 10)):
        path = tmp_path / folder / "train-00000-of-00001.parquet"
        path.parent.mkdir()
        path.write_bytes(bytes(range(256)) * (size // 256) + b"x")
        files.append(path)
    expected = hashlib.sha256()
    for path in files:
        expected.update(f"{path.parent.name}/{path.name}\n".encode())
        expected.update(hashlib.sha256(path.read_bytes()).digest())
    assert content_hash(files[::-1]) == expected.hexdigest()
