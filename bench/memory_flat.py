"""Resident memory while extracting many kernels: it must stay flat.

Runs the builder's per-shard row generator (``builder.rows.generate_rows``, the code every
``_generate_examples`` shard runs) over a plan of N kernels in one process and samples resident
memory every ``--every`` kernels. Exit status 1 when memory grows by ``--limit-mb`` or more
between the first sample and the last.

    python bench/memory_flat.py --num-examples 20000 --every 2000 --limit-mb 50
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from builder.plan import make_plan
from builder.rows import generate_rows


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num-examples", type=int, default=20000)
    parser.add_argument("--every", type=int, default=2000)
    parser.add_argument("--limit-mb", type=float, default=50.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--config", default="paired")
    args = parser.parse_args()

    plan = make_plan(args.seed, args.num_examples)
    kernels = [k for split in plan.splits.values() for k in split]
    samples = []
    started = time.perf_counter()
    for done, _row in enumerate(generate_rows(kernels, args.config), start=1):
        if done % args.every == 0:
            samples.append({"kernels": done, "rss_mb": round(rss_mb(), 1), "seconds": round(time.perf_counter() - started, 1)})
            print(json.dumps(samples[-1]), flush=True)
    growth = samples[-1]["rss_mb"] - samples[0]["rss_mb"]
    rate = len(kernels) / (time.perf_counter() - started)
    print(json.dumps({"growth_mb": round(growth, 1), "limit_mb": args.limit_mb, "kernels_per_second": round(rate, 1)}))
    return 0 if growth < args.limit_mb else 1


if __name__ == "__main__":
    sys.exit(main())
