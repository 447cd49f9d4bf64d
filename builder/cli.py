"""The ``warp-ir-pairs`` command."""

from __future__ import annotations

import argparse
import functools
import logging
import os
import shlex
import signal
import sys
from pathlib import Path
from typing import Callable, Sequence

from builder import interrupts
from builder.bounds import MAX_SEED, estimate, size_problem
from builder.errors import ReleaseError
from builder.plan.planner import validate_categories
from builder.plan.splits import DEFAULT_RATIOS, SPLITS, validate_ratios
from builder.real.harvest import DEFAULT_TIMEOUT
from builder.release.writer import ReleaseSummary, build_release, validate_configs
from builder.schema import CONFIGS
from builder.verify.compile import DEFAULT_CUDA_ARCH
from builder.verify.levels import DEFAULT_VERIFY, VERIFY_LEVELS
from generators import CATEGORIES

PROG = "warp-ir-pairs"
# Estimated builds longer than this (seconds) are announced before they start.
ESTIMATE_SHOWN_FROM = 600
EXECUTORS = ("local", "datatrove-local")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not the usage block
        self.exit(2, f"{self.prog}: error: {message}\n")


def _int_at_least(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r}: must be an integer >= {minimum}")
        return value

    parse.__name__ = f"integer >= {minimum}"
    return parse


def _int_between(minimum: int, maximum: int):
    def parse(text: str) -> int:
        value = _int_at_least(minimum)(text)
        if value > maximum:
            raise argparse.ArgumentTypeError(f"{text!r}: must be an integer from {minimum} to {maximum}")
        return value

    parse.__name__ = f"integer from {minimum} to {maximum}"
    return parse


