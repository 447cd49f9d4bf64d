"""``--no-ir-source``: the whole-module columns left null, the release still valid, the card's row cost."""

from __future__ import annotations

import pyarrow.parquet as pq

from builder.cli import main


def test_a_release_without_the_whole_modules_is_smaller_and_valid(tmp_path):
    argv = ["build", "--num-examples", "30", "--seed", "4"]
    assert main([*argv, "--out", str(tmp_path / "full")]) == 0
    assert main([*argv, "--out", str(tmp_path / "lean"), "--no-ir-source"]) == 0
    full = pq.read_table(tmp_path / "full" / "paired" / "train-00000-of-00001.parquet")
    lean = pq.read_table(tmp_path / "lean" / "paired" / "train-00000-of-00001.parquet")
    assert set(lean.column("cpp_source").to_pylist()) == {None} == set(lean.column("cuda_source").to_pylist())
    for column in ("python_source", "cpp_forward", "cpp_backward", "cuda_forward", "cuda_backward"):
        assert lean.column(column).to_pylist() == full.column(column).to_pylist()
    assert lean.nbytes < 0.8 * full.nbytes
    assert main(["validate", str(tmp_path / "lean")]) == 0
    card = (tmp_path / "lean" / "README.md").read_text()
    table = card[card.index("| column | bytes per row | lexer tokens per row |") :].split("\n\n")[0]
    assert "`cpp_forward`" in table and "`cpp_source`" not in table and "| all of these |" in table
    assert "`cpp_source`" in (tmp_path / "full" / "README.md").read_text().split("| column | bytes per row")[1]
