"""lm-evaluation-harness hooks for warp-ir-pairs: prompts from builder.formatting, scores from builder.evaluate.

Per document, ``process_results`` records the text metrics (exact, normalized) and the prediction;
the ``compiles`` and ``executes`` aggregations score every prediction of the run at once through
``builder.evaluate.run.evaluate`` (one batched compile per 32 predictions, child processes with time
and memory limits), cached so the two metrics share one scoring pass.

The release is read from ``WARP_IR_PAIRS_RELEASE`` (default ``release``), the same folder the YAML's
``data_files`` point at; the split is ``test``.
"""

from __future__ import annotations

import json
import os

from builder.evaluate.normalize import exact_match, normalized_match
from builder.evaluate.predictions import strip_fence
from builder.formatting import format_row

_CONFIG = {"python_to_cpp": "cpu", "python_to_cuda": "cuda"}
_scored: dict[str, dict] = {}


def _task(doc: dict) -> str:
    return "python_to_cpp" if "cpp_forward" in doc else "python_to_cuda"


def doc_to_text(doc: dict) -> str:
    """The formatter's prompt; it ends with the opening code fence."""
    return format_row(doc, _task(doc), "prompt")["prompt"]


def doc_to_target(doc: dict) -> str:
    return format_row(doc, _task(doc), "prompt")["completion"]


def process_results(doc: dict, results: list[str]) -> dict:
    """Text metrics now; the prediction travels to the compile / execute aggregations."""
    task = _task(doc)
    prediction = strip_fence(results[0])
    reference = doc["cpp_forward" if task == "python_to_cpp" else "cuda_forward"]
    item = json.dumps({"id": doc["id"], "task": task, "prediction": prediction})
    return {
        "exact": float(exact_match(prediction, reference)),
        "normalized": float(normalized_match(prediction, reference)),
        "compiles": item,
        "executes": item,
    }


def _report(items: list[str]) -> dict:
    key = json.dumps(sorted(items))
    if key not in _scored:
        from builder.evaluate.run import evaluate

        records = [json.loads(i) for i in items]
        task = records[0]["task"]
        _scored[key] = evaluate(
            os.environ.get("WARP_IR_PAIRS_RELEASE", "release"),
            config=_CONFIG[task],
            split="test",
            task=task,
            predictions={r["id"]: [r["prediction"]] for r in records},
            k=(1,),
            num_proc=os.cpu_count() or 1,
        )
    return _scored[key]


def compiles(items: list[str]) -> float:
    """Share of predictions that compile in place of the reference function."""
    outcomes = _report(items)["outcomes"]
    return sum(bool(o["compiles"]) for o in outcomes if o["sample"] >= 0) / len(items)


def executes(items: list[str]) -> float:
    """Share of predictions whose launches match the reference (CPU); 0 for CUDA without a GPU (not run)."""
    outcomes = _report(items)["outcomes"]
    return sum(bool(o["executes"]) for o in outcomes if o["sample"] >= 0) / len(items)
