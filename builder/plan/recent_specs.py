"""The specs this process's plan kept last, so that rows made after the plan, in this process or in
a worker forked from it, do not synthesize the same kernels again.

A kernel is a pure function of (seed, index, generator), and a plan holds no source (``PlannedKernel``);
the rows re-synthesize each kernel from its (seed, index). When the rows are made where the plan
was made (``num_proc`` 1), or by ``datasets``' workers forked after it, the plan's own specs are
still at hand: keeping the last ``MAX_SPECS`` of them costs a few MB (a spec's source is 0.5-3 kB)
and saves a second synthesis per kernel. Measured (``bench/throughput.py --phase pipeline --count 2000
--num-proc 1 --generator random``, alternating with the code before, same minutes): 26.56 -> 25.31 s
and 26.41 -> 25.29 s, the synthesizer's whole time for 2,000 kernels; in a two-process build all 600
rows found their spec. Mutants are not kept: theirs depends on the corpus as well.

``take`` hands a spec out once; a new plan forgets the last one's (``forget``).
"""

from __future__ import annotations

from generators import KernelSpec

MAX_SPECS = 4096
KEPT_GENERATORS = ("random", "motif")
_recent: dict[tuple[int, int, str], KernelSpec] = {}


def keep(seed: int, index: int, generator: str, spec: KernelSpec) -> None:
    """Remember the spec the plan kept at (seed, index) of ``generator``, forgetting the oldest beyond ``MAX_SPECS``."""
    if generator not in KEPT_GENERATORS:
        return
    _recent[seed, index, generator] = spec
    if len(_recent) > MAX_SPECS:
        del _recent[next(iter(_recent))]


def take(seed: int, index: int, generator: str) -> KernelSpec | None:
    """The spec kept for (seed, index) of ``generator``, removed from here; None if there is none."""
    return _recent.pop((seed, index, generator), None)


def forget() -> None:
    """Drop every kept spec (what a plan does first)."""
    _recent.clear()
