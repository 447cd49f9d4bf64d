"""The evaluation report: pass@k per metric, breakdowns, failures by reason, every outcome; as markdown too."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from builder.evaluate.passk import mean_pass_at_k

METRICS = ("exact", "normalized", "compiles", "executes")
BREAKDOWNS = ("category", "difficulty", "origin")


def pass_at_k_table(outcomes: Sequence[dict], ks: Sequence[int]) -> dict[str, dict[str, float | None]]:
    """``{metric: {k: mean pass@k}}`` over the rows of ``outcomes``; None where no row could run a metric."""
    per_row: dict[str, list[dict]] = defaultdict(list)
    for outcome in outcomes:
        per_row[outcome["id"]].append(outcome)
    table = {}
    for metric in METRICS:
        if _not_run(outcomes, metric):
            table[metric] = {str(k): None for k in ks}
            continue
        # A missing prediction is a row with no samples (n = 0): failed at every k.
        counts = [
            (sum(o["sample"] >= 0 for o in rows), sum(bool(o[metric]) for o in rows)) for rows in per_row.values()
        ]
        table[metric] = {str(k): _rounded(v) for k, v in mean_pass_at_k(counts, ks).items()}
    return table


def _not_run(outcomes: Sequence[dict], metric: str) -> bool:
    """Whether no prediction that reached ``metric`` was scored on it (CUDA launches without a GPU)."""
    reached = [o for o in outcomes if metric != "executes" or o["compiles"]]
    return bool(reached) and all(o[metric] is None for o in reached)


def build_report(targets, outcomes: list[dict], *, arguments: dict, timing: dict) -> dict:
    """The JSON report of one evaluation."""
    ks = arguments["k"]
    groups: dict[str, dict[str, list[dict]]] = {b: defaultdict(list) for b in BREAKDOWNS}
    by_id = {t.row_id: t for t in targets}
    for outcome in outcomes:
        target = by_id[outcome["id"]]
        for breakdown in BREAKDOWNS:
            groups[breakdown][getattr(target, breakdown)].append(outcome)
    reasons = Counter(o["reason"] for o in outcomes if o["reason"])
    rate = timing["compiled_and_executed"] / timing["score_seconds"] if timing["score_seconds"] else 0.0
    cpu = timing.get("worker_cpu_seconds", 0.0)
    return {
        "arguments": arguments,
        "rows": len(targets),
        "predictions": len(outcomes),
        "pass_at_k": pass_at_k_table(outcomes, ks),
        "breakdown": {
            b: {
                name: {"rows": len({o["id"] for o in group}), "pass_at_k": pass_at_k_table(group, ks)}
                for name, group in sorted(groups[b].items())
            }
            for b in BREAKDOWNS
        },
        "not_run": [m for m in METRICS if _not_run(outcomes, m)],
        "failures": dict(reasons.most_common()),
        "timeouts": sum(n for r, n in reasons.items() if "timed out" in r),
        "timing": timing
        | {
            "predictions_per_second_per_process": round(rate / max(1, arguments["num_proc"]), 2),
            "predictions_per_cpu_second": round(timing["compiled_and_executed"] / cpu, 2) if cpu else 0.0,
        },
        "outcomes": outcomes,
    }


def markdown(report: dict) -> str:
    """A short markdown summary: pass@k per metric, pass@1 per breakdown, failures by reason."""
    args, ks = report["arguments"], [str(k) for k in report["arguments"]["k"]]
    lines = [
        f"## Evaluation: {args['task']} on {args['config']}/{args['split']}",
        "",
        f"{report['rows']} rows, {report['predictions']} predictions; {report['timing']['seconds']} s "
        f"({report['timing']['predictions_per_second_per_process']} compiled and executed per second per process).",
        "",
        "| metric | " + " | ".join(f"pass@{k}" for k in ks) + " |",
        "|---|" + "---|" * len(ks),
    ]
    for metric, values in report["pass_at_k"].items():
        lines.append(f"| {metric} | " + " | ".join(_cell(values[k], metric in report["not_run"]) for k in ks) + " |")
    for breakdown, groups in report["breakdown"].items():
        lines += [
            "",
            f"pass@{ks[0]} by {breakdown}:",
            "",
            f"| {breakdown} | rows | " + " | ".join(METRICS) + " |",
            "|---|---|" + "---|" * len(METRICS),
        ]
        for name, group in groups.items():
            lines.append(
                f"| {name} | {group['rows']} | "
                + " | ".join(_cell(group["pass_at_k"][m][ks[0]], m in report["not_run"]) for m in METRICS)
                + " |"
            )
    lines += [
        "",
        "Failures by reason: " + ("; ".join(f"{r}: {n}" for r, n in report["failures"].items()) or "none") + ".",
    ]
    return "\n".join(lines) + "\n"


def _cell(value: float | None, not_run: bool) -> str:
    if value is None:
        return "not run" if not_run else "n < k"
    return f"{100 * value:.1f}%"


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)
