"""Training-loop ingestion: rows -> prompt/completion or chat samples, streamed and batched."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import datasets
import pytest
from conftest import read_split

from builder.formatting import STYLES, SYSTEM_PROMPT, TASKS, format_row, formatter

ROOT = Path(__file__).resolve().parent.parent

# task -> (input column, target column, fence of the target)
EXPECTED = {
    "python_to_cpp": ("python_source", "cpp_forward", "cpp"),
    "python_to_cuda": ("python_source", "cuda_forward", "cuda"),
    "cpp_to_cuda": ("cpp_forward", "cuda_forward", "cuda"),
    "python_to_backward": ("python_source", "cpp_backward", "cpp"),
}


@pytest.fixture(scope="module")
def paired_rows(release) -> list[dict]:
    return datasets.Dataset(read_split(release, "paired", "validation")).to_list()


def test_every_task_is_covered():
    assert set(TASKS) == set(EXPECTED)


@pytest.mark.parametrize("task", sorted(EXPECTED))
def test_prompt_style_puts_the_input_in_the_prompt_and_exactly_the_target_in_the_completion(paired_rows, task):
    source, target, fence = EXPECTED[task]
    for row in paired_rows:
        sample = format_row(row, task)
        assert set(sample) == {"id", "task", "prompt", "completion"}
        assert sample["id"] == row["id"] and sample["task"] == task
        assert f"\n{row[source].rstrip()}\n```" in sample["prompt"]
        assert sample["prompt"].endswith(f"```{fence}\n")
        assert sample["completion"] == f"{row[target].rstrip()}\n```"
        part = "backward" if task == "python_to_backward" else "forward"
        backend = "cpu" if fence == "cpp" else "cuda"
        assert f"`{row['kernel_name']}_{backend}_kernel_{part}`" in sample["prompt"]
        # The function the prompt names is the one the completion defines.
        assert f"{row['kernel_name']}_{backend}_kernel_{part}(" in sample["completion"]


@pytest.mark.parametrize("task", sorted(EXPECTED))
def test_chat_style_gives_system_user_assistant_messages(paired_rows, task):
    source, target, fence = EXPECTED[task]
    row = paired_rows[0]
    messages = format_row(row, task, style="chat")["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant"]
    assert messages[0]["content"] == SYSTEM_PROMPT
    assert row[source].rstrip() in messages[1]["content"]
    assert messages[2]["content"] == f"```{fence}\n{row[target].rstrip()}\n```"


def test_python_to_backward_follows_the_rows_backend(release):
    cuda_row = datasets.Dataset(read_split(release, "cuda", "test")).to_list()[0]
    sample = format_row(cuda_row, "python_to_backward")
    assert sample["completion"] == f"{cuda_row['cuda_backward'].rstrip()}\n```"
    paired_row = datasets.Dataset(read_split(release, "paired", "test")).to_list()[0]
    assert (
        format_row(paired_row, "python_to_backward", backend="cuda")["completion"]
        == f"{paired_row['cuda_backward'].rstrip()}\n```"
    )


def test_a_task_needing_a_backend_the_config_lacks_names_the_column_and_configs(release):
    cpu_row = datasets.Dataset(read_split(release, "cpu", "test")).to_list()[0]
    with pytest.raises(
        ValueError, match=r"task 'python_to_cuda' needs column 'cuda_forward', which only configs cuda, paired have"
    ):
        format_row(cpu_row, "python_to_cuda")
    with pytest.raises(
        ValueError,
        match=r"unknown task 'python_to_rust'; allowed: python_to_cpp, python_to_cuda, cpp_to_cuda, python_to_backward",
    ):
        formatter("python_to_rust")
    with pytest.raises(ValueError, match=r"backend 'cuda': task 'python_to_cpp' always targets cpu"):
        format_row(cpu_row, "python_to_cpp", backend="cuda")
    with pytest.raises(ValueError, match=r"unknown backend 'metal'; allowed: cpu, cuda"):
        format_row(cpu_row, "python_to_backward", backend="metal")
    with pytest.raises(ValueError, match=r"unknown style 'xml'; allowed: prompt, chat"):
        formatter("python_to_cpp", style="xml")


@pytest.mark.parametrize("style", STYLES)
def test_map_batched_and_unbatched_and_streaming_give_the_same_samples(release, style):
    ds = datasets.load_dataset(str(release), "paired", split="validation")
    columns = ds.column_names
    one = ds.map(formatter("cpp_to_cuda", style), remove_columns=columns)
    many = ds.map(formatter("cpp_to_cuda", style), batched=True, batch_size=7, remove_columns=columns)
    stream = datasets.load_dataset(str(release), "paired", split="validation", streaming=True)
    streamed = list(stream.map(formatter("cpp_to_cuda", style), remove_columns=columns))
    assert one.to_list() == many.to_list() == streamed
    assert len(one) == len(ds) == 69
    assert one[0] == format_row(ds[0], "cpp_to_cuda", style)


def test_the_example_script_streams_formats_shuffles_and_batches_with_two_workers(release):
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "examples" / "stream_training.py"),
            str(release),
            "--num-workers",
            "2",
            "--batch-size",
            "32",
            "--task",
            "python_to_backward",
            "--style",
            "chat",
            "--epochs",
            "2",
            "--show",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    # 322 train rows in row groups of 100: 4 shards, read by 2 workers.
    assert lines[0] == f"streaming {release} [paired/train]: 4 shards, 2 worker(s), task python_to_backward, style chat"
    assert lines[1].startswith("--- batch 0: 32 samples, ids ['s1-")
    assert lines[2] == f"[system] {SYSTEM_PROMPT}"
    assert "[assistant] ```cpp\n" in result.stdout
    assert lines[-1].startswith("2 epoch(s): 22 batches, 644 samples (322 distinct ids) in ")
