"""Compile and execute predictions in child processes with a time and memory limit, batch by batch.

Each of ``num_proc`` threads drives one ``builder.evaluate.worker`` child. A batch is sent whole;
the child answers once the batch is compiled and once per item it runs, so when it crashes or
hangs the item being run is known: that item fails with the reason (``execute: timed out after
10 s``, ``execute: crashed (SIGSEGV)``), the child is replaced and the rest of the batch is sent
again. A batch whose compile crashes or hangs is compiled again one item at a time. No other
prediction's result depends on a hostile one.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from builder.verify.levels import Worker

BATCH = 32  # predictions per compiler run
DEFAULT_TIMEOUT = 10.0  # seconds one prediction's launches may take
COMPILE_TIMEOUT = 600.0  # seconds one batch's compile may take (a single unit: the same)
MEMORY_LIMIT = 4 << 30  # bytes of address space of a scoring child


@dataclass
class Result:
    """What the compile and execute stages said of one item."""

    compiled: bool | None = None
    executed: bool | None = None
    reason: str | None = None
    detail: str = ""


def score(
    items: Sequence[dict], *, num_proc: int = 1, timeout: float = DEFAULT_TIMEOUT, memory: int = MEMORY_LIMIT
) -> list[Result]:
    """Compile (and, where asked, execute) every item; one ``Result`` each, in order."""
    results = [Result() for _ in items]
    work: queue.Queue = queue.Queue()
    for start in range(0, len(items), BATCH):
        work.put(list(range(start, min(start + BATCH, len(items)))))
    errors: list[BaseException] = []

    def drive() -> None:
        worker = Worker(timeout=COMPILE_TIMEOUT, command=("-m", "builder.evaluate.worker", str(memory)))
        try:
            while True:
                try:
                    batch = work.get_nowait()
                except queue.Empty:
                    return
                _run_batch(worker, items, batch, results, timeout)
        except BaseException as error:  # noqa: B036 - re-raised in the caller's thread
            errors.append(error)
        finally:
            worker.close()

    threads = [threading.Thread(target=drive, daemon=True) for _ in range(max(1, num_proc))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def _run_batch(worker: Worker, items: Sequence[dict], batch: list[int], results: list[Result], timeout: float) -> None:
    pending = list(batch)
    while pending:
        worker.timeout = COMPILE_TIMEOUT
        answer = worker.request({"op": "compile", "items": [items[i] for i in pending]})
        if "fatal" in answer:
            if len(pending) == 1:
                results[pending[0]] = Result(compiled=False, reason=_reason(answer["fatal"], "compile"))
                return
            for i in pending:  # find the unit at fault: each alone
                _run_batch(worker, items, [i], results, timeout)
            return
        runs = []
        for i, error in zip(pending, answer["compiled"], strict=False):
            results[i].compiled = error is None
            if error is not None:
                results[i].reason, _, results[i].detail = error.partition(": ")
            elif items[i].get("execute", True):
                runs.append(i)
            else:
                results[i].reason = "not run: no io_examples"
        pending = _collect(worker, runs, results, timeout)


def _collect(worker: Worker, runs: list[int], results: list[Result], timeout: float) -> list[int]:
    """Read one answer per run; the runs still to send again if the worker died on one of them."""
    worker.timeout = timeout
    for n, i in enumerate(runs):
        line = worker._read_line(worker.process)
        if line is None:
            results[i].executed = False
            results[i].reason = worker._failure(worker.process, "execute")
            return runs[n + 1 :]
        answer = json.loads(line)
        reason = answer["reason"]
        results[i].executed = None if reason and reason.startswith("not run") else reason is None
        results[i].reason, results[i].detail = reason, answer.get("detail", "")
    worker.timeout = COMPILE_TIMEOUT
    done = worker._read_line(worker.process)
    if done is None:
        worker._failure(worker.process, "execute")
    return []


def _reason(fatal: str, stage: str) -> str:
    return fatal if fatal.startswith(stage) else f"{stage}: {fatal}"
