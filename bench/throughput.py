"""Throughput and memory of the build against Warp's own floor, in one command.

    python bench/throughput.py                       # everything, about 17 minutes on 2 cores
    python bench/throughput.py --memory-kernels 0    # without the 100,000-kernel memory run
    python bench/throughput.py --generator random    # the random synthesizer's kernels instead

Every phase runs the kernels of ``--generator`` (default: the builder's default).

Each measurement runs in a fresh Python process (so peak resident memory is its own):

- ``floor``: the raw Warp floor. The same kernels the pipeline plans, each executed under
  ``@wp.kernel`` from its source, then ``ModuleBuilder`` plus ``codegen("cpu")`` and
  ``codegen("cuda")``: Warp's own work, with no synthesis, no rows and no I/O.
- ``pipeline``: ``build_release`` (plan, synthesize, extract, rows, Arrow, parquet for the three
  configs, plots, card) at ``num_proc`` 1 and 2.
- ``compile-floor``: the same kernels compiled by Warp directly, one module per kernel:
  ``wp.compile_aot_module`` for the CPU (Clang, Warp's default options) and to PTX for sm_90.
- ``compile``: ``build_release(..., verify="compile")`` at ``num_proc`` 1.
- ``memory``: ``build_release`` of ``--memory-kernels`` kernels at ``num_proc`` 2.

The floor and the two pipeline runs are repeated (``--repeat``, default 2) in rounds (floor, one
process, two processes, then again) and the fastest run of each counts, since other load on the
machine only ever slows a run down. It prints kernels per second
for each, the pipeline/floor ratios, the 2-process scaling and
peak resident memory per process, checks them against the targets, writes every figure to
``--json`` and exits 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"pipeline_over_floor": 0.8, "scaling_2_over_1": 1.7, "peak_rss_mb": 500.0, "compile_over_floor": 0.8}


class TreeMemory:
    """Peak resident memory of this process (``ru_maxrss``) and of each process under it, sampled.

    Worker processes (``datasets``' pool, the planning pool, the verify worker) are read from
    ``/proc/<pid>/status`` (``VmHWM``: their own peak) every ``interval`` seconds while they live.
    ``RUSAGE_CHILDREN`` is not used: it also counts short-lived fork-and-exec helpers, whose peak is
    their parent's size at the fork.
    """

    def __init__(self, interval: float = 0.1) -> None:
        self.interval = interval
        self.workers: dict[int, float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> TreeMemory:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()

    def peaks(self) -> dict[str, float]:
        to_mb = 1024 / 1e6  # ru_maxrss and VmHWM are in KiB
        return {
            "self": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * to_mb, 1),
            "workers": round(max(self.workers.values(), default=0.0) * to_mb, 1),
            "worker_processes": len(self.workers),
        }

    def _sample(self) -> None:
        from builder.interrupts import descendants

        while not self.stop.wait(self.interval):
            for pid in descendants(os.getpid()):
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                except OSError:
                    continue  # it ended meanwhile
                if b"python" in cmdline:
                    hwm = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
                    self.workers[pid] = max(self.workers.get(pid, 0), hwm)


def planned_specs(seed: int, count: int, generator: str) -> list:
    """The specs of the kernels the pipeline plans, in index order, synthesized before any timing."""
    from builder.plan.planner import make_plan

    plan = make_plan(seed, count, generator=generator)
    return [k.spec for k in sorted((k for kernels in plan.splits.values() for k in kernels), key=lambda k: k.index)]


def load(warp, spec, name: str):
    """``spec``'s kernel executed from its source in a fresh module, as Warp reads any kernel."""
    import linecache
    import types

    source = spec.python_source
    linecache.cache["kernel.py"] = (len(source), None, source.splitlines(True), "kernel.py")
    module = types.ModuleType(name)
    module.__file__ = "kernel.py"
    module.wp = warp
    sys.modules[name] = module
    exec(compile(source, "kernel.py", "exec"), module.__dict__)
    return getattr(module, spec.kernel_name)


def forget(context, name: str) -> None:
    context.user_modules.pop(name, None)
    sys.modules.pop(name, None)


def phase_floor(args) -> dict:
    specs = planned_specs(args.seed, args.kernels, args.generator)
    import warp
    import warp._src.context as context

    warp.config.log_level = warp.LOG_ERROR
    started = time.perf_counter()
    for i, spec in enumerate(specs):
        name = f"bench_floor_{i}"
        module = load(warp, spec, name).module
        module.options["strip_hash"] = True
        builder = context.ModuleBuilder(module, module.resolve_options(warp.config) | {"output_arch": None})
        builder.codegen("cpu")
        builder.codegen("cuda")
        forget(context, name)
    seconds = time.perf_counter() - started
    return {
        "kernels": len(specs),
        "seconds": round(seconds, 2),
        "kernels_per_second": round(len(specs) / seconds, 2),
    }


def phase_compile_floor(args) -> dict:
    specs = planned_specs(args.seed, args.verify_kernels, args.generator)
    import warp
    import warp._src.context as context

    warp.config.log_level = warp.LOG_ERROR
    warp.init()
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        for i, spec in enumerate(specs):
            name = f"bench_compile_floor_{i}"
            module = load(warp, spec, name).module
            warp.compile_aot_module(module, device="cpu", module_dir=folder, strip_hash=True)
            warp.compile_aot_module(module, arch=90, use_ptx=True, module_dir=folder, strip_hash=True)
            forget(context, name)
        seconds = time.perf_counter() - started
    return {
        "kernels": len(specs),
        "seconds": round(seconds, 2),
        "kernels_per_second": round(len(specs) / seconds, 2),
    }


def phase_pipeline(args) -> dict:
    from builder.codegen.ir import import_warp
    from builder.release.writer import build_release
    from builder.schema import CONFIGS

    import_warp()  # the floor is timed after Warp's import too
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        summary = build_release(
            Path(folder) / "release",
            num_examples=args.count,
            seed=args.seed,
            configs=CONFIGS,
            num_proc=args.num_proc,
            verify=args.verify,
            generator=args.generator,
        )
        seconds = time.perf_counter() - started
        size = sum(p.stat().st_size for paths in summary.files.values() for p in paths)
    return {
        "kernels": summary.num_kernels,
        "num_proc": args.num_proc,
        "verify": args.verify,
        "seconds": round(seconds, 2),
        "seconds_generating": round(summary.seconds_generating, 2),
        "kernels_per_second": round(summary.num_kernels / seconds, 2),
        "parquet_mb": round(size / 1e6, 1),
    }


PHASES = {"floor": phase_floor, "compile-floor": phase_compile_floor, "pipeline": phase_pipeline}


def run_phase(phase: str, args, repeat: int = 1, **extra) -> dict:
    """Run one phase ``repeat`` times, each in a fresh interpreter.

    Returns the figures of the fastest run plus every run's rate.
    """
    return _fastest([_run_once(phase, args, **extra) for _ in range(repeat)])


def run_rounds(args, phases: dict[str, tuple[str, dict]]) -> dict[str, dict]:
    """Name -> ``run_phase``'s figures of each of ``phases`` (name -> (phase, extra)), run in
    ``args.repeat`` rounds of one run each: a machine that slows down for a few minutes then
    slows every phase's run of that round, not all runs of one phase."""
    runs: dict[str, list[dict]] = {name: [] for name in phases}
    for _ in range(args.repeat):
        for name, (phase, extra) in phases.items():
            runs[name].append(_run_once(phase, args, **extra))
    return {name: _fastest(found) for name, found in runs.items()}


def _fastest(runs: list[dict]) -> dict:
    best = max(runs, key=lambda r: r["kernels_per_second"])
    return best | {"runs_kernels_per_second": [r["kernels_per_second"] for r in runs]}


def _run_once(phase: str, args, **extra) -> dict:
    command = [
        sys.executable,
        __file__,
        "--phase",
        phase,
        "--seed",
        str(args.seed),
        "--kernels",
        str(args.kernels),
        "--verify-kernels",
        str(args.verify_kernels),
        "--generator",
        args.generator,
    ]
    for key, value in extra.items():
        command += [f"--{key.replace('_', '-')}", str(value)]
    env = dict(os.environ, HF_DATASETS_DISABLE_PROGRESS_BARS="1", PYTHONPATH=str(ROOT))
    label = " ".join([phase, *(f"{k}={v}" for k, v in extra.items())])
    print(f"[{time.strftime('%H:%M:%S')}] {label} ...", file=sys.stderr, flush=True)
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"bench: phase {label} failed with exit code {done.returncode}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"[{time.strftime('%H:%M:%S')}] {label}: {figures}", file=sys.stderr, flush=True)
    return figures


def machine() -> dict:
    import importlib.metadata as metadata

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kb = int(
        next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024**2, 1),
        "gpu": "none",
        "python": platform.python_version(),
        **{package: metadata.version(package) for package in ("warp-lang", "datasets", "pyarrow")},
    }


