"""Releases built through the real builder, read back with real `datasets` and pyarrow."""

import re
from collections import Counter

import datasets
import pyarrow.parquet as pq
import pytest
from conftest import NUM_EXAMPLES, SEED, read_split
from huggingface_hub import DatasetCard

import builder.plan.planner
import builder.release.writer
import generators
from builder.plan.planner import block_plan, make_plan
from builder.plan.structure import structural_hash
from builder.release.writer import build_release
from builder.schema import CONFIGS, features, ir_columns
from generators import CATEGORIES
from warp_ir_pairs import WarpIRPairs

SPLITS = ("train", "validation", "test")


def test_layout_is_one_folder_per_config_with_numbered_parquet_files(release):
    assert sorted(p.name for p in release.iterdir()) == [
        "README.md",
        "checksums.sha256",
        "cpu",
        "cuda",
        "paired",
        "plots",
    ]
    assert sorted(p.name for p in (release / "plots").iterdir()) == ["ir_lines.png", "source_lines.png"]
    for config in CONFIGS:
        names = sorted(p.name for p in (release / config).iterdir())
        assert names == sorted(f"{s}-00000-of-00001.parquet" for s in SPLITS)
    assert not list(release.parent.glob(".*partial*"))


@pytest.mark.parametrize("config", CONFIGS)
def test_load_dataset_gives_the_planned_counts_per_category(release, config):
    plan = make_plan(SEED, NUM_EXAMPLES)
    ds = datasets.load_dataset(str(release), config)
    assert set(ds) == set(SPLITS)
    label = ds["train"].features["category"]
    # The random fuzzer's categories, then `real` (rows from real files), then the motif families.
    assert isinstance(label, datasets.ClassLabel) and label.names[: len(CATEGORIES) + 1] == [*CATEGORIES, "real"]
    for split in SPLITS:
        counts = Counter(label.int2str(c) for c in ds[split]["category"])
        assert counts == Counter(plan.counts()[split])
    assert ds["train"].features == features(config)


def test_card_parses_and_describes_the_release(release):
    card = DatasetCard.load(release / "README.md")
    assert card.data.license == "apache-2.0"
    assert {c["config_name"] for c in card.data.configs} == set(CONFIGS)
    assert [c["config_name"] for c in card.data.configs if c.get("default")] == ["paired"]
    infos = {i["config_name"]: i for i in card.data.dataset_info}
    assert {s["name"]: s["num_examples"] for s in infos["cpu"]["splits"]} == {
        "train": 322,
        "validation": 69,
        "test": 69,
    }
    text = card.text
    assert "| arithmetic | 14 | 3 | 3 | 20 |" in text and "| tile | 14 | 3 | 3 | 20 |" in text
    assert "| **total** | 322 | 69 | 69 | 460 |" in text
    assert "| seed | 1 |" in text and "| warp-lang | 1.19.0 |" in text
    assert "pytest" in text  # the command line
    assert "$" not in text  # every placeholder filled


def test_configs_align_on_ids_sources_and_splits(release):
    by_config = {}
    for config in CONFIGS:
        by_config[config] = {
            split: read_split(release, config, split).select(["id", "python_source", "kernel_name"]).to_pylist()
            for split in SPLITS
        }
    assert by_config["cpu"] == by_config["cuda"] == by_config["paired"]


def test_no_two_rows_share_a_structural_hash(release):
    rows = [
        r for s in SPLITS for r in read_split(release, "paired", s).select(["python_source", "metadata"]).to_pylist()
    ]
    recomputed = [structural_hash(r["python_source"]) for r in rows]
    assert recomputed == [r["metadata"]["structural_hash"] for r in rows]
    assert len(set(recomputed)) == len(rows) == NUM_EXAMPLES


