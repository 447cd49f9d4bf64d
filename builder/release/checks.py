"""Checks of a release folder that take nothing in it on trust (``warp-ir-pairs validate DIR``).

Each check is one function returning a ``CheckResult``. The parquet files are read once
(``_read_config``): every column of every row, batch by batch, so a damaged file fails; only the
columns later checks need are kept, and the IR columns are checked batch by batch as they pass.
A check that cannot look at a config (its files do not read, the card does not parse) says so
and reports SKIP or FAIL, never PASS.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import struct
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import unquote

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
from datasets.exceptions import NonMatchingSplitsSizesError
from datasets.info import DatasetInfosDict
from huggingface_hub import DatasetCard

from builder.plan.planner import kernel_id
from builder.plan.splits import SPLITS
from builder.plan.structure import structure
from builder.real.rows import real_id
from builder.release.card import COUNT_HEADING, PLANNING_KEY, REAL_KIND
from builder.release.checksums import CHECKSUMS_FILE, verify_checksums
from builder.schema import (
    BACKEND_PREFIX,
    CONFIG_BACKENDS,
    CONFIGS,
    features,
    ir_columns,
)

LICENSE = "apache-2.0"  # of synthetic releases; a release of real kernels states its files' license
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SHOWN = 5  # problems spelled out per check; the rest are counted
BATCH_ROWS = 200  # rows per read: about 20 MB of paired Arrow data, plus their IR as Python strings
_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+[\"'][^)]*[\"'])?\s*\)")
_KEPT = ("id", "kernel_name", "category", "python_source")  # + seed, index, structural_hash, source_file from metadata


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check: ``skipped`` when it could not run for a reason it names."""

    name: str
    passed: bool
    detail: str
    skipped: bool = False

    def line(self) -> str:
        """``PASS|FAIL|SKIP <name>: <detail>``."""
        status = "PASS" if self.passed else "SKIP" if self.skipped else "FAIL"
        return f"{status} {self.name}: {self.detail}"


@dataclass
class ConfigData:
    """One config's parquet files, read once."""

    files: dict[str, list[Path]]  # split (from the file name) -> files in name order
    tables: dict[str, pa.Table] = field(default_factory=dict)  # split -> the kept columns
    rows: int = 0  # rows kept for the checks
    rows_read: int = 0
    unreadable: list[str] = field(default_factory=list)  # "file: error"
    unusable: str = ""  # why later checks cannot use this config's rows
    schemas: dict[str, pa.Schema] = field(default_factory=dict)  # relative file -> Arrow schema
    ir_problems: list[str] = field(default_factory=list)  # "id: problem", first SHOWN
    ir_bad_ids: set[str] = field(default_factory=set)


@dataclass
class Release:
    """What the checks share: the card, each config's rows, and what ``load`` found."""

    folder: Path
    card: DatasetCard | None = None
    card_error: str = ""
    data: dict[str, ConfigData] = field(default_factory=dict)
    loaded: dict[str, datasets.Features] = field(default_factory=dict)
    load_errors: dict[str, str] = field(default_factory=dict)

    def rel(self, path: Path) -> str:
        return path.relative_to(self.folder).as_posix()

    def card_configs(self) -> dict[str, dict[str, list[str]]]:
        """Config -> split -> data_files patterns, as the card's YAML lists them."""
        if self.card is None:
            return {}
        return {
            str(c.get("config_name", "default")): _data_files(c.get("data_files")) for c in self.card.data.to_dict().get("configs") or []
        }

    def card_infos(self) -> dict[str, dict]:
        """Config -> its ``dataset_info`` YAML entry."""
        if self.card is None:
            return {}
        infos = self.card.data.to_dict().get("dataset_info") or []
        infos = [infos] if isinstance(infos, dict) else infos
        return {str(i.get("config_name", "default")): i for i in infos if isinstance(i, dict)}

    def usable(self) -> tuple[dict[str, ConfigData], list[str]]:
        """Configs whose rows all read, and the reasons the others cannot be checked."""
        good = {c: d for c, d in self.data.items() if not d.unusable}
        return good, [f"{c}: {d.unusable}" for c, d in self.data.items() if d.unusable]


