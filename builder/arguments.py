"""The ``warp-ir-pairs`` command line: its parser, argument types, and the ``BuildOptions`` of ``build``.

Argument types check a value the way ``builder.options`` does, so the CLI and the Python API
refuse the same values; an error names the argument as typed.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import fields

from builder.errors import OptionError
from builder.evaluate import command as evaluate_command
from builder.options import (
    BuildOptions,
    check_categories,
    check_configs,
    check_integer,
    check_ratios,
)
from builder.plan.mixture import DEFAULT_MIXTURE
from builder.plan.splits import DEFAULT_RATIOS, SPLITS
from builder.real.harvest import DEFAULT_MEMORY_LIMIT, DEFAULT_TIMEOUT
from builder.schema import CONFIGS
from builder.verify.compile import DEFAULT_CUDA_ARCH
from builder.verify.levels import DEFAULT_VERIFY, VERIFY_LEVELS
from generators import CATEGORIES, DEFAULT_GENERATOR, GENERATORS, categories_of

PROG = "warp-ir-pairs"
EXECUTORS = ("local", "datatrove-local")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not the usage block
        self.exit(2, f"{self.prog}: error: {message}\n")


def _integer(option: str | None = None):
    """An argparse type: an integer, checked as ``BuildOptions`` checks ``option`` (``None``: any integer)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        try:
            return check_integer(option, value) if option else value
        except OptionError as error:
            raise argparse.ArgumentTypeError(f"{text!r}: {error.allowed}") from None

    parse.__name__ = "integer"
    return parse


def _listed(check):
    """An argparse type: a comma-separated list, checked by the ``builder.options`` ``check``."""

    def parse(text: str):
        try:
            return check([c.strip() for c in text.split(",") if c.strip()])
        except OptionError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    parse.__name__ = "list"
    return parse


def _names(text: str) -> tuple[str, ...]:
    """Comma-separated names; which are known depends on another argument (checked in ``build_options``)."""
    return tuple(c.strip() for c in text.split(",") if c.strip())


def _ratios(text: str) -> tuple[float, float, float]:
    try:
        return check_ratios([float(r) for r in text.split(",")])
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r}: {error}") from None


class _Versions(argparse.Action):
    """``--version``: Warp is imported only when asked (it takes a second or two)."""

    def __init__(self, option_strings, dest, **kwargs) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        print(versions())
        parser.exit()


def versions() -> str:
    """``warp-ir-pairs X, generator Y, warp-lang Z``: what a row's content depends on."""
    from importlib.metadata import PackageNotFoundError, version

    from builder.codegen.ir import warp_version
    from generators import GENERATOR_VERSION

    try:
        package = version("warp-ir-pairs")
    except PackageNotFoundError:  # run from a checkout that is not installed
        package = "not installed"
    return f"{PROG} {package}, generator {GENERATOR_VERSION}, warp-lang {warp_version()}"


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Python -> Warp C++/CUDA IR pairs as a Hugging Face dataset.")
    parser.add_argument("--version", action=_Versions, help="print the package, generator and Warp versions and exit")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    _add_build(commands)
    _add_extract(commands)
    _add_release_commands(commands)
    evaluate_command.add_parser(commands)
    return parser


