"""Checks of a release folder that take nothing in it on trust (``warp-ir-pairs validate DIR``).

Each check is one function returning a ``CheckResult``, in the module of what it checks:
``card`` (card, images, counts), ``data`` (parquet, load, schema), ``rows`` (ids, aligned,
leakage, ir); ``release`` reads the release once for all of them. A check that cannot look at
a config (its files do not read, the card does not parse) says so and reports SKIP or FAIL,
never PASS.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from huggingface_hub import DatasetCard

from builder.errors import one_line
from builder.release.checks.card import check_card, check_counts, check_images
from builder.release.checks.data import check_load, check_parquet, check_schema
from builder.release.checks.release import CheckResult, Release, config_folders, read_config
from builder.release.checks.rows import check_aligned, check_ids, check_ir, check_leakage
from builder.release.layout import CARD
from builder.schema import CONFIGS

CHECKS: tuple[Callable[[Release], CheckResult], ...] = (
    check_card,
    check_images,
    check_parquet,
    check_load,
    check_schema,
    check_counts,
    check_ids,
    check_aligned,
    check_leakage,
    check_ir,
)
CHECK_NAMES = tuple(check.__name__.removeprefix("check_") for check in CHECKS)


def validate_release(folder: str | Path) -> list[CheckResult]:
    """Run every check on the release in ``folder``; raises ``FileNotFoundError`` if it is no release."""
    folder = Path(folder).absolute()
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such directory")
    if not (folder / CARD).is_file():
        raise FileNotFoundError(f"{folder}: not a release (no README.md card)")
    release = Release(folder)
    try:
        release.card = DatasetCard.load(folder / CARD)
    except Exception as error:  # whatever the YAML parser or huggingface_hub raises
        release.card_error = one_line(error, limit=300, cause=True)
    on_disk = config_folders(folder)
    for config in CONFIGS:
        if config in release.card_configs() or config in on_disk:
            release.data[config] = read_config(folder, config)
    return [check(release) for check in CHECKS]


def format_report(results: Iterable[CheckResult]) -> str:
    """One line per check, then ``N of M checks passed``."""
    results = list(results)
    passed = sum(r.passed for r in results)
    return "\n".join([*(r.line() for r in results), f"{passed} of {len(results)} checks passed"])