class _Problems:
    """Problems of one check; the same message from several configs is reported once, naming them."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.found: dict[str, list[str]] = {}
        self.skipped: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.found.setdefault(message, []).append(where)

    def result(self, passed_detail: str) -> CheckResult:
        skipped = f"; not checked: {'; '.join(self.skipped)}" if self.skipped else ""
        if self.found:
            items = [f"{','.join(where)}: {message}" if where[0] else message for message, where in self.found.items()]
            more = f"; and {len(items) - SHOWN} more" if len(items) > SHOWN else ""
            return CheckResult(self.name, False, f"{len(items)} problem(s): {'; '.join(items[:SHOWN])}{more}{skipped}")
        if self.skipped:
            return CheckResult(self.name, False, f"could not run: {'; '.join(self.skipped)}", skipped=True)
        return CheckResult(self.name, True, passed_detail)


def validate_release(folder: str | Path) -> list[CheckResult]:
    """Run every check on the release in ``folder``; raises ``FileNotFoundError`` if it is no release."""
    folder = Path(folder).absolute()
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such directory")
    if not (folder / "README.md").is_file():
        raise FileNotFoundError(f"{folder}: not a release (no README.md card)")
    release = Release(folder)
    try:
        release.card = DatasetCard.load(folder / "README.md")
    except Exception as error:  # whatever the YAML parser or huggingface_hub raises
        release.card_error = _one_line(error)
    on_disk = _config_folders(folder)
    for config in CONFIGS:
        if config in release.card_configs() or config in on_disk:
            release.data[config] = _read_config(folder, config)
    return [check(release) for check in CHECKS]


def format_report(results: Iterable[CheckResult]) -> str:
    """One line per check, then ``N of M checks passed``."""
    results = list(results)
    passed = sum(r.passed for r in results)
    return "\n".join([*(r.line() for r in results), f"{passed} of {len(results)} checks passed"])


# --- reading -------------------------------------------------------------------------------------


def _read_config(folder: Path, config: str) -> ConfigData:
    """Read every row of every file of ``config`` once; keep the light columns, check the IR columns."""
    data = ConfigData(files=_split_files(folder / config))
    for split, paths in data.files.items():
        parts: list[pa.Table] = []
        for path in paths:
            rel = path.relative_to(folder).as_posix()
            file_parts = _read_file(path, rel, config, data)
            if file_parts is not None:
                parts.extend(file_parts)
        data.rows += sum(len(p) for p in parts)
        if parts:
            data.tables[split] = pa.concat_tables(parts)
    if not data.files:
        data.unusable = f"no parquet files under {config}/"
    return data


def _read_file(path: Path, rel: str, config: str, data: ConfigData) -> list[pa.Table] | None:
    """The kept columns of one file, batch by batch (``None`` when it does not read to the end)."""
    parts: list[pa.Table] = []
    try:
        parquet = pq.ParquetFile(path)
        data.schemas[rel] = parquet.schema_arrow
        batches = parquet.iter_batches(batch_size=BATCH_ROWS)
        while (batch := next(batches, None)) is not None:
            data.rows_read += batch.num_rows
            if data.unusable:
                continue  # read on to the end all the same: the parquet check needs every row
            try:
                parts.append(_kept_columns(batch, config))
                _check_ir_batch(batch, config, data)
            except (KeyError, AttributeError, TypeError, pa.ArrowException) as error:
                data.unusable = f"{rel} lacks what the checks need ({_one_line(error)})"
    except Exception as error:  # truncated or corrupt: pyarrow raises OSError, ArrowInvalid ...
        data.unreadable.append(f"{rel}: {_one_line(error)}")
        data.unusable = data.unusable or f"{rel} does not read"
        return None
    return parts


def _kept_columns(batch: pa.RecordBatch, config: str) -> pa.Table:
    metadata = _column(batch, "metadata")
    columns = {name: _column(batch, name) for name in _KEPT}
    for name in ir_columns(config):  # as digests: `aligned` compares them across configs row by row
        texts = _column(batch, name).to_pylist()
        digests = [hashlib.sha1(t.encode()).digest() if isinstance(t, str) else None for t in texts]
        columns[name] = pa.array(digests, pa.binary())
    for name in ("seed", "index", "structural_hash", "source_file"):
        if metadata.type.get_field_index(name) < 0:
            raise KeyError(f"metadata.{name}")
        columns[name] = metadata.field(name)
    return pa.table(columns)


def _column(batch: pa.RecordBatch, name: str) -> pa.Array:
    index = batch.schema.get_field_index(name)
    if index < 0:
        raise KeyError(name)
    return batch.column(index)


def _check_ir_batch(batch: pa.RecordBatch, config: str, data: ConfigData) -> None:
    """Add to ``data`` the rows of ``batch`` whose IR columns lack what Warp always emits."""
    ids = _column(batch, "id").to_pylist()
    names = _column(batch, "kernel_name").to_pylist()
    texts = {column: _column(batch, column).to_pylist() for column in ir_columns(config)}
    for row, (kid, name) in enumerate(zip(ids, names)):
        for backend in CONFIG_BACKENDS[config]:
            prefix = BACKEND_PREFIX[backend]
            symbols = {part: f"{name or ''}_{backend}_kernel_{part}" for part in ("forward", "backward")}
            for part in ("forward", "backward", "source"):
                column = f"{prefix}_{part}"
                text = texts[column][row]
                if not text:
                    problem = f"{column} is empty"
                elif part == "source":
                    missing = [s for s in symbols.values() if s not in text]
                    problem = f"{column} lacks {' and '.join(missing)}" if missing else ""
                else:
                    defined = re.search(rf"\b{re.escape(symbols[part])}\s*\(", text)
                    problem = "" if defined else f"{column} does not define {symbols[part]}"
                if problem:
                    data.ir_bad_ids.add(kid)
                    if len(data.ir_problems) < SHOWN:
                        data.ir_problems.append(f"{kid} {problem}")


def _split_files(config_dir: Path) -> dict[str, list[Path]]:
    """Split -> parquet files, the split read from the name (``<split>-00000-of-00001.parquet``)."""
    files: dict[str, list[Path]] = {}
    for path in sorted(config_dir.rglob("*.parquet")) if config_dir.is_dir() else []:
        files.setdefault(path.name.split("-", 1)[0], []).append(path)
    return dict(sorted(files.items(), key=lambda item: _split_order(item[0])))


def _split_order(split: str) -> tuple[int, str]:
    return (SPLITS.index(split) if split in SPLITS else len(SPLITS), split)


def _config_folders(folder: Path) -> list[str]:
    """Folders directly under the release that hold parquet files."""
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".") and any(p.rglob("*.parquet")))


def _data_files(value: object) -> dict[str, list[str]]:
    """A config's ``data_files`` in any of the card's forms, as split -> patterns."""
    if isinstance(value, str):
        return {"train": [value]}
    if isinstance(value, dict):
        return {str(s): [p] if isinstance(p, str) else list(p) for s, p in value.items()}
    out: dict[str, list[str]] = {}
    for entry in value or []:
        if isinstance(entry, str):
            out.setdefault("train", []).append(entry)
        elif isinstance(entry, dict):
            paths = entry.get("path", [])
            out.setdefault(str(entry.get("split", "train")), []).extend([paths] if isinstance(paths, str) else paths)
    return out


def _one_line(error: BaseException) -> str:
    """``Type: first line`` of an error, and of its root cause (``datasets`` wraps what went wrong)."""
    text = str(error).strip().splitlines()
    line = f"{type(error).__name__}: {(text[0] if text else '')[:300]}"
    cause = error.__cause__
    while cause is not None and cause.__cause__ is not None:
        cause = cause.__cause__
    return f"{line} ({_one_line(cause)})" if cause is not None else line


def _split_rows(table: pa.Table, *columns: str) -> list[tuple]:
    return list(zip(*(table.column(c).to_pylist() for c in columns)))


# --- checks ----------------------------------------------------------------------------------------


def check_card(release: Release) -> CheckResult:
    """YAML parses; configs with data_files, dataset_info, license; patterns and parquet files match one to one."""
    problems = _Problems("card")
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
        split_of: dict[str, list[str]] = {}
        for split, split_patterns in splits.items():
            for pattern in split_patterns:
                patterns += 1
                try:
                    hits = sorted(release.rel(p) for p in release.folder.glob(pattern) if p.is_file())
                except (ValueError, NotImplementedError) as error:
                    problems.add(config, f"data_files pattern {pattern!r} ({split}): {_one_line(error)}")
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
    for extra in sorted(set(infos) - set(configs)):
        problems.add(extra, "has dataset_info but is not in configs")
    for path in sorted(parquet - matched):
        problems.add("", f"{path} is matched by no data_files pattern")
    folders = _config_folders(release.folder)
    for config in sorted(set(configs) - set(folders)):
        problems.add(config, f"in the card but no folder {config}/ with parquet files")
    for folder in sorted(set(folders) - set(configs)):
        problems.add(folder, f"folder {folder}/ holds parquet files but is not a config in the card")
    return problems.result(
        f"{len(configs)} configs, {len(parquet)} parquet files matched by {patterns} data_files patterns, license {license}"
    )


def check_images(release: Release) -> CheckResult:
    """Every image the card body shows is a real PNG inside the release."""
    problems = _Problems("images")
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
    return problems.result(f"{len(shown)} image{'s' if len(shown) != 1 else ''}" + (", each a PNG in the release" if shown else ""))


def _png_problem(head: bytes) -> str:
    """Why the first 24 bytes are not those of a PNG with a non-empty IHDR ('' when they are)."""
    if head[:8] != PNG_SIGNATURE:
        return "is not a PNG (bad signature)"
    if len(head) < 24 or head[12:16] != b"IHDR":
        return "is not a PNG (no IHDR chunk)"
    width, height = struct.unpack(">II", head[16:24])
    return "" if width > 0 and height > 0 else f"is an empty PNG ({width}x{height})"


def check_parquet(release: Release) -> CheckResult:
    """Every parquet file opens with pyarrow and all its rows read."""
    problems = _Problems("parquet")
    files = 0
    for data in release.data.values():
        files += sum(len(p) for p in data.files.values())
        for message in data.unreadable:
            problems.add("", message)
    if not files:
        problems.add("", "no parquet files in the release")
    rows = sum(d.rows_read for d in release.data.values())
    return problems.result(f"{files} files, {rows} rows read in {len(release.data)} configs")


def check_load(release: Release) -> CheckResult:
    """Every card config loads with ``datasets.load_dataset`` (a temporary cache) with the card's splits."""
    problems = _Problems("load")
    configs = release.card_configs()
    if release.card is None:
        problems.skipped.append("card did not parse")
    elif not configs:
        problems.skipped.append("the card lists no configs")
    bars, verbosity = datasets.is_progress_bar_enabled(), datasets.logging.get_verbosity()
    datasets.disable_progress_bars()
    datasets.logging.set_verbosity(datasets.logging.CRITICAL)  # its errors are reported here, once
    cache = Path(tempfile.mkdtemp(prefix="warp-ir-pairs-validate-"))
    rows = 0
    try:
        for config, splits in configs.items():
            try:
                loaded = datasets.load_dataset(str(release.folder), config, cache_dir=str(cache / config))
            except Exception as error:
                release.load_errors[config] = _one_line(error)
                loaded = _load_unchecked(release, config, cache)
                if isinstance(error, NonMatchingSplitsSizesError) and loaded is not None:
                    card_rows = {s.get("name"): s.get("num_examples") for s in release.card_infos().get(config, {}).get("splits") or []}
                    sizes = ", ".join(
                        f"{s} {card_rows.get(s)} in the card, {len(d)} loaded" for s, d in loaded.items() if card_rows.get(s) != len(d)
                    )
                    release.load_errors[config] = f"NonMatchingSplitsSizesError ({sizes})"
                problems.add(config, f"does not load: {release.load_errors[config]}")
                if loaded is None:
                    continue
            release.loaded[config] = next(iter(loaded.values())).features
            rows += sum(len(d) for d in loaded.values())
            if set(loaded) != set(splits):
                problems.add(config, f"loads splits {', '.join(loaded)}; the card lists {', '.join(splits)}")
            del loaded
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        datasets.logging.set_verbosity(verbosity)
        if bars:
            datasets.enable_progress_bars()
    return problems.result(f"{len(configs)} configs loaded with load_dataset, {rows} rows, splits as in the card")


