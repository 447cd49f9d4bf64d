"""The row schema: configs, categories, difficulty labels and ``datasets`` features.

Imports nothing else of ``builder`` but its errors: every stage may import it.
"""

from __future__ import annotations

import datasets

from builder.errors import OptionError
from generators import CATEGORIES
from generators.motifs import MOTIF_CATEGORIES
from generators.mutate.provenance import PROVENANCE_FIELDS

# The category of kernels from real files (``builder.real``), after the random generator's; the
# motif families come last, so the labels of random and real rows keep their integers.
REAL_CATEGORY = "real"
ROW_CATEGORIES = (*CATEGORIES, REAL_CATEGORY, *(c for c in MOTIF_CATEGORIES if c not in CATEGORIES))
# The string fields of a mutant's provenance in ``metadata`` (its ``edits`` are a list besides).
MUTANT_FIELDS = tuple(name for name, kind in PROVENANCE_FIELDS.items() if kind == "string")
# A kernel's complexity tercile within its category.
DIFFICULTIES = ("easy", "medium", "hard")
# Config name -> the backends its rows carry.
CONFIG_BACKENDS: dict[str, tuple[str, ...]] = {"cpu": ("cpu",), "cuda": ("cuda",), "paired": ("cpu", "cuda")}
CONFIGS = tuple(CONFIG_BACKENDS)
DEFAULT_CONFIG = "paired"
# Column prefix of each backend's IR columns.
BACKEND_PREFIX = {"cpu": "cpp", "cuda": "cuda"}
IR_PARTS = ("forward", "backward", "source")


def ir_columns(config: str) -> list[str]:
    """Names of the IR columns of ``config``, e.g. ``cpp_forward``."""
    return [f"{BACKEND_PREFIX[b]}_{part}" for b in CONFIG_BACKENDS[config] for part in IR_PARTS]


def device_label(config: str) -> str:
    """``metadata.device`` of a config's rows: ``cpu``, ``cuda`` or ``cpu+cuda``."""
    return "+".join(CONFIG_BACKENDS[config])


def features(config: str) -> datasets.Features:
    """The ``datasets`` schema of ``config``'s rows."""
    validate_config(config)
    string = datasets.Value("string")
    return datasets.Features(
        {
            "id": string,
            "kernel_name": string,
            "category": datasets.ClassLabel(names=list(ROW_CATEGORIES)),
            "description": string,
            "python_source": string,
            **{column: string for column in ir_columns(config)},
            "cuda_ptx": string,
            "complexity": datasets.Value("int32"),
            "difficulty": datasets.ClassLabel(names=list(DIFFICULTIES)),
            "alignment": [
                {
                    "python_line": datasets.Value("int32"),
                    "backend": string,
                    "start": datasets.Value("int32"),
                    "end": datasets.Value("int32"),
                }
            ],
            "verification": {
                "level": string,
                "codegen": datasets.Value("bool"),
                "cpu_compiled": datasets.Value("bool"),
                "cuda_compiled": datasets.Value("bool"),
                "cuda_arch": datasets.Value("int32"),
                "executed": datasets.Value("bool"),
                "outputs_finite": datasets.Value("bool"),
                "reproducible": datasets.Value("bool"),
                "comparison": string,
                "cuda_matches_cpu": datasets.Value("bool"),
                "failures": datasets.Sequence(string),
            },
            "io_examples": string,
            "metadata": {
                "device": string,
                "seed": datasets.Value("int64"),
                "index": datasets.Value("int64"),
                "warp_version": string,
                "generator_version": string,
                "structural_hash": string,
                "source_lines": datasets.Value("int32"),
                "builtins": datasets.Sequence(string),
                "value_types": datasets.Sequence(string),
                # Kernels from real files: the file (relative to the folder given) and the kernel's line;
                # null when synthesized.
                "source_file": string,
                "source_line": datasets.Value("int32"),
                # Kernels from installed packages: the distribution, its version and license; null otherwise.
                "package": string,
                "package_version": string,
                "license": string,
                # Kernels from real files: the block_dim their IR was generated at (tile shapes depend on it).
                "block_dim": datasets.Value("int32"),
                # The synthesizer that made the row (generators.GENERATORS); "real" for kernels from real files.
                "generator": string,
                # Mutants (generators.mutate.provenance.PROVENANCE_FIELDS): the family (the parent's package and
                # file: one split), the parent real kernel and its split, and the edits; null otherwise.
                **{name: string for name in MUTANT_FIELDS},
                "edits": datasets.Sequence(string),
            },
        }
    )


def validate_config(config: str) -> str:
    """``config`` if it is a known config name."""
    if config not in CONFIG_BACKENDS:
        raise OptionError(f"unknown config {config!r}; allowed: {', '.join(CONFIGS)}")
    return config
