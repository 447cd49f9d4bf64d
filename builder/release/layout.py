"""The layout of a release folder, and the one function that lists its parquet files.

```
<release>/README.md                                  the dataset card (YAML: configs, dataset_info)
<release>/<config>/<split>-0000i-of-0000K.parquet    rows of one config and split, K files
<release>/plots/*.png                                figures the card shows
```
``<config>`` is one of ``builder.schema.CONFIGS``; the split is the file name up to its first ``-``.
"""

from __future__ import annotations

from pathlib import Path

from builder.plan.splits import SPLITS
from builder.schema import CONFIGS

CARD = "README.md"
PLOTS_DIR = "plots"
# The config whose files describe a whole release, in order of preference: paired has every column.
TABLE_CONFIGS = ("paired", "cpu", "cuda")
# Everything a release folder may hold at its top level (plus *.png figures of older releases).
RELEASE_ENTRIES = frozenset(CONFIGS) | {CARD, ".gitattributes", PLOTS_DIR}


def parquet_name(split: str, number: int, count: int) -> str:
    """``<split>-0000i-of-0000K.parquet``: file ``number`` of the ``count`` files of ``split``."""
    return f"{split}-{number:05d}-of-{count:05d}.parquet"


def data_files_pattern(config: str, split: str) -> str:
    """The card's ``data_files`` pattern of one config and split, relative to the release."""
    return f"{config}/{split}-*.parquet"


def parquet_files(release: str | Path, config: str) -> dict[str, list[Path]]:
    """Split -> the parquet files of ``config`` in ``release``, splits in ``SPLITS`` order (others after),
    files in name order. Empty when the config has no folder or no files."""
    folder = Path(release) / config
    files: dict[str, list[Path]] = {}
    for path in sorted(folder.rglob("*.parquet")) if folder.is_dir() else []:
        files.setdefault(path.name.split("-", 1)[0], []).append(path)
    return dict(sorted(files.items(), key=lambda item: split_order(item[0])))


def release_configs(release: str | Path) -> list[str]:
    """The configs of ``CONFIGS`` that have parquet files in ``release``, in ``CONFIGS`` order."""
    return [c for c in CONFIGS if parquet_files(release, c)]


def table_files(release: str | Path) -> list[Path]:
    """Every parquet file of the first of ``TABLE_CONFIGS`` that ``release`` has (it holds every kernel)."""
    for config in TABLE_CONFIGS:
        files = sorted(p for paths in parquet_files(release, config).values() for p in paths)
        if files:
            return files
    raise FileNotFoundError(f"{release}: no parquet files under paired/, cpu/ or cuda/")


def split_order(split: str) -> tuple[int, str]:
    """Sort key of a split name: ``SPLITS`` order, then other names alphabetically."""
    return (SPLITS.index(split) if split in SPLITS else len(SPLITS), split)