def _configs(text: str) -> tuple[str, ...]:
    try:
        return validate_configs([c.strip() for c in text.split(",") if c.strip()])
    except ReleaseError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _categories(text: str) -> tuple[str, ...]:
    try:
        return validate_categories([c.strip() for c in text.split(",") if c.strip()])
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _ratios(text: str) -> tuple[float, float, float]:
    try:
        return validate_ratios([float(r) for r in text.split(",")])
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r}: {error}") from None


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Python -> Warp C++/CUDA IR pairs as a Hugging Face dataset.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    build = commands.add_parser("build", help="synthesize kernels, run Warp's code generator, write a parquet release")
    build.add_argument("--num-examples", type=_int_at_least(1), default=2000, metavar="N", help="unique kernels to deliver (default: 2000)")
    build.add_argument(
        "--seed", type=_int_between(0, MAX_SEED), default=0, metavar="S", help="seed of every random choice, 0..2**63-1 (default: 0)"
    )
    build.add_argument("--out", required=True, metavar="DIR", help="release folder to create")
    build.add_argument("--configs", type=_configs, default=CONFIGS, metavar="LIST", help=f"comma-separated subset of {','.join(CONFIGS)} (default: all)")
    build.add_argument("--num-proc", type=_int_at_least(1), default=os.cpu_count() or 1, metavar="P", help="worker processes; with datatrove-local, tasks run at a time (default: all cores)")
    build.add_argument(
        "--split-ratios",
        type=_ratios,
        default=DEFAULT_RATIOS,
        metavar="R,R,R",
        help=f"{'/'.join(SPLITS)} ratios, comma-separated, summing to 1 (default: {','.join(map(str, DEFAULT_RATIOS))})",
    )
    build.add_argument("--categories", type=_categories, default=None, metavar="LIST", help=f"comma-separated subset of: {','.join(CATEGORIES)}")
    build.add_argument("--num-shards", type=_int_at_least(1), default=None, metavar="K", help="shards per split (default: automatic)")
    build.add_argument("--overwrite", action="store_true", help="replace an existing release in --out")
    build.add_argument("--yes", action="store_true", help="build even if the estimated time or disk is beyond this machine")
    build.add_argument(
        "--verify",
        choices=VERIFY_LEVELS,
        default=DEFAULT_VERIFY,
        help="codegen: Warp's code generator only (default); compile: also compile C++ natively and CUDA to PTX; "
        "execute: also launch each kernel on the CPU and record input/output examples",
    )
    build.add_argument("--cuda-arch", type=_int_at_least(1), default=DEFAULT_CUDA_ARCH, metavar="SM", help=f"PTX target of --verify compile/execute (default: {DEFAULT_CUDA_ARCH}, i.e. sm_{DEFAULT_CUDA_ARCH})")
    build.add_argument("--drop-failed", action="store_true", help="leave kernels that fail a verification stage out of the release (default: keep them, flagged)")
    build.add_argument(
        "--executor",
        choices=EXECUTORS,
        default="local",
        help="local: the datasets builder (default); datatrove-local: one datatrove task per shard, --num-proc at a time, "
        "resumable: rerun the same command after a kill or failure (needs the datatrove extra)",
    )
    build.add_argument(
        "--work-dir",
        default=None,
        metavar="DIR",
        help="datatrove-local: folder of the plan, tasks, shard files and logs, removed once the release is written (default: .<out name>.work beside --out)",
    )
    extract = commands.add_parser(
        "extract", help="pairs from real code: import Python files (each in a child process), extract every @wp.kernel, write a release"
    )
    extract.add_argument("paths", nargs="*", metavar="PATH", help="Python files, or folders searched for .py files")
    extract.add_argument("--warp-examples", action="store_true", help="also the examples of the installed warp package (warp/examples)")
    extract.add_argument("--out", required=True, metavar="DIR", help="release folder to create")
    extract.add_argument("--configs", type=_configs, default=CONFIGS, metavar="LIST", help=f"comma-separated subset of {','.join(CONFIGS)} (default: all)")
    extract.add_argument("--split", default="test", metavar="NAME", help="the split of every row (default: test)")
    extract.add_argument("--num-proc", type=_int_at_least(1), default=os.cpu_count() or 1, metavar="P", help="files imported at once (default: all cores)")
    extract.add_argument("--timeout", type=_seconds, default=DEFAULT_TIMEOUT, metavar="S", help=f"seconds a file may take, import and code generation (default: {DEFAULT_TIMEOUT:g})")
    extract.add_argument(
        "--exclude-release", action="append", default=[], metavar="DIR", help="leave out kernels structurally equal to one of this release (repeatable)"
    )
    extract.add_argument("--license", default=None, metavar="ID", help="license of the files, a Hub license id (default: apache-2.0 with --warp-examples alone, else unknown)")
    extract.add_argument("--strict", action="store_true", help="exit 1 and write nothing if any file or kernel fails (default: release the rest, list the failures)")
    extract.add_argument("--overwrite", action="store_true", help="replace an existing release in --out")
    stats = commands.add_parser("stats", help="coverage report of a release: builtins, value types, constructs, lines, duplicates")
    stats.add_argument("release", metavar="DIR", help="a release folder written by `build`")
    stats.add_argument("--json", action="store_true", help="print the figures as JSON")
    check = commands.add_parser("validate", help="check a release folder: card, images, parquet, load, schema, counts, ids, alignment, leakage, IR")
    check.add_argument("release", metavar="DIR", help="a release folder")
    push = commands.add_parser("push", help="upload a release to a Hugging Face Hub dataset repo in one commit")
    push.add_argument("release", metavar="DIR", help="a release folder written by `build`")
    push.add_argument("--repo-id", required=True, metavar="OWNER/NAME", help="the dataset repo (created if missing)")
    push.add_argument("--private", action="store_true", help="create the repo private (an existing repo keeps its visibility)")
    push.add_argument("--revision", default=None, metavar="R", help="branch to commit to, created from main if missing (default: main)")
    push.add_argument("--token", default=None, metavar="T", help="Hub token with write access (default: HF_TOKEN, else the saved login)")
    push.add_argument("--dry-run", action="store_true", help="print the planned repo, branch and commit; send nothing")
    push.add_argument("--no-validate", action="store_true", help="push even if the release fails `validate` (default: refuse)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = make_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format=f"{PROG}: %(levelname)s: %(message)s")
    if args.command == "stats":
        return stats(args.release, args.json)
    if args.command == "validate":
        return validate(args.release)
    if args.command == "extract":
        return extract(args, shlex.join([PROG, *argv]), parser)
    if args.command == "push":
        return push(
            args.release, args.repo_id, private=args.private, revision=args.revision, token=args.token, dry_run=args.dry_run, validate=not args.no_validate
        )
    if args.work_dir is not None and args.executor != "datatrove-local":
        parser.error("argument --work-dir: only with --executor datatrove-local")
    cost = estimate(args.num_examples, args.verify, min(args.num_proc, os.cpu_count() or 1))
    too_big = size_problem(cost, Path(args.out).absolute())
    if too_big and not args.yes:
        beyond = f"--num-examples {args.num_examples} is beyond this machine ({too_big}): {cost.line()}"
        print(f"{PROG}: error: {beyond}; pass --yes to build it anyway", file=sys.stderr)
        return 1
    if too_big or cost.seconds > ESTIMATE_SHOWN_FROM:
        print(f"{PROG}: estimate for {args.num_examples} kernels: {cost.line()}", file=sys.stderr)
    interrupts.install()
    try:
        build = build_release if args.executor == "local" else _datatrove_build(args.work_dir)
        summary = build(
            args.out,
            args.num_examples,
            seed=args.seed,
            configs=args.configs,
            split_ratios=args.split_ratios,
            categories=args.categories,
            num_proc=args.num_proc,
            num_shards=args.num_shards,
            overwrite=args.overwrite,
            command=shlex.join([PROG, *argv]),
            verify=args.verify,
            cuda_arch=args.cuda_arch,
            drop_failed=args.drop_failed,
        )
        interrupts.settle()
    except BaseException as error:
        interrupts.settle()
        if interrupts.received() is None and not isinstance(error, KeyboardInterrupt):
            interrupts.uninstall()
            if isinstance(error, ReleaseError):
                print(f"{PROG}: error: {error}", file=sys.stderr)
                return 1
            raise
        resumable = args.executor == "datatrove-local" and not interrupts.written()
        resume = "; rerun the same command to resume" if resumable else ""
        return _interrupted(args.out, resume)
    if interrupts.received() is not None:  # during the final move, which completed
        return _interrupted(args.out, "")
    print(format_summary(summary))
    interrupts.uninstall()
    return 0


def _interrupted(out: str, resume: str) -> int:
    """Print the one line of an interrupted command; its exit status (130 for SIGINT, 143 for SIGTERM)."""
    print(f"{PROG}: {interrupts.message(out)}{resume}", file=sys.stderr)
    status = interrupts.exit_status(interrupts.received() or signal.SIGINT)
    interrupts.uninstall()
    return status


def extract(args: argparse.Namespace, command: str, parser: argparse.ArgumentParser) -> int:
    """``warp-ir-pairs extract``: a release of the kernels in ``args.paths`` (see ``builder.real.release``)."""
    from builder.real.release import (
        WARP_EXAMPLES_LICENSE,
        extract_release,
        release_hashes,
    )
    from builder.real.rows import warp_examples_folder

    paths = [*args.paths, *([warp_examples_folder()] if args.warp_examples else [])]
    if not paths:
        parser.error("give PATH (Python files or folders) or --warp-examples")
    license = args.license or (WARP_EXAMPLES_LICENSE if args.warp_examples and not args.paths else "unknown")
    try:
        exclude = set().union(*(release_hashes(r) for r in args.exclude_release))
        summary = extract_release(
            paths, args.out, args.configs, args.split, args.timeout, args.num_proc, args.overwrite, exclude, license, args.strict, command
        )
    except ReleaseError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; no release written", file=sys.stderr)
        return 130
    print("\n".join(summary.lines()))
    return 0


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r}: must be > 0 seconds")
    return value