def _load_unchecked(release: Release, config: str, cache: Path) -> datasets.DatasetDict | None:
    """The config loaded without split-size checks, so ``schema`` can still compare its features."""
    try:
        return datasets.load_dataset(
            str(release.folder), config, cache_dir=str(cache / f"{config}-unchecked"), verification_mode="no_checks"
        )
    except Exception:
        return None


def check_schema(release: Release) -> CheckResult:
    """Per config: loaded features, the card's dataset_info features and each file's schema equal ``features(config)``."""
    problems = _Problems("schema")
    try:
        card_features = (
            {c: i.features for c, i in DatasetInfosDict.from_dataset_card_data(release.card.data).items()} if release.card else {}
        )
    except Exception as error:
        card_features = {}
        problems.add("", f"dataset_info features do not parse: {_one_line(error)}")
    for config, data in release.data.items():
        expected = features(config)
        if config in release.loaded:
            _compare_features(problems, config, "loaded features", release.loaded[config], expected)
        elif not data.unusable:
            why = (
                "card did not parse"
                if release.card is None
                else "did not load"
                if config in release.load_errors
                else "not a config in the card"
            )
            problems.skipped.append(f"{config}: {why}")
        if card_features.get(config) is not None:
            _compare_features(problems, config, "card dataset_info features", card_features[config], expected)
        elif release.card is not None:
            problems.add(config, "no dataset_info features in the card")
        arrow = expected.arrow_schema.remove_metadata()
        for rel, schema in data.schemas.items():
            if not schema.remove_metadata().equals(arrow):
                problems.add(config, f"{rel} Arrow schema differs from features({config!r}): {_schema_diff(schema, arrow)}")
        if data.unusable:
            problems.skipped.append(f"{config}: {data.unusable}")
    return problems.result(f"{len(release.data)} configs: loaded, card and file schemas equal builder.schema.features")


