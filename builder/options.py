"""The options of a build, defined once: ``BuildOptions`` checks itself when made.

The CLI parses into it, ``warp_ir_pairs.WarpIRPairsConfig`` has its row fields
(``ROW_FIELDS``), ``build_release`` and the datatrove executor take it. A bad value raises
``OptionError`` (a ``ValueError``) whose message names the value and what is allowed.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from builder.bounds import MAX_SEED
from builder.errors import OptionError
from builder.plan.mixture import DEFAULT_MIXTURE, parse_mixture
from builder.plan.splits import DEFAULT_RATIOS, SPLITS
from builder.real.harvest import DEFAULT_TIMEOUT
from builder.schema import CONFIG_BACKENDS, CONFIGS, validate_config
from builder.verify.compile import DEFAULT_CUDA_ARCH, supported_archs
from builder.verify.levels import DEFAULT_VERIFY, VERIFY_LEVELS
from generators import DEFAULT_GENERATOR, GENERATORS, categories_of

# The bounds of every integer option, inclusive; None: unbounded. The one place such limits live.
INTEGER_BOUNDS: dict[str, tuple[int, int | None]] = {
    "seed": (0, MAX_SEED),
    "num_examples": (1, None),
    "num_shards": (1, None),
    "num_proc": (1, None),
}


@dataclass(frozen=True)
class BuildOptions:
    """What a build makes: which kernels, which configs, how verified, in how many processes."""

    seed: int = 0
    num_examples: int = 1000  # unique kernels delivered
    configs: tuple[str, ...] = CONFIGS  # the release's configs; the builder's config is its name
    split_ratios: tuple[float, float, float] = DEFAULT_RATIOS  # train, validation, test
    categories: tuple[str, ...] | None = None  # None: every registered category
    num_shards: int | None = None  # per split; None: see builder.plan.shards.KERNELS_PER_SHARD
    verify: str = DEFAULT_VERIFY  # codegen, compile or execute (see builder.verify.levels)
    cuda_arch: int = DEFAULT_CUDA_ARCH  # PTX target when verify is compile or execute: 90 is sm_90
    drop_failed: bool = False  # leave out kernels that fail a requested verification stage
    num_proc: int = 1  # processes: planning, generation (datasets' num_proc), datatrove tasks at a time
    real_paths: tuple[str, ...] | None = None  # the real config: files or folders; None is warp/examples
    real_timeout: float = DEFAULT_TIMEOUT  # the real config: seconds per file
    # motif (live, idiomatic kernels), mutant, random (the typed fuzzer) or a mixture; None: default_generator
    generator: str | None = None
    corpus: tuple[str, ...] | None = None  # mutant: folders of releases of real kernels the parents come from
    ir_source: bool = True  # keep cpp_source / cuda_source (Warp's whole module); False: null, a smaller release

    def __post_init__(self) -> None:
        for name in INTEGER_BOUNDS:
            if not (name == "num_shards" and self.num_shards is None):
                check_integer(name, getattr(self, name))
        self._set("configs", check_configs(self.configs))
        self._set("split_ratios", check_ratios(self.split_ratios))
        self._set(
            "generator", check_generator(default_generator(self.corpus) if self.generator is None else self.generator)
        )
        self._set("corpus", check_corpus(self.corpus, self.generators))
        if self.categories is not None and len(self.generators) > 1:
            raise OptionError(
                f"categories {self.categories!r}: give them with one generator, not the mixture {self.generator!r}"
            )
        if self.categories is not None:
            self._set("categories", check_categories(self.categories, self.generator))
        if self.verify not in VERIFY_LEVELS:
            raise OptionError(f"unknown verify level {self.verify!r}; allowed: {', '.join(VERIFY_LEVELS)}")
        if self.verify != "codegen":
            check_arch(self.cuda_arch)
        for name in ("drop_failed", "ir_source"):
            if not isinstance(getattr(self, name), bool):
                raise OptionError(f"{name} {getattr(self, name)!r}: must be True or False")
        paths = self.real_paths
        if paths is not None and (isinstance(paths, str) or not all(isinstance(p, str) for p in paths)):
            raise OptionError(f"real_paths {paths!r}: must be a tuple of file or folder paths, or None (warp/examples)")
        if paths is not None:
            self._set("real_paths", tuple(paths))
        if (
            isinstance(self.real_timeout, bool)
            or not isinstance(self.real_timeout, (int, float))
            or not self.real_timeout > 0
        ):
            raise OptionError(f"real_timeout {self.real_timeout!r}: must be > 0 seconds")

    def _set(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)  # a normalized value, set once while the instance is made

    @property
    def generators(self) -> tuple[str, ...]:
        """The generators of ``generator`` (a name, or a mixture ``motif:0.7,mutant:0.3``)."""
        return parse_mixture(self.generator, GENERATORS).names

    @property
    def source_config(self) -> str:
        """The config generated: paired unless a single backend is all that was asked for."""
        return self.configs[0] if len(self.configs) == 1 else "paired"

    @property
    def report_arch(self) -> int | None:
        """The PTX target the verification report names: only where CUDA source was compiled."""
        uses_cuda = "cuda" in CONFIG_BACKENDS[self.source_config] and self.verify != "codegen"
        return self.cuda_arch if uses_cuda else None

    def row_options(self) -> dict[str, Any]:
        """The options the rows depend on, by name (``ROW_FIELDS``): the builder config's keywords."""
        return {name: getattr(self, name) for name in ROW_FIELDS}

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# The options the rows of one config depend on: WarpIRPairsConfig's fields (configs and num_proc
# are about the release and the processes, not about a row).
ROW_FIELDS = tuple(f.name for f in fields(BuildOptions) if f.name not in ("configs", "num_proc"))


