"""The one memory/speed workaround left in the builder: Python's cyclic garbage collector runs
less often while rows are made.

Code generation allocates millions of short-lived objects, and the collector's default
(a young-generation collection every 700 allocations) cost about 5% of a build's time when it was
measured (``bench/throughput.py``, 2,000 kernels in one process: 57.5 -> 70.1 kernels/s came from
several changes, this one among them; see docs/performance.md). Collections still run, every
``GC_THRESHOLD`` allocations, so memory stays flat; the previous thresholds come back afterwards.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Allocations between young-generation collections while rows are made (Python's default: 700).
GC_THRESHOLD = 20_000


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the young-generation collection every ``GC_THRESHOLD`` allocations meanwhile."""
    previous = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD, *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)