def _compare_features(problems: _Problems, config: str, what: str, got: datasets.Features, expected: datasets.Features) -> None:
    if got == expected:
        return
    missing = [k for k in expected if k not in got]
    extra = [k for k in got if k not in expected]
    changed = [k for k in expected if k in got and got[k] != expected[k]]
    parts = [f"{label} {', '.join(names)}" for label, names in (("missing", missing), ("extra", extra), ("different", changed)) if names]
    if not parts and list(got) != list(expected):
        parts = ["column order"]
    problems.add(config, f"{what} differ from builder.schema.features: {'; '.join(parts)}")


def _schema_diff(schema: pa.Schema, expected: pa.Schema) -> str:
    names = [n for n in expected.names if n not in schema.names or schema.field(n) != expected.field(n)]
    names += [n for n in schema.names if n not in expected.names]
    return ", ".join(names) or "column order"


def check_counts(release: Release) -> CheckResult:
    """Rows per config and split equal the YAML num_examples; the card's count table equals the data."""
    problems = _Problems("counts")
    if release.card is None:
        return CheckResult("counts", False, "card did not parse", skipped=True)
    good, problems.skipped = release.usable()
    infos = release.card_infos()
    per_config: dict[str, dict[str, Counter]] = {}
    for config, data in good.items():
        card_splits = {s.get("name"): s.get("num_examples") for s in (infos.get(config, {}).get("splits") or [])}
        names = features(config)["category"].names
        rows = {split: len(table) for split, table in data.tables.items()}
        for split in sorted(set(card_splits) | set(rows), key=_split_order):
            if card_splits.get(split) != rows.get(split, 0):
                problems.add(
                    "", f"{config}/{split}: num_examples {card_splits.get(split)} in the card YAML, {rows.get(split, 0)} rows in the data"
                )
        counts: dict[str, Counter] = {}
        for split, table in data.tables.items():
            counts[split] = Counter()
            for value, kid in _split_rows(table, "category", "id"):
                if isinstance(value, int) and 0 <= value < len(names):
                    counts[split][names[value]] += 1
                else:
                    problems.add("", f"{config}/{split}: id {kid} has category {value!r}, not one of {len(names)} classes")
        per_config[config] = counts
    table = _count_table(release.card.text)
    if isinstance(table, str):
        problems.add("", table)
    else:
        for config, counts in per_config.items():
            _compare_count_table(problems, config, table, counts)
    total = sum(d.rows for d in good.values())
    return problems.result(f"{total} rows in {len(good)} configs match the YAML num_examples and the card's count table")


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