@pytest.mark.parametrize("config", CONFIGS)
def test_ir_columns_hold_the_named_functions(release, config):
    table = read_split(release, config, "validation")
    for row in table.to_pylist():
        name = row["kernel_name"]
        assert row["metadata"]["device"] == {"cpu": "cpu", "cuda": "cuda", "paired": "cpu+cuda"}[config]
        for column in ir_columns(config):
            prefix, part = column.split("_")
            if part == "source":
                continue
            backend = "cpu" if prefix == "cpp" else "cuda"
            symbol = f"{name}_{backend}_kernel_{part}"
            text = row[column]
            assert len(re.findall(rf"\b{symbol}\(", text)) == 1, symbol
            assert len(re.findall(r"^\{$", text, re.MULTILINE)) == 1  # one function body
            assert text in row[f"{prefix}_source"]


def test_metadata_records_provenance(release):
    row = read_split(release, "paired", "train").slice(0, 1).to_pylist()[0]
    meta = row["metadata"]
    assert meta["seed"] == SEED and row["id"] == f"s{SEED}-{meta['index']:09d}"
    assert meta["warp_version"] == "1.19.0" and meta["generator_version"] == generators.GENERATOR_VERSION
    assert meta["source_lines"] == sum(1 for line in row["python_source"].splitlines() if line.strip())
    assert "tid" in meta["builtins"]


def test_two_processes_write_byte_identical_parquet(release, release_two_procs):
    files = sorted(p.relative_to(release) for p in release.rglob("*.parquet"))
    assert files == sorted(p.relative_to(release_two_procs) for p in release_two_procs.rglob("*.parquet"))
    assert len(files) == 9
    for path in files:
        assert (release / path).read_bytes() == (release_two_procs / path).read_bytes(), path


def test_a_different_seed_gives_different_kernels(release, tmp_path):
    other = build_release(tmp_path / "other", num_examples=69, seed=SEED + 1, configs=["cuda"], generator="random")
    assert other.files["cuda"]
    mine = {r for s in SPLITS for r in read_split(release, "cuda", s).column("python_source").to_pylist()}
    # 3 kernels per category split 2/1/0: no test split, so none is written
    assert sorted(p.name for p in (tmp_path / "other" / "cuda").iterdir()) == [
        "train-00000-of-00001.parquet",
        "validation-00000-of-00001.parquet",
    ]
    theirs = {
        r
        for s in ("train", "validation")
        for r in read_split(tmp_path / "other", "cuda", s).column("python_source").to_pylist()
    }
    assert len(theirs) == 69 and not mine & theirs


def test_the_builder_gives_the_same_rows_as_the_cli_release(release, tmp_path):
    builder = WarpIRPairs(
        config_name="cpu", generator="random", num_examples=NUM_EXAMPLES, seed=SEED, cache_dir=str(tmp_path / "cache")
    )
    builder.download_and_prepare(num_proc=2)
    ds = builder.as_dataset()
    for split in SPLITS:
        assert ds[split].data.table.equals(read_split(release, "cpu", split).cast(ds[split].data.table.schema))
        assert ds[split].to_list() == datasets.Dataset(read_split(release, "cpu", split)).to_list()


def test_streaming_the_builder_yields_the_planned_kernels():
    builder = WarpIRPairs(config_name="cuda", generator="random", num_examples=161, seed=SEED)  # 7 per category: 5/1/1
    stream = builder.as_streaming_dataset(split="test")
    rows = list(stream)
    plan = make_plan(SEED, 161)
    assert [r["id"] for r in rows] == [k.id for k in plan.splits["test"]]
    assert all(r["cuda_forward"].startswith('extern "C" __global__ void') for r in rows)