def _add_build(commands) -> None:
    build = commands.add_parser("build", help="synthesize kernels, run Warp's code generator, write a parquet release")
    build.add_argument(
        "--num-examples",
        type=_integer("num_examples"),
        default=2000,
        metavar="N",
        help="unique kernels to deliver (default: 2000)",
    )
    build.add_argument(
        "--seed",
        type=_integer("seed"),
        default=0,
        metavar="S",
        help="seed of every random choice, 0 to 2**63-1 (default: 0)",
    )
    build.add_argument("--out", required=True, metavar="DIR", help="release folder to create")
    build.add_argument(
        "--configs",
        type=_listed(check_configs),
        default=CONFIGS,
        metavar="LIST",
        help=f"comma-separated subset of {','.join(CONFIGS)} (default: all)",
    )
    build.add_argument(
        "--num-proc",
        type=_integer("num_proc"),
        default=os.cpu_count() or 1,
        metavar="P",
        help="worker processes; with datatrove-local, tasks run at a time (default: all cores)",
    )
    build.add_argument(
        "--split-ratios",
        type=_ratios,
        default=DEFAULT_RATIOS,
        metavar="R,R,R",
        help=f"{'/'.join(SPLITS)} ratios, comma-separated, sum 1 (default: {','.join(map(str, DEFAULT_RATIOS))})",
    )
    build.add_argument(
        "--generator",
        default=None,
        metavar="NAME|MIX",
        help=f"kernel synthesizer: {', '.join(GENERATORS)}, or a mixture such as motif:0.7,mutant:0.2,random:0.1 "
        f"(default: {DEFAULT_GENERATOR}; with --corpus {DEFAULT_MIXTURE}; mutant: edited real kernels of --corpus; "
        "random: the typed fuzzer)",
    )
    build.add_argument(
        "--corpus",
        nargs="+",
        default=None,
        metavar="DIR",
        help="--generator mutant: releases of real kernels (warp-ir-pairs extract --out DIR) the mutants start from",
    )
    build.add_argument(
        "--categories",
        type=_names,
        default=None,
        metavar="LIST",
        help=f"comma-separated subset of the generator's categories: motif {','.join(categories_of('motif'))}; "
        f"random {','.join(CATEGORIES)}",
    )
    build.add_argument(
        "--num-shards",
        type=_integer("num_shards"),
        default=None,
        metavar="K",
        help="shards per split (default: automatic)",
    )
    build.add_argument("--overwrite", action="store_true", help="replace an existing release in --out")
    build.add_argument(
        "--yes",
        action="store_true",
        help="build even if the estimated time or disk is beyond this machine (default: refuse)",
    )
    _add_build_process(build)


def _add_build_process(build: argparse.ArgumentParser) -> None:
    """``build``'s options of how kernels are checked and which executor runs the build."""
    build.add_argument(
        "--verify",
        choices=VERIFY_LEVELS,
        default=DEFAULT_VERIFY,
        help="codegen: Warp's code generator only (default); compile: also compile C++ natively and CUDA to PTX; "
        "execute: also launch each kernel on the CPU and record input/output examples",
    )
    build.add_argument(
        "--cuda-arch",
        type=_integer(),
        default=DEFAULT_CUDA_ARCH,
        metavar="SM",
        help=f"PTX target of --verify compile/execute (default: {DEFAULT_CUDA_ARCH}, i.e. sm_{DEFAULT_CUDA_ARCH})",
    )
    build.add_argument(
        "--drop-failed",
        action="store_true",
        help="leave kernels that fail a verification stage out of the release (default: keep them, flagged)",
    )
    build.add_argument(
        "--no-ir-source",
        dest="ir_source",
        action="store_false",
        help="leave cpp_source / cuda_source (Warp's whole module: the forward and backward functions again, plus "
        "boilerplate) null: a smaller release",
    )
    build.add_argument(
        "--executor",
        choices=EXECUTORS,
        default="local",
        help="local: the datasets builder (default); datatrove-local: one datatrove task per shard, --num-proc at a "
        "time, resumable: rerun the same command after a kill or failure (needs the datatrove extra)",
    )
    build.add_argument(
        "--work-dir",
        default=None,
        metavar="DIR",
        help="datatrove-local: folder of the plan, tasks, shard files and logs, removed once the release is written "
        "(default: .<out name>.work beside --out)",
    )