def _compare_count_table(problems: _Problems, config: str, table: tuple[list[str], list[list[str]]], counts: dict[str, Counter]) -> None:
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
        for column, cell in zip([*splits, "total"], cells[1:]):
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


def check_ids(release: Release) -> CheckResult:
    """Ids are unique within each config (all splits) and equal ``kernel_id(seed, index)`` (``real_id(source_file, python_source)`` for real kernels)."""
    problems = _Problems("ids")
    good, problems.skipped = release.usable()
    for config, data in good.items():
        where: dict[str, list[str]] = {}
        for split, table in data.tables.items():
            for kid, seed, index, source_file, source in _split_rows(table, "id", "seed", "index", "source_file", "python_source"):
                where.setdefault(kid, []).append(split)
                if seed is None and index is None and isinstance(source_file, str):
                    expected = real_id(source_file, source)
                    if kid != expected:
                        problems.add(config, f"{split} id {kid} but metadata source_file {source_file!r} and python_source give {expected}")
                    continue
                expected = kernel_id(seed, index) if isinstance(seed, int) and isinstance(index, int) else None
                if kid != expected:
                    problems.add(config, f"{split} id {kid} but metadata seed {seed} index {index} give {expected}")
        for kid, splits in where.items():
            if len(splits) > 1:
                problems.add(config, f"id {kid} appears {len(splits)} times ({', '.join(splits)})")
    rows = sum(d.rows for d in good.values())
    return problems.result(f"{rows} ids in {len(good)} configs, unique per config, each kernel_id(seed, index) or real_id(source_file, python_source)")