def check_integer(name: str, value: object) -> int:
    """``value`` if it is an integer (not a bool) within ``INTEGER_BOUNDS[name]``."""
    low, high = INTEGER_BOUNDS[name]
    allowed = f"an integer >= {low}" if high is None else f"an integer from {low} to {high}"
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        raise OptionError(f"{name} {value!r}: must be {allowed}", allowed=f"must be {allowed}")
    return value


def check_configs(configs: object) -> tuple[str, ...]:
    """Known, distinct configs in canonical order."""
    requested = [configs] if isinstance(configs, str) else list(configs)  # type: ignore[call-overload]
    if not requested:
        raise OptionError(f"no configs given; allowed: {', '.join(CONFIGS)}")
    for config in requested:
        validate_config(config)
    return tuple(c for c in CONFIGS if c in requested)


def check_generator(generator: object) -> str:
    """A generator name, or a mixture spelled ``NAME:WEIGHT,...`` (``builder.plan.mixture``), canonical."""
    if isinstance(generator, str) and generator in GENERATORS:
        return generator
    if not isinstance(generator, str) or ":" not in generator:
        raise OptionError(f"unknown generator {generator!r}; allowed: {', '.join(GENERATORS)}")
    try:
        mixture = parse_mixture(generator, GENERATORS)
    except ValueError as error:
        raise OptionError(str(error)) from None
    return mixture.names[0] if len(mixture.names) == 1 else mixture.text()


def default_generator(corpus: object) -> str:
    """The generator of a build that names none: ``DEFAULT_MIXTURE`` given a corpus, else ``DEFAULT_GENERATOR``."""
    return DEFAULT_MIXTURE if corpus else DEFAULT_GENERATOR


def check_corpus(corpus: object, generators: tuple[str, ...]) -> tuple[str, ...] | None:
    """The corpus folders as a tuple: required by the mutant generator, refused by the others."""
    if "mutant" not in generators:
        if corpus:
            raise OptionError(
                f"corpus {corpus!r}: only the mutant generator reads one (generator is {','.join(generators)!r})"
            )
        return None
    folders = [corpus] if isinstance(corpus, str) else list(corpus or ())  # type: ignore[call-overload]
    if not folders:
        raise OptionError("generator 'mutant' needs a corpus: --corpus DIR, a release of real kernels (extract)")
    for folder in folders:
        if not isinstance(folder, str) or not Path(folder).is_dir():
            raise OptionError(f"corpus {folder!r}: not a folder; give a release of real kernels (extract --out DIR)")
    return tuple(folders)


def check_categories(categories: object, generator: str = DEFAULT_GENERATOR) -> tuple[str, ...]:
    """Known, distinct categories of ``generator`` in registry order."""
    known = categories_of(generator)
    requested = [categories] if isinstance(categories, str) else list(categories)  # type: ignore[call-overload]
    unknown = [c for c in requested if c not in known]
    of = f" for generator {generator!r}" if generator != "random" else ""
    if unknown:
        noun = "category" if len(unknown) == 1 else "categories"
        raise OptionError(f"unknown {noun} {', '.join(map(repr, unknown))}{of}; allowed: {', '.join(known)}")
    if not requested:
        raise OptionError(f"no categories given; allowed: {', '.join(known)}")
    return tuple(c for c in known if c in requested)


def check_ratios(ratios: object) -> tuple[float, float, float]:
    """Three finite, non-negative ratios summing to 1 (train, validation, test), train > 0."""
    try:
        values = tuple(float(r) for r in ratios)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise OptionError(f"split ratios {ratios!r}: need {len(SPLITS)} numbers for {', '.join(SPLITS)}") from None
    if len(values) != len(SPLITS):
        raise OptionError(f"split ratios {list(ratios)}: need {len(SPLITS)} values for {', '.join(SPLITS)}")  # type: ignore[call-overload]
    if any(not math.isfinite(r) or r < 0 for r in values):
        raise OptionError(f"split ratios {list(values)}: each must be a finite number >= 0")
    if abs(sum(values) - 1.0) > 1e-6:
        raise OptionError(f"split ratios {list(values)} sum to {sum(values):g}; they must sum to 1")
    if values[0] == 0:
        raise OptionError(f"split ratios {list(values)}: the train ratio must be > 0")
    return values  # type: ignore[return-value]


def check_arch(arch: object) -> int:
    """``arch`` if NVRTC supports it (Warp is imported to ask it)."""
    allowed = supported_archs()
    if isinstance(arch, bool) or not isinstance(arch, int) or arch not in allowed:
        listed = ", ".join(map(str, allowed))
        raise OptionError(f"cuda_arch {arch!r}: not a CUDA architecture NVRTC supports; allowed: {listed}")
    return arch
