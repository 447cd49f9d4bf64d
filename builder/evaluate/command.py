"""``warp-ir-pairs evaluate``: the subcommand's arguments and what it runs."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from builder.evaluate.baselines import BASELINES, baseline
from builder.evaluate.predictions import PredictionsError
from builder.evaluate.report import markdown
from builder.evaluate.run import DEFAULT_K, evaluate
from builder.evaluate.score import DEFAULT_TIMEOUT
from builder.formatting import TASKS
from builder.schema import CONFIGS


def add_parser(commands) -> argparse.ArgumentParser:
    """Add ``evaluate`` to the CLI's subparsers."""
    parser = commands.add_parser(
        "evaluate", help="score a model's predictions: exact, normalized, compiles, executes; pass@k"
    )
    parser.add_argument(
        "release", metavar="RELEASE", help="a release folder (built with --verify execute for stored io_examples)"
    )
    parser.add_argument("--config", required=True, choices=CONFIGS, help="the config whose rows are scored")
    parser.add_argument("--split", default="test", metavar="S", help="the split whose rows are scored (default: test)")
    parser.add_argument(
        "--task", required=True, choices=tuple(TASKS), help="the translation task the predictions answer"
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--predictions", metavar="FILE", help='JSONL: {"id", "prediction"} or {"id", "predictions": [...]} per line'
    )
    source.add_argument("--baseline", choices=BASELINES, help="score a baseline instead of a model")
    parser.add_argument(
        "--k", type=_ks, default=DEFAULT_K, metavar="LIST", help="comma-separated k of pass@k (default: 1,5,10)"
    )
    parser.add_argument(
        "--num-proc",
        type=_positive(int),
        default=os.cpu_count() or 1,
        metavar="P",
        help="scoring processes (default: all cores)",
    )
    parser.add_argument(
        "--timeout",
        type=_positive(float),
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help=f"seconds one prediction's launches may take (default: {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--out", metavar="REPORT", help="write the JSON report here, and the markdown summary beside it (.md)"
    )
    return parser


def run(args: argparse.Namespace) -> int:
    """Score, print the markdown summary, write the report; 0, or 1 with a one-line error."""
    try:
        predictions = args.predictions or baseline(
            args.baseline, args.release, config=args.config, split=args.split, task=args.task
        )
        report = evaluate(
            args.release,
            config=args.config,
            split=args.split,
            task=args.task,
            predictions=predictions,
            k=args.k,
            num_proc=args.num_proc,
            timeout=args.timeout,
        )
    except (PredictionsError, ValueError, FileNotFoundError) as error:
        print(f"warp-ir-pairs evaluate: error: {error}", file=sys.stderr)
        return 1
    if args.baseline:
        report["arguments"]["baseline"] = args.baseline
    summary = markdown(report)
    print(summary, end="")
    if args.out:
        out = Path(args.out)
        out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
        out.with_suffix(".md").write_text(summary, encoding="utf-8")
        print(f"report: {out} (summary: {out.with_suffix('.md')})")
    return 0


def _ks(text: str) -> tuple[int, ...]:
    try:
        ks = tuple(sorted({int(part) for part in text.split(",")}))
    except ValueError:
        ks = ()
    if not ks or min(ks) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: not a comma-separated list of positive integers, e.g. 1,5,10")
    return ks


def _positive(kind):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            value = 0
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text!r}: not a positive number")
        return value

    return parse
