"""Checks of the card: its YAML against the files, the images it shows, its counts against the rows."""

from __future__ import annotations

import re
import struct
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

from builder.errors import one_line
from builder.release.card import COUNT_HEADING, PLANNING_KEY, REAL_KIND
from builder.release.checks.release import (
    CheckResult,
    Problems,
    Release,
    config_folders,
    split_rows,
)
from builder.release.layout import split_order
from builder.schema import CONFIGS, features

LICENSE = "apache-2.0"  # of synthetic releases; a release of real kernels states its files' license
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+[\"'][^)]*[\"'])?\s*\)")


def check_card(release: Release) -> CheckResult:
    """YAML parses; configs with data_files, dataset_info, license; patterns and parquet files match one to one."""
    problems = Problems("card")
    if release.card is None:
        return CheckResult("card", False, f"README.md YAML does not parse: {release.card_error}")
    yaml = release.card.data.to_dict()
    configs, infos = release.card_configs(), release.card_infos()
    real = isinstance(yaml.get(PLANNING_KEY), dict) and yaml[PLANNING_KEY].get("kind") == REAL_KIND
    license = yaml.get("license")
    if real and not (isinstance(license, str) and license):
        problems.add("", f"license is {license!r}, expected the source files' license")
    elif not real and license != LICENSE:
        problems.add("", f"license is {license!r}, expected {LICENSE!r}")
    if not configs:
        problems.add("", "no configs in the YAML")
    if not infos:
        problems.add("", "no dataset_info in the YAML")
    parquet = {
        release.rel(p)
        for p in release.folder.rglob("*.parquet")
        if not any(part.startswith(".") for part in p.relative_to(release.folder).parts)
    }
    matched: set[str] = set()
    patterns = 0
    for config, splits in configs.items():
        if config not in CONFIGS:
            problems.add(config, f"unknown config (known: {', '.join(CONFIGS)})")
        if not splits:
            problems.add(config, "no data_files")
        if configs and infos and config not in infos:
            problems.add(config, "no dataset_info entry")
        patterns += sum(len(p) for p in splits.values())
        matched |= _match_patterns(release, config, splits, problems)
    for extra in sorted(set(infos) - set(configs)):
        problems.add(extra, "has dataset_info but is not in configs")
    for path in sorted(parquet - matched):
        problems.add("", f"{path} is matched by no data_files pattern")
    folders = config_folders(release.folder)
    for config in sorted(set(configs) - set(folders)):
        problems.add(config, f"in the card but no folder {config}/ with parquet files")
    for folder in sorted(set(folders) - set(configs)):
        problems.add(folder, f"folder {folder}/ holds parquet files but is not a config in the card")
    return problems.result(
        f"{len(configs)} configs, {len(parquet)} parquet files matched by {patterns} data_files patterns, license "
        f"{license}"
    )


def _match_patterns(release: Release, config: str, splits: dict[str, list[str]], problems: Problems) -> set[str]:
    """The files ``config``'s data_files patterns match; a pattern that matches none, a file in
    two splits or one named for another split is a problem."""
    matched: set[str] = set()
    split_of: dict[str, list[str]] = {}
    for split, split_patterns in splits.items():
        for pattern in split_patterns:
            try:
                hits = sorted(release.rel(p) for p in release.folder.glob(pattern) if p.is_file())
            except (ValueError, NotImplementedError) as error:
                problems.add(
                    config, f"data_files pattern {pattern!r} ({split}): {one_line(error, limit=300, cause=True)}"
                )
                continue
            if not hits:
                problems.add(config, f"data_files pattern {pattern!r} ({split}) matches no file")
            for hit in hits:
                split_of.setdefault(hit, []).append(split)
    for hit, hit_splits in split_of.items():
        matched.add(hit)
        named = Path(hit).name.split("-", 1)[0]
        if len(set(hit_splits)) > 1:
            problems.add(config, f"{hit} is in splits {', '.join(sorted(set(hit_splits)))}")
        elif hit.endswith(".parquet") and hit_splits[0] != named:
            problems.add(config, f"{hit} is named for split {named!r} but listed under {hit_splits[0]!r}")
    return matched


def check_images(release: Release) -> CheckResult:
    """Every image the card body shows is a real PNG inside the release."""
    problems = Problems("images")
    if release.card is None:
        return CheckResult("images", False, "card did not parse", skipped=True)
    shown = [unquote(m.group(1).strip("<>")) for m in _IMAGE.finditer(release.card.text)]
    for target in shown:
        path = (release.folder / target).resolve()
        if "://" in target or target.startswith("/") or not path.is_relative_to(release.folder.resolve()):
            problems.add("", f"{target} is not a file in the release")
        elif not path.is_file():
            problems.add("", f"{target} does not exist")
        else:
            problem = _png_problem(path.read_bytes()[:24])
            if problem:
                problems.add("", f"{target} {problem}")
    return problems.result(
        f"{len(shown)} image{'s' if len(shown) != 1 else ''}" + (", each a PNG in the release" if shown else "")
    )