def _add_extract(commands) -> None:
    extract = commands.add_parser(
        "extract",
        help="pairs from real code: import Python files (in sandboxed child processes), extract every @wp.kernel, "
        "write a release",
        description="Import Python files and installed packages, extract every @wp.kernel, write a release. "
        "WARNING: extract EXECUTES the files it imports, with your user's rights. The child processes get their own "
        "process group, a memory limit and a timeout, which bounds accidents, not attacks: run untrusted code only "
        "in a container.",
    )
    extract.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="Python files, or folders searched for .py files (their code is executed)",
    )
    extract.add_argument(
        "--package",
        action="append",
        default=[],
        metavar="NAME",
        help="an installed package, by import name (newton, warp), walked whole (repeatable)",
    )
    extract.add_argument(
        "--warp-examples", action="store_true", help="also the examples of the installed warp package (warp/examples)"
    )
    extract.add_argument("--out", required=True, metavar="DIR", help="release folder to create")
    extract.add_argument(
        "--configs",
        type=_listed(check_configs),
        default=CONFIGS,
        metavar="LIST",
        help=f"comma-separated subset of {','.join(CONFIGS)} (default: all)",
    )
    extract.add_argument(
        "--split", default="test", metavar="NAME", help="the split of every row, without --split-ratios (default: test)"
    )
    extract.add_argument(
        "--split-ratios",
        type=_ratios,
        default=None,
        metavar="R,R,R",
        help=f"split {'/'.join(SPLITS)} by source file at these ratios",
    )
    extract.add_argument(
        "--seed", type=_integer("seed"), default=0, metavar="S", help="seed of the split by source file (default: 0)"
    )
    extract.add_argument(
        "--memory-limit",
        type=_bytes,
        default=DEFAULT_MEMORY_LIMIT,
        metavar="BYTES",
        help="address space per child process, e.g. 4G, 512M; 0: none (default: 4G)",
    )
    extract.add_argument(
        "--num-proc",
        type=_integer("num_proc"),
        default=os.cpu_count() or 1,
        metavar="P",
        help="files imported at once (default: all cores)",
    )
    extract.add_argument(
        "--timeout",
        type=_seconds,
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help=f"seconds a file may take, import and code generation (default: {DEFAULT_TIMEOUT:g})",
    )
    extract.add_argument(
        "--exclude-release",
        action="append",
        default=[],
        metavar="DIR",
        help="leave out kernels structurally equal to one of this release (repeatable)",
    )
    extract.add_argument(
        "--license",
        default=None,
        metavar="ID",
        help="license of the files, a Hub license id (default: apache-2.0 with --warp-examples alone, else unknown)",
    )
    extract.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 and write nothing if any file or kernel fails (default: release the rest, list the failures)",
    )
    extract.add_argument("--overwrite", action="store_true", help="replace an existing release in --out")


def _add_release_commands(commands) -> None:
    """``stats``, ``validate`` and ``push``: commands on a release folder."""
    stats = commands.add_parser(
        "stats", help="coverage report of a release: builtins, value types, constructs, lines, duplicates"
    )
    stats.add_argument("release", metavar="DIR", help="a release folder written by `build`")
    stats.add_argument("--json", action="store_true", help="print the figures as JSON")
    stats.add_argument(
        "--tokens",
        metavar="TOKENIZER",
        help="also tokens per column: 'bpe' (trained on the release) or a tokenizer.json",
    )
    check = commands.add_parser(
        "validate",
        help="check a release folder: card, images, parquet, load, schema, counts, ids, alignment, leakage, IR",
    )
    check.add_argument("release", metavar="DIR", help="a release folder")
    push = commands.add_parser("push", help="upload a release to a Hugging Face Hub dataset repo in one commit")
    push.add_argument("release", metavar="DIR", help="a release folder written by `build`")
    push.add_argument("--repo-id", required=True, metavar="OWNER/NAME", help="the dataset repo (created if missing)")
    push.add_argument(
        "--private", action="store_true", help="create the repo private (an existing repo keeps its visibility)"
    )
    push.add_argument(
        "--revision",
        default=None,
        metavar="R",
        help="branch to commit to, created from main if missing (default: main)",
    )
    push.add_argument(
        "--token",
        default=None,
        metavar="T",
        help="Hub token with write access (default: HF_TOKEN, else the saved login)",
    )
    push.add_argument("--dry-run", action="store_true", help="print the planned repo, branch and commit; send nothing")
    push.add_argument(
        "--no-validate", action="store_true", help="push even if the release fails `validate` (default: refuse)"
    )


def build_options(args: argparse.Namespace, parser: argparse.ArgumentParser) -> BuildOptions:
    """The ``BuildOptions`` of parsed ``build`` arguments; a bad combination is a parser error naming the argument."""
    if args.categories is not None and args.generator in GENERATORS:
        try:
            check_categories(args.categories, args.generator)
        except OptionError as error:
            parser.error(f"argument --categories: {error}")
    names = [f.name for f in fields(BuildOptions) if f.name not in ("real_paths", "real_timeout")]  # extract's
    return BuildOptions(**{name: getattr(args, name) for name in names})


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r}: must be > 0 seconds")
    return value


def _bytes(text: str) -> int:
    units = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
    number, unit = text.strip().upper().removesuffix("B"), ""
    if number and number[-1] in units:
        number, unit = number[:-1], number[-1]
    try:
        value = int(float(number) * units[unit])
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size (e.g. 4G, 512M, 1073741824)") from None
    if value != 0 and value < 2**28:
        raise argparse.ArgumentTypeError(f"{text!r}: must be 0 (no limit) or at least 256M")
    return value