def summarize(results: dict) -> tuple[list[str], bool]:
    floor, one, two = results["floor"], results["pipeline_1"], results["pipeline_2"]
    ratio = one["kernels_per_second"] / floor["kernels_per_second"]
    scaling = two["kernels_per_second"] / one["kernels_per_second"]
    checks = {
        "pipeline_over_floor": ratio >= TARGETS["pipeline_over_floor"],
        "scaling_2_over_1": scaling >= TARGETS["scaling_2_over_1"],
    }
    lines = [
        f"machine: {results['machine']['cpu']}, {results['machine']['cores']} cores, "
        f"{results['machine']['memory_gb']} GB, no GPU; "
        f"warp-lang {results['machine']['warp-lang']}, datasets {results['machine']['datasets']}",
        f"raw Warp floor (ModuleBuilder + codegen cpu and cuda), 1 process: {floor['kernels']} kernels in "
        f"{floor['seconds']} s, {floor['kernels_per_second']} kernels/s",
        f"pipeline, num_proc 1: {one['seconds']} s, {one['kernels_per_second']} kernels/s; pipeline/floor {ratio:.2f} "
        f"(target >= {TARGETS['pipeline_over_floor']})",
        f"pipeline, num_proc 2: {two['seconds']} s, {two['kernels_per_second']} kernels/s; scaling {scaling:.2f}x "
        f"(target >= {TARGETS['scaling_2_over_1']}); "
        f"per process {two['kernels_per_second'] / 2 / floor['kernels_per_second']:.2f} of the floor",
        "peak resident memory per process: num_proc 1 "
        f"{max(one['peak_rss_mb']['self'], one['peak_rss_mb']['workers'])} MB, num_proc 2 "
        f"{max(two['peak_rss_mb']['self'], two['peak_rss_mb']['workers'])} MB",
    ]
    results["ratios"] = {"pipeline_over_floor": round(ratio, 3), "scaling_2_over_1": round(scaling, 3)}
    # Each round runs floor, one process and two back to back: its ratios see one machine speed.
    rates = [x["runs_kernels_per_second"] for x in (floor, one, two)]
    by_round = [(o / f, t / o) for f, o, t in zip(*rates, strict=False)]
    results["ratios"]["by_round"] = [
        {"pipeline_over_floor": round(a, 3), "scaling_2_over_1": round(b, 3)} for a, b in by_round
    ]
    lines.append(
        "round by round (the targets read the fastest runs above): pipeline/floor "
        + ", ".join(f"{a:.2f}" for a, _ in by_round)
        + "; scaling "
        + ", ".join(f"{b:.2f}x" for _, b in by_round)
    )
    if "compile_floor" in results:
        cfloor, compiled = results["compile_floor"], results["compile"]
        cratio = compiled["kernels_per_second"] / cfloor["kernels_per_second"]
        checks["compile_over_floor"] = cratio >= TARGETS["compile_over_floor"]
        results["ratios"]["compile_over_floor"] = round(cratio, 3)
        lines += [
            f"compile floor (wp.compile_aot_module: CPU, then PTX sm_90, per kernel), 1 process: {cfloor['kernels']} "
            f"kernels in {cfloor['seconds']} s, {cfloor['kernels_per_second']} kernels/s",
            f"--verify compile, num_proc 1: {compiled['seconds']} s, {compiled['kernels_per_second']} kernels/s; over "
            f"its floor {cratio:.2f} (target >= {TARGETS['compile_over_floor']})",
        ]
    if "memory" in results:
        memory = results["memory"]
        peak = max(memory["peak_rss_mb"]["self"], memory["peak_rss_mb"]["workers"])
        checks["peak_rss_mb"] = peak < TARGETS["peak_rss_mb"]
        lines.append(
            f"{memory['kernels']} kernels, num_proc 2: {memory['seconds']} s, {memory['kernels_per_second']} "
            f"kernels/s, {memory['parquet_mb']} MB of parquet; "
            f"peak resident memory: main process {memory['peak_rss_mb']['self']} MB, largest worker "
            f"{memory['peak_rss_mb']['workers']} MB (target < {TARGETS['peak_rss_mb']:g})"
        )
    results["targets"] = {name: {"target": TARGETS[name], "met": met} for name, met in checks.items()}
    lines.append("targets: " + ", ".join(f"{name} {'met' if met else 'MISSED'}" for name, met in checks.items()))
    return lines, all(checks.values())