def test_a_long_stream_is_planned_block_by_block_from_disjoint_indices(monkeypatch):
    monkeypatch.setattr(builder.plan.planner, "STREAM_BLOCK", 46)
    stream = WarpIRPairs(config_name="cpu", generator="random", num_examples=100, seed=SEED).as_streaming_dataset(
        split="train"
    )
    assert stream.num_shards == 3  # blocks of 46, 46 and 8 kernels
    ids = [row["id"] for row in stream]
    blocks = [block_plan(SEED, block, size) for block, size in ((0, 46), (1, 46), (2, 8))]
    assert ids == [k.id for plan in blocks for k in plan.splits["train"]]
    assert len(ids) == len(set(ids)) == 100  # 2 kernels per category and block: both go to train
    # Block 0 is the release plan of the same arguments; later blocks draw from their own index ranges.
    assert [k.id for k in blocks[0].splits["train"]] == [k.id for k in make_plan(SEED, 46).splits["train"]]
    ranges = [(min(k.index for k in p.splits["train"]), max(k.index for k in p.splits["train"])) for p in blocks]
    assert ranges[0][1] < ranges[1][0] and ranges[1][1] < ranges[2][0]


def test_a_stream_of_a_hundred_million_kernels_starts_with_the_first_block():
    stream = WarpIRPairs(config_name="paired", generator="random", num_examples=10**8, seed=SEED).as_streaming_dataset(
        split="train"
    )
    assert stream.num_shards == 10**5
    rows = list(stream.take(3))
    assert [r["id"] for r in rows] == [k.id for k in make_plan(SEED, 1000).splits["train"][:3]]
    assert all(r["cpp_forward"] and r["cuda_forward"] for r in rows)


def test_torch_workers_share_the_blocks_of_a_builder_stream(monkeypatch):
    from torch.utils.data import DataLoader

    monkeypatch.setattr(builder.plan.planner, "STREAM_BLOCK", 46)
    stream = WarpIRPairs(config_name="cuda", generator="random", num_examples=92, seed=SEED).as_streaming_dataset(
        split="train"
    )
    loader = DataLoader(stream.select_columns(["id"]), batch_size=10, num_workers=2)
    ids = [i for batch in loader for i in batch["id"]]
    expected = [k.id for block in (0, 1) for k in block_plan(SEED, block, 46).splits["train"]]
    assert sorted(ids) == sorted(expected) and len(ids) == 92


def test_builder_rejects_bad_config_values():
    with pytest.raises(ValueError, match=r"'metal' not found. Available: \['cpu', 'cuda', 'paired', 'real'\]"):
        WarpIRPairs(config_name="metal")
    with pytest.raises(ValueError, match="num_examples -1"):
        WarpIRPairs(config_name="cpu", generator="random", num_examples=-1)
    with pytest.raises(ValueError, match="split ratios"):
        WarpIRPairs(config_name="cpu", split_ratios=(0.9, 0.2, 0.1))


def test_parquet_files_carry_the_datasets_schema(release):
    schema = pq.read_schema(release / "paired" / "train-00000-of-00001.parquet")
    assert b"huggingface" in schema.metadata
    assert schema.names == list(features("paired"))


def test_a_split_past_the_file_size_limit_rolls_over_into_numbered_files(release, tmp_path, monkeypatch):
    monkeypatch.setattr(
        builder.release.writer, "MAX_FILE_BYTES", 4_000_000
    )  # about 35 paired rows: every row group starts a file
    out = tmp_path / "rolled"
    build_release(
        out,
        num_examples=NUM_EXAMPLES,
        seed=SEED,
        configs=["paired", "cpu"],
        num_proc=1,
        command="pytest",
        generator="random",
    )
    train = sorted(p.name for p in (out / "paired").glob("train-*"))
    assert train == [f"train-{i:05d}-of-00004.parquet" for i in range(4)]  # 322 rows in groups of 100
    assert [pq.ParquetFile(out / "paired" / name).metadata.num_rows for name in train] == [100, 100, 100, 22]
    assert sorted(p.name for p in (out / "cpu").glob("validation-*")) == ["validation-00000-of-00001.parquet"]
    for config in ("paired", "cpu"):
        for split in SPLITS:
            assert read_split(out, config, split).equals(read_split(release, config, split))
    assert (
        datasets.load_dataset(str(out), "paired", split="train")["id"]
        == read_split(release, "paired", "train").column("id").to_pylist()
    )
    assert not list(out.rglob("*.partial"))
