"""Baseline predictions any trained model has to beat: the reference, nearest-neighbour retrieval, empty.

Retrieval: for each row, the train row whose ``python_source`` is most similar (cosine of TF-IDF
weighted identifier and operator counts), its target function with its kernel name replaced by
the row's. It scores what copying the closest training example gets.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path

import numpy as np

from builder.evaluate.rows import Target, read_targets

BASELINES = ("reference", "retrieval", "empty")
_TOKEN = re.compile(r"[A-Za-z_]\w*|\d+|[^\s\w]")


def baseline(name: str, release: str | Path, *, config: str, split: str, task: str) -> dict[str, list[str]]:
    """``{id: [prediction]}`` of baseline ``name`` for every row of ``config``/``split``."""
    if name not in BASELINES:
        raise ValueError(f"unknown baseline {name!r}; allowed: {', '.join(BASELINES)}")
    targets = read_targets(release, config, split, task)
    if name == "reference":
        return {t.row_id: [t.reference] for t in targets}
    if name == "empty":
        return {t.row_id: [""] for t in targets}
    train = read_targets(release, config, "train", task)
    return {t.row_id: [text] for t, text in zip(targets, retrieve(targets, train), strict=False)}


def retrieve(queries: list[Target], pool: list[Target]) -> list[str]:
    """For each query, the ``pool`` row with the most similar Python source, renamed to the query's kernel."""
    if not pool:
        raise ValueError("retrieval baseline: the release has no train rows to retrieve from")
    query_bags = [_bag(q.python_source, q.kernel_name) for q in queries]
    pool_bags = [_bag(p.python_source, p.kernel_name) for p in pool]
    vocabulary = {token: i for i, token in enumerate(sorted({t for bag in pool_bags for t in bag}))}
    frequency = Counter(t for bag in pool_bags for t in bag)
    idf = np.array([math.log((1 + len(pool)) / (1 + frequency[t])) + 1.0 for t in vocabulary])
    pool_matrix = _normalized(_matrix(pool_bags, vocabulary) * idf)
    query_matrix = _normalized(_matrix(query_bags, vocabulary) * idf)
    nearest = (query_matrix @ pool_matrix.T).argmax(axis=1)
    pairs = zip(queries, nearest, strict=True)
    return [_renamed(pool[j].reference, pool[j].kernel_name, q.kernel_name) for q, j in pairs]


def _bag(source: str, kernel_name: str) -> Counter:
    return Counter(t for t in _TOKEN.findall(source) if t != kernel_name)


def _matrix(bags: list[Counter], vocabulary: dict[str, int]) -> np.ndarray:
    matrix = np.zeros((len(bags), len(vocabulary)), dtype=np.float32)
    for row, bag in enumerate(bags):
        for token, count in bag.items():
            column = vocabulary.get(token)
            if column is not None:
                matrix[row, column] = 1.0 + math.log(count)
    return matrix


def _normalized(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


def _renamed(code: str, old: str, new: str) -> str:
    # The kernel's name appears alone, in its functions' names and in its argument struct's name.
    return re.sub(
        rf"(?<![A-Za-z0-9_])(wp_args_)?{re.escape(old)}(?=_cpu_|_cuda_|[^A-Za-z0-9_]|$)",
        lambda m: (m.group(1) or "") + new,
        code,
    )
