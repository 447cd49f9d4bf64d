"""A model's predictions as JSONL: one line per row id, one or several samples, code fences stripped.

Each line is ``{"id": ..., "prediction": "..."}`` or ``{"id": ..., "predictions": ["...", ...]}``.
A completion may carry the code fence the formatter's prompt opened (``builder.formatting``): the
prompt style ends its prompt with the opening fence, so the completion is code then a closing
fence; the chat style answers with a whole fenced block, perhaps with words around it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from builder.errors import PredictionsError

_FENCE = re.compile(r"^[ \t]*```[ \t]*([\w+#.-]*)[ \t]*$", re.MULTILINE)


def strip_fence(text: str) -> str:
    """The code of one completion: the first fenced block's content, or the text before a closing fence."""
    fences = list(_FENCE.finditer(text))
    if not fences:
        return text.strip("\n")
    first = fences[0]
    before = text[: first.start()]
    opens_block = bool(first.group(1)) or not before.strip()
    if opens_block:
        end = fences[1].start() if len(fences) > 1 else len(text)
        return text[first.end() : end].strip("\n")
    return before.strip("\n")  # prompt style: the code, then the closing fence


def read_predictions(path: str | Path) -> dict[str, list[str]]:
    """``{id: [sample, ...]}`` from a JSONL file, fences stripped; ``PredictionsError`` on a bad line."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise PredictionsError(f"predictions {str(path)!r}: cannot read ({error.strerror or error})") from error
    samples: dict[str, list[str]] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"predictions {str(path)!r} line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise PredictionsError(f"{where}: not JSON ({error.msg}); allowed: one JSON object per line") from error
        row_id, texts = _parse(record, where)
        if row_id in samples:
            raise PredictionsError(f"{where}: id {row_id!r} given twice; allowed: one line per id")
        samples[row_id] = [strip_fence(t) for t in texts]
    return samples


def _parse(record: object, where: str) -> tuple[str, list[str]]:
    allowed = 'allowed: {"id", "prediction": str} or {"id", "predictions": [str, ...]}'
    if not isinstance(record, dict) or not isinstance(record.get("id"), str):
        raise PredictionsError(f"{where}: no string 'id'; {allowed}")
    if ("prediction" in record) == ("predictions" in record):
        raise PredictionsError(
            f"{where}: id {record['id']!r} needs exactly one of 'prediction' and 'predictions'; {allowed}"
        )
    texts = [record["prediction"]] if "prediction" in record else record["predictions"]
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        raise PredictionsError(f"{where}: id {record['id']!r}: predictions must be strings (at least one); {allowed}")
    return record["id"], texts


def write_predictions(path: str | Path, samples: dict[str, list[str]]) -> None:
    """Write ``{id: [sample, ...]}`` as the JSONL ``read_predictions`` reads."""
    with open(path, "w", encoding="utf-8") as out:
        for row_id, texts in samples.items():
            out.write(json.dumps({"id": row_id, "predictions": texts}) + "\n")
