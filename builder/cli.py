"""The ``warp-ir-pairs`` command."""

from __future__ import annotations

import argparse
import functools
import logging
import shlex
import sys
from collections.abc import Callable, Sequence

from builder.arguments import PROG, build_options, make_parser
from builder.errors import OptionError, ReleaseError
from builder.release.writer import ReleaseSummary, build_release


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
            args.release,
            args.repo_id,
            private=args.private,
            revision=args.revision,
            token=args.token,
            dry_run=args.dry_run,
            validate=not args.no_validate,
        )
    if args.work_dir is not None and args.executor != "datatrove-local":
        parser.error("argument --work-dir: only with --executor datatrove-local")
    try:
        build = build_release if args.executor == "local" else _datatrove_build(args.work_dir)
        summary = build(args.out, build_options(args), overwrite=args.overwrite, command=shlex.join([PROG, *argv]))
    except (ReleaseError, OptionError) as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        resume = "; rerun the same command to resume" if args.executor == "datatrove-local" else ""
        print(f"{PROG}: interrupted; no release written{resume}", file=sys.stderr)
        return 130
    print(format_summary(summary))
    return 0


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


def stats(release: str, as_json: bool) -> int:
    """Print the coverage report of the release in ``release``."""
    import json
    from pathlib import Path

    from huggingface_hub import DatasetCard

    from builder.release.card import PLANNING_KEY
    from builder.release.layout import table_files
    from builder.release.stats import measure, report

    folder = Path(release)
    try:
        if not (folder / "README.md").is_file():
            raise FileNotFoundError(f"{folder}: not a release (no README.md card)")
        planning = DatasetCard.load(folder / "README.md").data.to_dict().get(PLANNING_KEY, {})
        coverage = measure(table_files(folder), planning)
    except (OSError, ValueError) as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 1
    print(json.dumps(coverage.as_dict(), indent=2) if as_json else report(coverage))
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
