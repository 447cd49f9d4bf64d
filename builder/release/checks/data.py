"""Checks of the data files: each reads, each config loads with ``datasets``, schemas are the project's."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import datasets
import pyarrow as pa
from datasets.exceptions import NonMatchingSplitsSizesError
from datasets.info import DatasetInfosDict

from builder.errors import one_line
from builder.release.checks.release import CheckResult, Problems, Release
from builder.schema import features


def check_parquet(release: Release) -> CheckResult:
    """Every parquet file opens with pyarrow and all its rows read."""
    problems = Problems("parquet")
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
    problems = Problems("load")
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
                release.load_errors[config] = one_line(error, limit=300, cause=True)
                loaded = _load_unchecked(release, config, cache)
                if isinstance(error, NonMatchingSplitsSizesError) and loaded is not None:
                    card_rows = {
                        s.get("name"): s.get("num_examples")
                        for s in release.card_infos().get(config, {}).get("splits") or []
                    }
                    sizes = ", ".join(
                        f"{s} {card_rows.get(s)} in the card, {len(d)} loaded"
                        for s, d in loaded.items()
                        if card_rows.get(s) != len(d)
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
    """Per config: loaded features, the card's dataset_info features and each file's schema are ``features(config)``."""
    problems = Problems("schema")
    try:
        card_features = (
            {c: i.features for c, i in DatasetInfosDict.from_dataset_card_data(release.card.data).items()}
            if release.card
            else {}
        )
    except Exception as error:
        card_features = {}
        problems.add("", f"dataset_info features do not parse: {one_line(error, limit=300, cause=True)}")
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
                problems.add(
                    config, f"{rel} Arrow schema differs from features({config!r}): {_schema_diff(schema, arrow)}"
                )
        if data.unusable:
            problems.skipped.append(f"{config}: {data.unusable}")
    return problems.result(f"{len(release.data)} configs: loaded, card and file schemas equal builder.schema.features")


def _compare_features(
    problems: Problems, config: str, what: str, got: datasets.Features, expected: datasets.Features
) -> None:
    if got == expected:
        return
    missing = [k for k in expected if k not in got]
    extra = [k for k in got if k not in expected]
    changed = [k for k in expected if k in got and got[k] != expected[k]]
    parts = [
        f"{label} {', '.join(names)}"
        for label, names in (("missing", missing), ("extra", extra), ("different", changed))
        if names
    ]
    if not parts and list(got) != list(expected):
        parts = ["column order"]
    problems.add(config, f"{what} differ from builder.schema.features: {'; '.join(parts)}")


def _schema_diff(schema: pa.Schema, expected: pa.Schema) -> str:
    names = [n for n in expected.names if n not in schema.names or schema.field(n) != expected.field(n)]
    names += [n for n in schema.names if n not in expected.names]
    return ", ".join(names) or "column order"
