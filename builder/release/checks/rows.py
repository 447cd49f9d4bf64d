"""Checks of the rows: ids, configs aligned, no structural duplicate across splits, IR present."""

from __future__ import annotations

from builder.errors import one_line
from builder.plan.planner import kernel_id
from builder.plan.structure import structure
from builder.real.rows import real_id
from builder.release.checks.release import CheckResult, ConfigData, Problems, Release, split_rows
from builder.schema import CONFIG_BACKENDS


def check_ids(release: Release) -> CheckResult:
    """Ids are unique within each config (all splits) and equal ``kernel_id(seed, index)``
    (``real_id(source_file, python_source)`` for real kernels)."""
    problems = Problems("ids")
    good, problems.skipped = release.usable()
    for config, data in good.items():
        where: dict[str, list[str]] = {}
        for split, table in data.tables.items():
            for kid, seed, index, source_file, source in split_rows(
                table, "id", "seed", "index", "source_file", "python_source"
            ):
                where.setdefault(kid, []).append(split)
                if seed is None and index is None and isinstance(source_file, str):
                    expected = real_id(source_file, source)
                    if kid != expected:
                        problems.add(
                            config,
                            f"{split} id {kid} but metadata source_file {source_file!r} and python_source give "
                            f"{expected}",
                        )
                    continue
                expected = kernel_id(seed, index) if isinstance(seed, int) and isinstance(index, int) else None
                if kid != expected:
                    problems.add(config, f"{split} id {kid} but metadata seed {seed} index {index} give {expected}")
        for kid, splits in where.items():
            if len(splits) > 1:
                problems.add(config, f"id {kid} appears {len(splits)} times ({', '.join(splits)})")
    rows = sum(d.rows for d in good.values())
    return problems.result(
        f"{rows} ids in {len(good)} configs, unique per config, each kernel_id(seed, index) or real_id(source_file, "
        "python_source)"
    )


def check_aligned(release: Release) -> CheckResult:
    """Every config holds the same ids, kernel names, sources and splits."""
    problems = Problems("aligned")
    good, problems.skipped = release.usable()
    views = {config: _aligned_view(data) for config, data in good.items()}
    if not views:
        problems.skipped.append("no readable config")
    reference = next(iter(views), "")
    for config, view in list(views.items())[1:]:
        base = views[reference]
        for kid in sorted(set(base) ^ set(view)):
            problems.add(
                "",
                f"id {kid} is in {reference if kid in base else config} but not in "
                f"{config if kid in base else reference}",
            )
        for kid in sorted(set(base) & set(view)):
            for field_name, a, b in zip(("split", "kernel_name", "python_source"), base[kid], view[kid], strict=False):
                if a != b:
                    shown = f": {a!r} vs {b!r}" if field_name != "python_source" else ""
                    problems.add("", f"id {kid} {field_name} differs between {reference} and {config}{shown}")
    kernels = len(views[reference]) if views else 0
    return problems.result(f"{len(views)} configs hold the same {kernels} ids, kernel names, sources and splits")


def _aligned_view(data: ConfigData) -> dict[str, tuple[str, str, str]]:
    return {
        kid: (split, name, source)
        for split, table in data.tables.items()
        for kid, name, source in split_rows(table, "id", "kernel_name", "python_source")
    }


def check_leakage(release: Release) -> CheckResult:
    """Structural hashes recompute from ``python_source`` and none repeats, within or across splits."""
    problems = Problems("leakage")
    good, problems.skipped = release.usable()
    digests: dict[str, str] = {}  # python_source -> recomputed hash, shared by aligned configs
    for config, data in good.items():
        seen: dict[str, list[tuple[str, str]]] = {}
        for split, table in data.tables.items():
            for kid, source, recorded in split_rows(table, "id", "python_source", "structural_hash"):
                if source not in digests:
                    try:
                        digests[source] = structure(source)[0]
                    except (SyntaxError, ValueError, TypeError) as error:
                        digests[source] = f"<{one_line(error, limit=300, cause=True)}>"
                if digests[source] != recorded:
                    problems.add(
                        config, f"{split} id {kid}: structural_hash {recorded} recorded, {digests[source]} recomputed"
                    )
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
    problems = Problems("ir")
    functions = 0
    for config, data in release.data.items():
        if data.unusable:
            problems.skipped.append(f"{config}: {data.unusable}")
        if data.ir_bad_ids:
            problems.add(
                "", f"{config}: {len(data.ir_bad_ids)} of {data.rows} rows, e.g. {', '.join(data.ir_problems)}"
            )
        functions += 2 * len(CONFIG_BACKENDS[config]) * data.rows
    rows = sum(d.rows for d in release.data.values())
    return problems.result(
        f"{rows} rows in {len(release.data)} configs: {functions} functions defined as named, sources name both"
    )
