"""Classifier two-sample test: can a linear model tell a release's kernels from real ones?

Kernels become bags of token n-grams (1-3) with identifiers, numbers and strings normalized
(``ID``, ``NUM``, ``STR``; ``wp.`` attributes and keywords kept); a logistic regression (numpy,
L2, gradient descent on tf-idf features) is scored by 5-fold AUC. 0.5: indistinguishable.

    python bench/realism.py RELEASE_DIR --real DIR [DIR ...]      # release vs real kernels
    python bench/realism.py --a DIR --b DIR                        # two real corpora (the floor)

A DIR is a folder of ``.py`` files or a release (``paired/*.parquet``); ``RELEASE:SPLIT`` takes one
split of a release, so a mutant build is tested against the real kernels its plan held out:

    python bench/realism.py MUTANTS:train --real REAL:test          # REAL: the corpus (extract)
    python bench/realism.py --a REAL:train --b REAL:test             # the floor: real vs held-out real
    python bench/realism.py MUTANTS:train --blend MOTIF:train --shares 0,0.3,0.5 --real REAL:test

``--blend`` samples a mixture of the release's kernels and another's (each share: the other's part)
at each ``--shares`` value: how the AUC of a ``--generator`` mixture moves with its weights.
"""

from __future__ import annotations

import argparse
import ast
import glob
import os
import random
import sys
from collections import Counter

import numpy as np
import pyarrow.parquet as pq

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from builder.plan.kernel_ast import find_kernels  # noqa: E402
from builder.plan.near_duplicates import normalized_tokens as tokens  # noqa: E402


def kernel_sources(paths: list[str]) -> list[str]:
    """The source of every @wp.kernel in the .py files under ``paths``."""
    found = []
    for root in paths:
        files = [root] if root.endswith(".py") else sorted(glob.glob(os.path.join(root, "**", "*.py"), recursive=True))
        for path in files:
            try:
                text = open(path, encoding="utf-8").read()
                tree = ast.parse(text)
            except (SyntaxError, UnicodeDecodeError, ValueError, OSError):
                continue
            found += [ast.get_source_segment(text, fn) or "" for fn in find_kernels(tree)]
    return [s for s in found if s]


def sources(spec: str) -> list[str]:
    """The kernels of ``spec``: a release (``DIR`` or ``DIR:SPLIT``) or a folder of ``.py`` files."""
    root, _, split = spec.rpartition(":") if ":" in spec else (spec, "", "")
    if os.path.isdir(os.path.join(root, "paired")):
        return release_sources(root, split=split or None)
    return kernel_sources([spec])


def release_sources(release: str, config: str = "paired", *, split: str | None = None) -> list[str]:
    """The kernel function of every row (of ``split``, else all; helpers left out, as real kernels are taken alone)."""
    out = []
    for path in sorted(glob.glob(os.path.join(release, config, f"{split or '*'}-*.parquet"))):
        for src in pq.read_table(path, columns=["python_source"]).column(0).to_pylist():
            fns = find_kernels(ast.parse(src))
            out.append(ast.get_source_segment(src, fns[-1]) if fns else src)
    return out


def features(docs: list[list[str]], vocab_size: int = 5000) -> np.ndarray:
    grams = [Counter(" ".join(t[i : i + n]) for n in (1, 2, 3) for i in range(len(t) - n + 1)) for t in docs]
    df = Counter(g for c in grams for g in c)
    vocab = {g: i for i, (g, _) in enumerate(df.most_common(vocab_size))}
    x = np.zeros((len(docs), len(vocab)), dtype=np.float32)
    for row, c in enumerate(grams):
        for g, v in c.items():
            if g in vocab:
                x[row, vocab[g]] = 1.0 + np.log(v)
    x *= np.log(len(docs) / np.array([df[g] for g in vocab], dtype=np.float32))[None, :]
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    order = np.argsort(scores)
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    pos = labels == 1
    return float((ranks[pos].sum() - pos.sum() * (pos.sum() + 1) / 2) / (pos.sum() * (~pos).sum()))


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1e-3, steps: int = 300, lr: float = 2.0) -> np.ndarray:
    w = np.zeros(x.shape[1] + 1)
    xb = np.hstack([x, np.ones((len(x), 1))])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-xb @ w))
        w -= lr * (xb.T @ (p - y) / len(y) + l2 * w)
    return w


def two_sample_auc(a: list[str], b: list[str], seed: int = 0, folds: int = 5) -> float:
    """Mean 5-fold AUC of a logistic regression telling ``a`` (label 1) from ``b`` (label 0), equal sizes."""
    rng = random.Random(seed)
    n = min(len(a), len(b))
    a, b = rng.sample(a, n), rng.sample(b, n)
    x = features([tokens(s) for s in a + b])
    y = np.array([1] * n + [0] * n, dtype=np.float64)
    idx = list(range(2 * n))
    rng.shuffle(idx)
    scores = []
    for f in range(folds):
        test = np.array(idx[f::folds])
        train = np.array([i for i in idx if i not in set(test.tolist())])
        w = fit(x[train], y[train])
        scores.append(auc(np.hstack([x[test], np.ones((len(test), 1))]) @ w, y[test]))
    return float(np.mean(scores))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("release", nargs="?")
    ap.add_argument("--real", nargs="+", default=[])
    ap.add_argument("--a", nargs="+", default=[])
    ap.add_argument("--b", nargs="+", default=[])
    ap.add_argument("--max", type=int, default=1500, help="kernels per side")
    ap.add_argument("--blend", help="a second release (DIR or DIR:SPLIT) mixed into the first")
    ap.add_argument("--shares", default="0,0.1,0.2,0.3,0.5,0.7,1", help="the second release's shares, comma-separated")
    args = ap.parse_args(argv)
    if args.release:
        a, b, label = sources(args.release), [k for s in args.real for k in sources(s)], "release vs real"
    else:
        a, b, label = [k for s in args.a for k in sources(s)], [k for s in args.b for k in sources(s)], "a vs b"
    for side, found in ((args.release or args.a, a), (args.real or args.b, b)):
        if not found:
            print(f"realism: no kernels in {side}; give folders of .py files or releases (DIR or DIR:SPLIT)")
            return 1
    rng = random.Random(0)
    if args.blend:
        other, n = sources(args.blend), min(len(b), args.max)
        for share in (float(x) for x in args.shares.split(",")):
            k = round(n * share)
            mixed = rng.sample(a, n - k) + rng.sample(other, k)
            print(f"{args.blend} share {share:g}: {n} vs {n} kernels, 5-fold AUC {two_sample_auc(mixed, b):.3f}")
        return 0
    a, b = rng.sample(a, min(len(a), args.max)), rng.sample(b, min(len(b), args.max))
    print(f"{label}: {len(a)} vs {len(b)} kernels, 5-fold AUC {two_sample_auc(a, b):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
