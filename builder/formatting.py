"""Rows -> training samples: prompt/completion pairs or chat ``messages`` for one translation task.

The output follows the two layouts TRL's trainers take as they are: ``{"prompt", "completion"}``
(the prompt ends with the opening code fence, so the completion is the code and its closing
fence) and ``{"messages": [system, user, assistant]}``. ``formatter(task, style)`` returns a
function for ``Dataset.map`` / ``IterableDataset.map``, batched or not:

    ds.map(formatter("python_to_cuda"), remove_columns=ds.column_names)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from builder.schema import BACKEND_PREFIX, CONFIG_BACKENDS

STYLES = ("prompt", "chat")
SYSTEM_PROMPT = (
    "You are a compiler for NVIDIA Warp. Given code, answer with exactly the code Warp's JIT code "
    "generator (warp-lang) emits, in one fenced block."
)
_OUTPUT_COLUMNS = {"prompt": ("id", "task", "prompt", "completion"), "chat": ("id", "task", "messages")}
_FENCE = {"python": "python", "cpu": "cpp", "cuda": "cuda"}
_BACKEND_NAME = {"cpu": "C++ (CPU)", "cuda": "CUDA"}


@dataclass(frozen=True)
class Task:
    """Input: the Python kernel or a backend's forward function; target: a backend's forward or backward."""

    name: str
    source: str  # "python", or a backend whose forward function is the input
    target_pass: str  # forward / backward
    target_backend: str | None  # None: the row's backend (cpu for paired rows)


TASKS: dict[str, Task] = {
    task.name: task
    for task in (
        Task("python_to_cpp", "python", "forward", "cpu"),
        Task("python_to_cuda", "python", "forward", "cuda"),
        Task("cpp_to_cuda", "cpu", "forward", "cuda"),
        Task("python_to_backward", "python", "backward", None),
    )
}


def validate_task(task: str) -> Task:
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; allowed: {', '.join(TASKS)}")
    return TASKS[task]


def validate_style(style: str) -> str:
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; allowed: {', '.join(STYLES)}")
    return style


def format_row(
    row: Mapping[str, Any], task: str, style: str = "prompt", *, backend: str | None = None
) -> dict[str, Any]:
    """One row as a sample of ``task``: ``{"prompt", "completion"}`` or ``{"messages"}``, plus ``id`` and ``task``.

    ``backend`` picks the backward pass of ``python_to_backward`` (``cpu`` / ``cuda``); by default it
    is the row's only backend, or ``cpu`` for ``paired`` rows. Other tasks fix their backends.
    """
    spec = validate_task(task)
    validate_style(style)
    if backend is not None and spec.target_backend is not None and backend != spec.target_backend:
        raise ValueError(
            f"backend {backend!r}: task {task!r} always targets {spec.target_backend}; backend= applies to "
            "python_to_backward"
        )
    target_backend = spec.target_backend or backend or _row_backend(row)
    if target_backend not in BACKEND_PREFIX:
        raise ValueError(f"unknown backend {target_backend!r}; allowed: {', '.join(BACKEND_PREFIX)}")
    name = row["kernel_name"]
    if spec.source == "python":
        source_lang, source_text = "python", row["python_source"]
        what = "this NVIDIA Warp kernel (`import warp as wp`)"
    else:
        source_lang, source_text = spec.source, _column(row, spec.source, "forward", task)
        what = f"this {_BACKEND_NAME[spec.source]} forward function that Warp generated for kernel `{name}`"
    target = _column(row, target_backend, spec.target_pass, task)
    function = f"{name}_{target_backend}_kernel_{spec.target_pass}"
    instruction = (
        f"Translate {what} into the {_BACKEND_NAME[target_backend]} {spec.target_pass} function `{function}` "
        "that Warp's code generator emits for it."
    )
    user = f"{instruction}\n\n```{_FENCE[source_lang]}\n{source_text.rstrip()}\n```"
    fence = _FENCE[target_backend]
    if style == "prompt":
        sample = {"prompt": f"{user}\n\n```{fence}\n", "completion": f"{target.rstrip()}\n```"}
    else:
        sample = {
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": user},
                {"role": "assistant", "content": f"```{fence}\n{target.rstrip()}\n```"},
            ]
        }
    return {"id": row["id"], "task": task, **sample}


def formatter(
    task: str, style: str = "prompt", backend: str | None = None
) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    """A ``map`` function for ``task``: takes a row, or a batch (a dict of lists) with ``batched=True``."""
    validate_task(task)
    validate_style(style)

    def format_rows(rows: Mapping[str, Any]) -> dict[str, Any]:
        if not isinstance(rows["id"], list):
            return format_row(rows, task, style, backend=backend)
        samples = [
            format_row({k: v[i] for k, v in rows.items()}, task, style, backend=backend) for i in range(len(rows["id"]))
        ]
        return {key: [s[key] for s in samples] for key in _OUTPUT_COLUMNS[style]}

    return format_rows


def _row_backend(row: Mapping[str, Any]) -> str:
    present = [b for b in CONFIG_BACKENDS["paired"] if f"{BACKEND_PREFIX[b]}_forward" in row]
    return present[0] if present else "cpu"


def _column(row: Mapping[str, Any], backend: str, part: str, task: str) -> str:
    column = f"{BACKEND_PREFIX[backend]}_{part}"
    if column not in row:
        configs = [c for c, backends in CONFIG_BACKENDS.items() if backend in backends]
        raise ValueError(f"task {task!r} needs column {column!r}, which only configs {', '.join(configs)} have")
    return row[column]