def main() -> int:
    sys.path.insert(0, str(ROOT))  # the checkout's generators, as the phases (PYTHONPATH) use
    from generators import DEFAULT_GENERATOR, GENERATORS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--kernels", type=int, default=2000, help="kernels of the floor and pipeline runs (default: 2000)"
    )
    parser.add_argument(
        "--verify-kernels", type=int, default=100, help="kernels of the compile runs; 0 skips them (default: 100)"
    )
    parser.add_argument(
        "--memory-kernels", type=int, default=100_000, help="kernels of the memory run; 0 skips it (default: 100000)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--generator", choices=GENERATORS, default=DEFAULT_GENERATOR, help="whose kernels every phase runs"
    )
    parser.add_argument(
        "--repeat", type=int, default=2, help="runs of the floor and pipeline phases; the fastest counts (default: 2)"
    )
    parser.add_argument("--json", default=str(ROOT / "bench" / "results.json"), help="where to write the figures")
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--num-proc", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--verify", default="codegen", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        with TreeMemory() as memory:
            figures = PHASES[args.phase](args)
        print(json.dumps(figures | {"peak_rss_mb": memory.peaks()}))
        return 0
    for name, minimum in (("kernels", 1), ("repeat", 1), ("verify_kernels", 0), ("memory_kernels", 0)):
        if getattr(args, name) < minimum:
            parser.error(f"--{name.replace('_', '-')} {getattr(args, name)}: must be >= {minimum}")

    started = time.perf_counter()
    results: dict = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": machine(),
        "seed": args.seed,
        "generator": args.generator,
    }
    results |= run_rounds(
        args,
        {
            "floor": ("floor", {}),
            "pipeline_1": ("pipeline", {"count": args.kernels, "num_proc": 1}),
            "pipeline_2": ("pipeline", {"count": args.kernels, "num_proc": 2}),
        },
    )
    if args.verify_kernels:
        results["compile_floor"] = run_phase("compile-floor", args)
        results["compile"] = run_phase("pipeline", args, count=args.verify_kernels, num_proc=1, verify="compile")
    if args.memory_kernels:
        results["memory"] = run_phase("pipeline", args, count=args.memory_kernels, num_proc=2)
    lines, met = summarize(results)
    results["seconds"] = round(time.perf_counter() - started, 1)
    Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    print("\n".join(lines))
    print(f"figures written to {args.json} ({results['seconds']} s in all)")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
