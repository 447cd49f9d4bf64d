"""Builds of mutants (``--generator mutant --corpus DIR``): provenance in metadata, families whole in
one split, mutants of real test kernels in test, the same bytes in one process or two."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from builder.cli import main
from builder.errors import OptionError
from builder.options import BuildOptions
from builder.plan.near_duplicates import cross_split_near_duplicates
from builder.plan.plan import dedup_hash
from generators import synthesize

PARENTS = 16  # stand-in real kernels: motif kernels written as a release of real kernels would hold them


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    (folder / "paired").mkdir()
    specs = [synthesize(3, i, "motif") for i in range(PARENTS)]
    for split, part in (("train", specs[:12]), ("test", specs[12:])):
        rows = {
            "id": [f"real-{split}-{i:02d}" for i in range(len(part))],
            "kernel_name": [s.kernel_name for s in part],
            "python_source": [s.python_source for s in part],
            "metadata": [
                {"source_file": f"sim/{s.category}.py", "package": "demo", "package_version": "1.0"} for s in part
            ],
        }
        pq.write_table(pa.table(rows), folder / "paired" / f"{split}-00000-of-00001.parquet")
    return folder


def _build(out: Path, corpus: Path, num_proc: int) -> Path:
    argv = ["build", "--out", str(out), "--num-examples", "30", "--seed", "2", "--generator", "mutant"]
    assert main([*argv, "--corpus", str(corpus), "--num-proc", str(num_proc)]) == 0
    return out


@pytest.fixture(scope="module")
def release(tmp_path_factory, corpus) -> Path:
    return _build(tmp_path_factory.mktemp("mutants") / "release", corpus, 1)


def test_mutant_rows_carry_their_parent_and_edits(release):
    rows = [r for path in sorted((release / "paired").glob("*.parquet")) for r in pq.read_table(path).to_pylist()]
    assert len(rows) == 30
    parents = {f"real-{s}-{i:02d}" for s, n in (("train", 12), ("test", 4)) for i in range(n)}
    for row in rows:
        meta = row["metadata"]
        assert meta["generator"] == "mutant" and meta["parent_id"] in parents
        assert meta["family"] == f"demo:{meta['parent_file']}" and meta["parent_package"] == "demo"
        assert meta["parent_split"] == meta["parent_id"].split("-")[1]
        assert meta["edits"] and row["description"].startswith(f"Mutant of {meta['parent_kernel']} (demo 1.0")
    assert len({r["python_source"] for r in rows}) == 30


def test_families_sit_in_one_split_and_test_parents_mutate_into_test(release):
    split_of: dict[str, set[str]] = {}
    for path in (release / "paired").glob("*.parquet"):
        split = path.name.split("-", 1)[0]
        for meta in pq.read_table(path, columns=["metadata"]).column(0).to_pylist():
            split_of.setdefault(meta["family"], set()).add(split)
            if meta["parent_split"] == "test":
                assert split == "test", meta
    assert all(len(splits) == 1 for splits in split_of.values())
    assert len(split_of) >= 5
    assert main(["validate", str(release)]) == 0


def test_two_processes_build_the_same_bytes(tmp_path, corpus, release):
    again = _build(tmp_path / "np2", corpus, 2)

    def digests(root: Path) -> dict[str, str]:
        return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*.parquet")}

    assert digests(again) == digests(release)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"generator": "mutant"}, "generator 'mutant' needs a corpus: --corpus DIR"),
        ({"generator": "motif", "corpus": ("x",)}, "corpus ('x',): only the mutant generator reads one"),
        ({"generator": "mutant", "corpus": ("/no/such/folder",)}, "corpus '/no/such/folder': not a folder"),
    ],
)
def test_a_corpus_is_checked_with_the_options(options, message):
    with pytest.raises(OptionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        BuildOptions(**options)


def test_a_mixture_holds_each_generator_s_exact_share(tmp_path, corpus):
    out = tmp_path / "mix"
    argv = ["build", "--out", str(out), "--num-examples", "30", "--seed", "2", "--corpus", str(corpus)]
    assert main([*argv, "--generator", "motif:0.4,mutant:0.4,random:0.2"]) == 0
    rows = [r for path in (out / "paired").glob("*.parquet") for r in pq.read_table(path).to_pylist()]
    made = sorted(r["metadata"]["generator"] for r in rows)
    assert made == ["motif"] * 12 + ["mutant"] * 12 + ["random"] * 6
    assert len({r["id"] for r in rows}) == 30
    assert "motif:0.4,mutant:0.4,random:0.2" in (out / "README.md").read_text()
    assert main(["validate", str(out)]) == 0
    # the stand-in parents are motif kernels: the shares are deduplicated and grouped together
    cores = [dedup_hash(r["python_source"], r["metadata"]["generator"]) for r in rows]
    assert len(set(cores)) == 30
    split_of = {}
    for path in (out / "paired").glob("*.parquet"):
        split = path.name.split("-")[0]
        split_of.setdefault(split, []).extend(pq.read_table(path, columns=["python_source"]).column(0).to_pylist())
    near = cross_split_near_duplicates((s, src) for s, sources in split_of.items() for src in sources)
    assert set(near.values()) == {0.0}


def test_the_datatrove_executor_builds_the_same_mutants(tmp_path, corpus, release):
    out = tmp_path / "dt"
    argv = ["build", "--out", str(out), "--num-examples", "30", "--seed", "2", "--generator", "mutant"]
    argv += ["--corpus", str(corpus), "--executor", "datatrove-local", "--work-dir", str(tmp_path / "work")]
    assert main(argv) == 0

    def rows(root: Path) -> list[dict]:
        return sorted(
            (r for p in (root / "paired").glob("*.parquet") for r in pq.read_table(p).to_pylist()),
            key=lambda r: r["id"],
        )

    assert [(r["id"], r["python_source"]) for r in rows(out)] == [(r["id"], r["python_source"]) for r in rows(release)]