def check_aligned(release: Release) -> CheckResult:
    """Every config holds the same ids, kernel names, sources and splits."""
    problems = _Problems("aligned")
    good, problems.skipped = release.usable()
    views = {config: _aligned_view(data) for config, data in good.items()}
    if not views:
        problems.skipped.append("no readable config")
    reference = next(iter(views), "")
    for config, view in list(views.items())[1:]:
        base = views[reference]
        for kid in sorted(set(base) ^ set(view)):
            problems.add("", f"id {kid} is in {reference if kid in base else config} but not in {config if kid in base else reference}")
        for kid in sorted(set(base) & set(view)):
            for field_name, a, b in zip(("split", "kernel_name", "python_source"), base[kid], view[kid]):
                if a != b:
                    shown = f": {a!r} vs {b!r}" if field_name != "python_source" else ""
                    problems.add("", f"id {kid} {field_name} differs between {reference} and {config}{shown}")
    compared = _compare_ir(problems, good)
    kernels = len(views[reference]) if views else 0
    detail = f"{len(views)} configs hold the same {kernels} ids, kernel names, sources and splits{compared}"
    return problems.result(detail)


def _compare_ir(problems: _Problems, good: dict[str, ConfigData]) -> str:
    """A problem for each row whose IR columns in ``cpu`` or ``cuda`` differ from ``paired``'s; what was compared."""
    if "paired" not in good:
        return ""
    paired = _ir_view(good["paired"], ir_columns("paired"))
    compared = [c for c in ("cpu", "cuda") if c in good]
    for config in compared:
        for kid, digests in _ir_view(good[config], ir_columns(config)).items():
            differing = [c for c, d in digests.items() if kid in paired and paired[kid][c] != d]
            if differing:
                problems.add(config, f"id {kid} {', '.join(differing)} differ(s) from paired")
    return f"; IR columns of {', '.join(compared)} equal paired's row by row" if compared else ""


