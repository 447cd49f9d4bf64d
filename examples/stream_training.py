"""Stream a release into a PyTorch training loop: format rows, shuffle with a buffer, batch with workers.

    pip install -e ".[train]"
    python examples/stream_training.py release --task python_to_cuda --style chat --num-workers 2

Nothing is downloaded up front: ``load_dataset(..., streaming=True)`` reads the parquet files as
the loop goes. ``reshard()`` cuts the split into one shard per parquet row group, and the
``DataLoader``'s workers each read their own shards. A local folder or a Hub repo id both work.
"""

from __future__ import annotations

import argparse
import sys
import time

from datasets import IterableDataset, load_dataset
from torch.utils.data import DataLoader

from builder.formatting import STYLES, TASKS, formatter


def training_stream(release: str, config: str, task: str, style: str, seed: int, buffer_size: int) -> IterableDataset:
    """The formatted, shuffled ``train`` stream of a release (one sample per row)."""
    stream = load_dataset(release, config, split="train", streaming=True).reshard()
    stream = stream.shuffle(seed=seed, buffer_size=buffer_size)
    return stream.map(formatter(task, style), remove_columns=list(stream.features))


def as_list(samples: list[dict]) -> list[dict]:
    """Collate: keep a batch as its samples (text and chat messages are not tensors yet)."""
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("release", help="release folder (or Hub repo id) written by `warp-ir-pairs build`")
    parser.add_argument("--config", default="paired", help="config to stream (default: paired)")
    parser.add_argument("--task", choices=TASKS, default="python_to_cuda")
    parser.add_argument("--style", choices=STYLES, default="prompt")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--num-workers", type=int, default=2)
    parser.add_argument("--buffer-size", type=int, default=256, help="shuffle buffer, in samples")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--show", type=int, default=2, help="batches to print in full (one sample each)")
    args = parser.parse_args(argv)

    stream = training_stream(args.release, args.config, args.task, args.style, args.seed, args.buffer_size)
    workers = min(args.num_workers, stream.num_shards)
    print(
        f"streaming {args.release} [{args.config}/train]: {stream.num_shards} shards, {workers} worker(s), task "
        f"{args.task}, style {args.style}"
    )
    loader = DataLoader(stream, batch_size=args.batch_size, num_workers=workers, collate_fn=as_list)
    started, samples, batches, ids = time.perf_counter(), 0, 0, []
    for epoch in range(args.epochs):
        stream.set_epoch(epoch)  # a new shuffle each epoch
        for batch in loader:
            if batches < args.show:
                print(f"--- batch {batches}: {len(batch)} samples, ids {[s['id'] for s in batch[:4]]} ...")
                print(_preview(batch[0]))
            batches += 1
            samples += len(batch)
            ids.extend(s["id"] for s in batch)
    seconds = time.perf_counter() - started
    print(
        f"{args.epochs} epoch(s): {batches} batches, {samples} samples ({len(set(ids))} distinct ids) in "
        f"{seconds:.1f} s, {samples / seconds:.0f} samples/s"
    )
    return 0


def _preview(sample: dict, width: int = 400) -> str:
    if "messages" in sample:
        return "\n".join(f"[{m['role']}] {m['content'][:width]}" for m in sample["messages"])
    return f"[prompt] {sample['prompt'][:width]}\n[completion] {sample['completion'][:width]}"


if __name__ == "__main__":
    sys.exit(main())
