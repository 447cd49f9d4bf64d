"""The local executor: ``datasets``' own ``num_proc`` jobs, and what keeps them lean.

``datasets`` hands each job ``self._prepare_split_single``, so every job pickles the whole
builder, and a builder that has planned holds the plan of every split. Measured at 100,000
random kernels (``num_proc`` 2): ``dill`` pickled all 100,000 planned kernels for each of the six
jobs (per 20,000 kernels, a 3 MB pickle that took 40 MB of transient memory to make), and every
worker unpickled a copy of the whole plan although it only reads its shards. ``PlanStaysHome`` leaves the plan out of a
pickled builder; the shards travel in ``gen_kwargs`` (``builder.plan.shards.Shard``).
"""

from __future__ import annotations


class PlanStaysHome:
    """A ``datasets`` builder mixin: ``plan`` stays in the process that made it when the builder is pickled."""

    def __getstate__(self) -> dict:
        state = dict(super().__getstate__())  # datasets' DatasetBuilder returns its __dict__ itself
        state.pop("plan", None)
        return state
