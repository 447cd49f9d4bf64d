"""Launch synthesized kernels on the CPU with seeded inputs (a check of the synthesizer's safety).

Inputs come from ``builder.verify.inputs``: the same seeded records the ``execute`` verification stores.

Run as ``python -m builder.verify.launch --seed S --count N [--debug]``: each kernel's id is printed
before its launch, so a crash (an assertion of Warp's debug build on an out-of-bounds index,
or SIGFPE on an integer division by zero) names the kernel that caused it.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from typing import Any

from builder.codegen.ir import import_warp, loaded_kernel
from builder.errors import one_line
from builder.verify.inputs import draw_inputs, run
from generators import CATEGORIES, KernelSpec, synthesize


def launch(spec: KernelSpec, seed: int, index: int, *, debug: bool = True) -> list[Any]:
    """Compile ``spec`` for the CPU (Warp's debug build with bounds checks if ``debug``) and run it once."""
    import_warp()
    with loaded_kernel(spec, tag=f"_s{seed}_{index}") as kernel:
        kernel.module.options["mode"] = "debug" if debug else "release"
        return run(kernel, spec, draw_inputs(spec, kernel, seed, index=index))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m builder.verify.launch", description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--count", type=int, default=len(CATEGORIES) * 2, help="kernels to launch, spread over the categories"
    )
    parser.add_argument("--start", type=int, default=0, help="first index")
    parser.add_argument("--release-build", action="store_true", help="compile without Warp's debug checks")
    args = parser.parse_args(argv)
    picker = random.Random(f"warp-ir-pairs/launch/{args.seed}")
    indices = sorted(picker.sample(range(args.start, args.start + 100 * args.count), args.count))
    started = time.perf_counter()
    failures: Counter = Counter()
    for n, index in enumerate(indices, 1):
        spec = synthesize(args.seed, index)
        print(
            f"launch {n}/{len(indices)} seed={args.seed} index={index} {spec.category} {spec.kernel_name}", flush=True
        )
        try:
            launch(spec, args.seed, index, debug=not args.release_build)
        except Exception as error:  # a kernel that does not compile or launch: count it, go on
            reason = one_line(error, limit=120)
            failures[reason] += 1
            print(f"FAILED seed={args.seed} index={index}: {reason}\n{spec.python_source}", flush=True)
    seconds = time.perf_counter() - started
    print(
        f"launched {len(indices) - sum(failures.values())} of {len(indices)} kernels without a crash in {seconds:.1f} "
        "s",
        flush=True,
    )
    for reason, count in failures.most_common():
        print(f"failed: {count} x {reason}", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
