"""The ``warp-ir-pairs`` command."""

from __future__ import annotations

import argparse
import functools
import logging
import os
import shlex
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from builder import interrupts
from builder.arguments import PROG, build_options, make_parser
from builder.bounds import estimate, size_problem
from builder.codegen.ir import start_warp_runtime
from builder.errors import OptionError, ReleaseError
from builder.evaluate import command as evaluate_command
from builder.release.writer import ReleaseSummary, build_release

# Estimated builds longer than this (seconds) are announced before they start.
ESTIMATE_SHOWN_FROM = 600


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = make_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format=f"{PROG}: %(levelname)s: %(message)s")
    if args.command == "stats":
        return stats(args.release, args.json, args.tokens)
    if args.command == "validate":
        return validate(args.release)
    if args.command == "extract":
        return extract(args, shlex.join([PROG, *argv]), parser)
    if args.command == "evaluate":
        return evaluate_command.run(args)
    if args.command == "push":
        return push(
            args.release,
            args.repo_id,
            private=args.private,
            revision=args.revision,
            token=args.token,
            dry_run=args.dry_run,
            validate=not args.no_validate,
        )
    return build(args, shlex.join([PROG, *argv]), parser)


def build(args: argparse.Namespace, command: str, parser: argparse.ArgumentParser) -> int:
    """``warp-ir-pairs build``: one line and exit 130 / 143 on SIGINT / SIGTERM, nothing left behind."""
    if args.work_dir is not None and args.executor != "datatrove-local":
        parser.error("argument --work-dir: only with --executor datatrove-local")
    try:
        options = build_options(args, parser)
    except OptionError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 1
    cost = estimate(args.num_examples, args.verify, min(args.num_proc, os.cpu_count() or 1))
    too_big = size_problem(cost, Path(args.out).absolute())
    if too_big and not args.yes:
        print(
            f"{PROG}: error: --num-examples {args.num_examples} is beyond this machine ({too_big}): {cost.line()}; "
            "pass --yes to build it anyway",
            file=sys.stderr,
        )
        return 1
    if too_big or cost.seconds > ESTIMATE_SHOWN_FROM:
        print(f"{PROG}: estimate for {args.num_examples} kernels: {cost.line()}", file=sys.stderr)
    start_warp_runtime()  # before the workers fork: none of them prints Warp's no-driver line
    datatrove = args.executor == "datatrove-local"
    interrupts.install(out=args.out, resume="; rerun the same command to resume" if datatrove else "")
    try:
        run = build_release if args.executor == "local" else _datatrove_build(args.work_dir)
        summary = run(args.out, options, overwrite=args.overwrite, command=command)
        interrupts.settle()
    except BaseException as error:
        interrupts.settle()
        if interrupts.received() is None and not isinstance(error, KeyboardInterrupt):
            interrupts.uninstall()
            if isinstance(error, (ReleaseError, OptionError)):
                print(f"{PROG}: error: {error}", file=sys.stderr)
                return 1
            raise
        datatrove_resumes = datatrove and not interrupts.written()
        return _interrupted(args.out, "; rerun the same command to resume" if datatrove_resumes else "")
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
    if not paths and not args.package:
        parser.error("give PATH (Python files or folders), --package or --warp-examples")
    license = args.license or (WARP_EXAMPLES_LICENSE if args.warp_examples and not args.paths else "unknown")
    try:
        exclude = set().union(*(release_hashes(r) for r in args.exclude_release))
        summary = extract_release(
            paths,
            args.out,
            args.configs,
            args.split,
            args.timeout,
            args.num_proc,
            args.overwrite,
            exclude,
            license,
            args.strict,
            command,
            packages=args.package,
            memory_limit=args.memory_limit or None,
            split_ratios=args.split_ratios,
            seed=args.seed,
        )
    except ReleaseError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; no release written", file=sys.stderr)
        return 130
    print("\n".join(summary.lines()))
    return 0


def _datatrove_build(work_dir: str | None) -> Callable[..., ReleaseSummary]:
    """``build_with_datatrove`` with ``work_dir``; ``ReleaseError`` if datatrove is not installed."""
    try:
        from builder.executors.datatrove import build_with_datatrove
    except ImportError as error:
        if (error.name or "").partition(".")[0] in ("builder", "generators"):
            raise  # this project's own import failed: not a missing extra
        raise ReleaseError(
            f'--executor datatrove-local needs datatrove ({error}); install it with: pip install -e ".[datatrove]"'
        ) from None
    return functools.partial(build_with_datatrove, work_dir=work_dir)


def stats(release: str, as_json: bool, tokens: str | None = None) -> int:
    """Print the coverage report of the release in ``release``."""
    import json
    from pathlib import Path

    from huggingface_hub import DatasetCard

    from builder.release.card import PLANNING_KEY
    from builder.release.layout import table_files
    from builder.release.stats import measure, report
    from builder.release.tokens import release_tokens

    folder = Path(release)
    try:
        if not (folder / "README.md").is_file():
            raise FileNotFoundError(f"{folder}: not a release (no README.md card)")
        planning = DatasetCard.load(folder / "README.md").data.to_dict().get(PLANNING_KEY, {})
        coverage = measure(table_files(folder), planning)
        token_figures, token_text = release_tokens(table_files(folder), tokens) if tokens else ({}, "")
    except (OSError, ValueError) as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 1
    from builder.plan.quality_report import release_quality
    from builder.plan.quality_report import report as quality_report
    from builder.schema import ROW_CATEGORIES

    quality = release_quality(table_files(folder), list(ROW_CATEGORIES))
    figures = {**coverage.as_dict(), "quality": quality} | ({"tokens": token_figures} if tokens else {})
    text = report(coverage) + "\n" + quality_report(quality) + ("\n" + token_text if tokens else "")
    print(json.dumps(figures, indent=2) if as_json else text)
    return 0


def push(
    release: str,
    repo_id: str,
    *,
    private: bool,
    revision: str | None,
    token: str | None,
    dry_run: bool,
    validate: bool = True,
) -> int:
    """Validate the release in ``release``, then push it to the dataset repo ``repo_id`` (``builder.release.hub``)."""
    from builder.release.hub import PushError, push_release

    try:
        result = push_release(
            release, repo_id, private=private, revision=revision, token=token, dry_run=dry_run, validate=validate
        )
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
    from builder.codegen.ir import cuda_driver_found
    from builder.plan.ratios import ratio_lines, split_sizes
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
        *ratio_lines(split_sizes(plan), plan.split_ratios, categories=len(plan.categories)),
        *summary.verification.lines(),
    ]
    if not cuda_driver_found():
        lines.append("CUDA source was generated without a CUDA driver (Warp's code generator needs none)")
    for config, paths in summary.files.items():
        size = sum(p.stat().st_size for p in paths)
        lines.append(f"{config}: {len(paths)} parquet file(s), {size / 1e6:.1f} MB")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
