"""Resident memory while building many kernels: it must stay flat.

Builds a ``paired`` dataset of N kernels through ``WarpIRPairs.download_and_prepare`` in one
process (synthesis, Warp code generation and ``datasets``' Arrow writing all included) and
samples resident memory every ``--every`` kernels. Exit status 1 when memory grows by
``--limit-mb`` or more between the first sample and the last.

    python bench/memory_flat.py --num-examples 20000 --every 2000 --limit-mb 50
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time

from warp_ir_pairs import WarpIRPairs


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
    if not 0 < args.every <= args.num_examples:
        parser.error(f"--every {args.every}: must be between 1 and --num-examples ({args.num_examples})")

    samples: list[dict] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as cache:
        builder = WarpIRPairs(config_name=args.config, num_examples=args.num_examples, seed=args.seed, cache_dir=cache)
        generate = builder._generate_examples
        counter = {"n": 0}

        def counting(**kwargs):
            for key, row in generate(**kwargs):
                yield key, row
                counter["n"] += 1
                if counter["n"] % args.every == 0:
                    samples.append(
                        {
                            "kernels": counter["n"],
                            "rss_mb": round(rss_mb(), 1),
                            "seconds": round(time.perf_counter() - started, 1),
                        }
                    )
                    print(json.dumps(samples[-1]), flush=True)

        builder._generate_examples = counting  # every row passes through; sampling is all it adds
        builder.download_and_prepare()
    growth = samples[-1]["rss_mb"] - samples[0]["rss_mb"]
    rate = counter["n"] / (time.perf_counter() - started)
    print(
        json.dumps(
            {
                "kernels": counter["n"],
                "growth_mb": round(growth, 1),
                "limit_mb": args.limit_mb,
                "kernels_per_second": round(rate, 1),
            }
        )
    )
    return 0 if growth < args.limit_mb else 1


if __name__ == "__main__":
    sys.exit(main())
