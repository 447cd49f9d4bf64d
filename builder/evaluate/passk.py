"""pass@k with the unbiased estimator of Chen et al. (2021): 1 - C(n-c, k) / C(n, k)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def pass_at_k(n: int, c: int, k: int) -> float:
    """The chance that at least one of ``k`` samples drawn from ``n`` (``c`` correct) is correct."""
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"pass_at_k(n={n}, c={c}, k={k}): need 0 <= c <= n and 1 <= k <= n")
    if n - c < k:
        return 1.0
    # The product form of C(n-c, k) / C(n, k) never builds the large binomials.
    remaining = 1.0
    for i in range(n - c + 1, n + 1):
        remaining *= 1.0 - k / i
    return 1.0 - remaining


def mean_pass_at_k(counts: Iterable[tuple[int, int]], ks: Sequence[int]) -> dict[int, float | None]:
    """Mean pass@k over rows given as (n, c); ``None`` for a k larger than some row's n.

    A row with no prediction (n = 0) counts as failed at every k.
    """
    counts = list(counts)
    result: dict[int, float | None] = {}
    for k in ks:
        if not counts or any(0 < n < k for n, _ in counts):
            result[k] = None
        else:
            result[k] = sum(pass_at_k(n, c, k) if n else 0.0 for n, c in counts) / len(counts)
    return result
