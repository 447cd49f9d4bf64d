"""Near-duplicate detection on meaning: MinHash over normalized token 5-grams, banded LSH.

Tokens are the kernel's Python tokens with identifiers (other than ``wp`` attributes and
keywords), numbers and strings replaced by ``ID``, ``NUM`` and ``STR``, comments dropped, so two
kernels that differ only in names, constants or comments share every shingle. Two kernels are
near-duplicates when their estimated Jaccard similarity reaches ``THRESHOLD``.
"""

from __future__ import annotations

import hashlib
import keyword
import re
import tokenize
from collections import defaultdict
from collections.abc import Iterable

import numpy as np

SHINGLE = 5
PERMUTATIONS = 64
BANDS = 16  # rows per band: PERMUTATIONS // BANDS
THRESHOLD = 0.9
_PRIME = (1 << 61) - 1
_RNG = np.random.default_rng(20260)
_A = _RNG.integers(1, _PRIME, PERMUTATIONS, dtype=np.uint64)
_B = _RNG.integers(0, _PRIME, PERMUTATIONS, dtype=np.uint64)
_KEYWORDS = frozenset(keyword.kwlist)
# Python's tokens from tokenize's own patterns; a string before a name (its prefix), a number
# before a name, operators longest first (tokenize.Special's order). Blanks come first and the
# string and number branches start with a lookahead for what they must begin with: the same
# tokens (no other branch can start where those fail), a third less time on generated C++.
_SKIPPED = r"(?P<space>[ \t\f]+)|(?P<comment>#[^\r\n]*)|(?P<continuation>\\\r?\n)|(?P<newline>\r?\n)"
_KEPT = (
    rf"(?P<string>(?=[bBrRuUfF]{{0,2}}['\"]){tokenize.StringPrefix}(?:'''{tokenize.Single3}|\"\"\"{tokenize.Double3}"
    r"|'[^\n'\\]*(?:\\.[^\n'\\]*)*'|\"[^\n\"\\]*(?:\\.[^\n\"\\]*)*\"))"
    rf"|(?P<number>(?=[0-9.]){tokenize.Number})|(?P<name>\w+)|(?P<op>{tokenize.Special})"
)
_TOKEN = re.compile(rf"{_SKIPPED}|{_KEPT}|(?P<other>.)", re.DOTALL)
# An opening parenthesis that starts a group (named or not) and is not escaped.
_NO_GROUPS = re.compile(r"(?<!\\)\((?:\?P<\w+>)?(?!\?)")
# The same alternatives in the same order, every group but one made non-capturing, the kept
# alternatives in that one: ``findall`` gives a kept token's text, or "" for a skipped one, without a
# Python step per token.
_COUNTED = re.compile(
    "|".join((_NO_GROUPS.sub("(?:", _SKIPPED), f"({_NO_GROUPS.sub('(?:', _KEPT)})", "(?:.)")), re.DOTALL
)
assert _COUNTED.groups == 1


def normalized_tokens(source: str) -> list[str]:
    """The source's tokens with identifiers, numbers and strings normalized.

    The tokens are those of Python's ``tokenize`` (``tests/test_near_duplicates.py`` compares them
    on Warp's own files), read by one regular expression: ``tokenize``'s generator chain was most
    of a kernel's plan time, and its tokens differ between Python versions (f-strings)."""
    out, prev = [], ""
    for match in _TOKEN.finditer(source):
        kind = match.lastgroup
        if kind == "space" or kind == "continuation":
            continue
        text = match.group()
        if kind == "name":
            out.append(text if text in _KEYWORDS or prev == "." or text == "wp" else "ID")
        elif kind == "number":
            out.append("NUM")
        elif kind == "string":
            out.append("STR")
        elif kind == "op":
            out.append(text)
        prev = text  # a comment or a line break in between separates an attribute from its dot, as in tokenize
    return out


def token_count(source: str) -> int:
    """``len(normalized_tokens(source))``, counted in the regular expression engine (IR texts are tens of kB)."""
    found = _COUNTED.findall(source)
    return len(found) - found.count("")


def signature(source: str) -> np.ndarray:
    """The MinHash signature (``PERMUTATIONS`` values) of the source's token 5-grams."""
    tokens = normalized_tokens(source)
    grams = {" ".join(tokens[i : i + SHINGLE]) for i in range(max(len(tokens) - SHINGLE + 1, 1))}
    digests = (hashlib.blake2b(g.encode(), digest_size=7).digest() for g in grams)
    hashes = np.array([int.from_bytes(d, "little") for d in digests], dtype=np.uint64)
    # (a * h + b) mod p in 64-bit arithmetic that wraps: a universal-enough family for shingle sets
    mixed = (hashes[:, None] * _A[None, :] + _B[None, :]) % np.uint64(_PRIME)
    return mixed.min(axis=0)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """The estimated Jaccard similarity of two signatures."""
    return float(np.mean(a == b))


class NearDuplicateIndex:
    """Signatures added so far, found again by banded locality-sensitive hashing."""

    def __init__(self) -> None:
        self.signatures: list[np.ndarray] = []
        self.buckets: dict[tuple[int, bytes], list[int]] = defaultdict(list)

    def _bands(self, sig: np.ndarray) -> Iterable[tuple[int, bytes]]:
        rows = PERMUTATIONS // BANDS
        return ((b, sig[b * rows : (b + 1) * rows].tobytes()) for b in range(BANDS))

    def match(self, sig: np.ndarray) -> int | None:
        """The first added signature at least ``THRESHOLD`` similar to ``sig``, else None."""
        found = self.matches(sig)
        return found[0] if found else None

    def matches(self, sig: np.ndarray) -> list[int]:
        """The positions of every added signature at least ``THRESHOLD`` similar to ``sig``, ascending."""
        found = sorted({i for key in self._bands(sig) for i in self.buckets.get(key, ())})
        if not found:
            return []
        similar = (np.stack([self.signatures[i] for i in found]) == sig).mean(axis=1) >= THRESHOLD
        return [i for i, near in zip(found, similar, strict=True) if near]

    def add(self, sig: np.ndarray) -> int:
        self.signatures.append(sig)
        for key in self._bands(sig):
            self.buckets[key].append(len(self.signatures) - 1)
        return len(self.signatures) - 1


def cross_split_near_duplicates(rows: Iterable[tuple[str, str]], reference: str = "train") -> dict[str, float]:
    """Share of each other split's rows (``(split, source)`` pairs) that near-duplicate a ``reference`` row."""
    rows = list(rows)
    index = NearDuplicateIndex()
    for split, source in rows:
        if split == reference:
            index.add(signature(source))
    hits: dict[str, list[bool]] = defaultdict(list)
    for split, source in rows:
        if split != reference:
            hits[split].append(index.match(signature(source)) is not None)
    return {split: round(sum(v) / len(v), 4) for split, v in hits.items() if v}
