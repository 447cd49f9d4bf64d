"""The release card: metadata the Hub reads, distributions with their PNG plots, usage and citation."""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import read_split
from huggingface_hub import DatasetCard
from matplotlib.colors import to_rgb
from matplotlib.image import imread

from builder.release.layout import PLOTS_DIR
from builder.release.plots import IR_PLOT, SOURCE_PLOT, LineCounter, line_counts
from generators import GENERATOR_VERSION


def _pixels_of(image: np.ndarray, color: str) -> int:
    """Pixels within a small distance of ``color`` (anti-aliasing blurs edges)."""
    return int((np.abs(image[..., :3] - np.array(to_rgb(color))).max(axis=-1) < 0.02).sum())


def test_card_metadata_names_license_tasks_tags_and_creators(release):
    data = DatasetCard.load(release / "README.md").data
    assert data.license == "apache-2.0"
    assert data.task_categories == ["text-generation", "translation"]
    assert {"code", "nvidia-warp", "cuda", "synthetic"} <= set(data.tags)
    assert data.annotations_creators == ["machine-generated"] and data.size_categories == ["n<1K"]


def test_card_shows_both_plots_and_they_are_pngs_with_data(release):
    text = DatasetCard.load(release / "README.md").text
    shown = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert shown == [f"{PLOTS_DIR}/{SOURCE_PLOT}", f"{PLOTS_DIR}/{IR_PLOT}"]
    for path in shown:
        assert (release / path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        image = imread(release / path)
        assert image.shape[0] > 300 and image.shape[1] > 600
        # Not a blank canvas: a good share of the pixels is not white.
        assert (image[..., :3] < 0.9).any(axis=-1).mean() > 0.02
    source = imread(release / PLOTS_DIR / SOURCE_PLOT)
    assert _pixels_of(source, "#4c72b0") > 5000  # the histogram bars
    ir = imread(release / PLOTS_DIR / IR_PLOT)
    for color in ("C0", "C1", "C2", "C3"):  # one step histogram per IR column of paired
        assert _pixels_of(ir, color) > 300, color


def test_distribution_table_matches_the_parquet(release):
    text = DatasetCard.load(release / "README.md").text
    rows = {}
    for split in ("train", "validation", "test"):
        table = read_split(release, "paired", split)
        for column in ("cpp_forward", "cuda_backward"):
            rows.setdefault(column, []).extend(text.count("\n") + 1 for text in table.column(column).to_pylist())
        rows.setdefault("python_source", []).extend(m["source_lines"] for m in table.column("metadata").to_pylist())
    for column, values in rows.items():
        mean, median, p95 = np.mean(values), np.median(values), np.percentile(values, 95)
        line = f"| `{column}` | {mean:.1f} | {median:g} | {p95:.0f} | {max(values)} |"
        assert line in text, line
    counts = line_counts(sorted((release / "paired").glob("*.parquet")))
    assert list(counts) == ["python_source", "cpp_forward", "cpp_backward", "cuda_forward", "cuda_backward"]
    assert len(counts["cpp_backward"]) == 460


def test_line_counter_counts_newlines_of_sliced_chunked_and_large_string_columns():
    texts = ["", "a", "a\nb", "\n\n", "x\ny\n", "é\nü"] * 3
    expected = [t.count("\n") + 1 for t in texts]
    metadata = pa.array([{"source_lines": i} for i in range(len(texts))])
    for kind in (pa.string(), pa.large_string()):
        column = pa.chunked_array([pa.array(texts[:7], kind), pa.array(texts[7:], kind)]).slice(2)
        table = pa.table({"metadata": metadata.slice(2), "cpp_forward": column})
        counter = LineCounter(table.column_names)
        counter.add(table)
        counter.add(table.slice(5, 4).combine_chunks())
        counts = counter.result()
        assert counts["cpp_forward"].tolist() == expected[2:] + expected[7:11]
        assert counts["python_source"].tolist() == list(range(2, 18)) + list(range(7, 11))


def test_card_has_usage_for_load_dataset_streaming_formatting_and_the_builder_and_a_citation(release):
    text = DatasetCard.load(release / "README.md").text
    assert 'load_dataset("path/to/this/folder", "paired")' in text
    assert 'split="train", streaming=True).reshard()' in text
    assert 'formatter("python_to_cuda", style="chat")' in text
    assert 'WarpIRPairs(config_name="paired", num_examples=460, seed=1)' in text
    assert 'load_dataset("warp_ir_pairs.py", "cpu", num_examples=200, trust_remote_code=True)' in text
    assert "@misc{warp_ir_pairs," in text
    assert f"note         = {{warp-lang 1.19.0, generator {GENERATOR_VERSION}, seed 1, content sha256 " in text
    assert "## Limitations and intended use" in text and "| kernels with a dead statement" in text
    assert "@misc{warp2022," in text


def test_plots_are_byte_identical_for_the_same_release(release, release_two_procs):
    for name in (SOURCE_PLOT, IR_PLOT):
        assert (release / PLOTS_DIR / name).read_bytes() == (release_two_procs / PLOTS_DIR / name).read_bytes()


def test_limits_measured_in_two_processes_equal_one(release):
    from builder.release.limitations import read_sample

    files = sorted((release / "paired").glob("*.parquet"))
    one, two = read_sample(files, sample=40).result(), read_sample(files, sample=40).result(num_proc=2)
    assert one == two
    assert one.kernels == 40  # exactly the sample: the release has more rows
    assert 0.0 < one.copied_lines < 1.0
    assert one.realism["arrays_mean"] > 0


def test_limits_of_the_rows_as_written_equal_those_read_back_from_the_files(release):
    """The writer measures the card's sample on the tables it writes, in whatever groups they come."""
    from builder.release.limitations import LimitsSample, read_sample

    files = [p for split in ("train", "validation", "test") for p in sorted((release / "paired").glob(f"{split}-*"))]
    table = pa.concat_tables(pq.read_table(f) for f in files)
    sample = LimitsSample(table.schema.names, table.num_rows, sample=25)
    for start in range(0, table.num_rows, 7):  # groups of 7 rows, not the files' 100
        picked = sample.advance(min(7, table.num_rows - start))
        if picked:
            sample.add(table.slice(start, 7), picked)
    written = sample.result()
    assert written == read_sample(files, sample=25).result()
    assert written.kernels == 25 and 0.0 < written.copied_lines < 1.0
    with pytest.raises(ValueError, match="rows passed"):  # the writer's total and rows disagree
        LimitsSample(table.schema.names, table.num_rows + 1).result()
