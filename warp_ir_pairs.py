"""warp-ir-pairs: Python -> C++ / CUDA pairs from NVIDIA Warp's own code generator.

``WarpIRPairs`` synthesizes Warp kernels (``generators``), plans seeded, category-stratified,
structurally deduplicated splits (``builder.plan.planner``) and records what Warp emits for each kernel
(``builder.codegen.ir``), forward and backward, for the CPU and CUDA backends.

    builder = WarpIRPairs(config_name="paired", num_examples=1000, seed=0)
    builder.download_and_prepare(num_proc=2)
    dataset = builder.as_dataset()

``as_streaming_dataset()`` generates rows as they are read, planning one block of
``builder.plan.planner.STREAM_BLOCK`` kernels at a time, so ``num_examples`` may be very large.
"""

from __future__ import annotations

import itertools
import logging
import os
import pickle
import tempfile
from dataclasses import dataclass
from pathlib import Path

import datasets

from builder.codegen.ir import BACKENDS
from builder.codegen.rows import generate_rows
from builder.plan.planner import (
    block_plan,
    make_plan,
    return_freed_memory,
    split_shards,
    stream_blocks,
    validate_categories,
    validate_count,
)
from builder.plan.splits import DEFAULT_RATIOS, SPLITS, validate_ratios
from builder.real.harvest import DEFAULT_TIMEOUT, harvest, python_files
from builder.real.rows import real_rows, warp_examples_folder
from builder.schema import CONFIGS, DEFAULT_CONFIG, features, validate_config
from builder.verify.compile import DEFAULT_CUDA_ARCH, validate_arch
from builder.verify.levels import DEFAULT_VERIFY, validate_level
from generators import GENERATOR_VERSION

logger = logging.getLogger("warp_ir_pairs")

# The config of real kernels: rows in the paired schema, from real_paths (default: warp/examples).
REAL_CONFIG = "real"
REAL_SPLIT = "test"

_DESCRIPTION = (
    "Synthetic NVIDIA Warp kernels paired with the C++ (CPU) and CUDA source that Warp's JIT code "
    "generator emits for them, forward and adjoint, with seeded, category-stratified, "
    "structurally deduplicated train/validation/test splits."
)
_CONFIG_DESCRIPTIONS = {
    "cpu": "Python kernel -> Warp's C++ (CPU) forward and backward functions and translation unit.",
    "cuda": "Python kernel -> Warp's CUDA forward and backward functions and translation unit.",
    "paired": "Python kernel -> both backends in one row.",
    REAL_CONFIG: "Kernels written by people (the examples of the installed warp package), both backends in one row, "
    "one split (test) for out-of-distribution evaluation, without structural duplicates of this seed's synthetic kernels.",
}
_CITATION = """@misc{warp_ir_pairs,
  title  = {warp-ir-pairs: Python to C++/CUDA pairs from NVIDIA Warp's code generator},
  year   = {2026},
  note   = {Generated with warp-lang's ModuleBuilder; see the dataset card for provenance}
}"""


@dataclass
class WarpIRPairsConfig(datasets.BuilderConfig):
    """What to build: the backends come from ``name`` (``cpu``, ``cuda`` or ``paired``; ``real`` has both).

    ``real``: the kernels of ``real_paths`` (files or folders; default the installed ``warp/examples``),
    each file imported in a child process for at most ``real_timeout`` seconds, less structural
    duplicates of the synthetic plan of ``seed``, ``num_examples``, ``categories`` and ``split_ratios``.
    """

    seed: int = 0
    num_examples: int = 1000
    split_ratios: tuple[float, float, float] = DEFAULT_RATIOS
    categories: tuple[str, ...] | None = None  # None: every registered category
    num_shards: int | None = None  # per split; None: see builder.plan.planner.KERNELS_PER_SHARD
    verify: str = DEFAULT_VERIFY  # codegen, compile or execute (see builder.verify.levels)
    cuda_arch: int = DEFAULT_CUDA_ARCH  # PTX target when verify is compile or execute: 90 is sm_90
    drop_failed: bool = False  # leave out kernels that fail a requested verification stage
    real_paths: tuple[str, ...] | None = None  # real: None is the installed warp/examples
    real_timeout: float = DEFAULT_TIMEOUT  # real: seconds per file

    def __post_init__(self) -> None:
        super().__post_init__()
        self.validate()

    def validate(self) -> None:
        """Raise ``ValueError`` naming the first bad value and what is allowed."""
        if self.name != REAL_CONFIG:
            validate_config(self.name)
        if self.real_paths is not None and (
            isinstance(self.real_paths, str) or not all(isinstance(p, str) for p in self.real_paths)
        ):
            raise ValueError(
                f"real_paths {self.real_paths!r}: must be a tuple of file or folder paths, or None (warp/examples)"
            )
        if not (isinstance(self.real_timeout, (int, float)) and self.real_timeout > 0):
            raise ValueError(f"real_timeout {self.real_timeout!r}: must be > 0 seconds")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed {self.seed!r}: must be an integer >= 0")
        validate_count(self.num_examples)
        self.split_ratios = validate_ratios(self.split_ratios)
        if self.categories is not None:
            self.categories = validate_categories(self.categories)
        if self.num_shards is not None and (
            isinstance(self.num_shards, bool) or not isinstance(self.num_shards, int) or self.num_shards < 1
        ):
            raise ValueError(f"num_shards {self.num_shards!r}: must be an integer >= 1 or None")
        validate_level(self.verify)
        if self.verify != "codegen":
            validate_arch(self.cuda_arch)
        if not isinstance(self.drop_failed, bool):
            raise ValueError(f"drop_failed {self.drop_failed!r}: must be True or False")


