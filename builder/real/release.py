"""A release of kernels from real Python files (``warp-ir-pairs extract``).

The rows have the synthetic rows' schema: category ``real``, no seed or index, and the kernel's
file, line, package, version, license and block_dim in ``metadata``. Rows go to one split, or
with ``split_ratios`` to train / validation / test by source file (``builder.real.splits``).
Kernels whose structural hash is
already taken (by the synthetic data, or by an earlier kernel of the same files) are left out
and counted, so a model can be evaluated on them without near-duplicates of its training data.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from builder.codegen.ir import BACKENDS
from builder.errors import ReleaseError
from builder.plan.splits import SPLITS
from builder.real.harvest import (
    DEFAULT_MEMORY_LIMIT,
    DEFAULT_TIMEOUT,
    Failure,
    failure_counts,
    harvest,
)
from builder.real.packages import Source, package_sources, path_sources
from builder.real.rows import real_rows
from builder.real.splits import file_splits
from builder.real.worker import kernel_definitions
from builder.release.card import RealCardContext, render_real_card
from builder.release.checksums import write_checksums
from builder.release.layout import PLOTS_DIR, parquet_files, release_configs
from builder.release.output import check_output_dir, check_writable, claim_output, move_into_place, staging_folder
from builder.release.plots import (
    LineCounter,
    distribution_table,
    write_plots,
)
from builder.release.writer import ROW_GROUP_SIZE, SplitFiles, derive_config, row_groups
from builder.schema import (
    CONFIG_BACKENDS,
    CONFIGS,
    features,
    validate_config,
)

DEFAULT_SPLIT = "test"
FILES_GIVEN = "(files given)"  # the package column of files named by path
# File failures that mean the file's code never ran to its end.
_NOT_IMPORTED = ("import ", "crashed", "timeout", "extract ")
# The license of the examples that ship with warp-lang (its LICENSE.md).
WARP_EXAMPLES_LICENSE = "apache-2.0"


@dataclass(frozen=True)
class ExtractSummary:
    out: Path
    files: int
    rows: int
    failures: list[Failure]
    duplicates: Counter
    per_file: Counter
    seconds: float
    per_split: Counter
    release_files: dict[str, list[Path]]
    coverage: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # see ``definition_coverage``

    def lines(self) -> list[str]:
        dropped = sum(self.duplicates.values())
        lines = [
            f"extracted {self.rows} kernel(s) from {len(self.per_file)} of {self.files} file(s) into {self.out} "
            f"in {self.seconds:.1f} s",
            "per split: " + ", ".join(f"{split}: {n}" for split, n in self.per_split.items()),
            f"left out as structural duplicates: {dropped}"
            + (f" ({', '.join(f'{r}: {n}' for r, n in self.duplicates.items())})" if dropped else ""),
            f"failures: {len(self.failures)}"
            + (
                f" ({', '.join(f'{r}: {n}' for r, n in failure_counts(self.failures).most_common())})"
                if self.failures
                else ""
            ),
        ]
        for package, (written, importing, found) in self.coverage.items():
            share = f" ({100 * found / importing:.1f}%)" if importing else ""
            lines.append(
                f"{package}: {written} @wp.kernel definition(s) written, {importing} in files that import, "
                f"{found} extracted{share}"
            )
        lines += [f"  {failure.line()}" for failure in self.failures]
        return lines


def definition_coverage(
    sources: Sequence[Source], found: Sequence, failures: Sequence[Failure]
) -> dict[str, tuple[int, int, int]]:
    """Per package: ``@wp.kernel`` lines (grep) in all files, in files that import, and definitions extracted."""
    not_imported = {f.source_file for f in failures if f.kernel is None and f.reason.startswith(_NOT_IMPORTED)}
    definitions = {(k.source_file, k.source_line): k.package or FILES_GIVEN for k in found}
    extracted = Counter(definitions.values())
    coverage: dict[str, list[int]] = {}
    for source in sources:
        written = kernel_definitions(source.path)
        counts = coverage.setdefault(source.package or FILES_GIVEN, [0, 0, 0])
        counts[0] += written
        counts[1] += 0 if source.rel in not_imported else written
    for package, n in extracted.items():
        coverage.setdefault(package, [0, 0, 0])[2] = n
    return {package: tuple(counts) for package, counts in sorted(coverage.items())}


def release_hashes(release: str | os.PathLike) -> set[str]:
    """The structural hashes of every row of a release (any one config's files hold them all)."""
    folder = Path(release)
    config = next(iter(release_configs(folder)), None)
    if config is None:
        raise ReleaseError(f"{str(folder)!r} holds no release (no cpu/, cuda/ or paired/ parquet files)")
    hashes: set[str] = set()
    for path in sorted(p for paths in parquet_files(folder, config).values() for p in paths):
        table = pq.read_table(path, columns=["metadata"])
        hashes.update(table.column("metadata").combine_chunks().field("structural_hash").to_pylist())
    return hashes


def extract_release(
    paths: Sequence[str | os.PathLike],
    out: str | os.PathLike,
    configs: Sequence[str] = CONFIGS,
    split: str = DEFAULT_SPLIT,
    timeout: float = DEFAULT_TIMEOUT,
    num_proc: int = 1,
    overwrite: bool = False,
    exclude_hashes: Collection[str] = (),
    license: str = "unknown",
    strict: bool = False,
    command: str = "",
    *,
    packages: Sequence[str] = (),
    memory_limit: int | None = DEFAULT_MEMORY_LIMIT,
    split_ratios: Sequence[float] | None = None,
    seed: int = 0,
) -> ExtractSummary:
    """Extract every kernel of the files in ``paths`` and of the installed ``packages`` into a release in ``out``.

    Files and kernels that fail are listed in the summary and the card; with ``strict``, any
    failure is a ``ReleaseError`` and nothing is written. With ``split_ratios`` the rows are split
    by source file (seeded by ``seed``), else all go to ``split``.
    """
    started = time.perf_counter()
    configs = [validate_config(c) for c in dict.fromkeys(configs)]
    if not configs:
        raise ReleaseError(f"no configs given; allowed: {', '.join(CONFIGS)}")
    if not split.isidentifier():
        raise ReleaseError(f"split {split!r}: must be a name such as test or train")
    sources = _sources(paths, packages)
    out = Path(out).absolute()
    with claim_output(out):
        check_output_dir(out, overwrite)
        check_writable(out)  # before harvesting, which takes minutes
        backends = [b for b in BACKENDS if any(b in CONFIG_BACKENDS[c] for c in configs)]
        try:
            found, failures = harvest(sources, backends, timeout, num_proc, memory_limit)
        except ValueError as error:
            raise ReleaseError(str(error)) from None
        source_config = configs[0] if len(configs) == 1 else "paired"
        real = real_rows(found, source_config, exclude_hashes)
        failures = failures + real.failures
        if strict and failures:
            raise ReleaseError(f"{len(failures)} failure(s) with --strict; first: {failures[0].line()}")
        if not real.rows:
            reasons = ", ".join(f"{r}: {n}" for r, n in failure_counts(failures).most_common()) or "none failed"
            raise ReleaseError(
                f"no kernels to release from {len(sources)} file(s) ({len(found)} extracted, "
                f"{sum(real.duplicates.values())} duplicates; failures: {reasons})"
            )
        per_file = Counter(row["metadata"]["source_file"] for row in real.rows)
        coverage = definition_coverage(sources, found, failures)
        splits = file_splits(per_file, split_ratios, seed) if split_ratios else dict.fromkeys(per_file, split)
        by_split: dict[str, list[dict]] = {}
        for row in real.rows:
            by_split.setdefault(splits[row["metadata"]["source_file"]], []).append(row)
        by_split = {name: by_split[name] for name in sorted(by_split, key=_split_order)}
        card = _RealCard(
            configs,
            _release_license(real.rows, license),
            command,
            failures,
            real.duplicates,
            per_file,
            sources,
            _packages_table(real.rows, sources, coverage),
        )
        written = _write_release(out, by_split, source_config=source_config, card=card, overwrite=overwrite)
    return ExtractSummary(
        out,
        len(sources),
        len(real.rows),
        failures,
        real.duplicates,
        per_file,
        time.perf_counter() - started,
        Counter({name: len(rows) for name, rows in by_split.items()}),
        written,
        coverage,
    )


@dataclass(frozen=True)
class _RealCard:
    """What the card states beyond the rows: the parts of ``RealCardContext`` known before writing."""

    configs: Sequence[str]
    license: str
    command: str
    failures: Sequence[Failure]
    duplicates: Counter
    per_file: Counter
    sources: Sequence[Source]
    packages: str


def _write_release(
    out: Path, by_split: dict[str, list[dict]], *, source_config: str, card: _RealCard, overwrite: bool
) -> dict[str, list[Path]]:
    """Write the rows of each split, the plots, the card and the checksums, then move the release to ``out``."""
    with staging_folder(out) as staging:
        schema = features(source_config)
        tables = {
            name: pa.Table.from_pylist([schema.encode_example(r) for r in rows], schema=schema.arrow_schema)
            for name, rows in by_split.items()
        }
        written, split_bytes, lines = _write_tables(staging, tables, card.configs)
        write_plots(lines, staging / PLOTS_DIR)
        context = RealCardContext(
            card.configs,
            {name: len(rows) for name, rows in by_split.items()},
            split_bytes,
            written,
            card.license,
            card.command,
            card.failures,
            card.duplicates,
            card.per_file,
            len(card.sources),
            distribution_table(lines),
            card.packages,
        )
        (staging / "README.md").write_text(render_real_card(context), encoding="utf-8")
        write_checksums(staging)
        move_into_place(staging, out, overwrite)
    return {c: [out / p.relative_to(staging) for p in paths] for c, paths in written.items()}


def _sources(paths: Sequence[str | os.PathLike], packages: Sequence[str]) -> list[Source]:
    """The files of ``paths`` and ``packages``; a file named both ways keeps its package's provenance."""
    try:
        chosen = {s.path: s for s in path_sources(paths)}
        chosen.update((s.path, s) for name in packages for s in package_sources(name))
    except ValueError as error:
        raise ReleaseError(str(error)) from None
    if not chosen:
        raise ReleaseError(f"no .py files under {', '.join(map(str, [*paths, *packages]))}")
    return sorted(chosen.values(), key=lambda s: s.rel)


def _split_order(split: str) -> tuple[int, str]:
    return (SPLITS.index(split), split) if split in SPLITS else (len(SPLITS), split)


def _release_license(rows: Sequence[dict], given: str) -> str:
    """The Hub license id of the release: the packages' one license, else ``given`` (``other`` when they differ)."""
    found = {(r["metadata"]["license"] or "").lower() or given for r in rows}
    return found.pop() if len(found) == 1 else "other"


def _packages_table(rows: Sequence[dict], sources: Sequence[Source], coverage: dict[str, tuple[int, int, int]]) -> str:
    """Markdown table per package: files, ``@wp.kernel`` lines (all files, files that import), extracted, rows."""
    files = Counter(s.package or FILES_GIVEN for s in sources)
    kernels: Counter = Counter()
    about: dict[str, tuple[str, str]] = {}
    for row in rows:
        meta = row["metadata"]
        name = meta["package"] or FILES_GIVEN
        kernels[name] += 1
        about[name] = (meta["package_version"] or "", meta["license"] or "")
    lines = [
        "| package | version | license | files | `@wp.kernel` written | in files that import | extracted | rows |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {n} | {about.get(n, ('', ''))[0]} | {about.get(n, ('', ''))[1]} | {files[n]} | "
        f"{' | '.join(map(str, coverage.get(n, (0, 0, 0))))} | {kernels[n]} |"
        for n in sorted(files)
    ]
    return "\n".join(lines)


def _write_tables(
    staging: Path, tables: dict[str, pa.Table], configs: Sequence[str]
) -> tuple[dict[str, list[Path]], dict[str, dict[str, int]], dict]:
    """Each config's parquet files of each split's table: the files, Arrow bytes per config and split, line counts."""
    counter = LineCounter(features(configs[0]).arrow_schema.names)
    written: dict[str, list[Path]] = {c: [] for c in configs}
    split_bytes: dict[str, dict[str, int]] = {c: {} for c in configs}
    for split, table in tables.items():
        writers = {c: SplitFiles(staging / c, split, features(c).arrow_schema) for c in configs}
        for group in row_groups(table.to_batches(), ROW_GROUP_SIZE):
            for config, writer in writers.items():
                writer.write(derive_config(group, config))
            counter.add(derive_config(group, configs[0]))
        for config, writer in writers.items():
            written[config] += writer.close()
            split_bytes[config][split] = writer.total_bytes
    return written, split_bytes, counter.result()