def _ir_view(data: ConfigData, columns: list[str]) -> dict[str, dict[str, bytes]]:
    """Id -> IR column -> digest of its text."""
    rows = (row for table in data.tables.values() for row in _split_rows(table, "id", *columns))
    return {row[0]: dict(zip(columns, row[1:], strict=True)) for row in rows}


def check_checksums(release: Release) -> CheckResult:
    """Every file's sha256 equals the one in ``checksums.sha256`` (a release without one is noted, not failed)."""
    report = verify_checksums(release.folder)
    if not report.recorded:
        note = f"note: no {CHECKSUMS_FILE} (a release written before checksums); files not verified"
        return CheckResult("checksums", True, note)
    problems = _Problems("checksums")
    for problem in report.problems:
        problems.add("", problem)
    return problems.result(f"{report.verified} files match {CHECKSUMS_FILE}")


def _aligned_view(data: ConfigData) -> dict[str, tuple[str, str, str]]:
    return {
        kid: (split, name, source)
        for split, table in data.tables.items()
        for kid, name, source in _split_rows(table, "id", "kernel_name", "python_source")
    }


def check_leakage(release: Release) -> CheckResult:
    """Structural hashes recompute from ``python_source`` and none repeats, within or across splits."""
    problems = _Problems("leakage")
    good, problems.skipped = release.usable()
    digests: dict[str, str] = {}  # python_source -> recomputed hash, shared by aligned configs
    for config, data in good.items():
        seen: dict[str, list[tuple[str, str]]] = {}
        for split, table in data.tables.items():
            for kid, source, recorded in _split_rows(table, "id", "python_source", "structural_hash"):
                if source not in digests:
                    try:
                        digests[source] = structure(source)[0]
                    except (SyntaxError, ValueError, TypeError) as error:
                        digests[source] = f"<{_one_line(error)}>"
                if digests[source] != recorded:
                    problems.add(config, f"{split} id {kid}: structural_hash {recorded} recorded, {digests[source]} recomputed")
                seen.setdefault(digests[source], []).append((split, kid))
        for digest, places in seen.items():
            if len(places) < 2:
                continue
            by_split: dict[str, list[str]] = {}
            for split, kid in places:
                by_split.setdefault(split, []).append(kid)
            listing = "; ".join(f"{split}: {', '.join(ids)}" for split, ids in by_split.items())
            kind = f"in {len(by_split)} splits" if len(by_split) > 1 else f"{len(places)} times in {places[0][0]}"
            problems.add(config, f"structural hash {digest} {kind} ({listing})")
    rows = sum(d.rows for d in good.values())
    return problems.result(f"{rows} structural hashes recomputed in {len(good)} configs, each in one split once")


def check_ir(release: Release) -> CheckResult:
    """IR columns are non-empty, forward/backward define their functions, sources name both."""
    problems = _Problems("ir")
    functions = 0
    for config, data in release.data.items():
        if data.unusable:
            problems.skipped.append(f"{config}: {data.unusable}")
        if data.ir_bad_ids:
            problems.add("", f"{config}: {len(data.ir_bad_ids)} of {data.rows} rows, e.g. {', '.join(data.ir_problems)}")
        functions += 2 * len(CONFIG_BACKENDS[config]) * data.rows
    rows = sum(d.rows for d in release.data.values())
    return problems.result(f"{rows} rows in {len(release.data)} configs: {functions} functions defined as named, sources name both")


CHECKS: tuple[Callable[[Release], CheckResult], ...] = (
    check_checksums,
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
