"""``evaluate(release, ...)``: every prediction through the stages, then pass@k and a report.

Stages, cheapest first: exact match, normalized match (both text only, always computed), the
screen (``builder.evaluate.splice``; a refusal is a compile failure), compile (the predicted
function spliced into the row's unit), execute (only what compiled; CPU functions are launched on
the row's inputs, CUDA ones are ``not run: no GPU`` without one). A prediction passes a metric
only if it passes the stages before it: compile and execute do not depend on the text matches,
so a correct rewrite that matches nothing textually still compiles and executes.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from builder.evaluate.normalize import exact_match, normalized_match
from builder.evaluate.predictions import read_predictions
from builder.evaluate.report import build_report
from builder.evaluate.rows import Target, read_targets
from builder.evaluate.score import DEFAULT_TIMEOUT, MEMORY_LIMIT, score
from builder.evaluate.splice import hollowed, screen, splice

DEFAULT_K = (1, 5, 10)


@dataclass
class Outcome:
    """One prediction's result at every stage; ``reason`` is the first failure (countable)."""

    id: str
    sample: int
    exact: bool
    normalized: bool
    compiles: bool
    executes: bool | None  # None: not run (CUDA without a GPU)
    reason: str | None
    detail: str = ""


def evaluate(
    release: str | Path,
    *,
    config: str,
    split: str,
    task: str,
    predictions: str | Path | dict[str, list[str]],
    k: Sequence[int] = DEFAULT_K,
    num_proc: int = 1,
    timeout: float = DEFAULT_TIMEOUT,
    memory: int = MEMORY_LIMIT,
) -> dict:
    """Score ``predictions`` (a JSONL path, or ``{id: [sample, ...]}``) on ``task``; the report as a dict."""
    started = time.perf_counter()
    targets = read_targets(release, config, split, task)
    samples = read_predictions(predictions) if isinstance(predictions, (str, Path)) else dict(predictions)
    known = {t.row_id for t in targets}
    unknown = [i for i in samples if i not in known]
    if unknown:
        raise ValueError(
            f"predictions: {len(unknown)} id(s) not in {config}/{split}, e.g. {unknown[0]!r}; "
            "allowed: the ids of that split"
        )
    outcomes, items, owners = [], [], []
    for target in targets:
        texts = samples.get(target.row_id)
        if texts is None:
            outcomes.append(Outcome(target.row_id, -1, False, False, False, False, "missing prediction"))
            continue
        for n, text in enumerate(texts):
            outcome, item = _text_stages(target, n, text)
            outcomes.append(outcome)
            if item is not None:
                items.append(item)
                owners.append(outcome)
    scored, children = time.perf_counter(), _child_cpu_seconds()
    for outcome, result in zip(owners, score(items, num_proc=num_proc, timeout=timeout, memory=memory), strict=False):
        outcome.compiles = bool(result.compiled)
        outcome.executes = result.executed if result.compiled else False
        outcome.reason, outcome.detail = result.reason, result.detail[:300]
    seconds = time.perf_counter() - started
    return build_report(
        targets,
        [asdict(o) for o in outcomes],
        arguments={
            "release": str(release),
            "config": config,
            "split": split,
            "task": task,
            "k": list(k),
            "num_proc": num_proc,
            "timeout": timeout,
        },
        timing={
            "seconds": round(seconds, 2),
            "compiled_and_executed": len(items),
            "score_seconds": round(time.perf_counter() - scored, 2),
            # CPU time of the scoring children (compiler included: Warp's Clang runs in them); on a
            # shared machine it says more than wall time does.
            "worker_cpu_seconds": round(_child_cpu_seconds() - children, 2),
        },
    )


def _child_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _text_stages(target: Target, n: int, text: str) -> tuple[Outcome, dict | None]:
    """The text stages and the screen; the worker item if the prediction goes on to compile."""
    exact = exact_match(text, target.reference)
    normalized = normalized_match(text, target.reference)
    outcome = Outcome(target.row_id, n, exact, normalized, False, False, None)
    refused = screen(text, target.symbol, cuda=target.backend == "cuda")
    if refused:
        outcome.reason, outcome.detail = refused
        return outcome, None
    # Only the asked pass is launched; the other one's body is emptied in both units to compile faster.
    other = f"{target.kernel_name}_{target.backend}_kernel_{'backward' if target.part == 'forward' else 'forward'}"
    unit = hollowed(target.unit, other)
    item = {
        "backend": target.backend,
        "unit": splice(unit, target.symbol, text),
        "kernel_name": target.kernel_name,
        "python_source": target.python_source,
        "pass": target.part,
        "io_examples": target.io_examples,
        "seed": target.seed,
        "index": target.index,
    }
    if target.part == "backward" or not target.io_examples or '"tiled":true' in target.io_examples:
        # Recorded outputs of tile kernels come from a build at one thread per block, which the
        # row's unit (generated at Warp's default block size) is not; compare with the unit itself.
        item["reference_unit"] = unit  # its outputs are computed at evaluation time
    if not target.io_examples and target.seed is None:
        item["execute"] = False  # no recorded launches and no seed to draw inputs from
    return outcome, item
