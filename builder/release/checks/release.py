"""What the checks of a release share: the card, each config's rows read once, and how a check reports.

The parquet files are read once (``read_config``): every column of every row, batch by batch, so
a damaged file fails; only the columns later checks need are kept, and the IR columns are checked
batch by batch as they pass.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
from huggingface_hub import DatasetCard

from builder.errors import one_line
from builder.release.layout import parquet_files
from builder.schema import BACKEND_PREFIX, CONFIG_BACKENDS, ir_columns

SHOWN = 5  # problems spelled out per check; the rest are counted
BATCH_ROWS = 200  # rows per read: about 20 MB of paired Arrow data, plus their IR as Python strings
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
            str(c.get("config_name", "default")): data_files(c.get("data_files"))
            for c in self.card.data.to_dict().get("configs") or []
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


class Problems:
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


# --- reading -------------------------------------------------------------------------------------


def read_config(folder: Path, config: str) -> ConfigData:
    """Read every row of every file of ``config`` once; keep the light columns, check the IR columns."""
    data = ConfigData(files=parquet_files(folder, config))
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
                data.unusable = f"{rel} lacks what the checks need ({one_line(error, limit=300, cause=True)})"
    except Exception as error:  # truncated or corrupt: pyarrow raises OSError, ArrowInvalid ...
        data.unreadable.append(f"{rel}: {one_line(error, limit=300, cause=True)}")
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
    # Releases before the motif generator have no metadata.generator: their rows are the random fuzzer's.
    has_generator = metadata.type.get_field_index("generator") >= 0
    columns["generator"] = metadata.field("generator") if has_generator else pa.nulls(len(batch), pa.string())
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
    for row, (kid, name) in enumerate(zip(ids, names, strict=False)):
        for backend in CONFIG_BACKENDS[config]:
            prefix = BACKEND_PREFIX[backend]
            symbols = {part: f"{name or ''}_{backend}_kernel_{part}" for part in ("forward", "backward")}
            for part in ("forward", "backward", "source"):
                column = f"{prefix}_{part}"
                text = texts[column][row]
                if text is None and part == "source":  # built without the whole modules (ir_source False)
                    continue
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


def config_folders(folder: Path) -> list[str]:
    """Folders directly under the release that hold parquet files."""
    return sorted(
        p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".") and any(p.rglob("*.parquet"))
    )


def data_files(value: object) -> dict[str, list[str]]:
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


def split_rows(table: pa.Table, *columns: str) -> list[tuple]:
    return list(zip(*(table.column(c).to_pylist() for c in columns), strict=False))
