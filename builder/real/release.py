"""A release of kernels from real Python files (``warp-ir-pairs extract``).

The rows have the synthetic rows' schema: category ``real``, no seed or index, and the kernel's
file and line in ``metadata.source_file`` / ``source_line``. Kernels whose structural hash is
already taken (by the synthetic data, or by an earlier kernel of the same files) are left out
and counted, so a model can be evaluated on them without near-duplicates of its training data.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from builder.codegen.ir import BACKENDS
from builder.errors import ReleaseError
from builder.real.harvest import (
    DEFAULT_TIMEOUT,
    Failure,
    failure_counts,
    harvest,
    python_files,
)
from builder.real.rows import real_rows
from builder.release.card import RealCardContext, render_real_card
from builder.release.layout import PLOTS_DIR, parquet_files, release_configs
from builder.release.output import check_output_dir, move_into_place, staging_folder
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
    release_files: dict[str, list[Path]]

    def lines(self) -> list[str]:
        dropped = sum(self.duplicates.values())
        lines = [
            f"extracted {self.rows} kernel(s) from {len(self.per_file)} of {self.files} file(s) into {self.out} in "
            f"{self.seconds:.1f} s",
            f"left out as structural duplicates: {dropped}"
            + (f" ({', '.join(f'{r}: {n}' for r, n in self.duplicates.items())})" if dropped else ""),
            f"failures: {len(self.failures)}"
            + (
                f" ({', '.join(f'{r}: {n}' for r, n in failure_counts(self.failures).most_common())})"
                if self.failures
                else ""
            ),
        ]
        lines += [f"  {failure.line()}" for failure in self.failures]
        return lines


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
) -> ExtractSummary:
    """Extract every kernel of the Python files in ``paths`` and write them as a release into ``out``.

    Files and kernels that fail are listed in the summary and the card; with ``strict``, any
    failure is a ``ReleaseError`` and nothing is written.
    """
    started = time.perf_counter()
    configs = [validate_config(c) for c in dict.fromkeys(configs)]
    if not configs:
        raise ReleaseError(f"no configs given; allowed: {', '.join(CONFIGS)}")
    if not split.isidentifier():
        raise ReleaseError(f"split {split!r}: must be a name such as test or train")
    try:
        files = python_files(paths)
    except ValueError as error:
        raise ReleaseError(str(error)) from None
    if not files:
        raise ReleaseError(f"no .py files under {', '.join(map(str, paths))}")
    out = Path(out).absolute()
    check_output_dir(out, overwrite)
    backends = [b for b in BACKENDS if any(b in CONFIG_BACKENDS[c] for c in configs)]
    found, failures = harvest(files, backends, timeout, num_proc)
    if strict and failures:
        raise ReleaseError(f"{len(failures)} failure(s) with --strict; first: {failures[0].line()}")
    source_config = configs[0] if len(configs) == 1 else "paired"
    real = real_rows(found, source_config, exclude_hashes)
    if not real.rows:
        reasons = ", ".join(f"{r}: {n}" for r, n in failure_counts(failures).most_common()) or "none failed"
        raise ReleaseError(
            f"no kernels to release from {len(files)} file(s) ({len(found)} extracted, "
            f"{sum(real.duplicates.values())} duplicates; failures: {reasons})"
        )
    per_file = Counter(row["metadata"]["source_file"] for row in real.rows)
    with staging_folder(out) as staging:
        schema = features(source_config)
        table = pa.Table.from_pylist([schema.encode_example(row) for row in real.rows], schema=schema.arrow_schema)
        written, split_bytes, lines = _write_tables(staging, table, configs, split)
        write_plots(lines, staging / PLOTS_DIR)
        card = render_real_card(
            RealCardContext(
                configs,
                split,
                len(real.rows),
                split_bytes,
                written,
                license,
                command,
                failures,
                real.duplicates,
                per_file,
                len(files),
                distribution_table(lines),
            )
        )
        (staging / "README.md").write_text(card, encoding="utf-8")
        move_into_place(staging, out)
    release_files = {c: [out / p.relative_to(staging) for p in paths] for c, paths in written.items()}
    return ExtractSummary(
        out,
        len(files),
        len(real.rows),
        failures,
        real.duplicates,
        per_file,
        time.perf_counter() - started,
        release_files,
    )


def _write_tables(
    staging: Path, table: pa.Table, configs: Sequence[str], split: str
) -> tuple[dict[str, list[Path]], dict[str, int], dict]:
    """Each config's parquet files of ``table``; returns the files, the Arrow bytes and the line counts per config."""
    writers = {c: SplitFiles(staging / c, split, features(c).arrow_schema) for c in configs}
    counter = LineCounter(features(configs[0]).arrow_schema)
    for group in row_groups(table.to_batches(), ROW_GROUP_SIZE):
        for config, writer in writers.items():
            writer.write(derive_config(group, config))
        counter.add(derive_config(group, configs[0]))
    return {c: w.close() for c, w in writers.items()}, {c: w.total_bytes for c, w in writers.items()}, counter.result()