def _datatrove_build(work_dir: str | None) -> Callable[..., ReleaseSummary]:
    """``build_with_datatrove`` with ``work_dir``; ``ReleaseError`` if datatrove is not installed."""
    try:
        from builder.executors.datatrove import build_with_datatrove
    except ImportError as error:
        if (error.name or "").partition(".")[0] in ("builder", "generators"):
            raise  # this project's own import failed: not a missing extra
        raise ReleaseError(f"--executor datatrove-local needs datatrove ({error}); install it with: pip install -e \".[datatrove]\"") from None
    return functools.partial(build_with_datatrove, work_dir=work_dir)


def stats(release: str, as_json: bool) -> int:
    """Print the coverage report of the release in ``release``."""
    import json
    from pathlib import Path

    from huggingface_hub import DatasetCard

    from builder.release.card import PLANNING_KEY
    from builder.release.stats import measure, release_table_files, report

    folder = Path(release)
    try:
        if not (folder / "README.md").is_file():
            raise FileNotFoundError(f"{folder}: not a release (no README.md card)")
        planning = DatasetCard.load(folder / "README.md").data.to_dict().get(PLANNING_KEY, {})
        coverage = measure(release_table_files(folder), planning)
    except (OSError, ValueError) as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 1
    print(json.dumps(coverage.as_dict(), indent=2) if as_json else report(coverage))
    return 0


def push(release: str, repo_id: str, *, private: bool, revision: str | None, token: str | None, dry_run: bool, validate: bool = True) -> int:
    """Validate the release in ``release``, then push it to the dataset repo ``repo_id`` (see ``builder.release.hub``)."""
    from builder.release.hub import PushError, push_release

    try:
        result = push_release(release, repo_id, private=private, revision=revision, token=token, dry_run=dry_run, validate=validate)
    except PushError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 1
    print("\n".join(result.lines()))
    return 0


def validate(release: str) -> int:
    """Print one line per check of the release in ``release``; 0 only when every check passes."""
    from builder.release.checks import format_report, validate_release

    try:
        results = validate_release(release)
    except OSError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 1
    print(format_report(results))
    return 0 if all(r.passed for r in results) else 1


def format_summary(summary: ReleaseSummary) -> str:
    """The end-of-build report: counts per category and split, failures, throughput, files."""
    from builder.release.card import count_table

    plan = summary.plan
    failures = ", ".join(f"{r}: {n}" for r, n in plan.failures.most_common()) or "none"
    lines = [
        f"Built {summary.num_kernels} kernels into {summary.out}",
        "",
        count_table(plan),
        "",
        f"generation: {summary.seconds_generating:.1f} s, {summary.kernels_per_second:.1f} kernels/s "
        f"with {summary.num_proc} process(es); total {summary.seconds_total:.1f} s",
        f"plan: {plan.draws} candidates drawn, {plan.duplicates} structural duplicates dropped "
        f"({100 * plan.duplicate_rate:.2f}%)",
        f"failures by reason: {failures}",
        *summary.verification.lines(),
    ]
    for config, paths in summary.files.items():
        size = sum(p.stat().st_size for p in paths)
        lines.append(f"{config}: {len(paths)} parquet file(s), {size / 1e6:.1f} MB")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
