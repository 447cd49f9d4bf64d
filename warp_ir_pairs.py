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
from dataclasses import dataclass, field, fields, make_dataclass

import datasets

from builder.codegen.ir import BACKENDS
from builder.codegen.rows import generate_rows
from builder.executors.local import PlanStaysHome
from builder.options import ROW_FIELDS, BuildOptions
from builder.plan.planner import block_plan, make_plan, stream_blocks
from builder.plan.shards import split_shards
from builder.plan.splits import SPLITS
from builder.real.harvest import harvest, python_files
from builder.real.rows import real_rows, warp_examples_folder
from builder.schema import CONFIGS, DEFAULT_CONFIG, features, validate_config
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
    "one split (test) for out-of-distribution evaluation, without structural duplicates of this seed's synthetic "
    "kernels.",
}
_CITATION = """@misc{warp_ir_pairs,
  title  = {warp-ir-pairs: Python to C++/CUDA pairs from NVIDIA Warp's code generator},
  year   = {2026},
  note   = {Generated with warp-lang's ModuleBuilder; see the dataset card for provenance}
}"""


@dataclass
class _CheckedConfig(datasets.BuilderConfig):
    """A builder config that checks its options as ``BuildOptions`` does, when made and when ``_info`` runs."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.validate()

    def validate(self) -> None:
        """Raise ``OptionError`` (a ``ValueError``) naming the first bad value and what is allowed."""
        if self.name != REAL_CONFIG:
            validate_config(self.name)
        options = self.options
        for name in ROW_FIELDS:  # normalized: lists become tuples, categories registry-ordered
            setattr(self, name, getattr(options, name))

    @property
    def options(self) -> BuildOptions:
        """This config's options (``configs``: its name; ``num_proc`` is ``download_and_prepare``'s)."""
        configs = (self.name,) if self.name in CONFIGS else CONFIGS
        return BuildOptions(configs=configs, **{name: getattr(self, name) for name in ROW_FIELDS})


# What to build: the backends come from ``name`` (cpu, cuda or paired; real has both), the rest
# are the row options of builder.options.BuildOptions, with the same defaults. real: the kernels
# of real_paths (default: the installed warp/examples), each file imported in a child process for
# at most real_timeout seconds, less structural duplicates of the synthetic plan of the options.
WarpIRPairsConfig = make_dataclass(
    "WarpIRPairsConfig",
    [(f.name, f.type, field(default=f.default)) for f in fields(BuildOptions) if f.name in ROW_FIELDS],
    bases=(_CheckedConfig,),
    namespace={"__module__": __name__, "__doc__": "The builder config: a config name plus BuildOptions' row options."},
)


class WarpIRPairs(PlanStaysHome, datasets.GeneratorBasedBuilder):
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

    def download_and_prepare(self, *args, num_proc: int | None = None, **kwargs) -> None:
        """``datasets``' ``download_and_prepare``; the plan is made in the same ``num_proc`` processes."""
        self._plan_num_proc = num_proc or 1
        super().download_and_prepare(*args, num_proc=num_proc, **kwargs)

    def _split_generators(self, dl_manager) -> list[datasets.SplitGenerator]:
        config = self.config
        if isinstance(dl_manager, datasets.StreamingDownloadManager):
            # as_streaming_dataset(): plan block by block as the stream is read (see builder.plan.planner.block_plan).
            blocks = stream_blocks(config.num_examples)
            splits = [s for s, ratio in zip(SPLITS, config.split_ratios, strict=False) if ratio > 0]
            return [
                datasets.SplitGenerator(name=split, gen_kwargs={"blocks": blocks, "split": split}) for split in splits
            ]
        if config.name == REAL_CONFIG:
            return [datasets.SplitGenerator(name=REAL_SPLIT, gen_kwargs={"real": True})]
        num_proc = getattr(self, "_plan_num_proc", 1)
        options = config.options
        self.plan = make_plan(
            options.seed,
            options.num_examples,
            options.categories,
            split_ratios=options.split_ratios,
            num_proc=num_proc,
            generator=options.generator,
            corpus=options.corpus,
        )
        generators = []
        # A shard is a tuple of planned kernels, each (seed, index) and a few figures: datasets hands
        # each job its share of the list, and the job synthesizes the kernels again.
        for split, shards in split_shards(self.plan, options.num_shards).items():
            generator = datasets.SplitGenerator(name=split, gen_kwargs={"shards": shards})
            generator.split_info.num_examples = len(self.plan.splits[split])  # a total for the progress bar
            generators.append(generator)
        return generators

    def _generate_examples(self, shards=(), blocks=(), split="", real=False):
        config = self.config
        if real or config.name == REAL_CONFIG:
            yield from self._real_examples()
            return
        if config.corpus:  # mutants: the corpus's source, made once per process (inherited when forked)
            from generators.mutate.sources import mutant_source

            mutant_source(config.corpus)
        # Lazy: a stream block is planned only when the stream reaches it.
        planned = (
            block_plan(
                config.seed,
                block,
                size,
                categories=config.categories,
                split_ratios=config.split_ratios,
                generator=config.generator,
                corpus=config.corpus,
            ).splits.get(split, ())
            for block, size in blocks
        )
        for kernels in itertools.chain(shards, planned):
            rows = generate_rows(
                kernels,
                config.name,
                verify_level=config.verify,
                cuda_arch=config.cuda_arch,
                drop_failed=config.drop_failed,
                ir_source=config.ir_source,
            )
            for row in rows:
                yield row["id"], row

    def _real_examples(self):
        """The ``real`` config's rows; each file or kernel that fails is logged with its reason."""
        config = self.config
        paths = config.real_paths if config.real_paths is not None else (str(warp_examples_folder()),)
        found, failures = harvest(python_files(paths), BACKENDS, config.real_timeout, num_proc=os.cpu_count() or 1)
        for failure in failures:
            logger.warning("real kernels: %s", failure.line())
        synthetic = make_plan(
            config.seed,
            config.num_examples,
            config.categories,
            split_ratios=config.split_ratios,
            generator=config.generator,
        )
        hashes = {k.structural_hash for kernels in synthetic.splits.values() for k in kernels}
        for row in real_rows(found, "paired", hashes).rows:
            yield row["id"], row
