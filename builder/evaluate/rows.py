"""The rows of one config and split of a release, and what a task asks of each."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from builder.formatting import validate_task
from builder.schema import BACKEND_PREFIX, CONFIG_BACKENDS, DIFFICULTIES, ROW_CATEGORIES, validate_config

COLUMNS = ("id", "kernel_name", "category", "difficulty", "python_source", "io_examples", "metadata")


@dataclass(frozen=True)
class Target:
    """What a task asks of one row: the function to write, its reference text and unit."""

    row_id: str
    kernel_name: str
    backend: str
    part: str  # forward / backward
    reference: str
    unit: str
    python_source: str
    io_examples: str
    seed: int | None
    index: int | None
    category: str
    difficulty: str
    origin: str  # synthetic / real

    @property
    def symbol(self) -> str:
        return f"{self.kernel_name}_{self.backend}_kernel_{self.part}"


def task_backend(task: str, config: str) -> tuple[str, str]:
    """(backend, pass) of the function ``task`` asks for in rows of ``config``; ValueError if the config lacks it."""
    spec = validate_task(task)
    backend = spec.target_backend or CONFIG_BACKENDS[validate_config(config)][0]
    if backend not in CONFIG_BACKENDS[config] or (
        spec.source in BACKEND_PREFIX and spec.source not in CONFIG_BACKENDS[config]
    ):
        allowed = [
            c
            for c, b in CONFIG_BACKENDS.items()
            if backend in b and (spec.source not in BACKEND_PREFIX or spec.source in b)
        ]
        raise ValueError(f"task {task!r} needs config {' or '.join(allowed)}; config {config!r} lacks its columns")
    return backend, spec.target_pass


def read_targets(release: str | Path, config: str, split: str, task: str) -> list[Target]:
    """Every row of ``release``/``config``/``split`` as a ``Target`` of ``task``, in file order."""
    backend, part = task_backend(task, config)
    files = sorted((Path(release) / config).glob(f"{split}-*.parquet"))
    if not files:
        present = sorted({f.name.split("-")[0] for f in (Path(release) / config).glob("*.parquet")})
        raise ValueError(
            f"release {str(release)!r}: no {config}/{split} parquet files; "
            f"splits present: {', '.join(present) or 'none'}"
        )
    prefix = BACKEND_PREFIX[backend]
    columns = [*COLUMNS, f"{prefix}_{part}", f"{prefix}_source"]
    table = pa.concat_tables(pq.read_table(f, columns=columns) for f in files)
    targets = []
    for row in table.to_pylist():
        meta = row["metadata"] or {}
        targets.append(
            Target(
                row_id=row["id"],
                kernel_name=row["kernel_name"],
                backend=backend,
                part=part,
                reference=row[f"{prefix}_{part}"],
                unit=row[f"{prefix}_source"],
                python_source=row["python_source"],
                io_examples=row["io_examples"] or "",
                seed=meta.get("seed"),
                index=meta.get("index"),
                category=ROW_CATEGORIES[row["category"]],
                difficulty=DIFFICULTIES[row["difficulty"]] if row["difficulty"] is not None else "unknown",
                origin="real" if meta.get("source_file") or row["id"].startswith("real-") else "synthetic",
            )
        )
    return targets