class WarpIRPairs(datasets.GeneratorBasedBuilder):
    """Builds aligned Python -> Warp IR pairs; see the module docstring."""

    VERSION = datasets.Version(GENERATOR_VERSION)
    BUILDER_CONFIG_CLASS = WarpIRPairsConfig
    BUILDER_CONFIGS = [
        WarpIRPairsConfig(
            name=name, version=datasets.Version(GENERATOR_VERSION), description=_CONFIG_DESCRIPTIONS[name]
        )
        for name in (*CONFIGS, REAL_CONFIG)
    ]
    DEFAULT_CONFIG_NAME = DEFAULT_CONFIG
    # Rows are about 110 kB of Arrow each: datasets' default of 1,000 per write held 100s of MB per process.
    DEFAULT_WRITER_BATCH_SIZE = 100

    def _info(self) -> datasets.DatasetInfo:
        # Keyword overrides (num_examples=..., seed=...) are set after __post_init__ ran.
        self.config.validate()
        return datasets.DatasetInfo(
            description=_DESCRIPTION,
            features=features("paired" if self.config.name == REAL_CONFIG else self.config.name),
            license="apache-2.0",
            citation=_CITATION,
        )

    def __getstate__(self) -> dict:
        # With num_proc, datasets pickles the builder into every job: the plan (100 MB at 100,000
        # kernels) would be copied into each worker, which gets its own shards in gen_kwargs anyway.
        state = dict(super().__getstate__())
        state.pop("plan", None)
        return state

    def _download_and_prepare(self, dl_manager, verification_mode, **prepare_splits_kwargs):
        # The plan is made before the split pools start; it takes the same number of processes.
        self._plan_num_proc = prepare_splits_kwargs.get("num_proc") or 1
        # Shards reach the jobs as files in this folder, not pickled through the pool (see _split_generators).
        with tempfile.TemporaryDirectory(prefix="warp-ir-pairs-shards-", dir=self._cache_dir_root) as folder:
            self._shard_folder = Path(folder)
            try:
                return super()._download_and_prepare(dl_manager, verification_mode, **prepare_splits_kwargs)
            finally:
                del self._shard_folder

    def _split_generators(self, dl_manager) -> list[datasets.SplitGenerator]:
        config = self.config
        if isinstance(dl_manager, datasets.StreamingDownloadManager):
            # as_streaming_dataset(): plan block by block as the stream is read (see builder.plan.planner.block_plan).
            blocks = stream_blocks(config.num_examples)
            splits = [s for s, ratio in zip(SPLITS, config.split_ratios, strict=False) if ratio > 0]
            return [
                datasets.SplitGenerator(name=split, gen_kwargs={"blocks": blocks, "split": split}) for split in splits
            ]
        num_proc = getattr(self, "_plan_num_proc", 1)
        if config.name == REAL_CONFIG:
            return [datasets.SplitGenerator(name=REAL_SPLIT, gen_kwargs={"real": True})]
        self.plan = make_plan(
            config.seed, config.num_examples, config.categories, config.split_ratios, num_proc=num_proc
        )
        folder = getattr(self, "_shard_folder", None)
        generators = []
        for split, shards in split_shards(self.plan, config.num_shards).items():
            # With num_proc, datasets pickles every job's gen_kwargs in a thread of the main process,
            # whose heap kept the pickles (60 MB at 100,000 kernels); as files, a shard costs a path.
            gen_kwargs = (
                {"shard_files": [_write_shard(folder / f"{split}-{i:05d}.pkl", s) for i, s in enumerate(shards)]}
                if folder
                else {"shards": shards}
            )
            generator = datasets.SplitGenerator(name=split, gen_kwargs=gen_kwargs)
            generator.split_info.num_examples = len(self.plan.splits[split])  # a total for the progress bar
            generators.append(generator)
        if folder:
            self.plan = self.plan.without_specs()  # what the release needs; the specs are in the shard files
            return_freed_memory()
        return generators

    def _generate_examples(self, shards=(), shard_files=(), blocks=(), split="", real=False):
        config = self.config
        if real or config.name == REAL_CONFIG:
            yield from self._real_examples()
            return
        # Lazy: a stream block is planned only when the stream reaches it; a shard file is read when its turn comes.
        planned = (
            block_plan(config.seed, block, size, config.categories, config.split_ratios).splits.get(split, ())
            for block, size in blocks
        )
        stored = (pickle.loads(Path(path).read_bytes()) for path in shard_files)
        for kernels in itertools.chain(shards, stored, planned):
            for row in generate_rows(kernels, config.name, config.verify, config.cuda_arch, config.drop_failed):
                yield row["id"], row

    def _real_examples(self):
        """The ``real`` config's rows; each file or kernel that fails is logged with its reason."""
        config = self.config
        paths = config.real_paths if config.real_paths is not None else (str(warp_examples_folder()),)
        found, failures = harvest(python_files(paths), BACKENDS, config.real_timeout, num_proc=os.cpu_count() or 1)
        for failure in failures:
            logger.warning("real kernels: %s", failure.line())
        synthetic = make_plan(config.seed, config.num_examples, config.categories, config.split_ratios)
        hashes = {k.structural_hash for kernels in synthetic.splits.values() for k in kernels}
        for row in real_rows(found, "paired", hashes).rows:
            yield row["id"], row


def _write_shard(path: Path, kernels) -> str:
    path.write_bytes(pickle.dumps(kernels))
    return str(path)