def _png_problem(head: bytes) -> str:
    """Why the first 24 bytes are not those of a PNG with a non-empty IHDR ('' when they are)."""
    if head[:8] != PNG_SIGNATURE:
        return "is not a PNG (bad signature)"
    if len(head) < 24 or head[12:16] != b"IHDR":
        return "is not a PNG (no IHDR chunk)"
    width, height = struct.unpack(">II", head[16:24])
    return "" if width > 0 and height > 0 else f"is an empty PNG ({width}x{height})"


def check_counts(release: Release) -> CheckResult:
    """Rows per config and split equal the YAML num_examples; the card's count table equals the data."""
    problems = Problems("counts")
    if release.card is None:
        return CheckResult("counts", False, "card did not parse", skipped=True)
    good, problems.skipped = release.usable()
    infos = release.card_infos()
    per_config: dict[str, dict[str, Counter]] = {}
    for config, data in good.items():
        card_splits = {s.get("name"): s.get("num_examples") for s in (infos.get(config, {}).get("splits") or [])}
        names = features(config)["category"].names
        rows = {split: len(table) for split, table in data.tables.items()}
        for split in sorted(set(card_splits) | set(rows), key=split_order):
            if card_splits.get(split) != rows.get(split, 0):
                problems.add(
                    "",
                    f"{config}/{split}: num_examples {card_splits.get(split)} in the card YAML, {rows.get(split, 0)} "
                    "rows in the data",
                )
        counts: dict[str, Counter] = {}
        for split, table in data.tables.items():
            counts[split] = Counter()
            for value, kid in split_rows(table, "category", "id"):
                if isinstance(value, int) and 0 <= value < len(names):
                    counts[split][names[value]] += 1
                else:
                    problems.add(
                        "", f"{config}/{split}: id {kid} has category {value!r}, not one of {len(names)} classes"
                    )
        per_config[config] = counts
    table = _count_table(release.card.text)
    if isinstance(table, str):
        problems.add("", table)
    else:
        for config, counts in per_config.items():
            _compare_count_table(problems, config, table, counts)
    total = sum(d.rows for d in good.values())
    return problems.result(
        f"{total} rows in {len(good)} configs match the YAML num_examples and the card's count table"
    )


def _count_table(text: str) -> tuple[list[str], list[list[str]]] | str:
    """(split columns, body rows) of the card's count table, or why it cannot be read."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip() == COUNT_HEADING]
    if not starts:
        return f"card body has no {COUNT_HEADING!r} section"
    rows: list[list[str]] = []
    for line in lines[starts[0] + 1 :]:
        if line.strip().startswith("|"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif rows or line.startswith("#"):
            break
    if len(rows) < 3 or rows[0][0] != "category" or rows[0][-1] != "total":
        return f"no count table (| category | <splits> | total |) under {COUNT_HEADING!r}"
    return rows[0][1:-1], rows[2:]


def _compare_count_table(
    problems: Problems, config: str, table: tuple[list[str], list[list[str]]], counts: dict[str, Counter]
) -> None:
    splits, body = table
    if set(splits) != set(counts):
        problems.add(config, f"count table columns {', '.join(splits)}; data splits {', '.join(counts)}")
    seen: set[str] = set()
    for cells in body:
        category = cells[0]
        if len(cells) != len(splits) + 2:
            problems.add("", f"count table row {category!r} has {len(cells)} cells, expected {len(splits) + 2}")
            continue
        is_total = category.strip("*") == "total"
        if not is_total:
            if category in seen:
                problems.add("", f"count table lists {category} twice")
            seen.add(category)
        for column, cell in zip([*splits, "total"], cells[1:], strict=False):
            if column == "total":
                data = sum(_data_count(counts, s, category, is_total) for s in counts)
            else:
                data = _data_count(counts, column, category, is_total)
            if not cell.isdigit():
                problems.add("", f"count table {category}/{column}: {cell!r} is not a count")
            elif int(cell) != data:
                problems.add(config, f"count table {category}/{column}: {cell} in the card, {data} in the data")
    for category in sorted({c for counter in counts.values() for c in counter} - seen):
        problems.add(config, f"category {category} has rows but no line in the count table")


def _data_count(counts: dict[str, Counter], split: str, category: str, total: bool) -> int:
    counter = counts.get(split, Counter())
    return sum(counter.values()) if total else counter.get(category, 0)
