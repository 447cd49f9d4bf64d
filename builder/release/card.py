"""The release's README.md: YAML metadata that ``load_dataset`` reads, then a readable card.

Static metadata (license, tags) and the prose live in templates beside each other:
``dataset_card.md`` (YAML and body of a synthetic release) and ``dataset_card_real.md`` (body of a
release of real kernels, under the same YAML). This module adds the ``configs`` / ``dataset_info``
YAML and fills each template's ``$placeholders`` (``string.Template``) with tables and figures.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from string import Template

import datasets
from datasets.info import DatasetInfo, DatasetInfosDict
from datasets.utils.metadata import MetadataConfigs
from huggingface_hub import DatasetCard

from builder.codegen.ir import warp_version
from builder.plan.planner import Plan
from builder.plan.ratios import ratio_lines, split_sizes
from builder.real.harvest import Failure, failure_counts
from builder.release.layout import data_files_pattern
from builder.release.limitations import Limits
from builder.release.stats import Coverage, markdown
from builder.schema import DEFAULT_CONFIG, REAL_CATEGORY, features, ir_columns
from builder.verify.levels import VerificationReport
from generators import GENERATOR_VERSION

TEMPLATE_NAME = "dataset_card.md"
REAL_TEMPLATE_NAME = "dataset_card_real.md"
# Card YAML key holding the planning figures (draws, duplicates ...) that rows cannot show.
PLANNING_KEY = "warp_ir_pairs"
# ``card.data[PLANNING_KEY]["kind"]`` of a release of kernels from real files.
REAL_KIND = "real"
COUNT_HEADING = "## Counts per category and split"
LIMITATIONS_HEADING = "## Limitations and intended use"  # validate checks every card has it


@dataclass(frozen=True)
class CardContext:
    plan: Plan
    configs: tuple[str, ...]
    split_bytes: dict[str, dict[str, int]]  # config -> split -> uncompressed Arrow bytes
    files: dict[str, list[Path]]  # config -> parquet files
    command: str
    coverage: Coverage
    verification: VerificationReport
    distributions: str  # markdown table of line counts (builder.release.plots)
    limits: Limits  # the Limitations section's figures (builder.release.limitations)
    content_hash: str  # sha256 over the release's parquet files (builder.release.limitations.content_hash)


def source_url() -> str:
    """The project's repository, from the installed package's metadata (``[project.urls]``)."""
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        urls = metadata("warp-ir-pairs").get_all("Project-URL") or []
    except PackageNotFoundError:
        return "the warp-ir-pairs repository"
    named = dict(url.split(", ", 1) for url in urls if ", " in url)
    return named.get("Repository") or named.get("Homepage") or "the warp-ir-pairs repository"


def template_path(name: str = TEMPLATE_NAME) -> Path:
    """A card template (``dataset_card.md`` ...): inside the package in a wheel, at the repository root otherwise."""
    package = Path(__file__).resolve().parents[1]  # builder/
    for candidate in (package / name, package.parent / name):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{name} not found in {package} or in its parent")


def fill(template: str, **values: object) -> str:
    """``template`` with every ``$name`` replaced by ``values[name]``; a missing value is a ``KeyError``."""
    return Template(template).substitute(values)


def render_card(context: CardContext) -> str:
    """The README.md text of a release."""
    card = DatasetCard(template_path().read_text(encoding="utf-8"))
    plan = context.plan
    split_rows = {split: len(kernels) for split, kernels in plan.splits.items()}
    default = _release_metadata(card.data, context.configs, split_rows, context.split_bytes, context.files)
    card.data[PLANNING_KEY] = {
        **plan.figures(),
        "verification": context.verification.figures(),
        "generator_version": GENERATOR_VERSION,
        "content_sha256": context.content_hash,
        "source": source_url(),
        "realism": {k: v for k, v in context.limits.realism.items() if k != "wp_call_share"},
    }
    bounds = plan.difficulty_bounds
    body = fill(
        card.text,
        warp_version=warp_version(),
        generator_version=GENERATOR_VERSION,
        config_table=_config_table(context.configs, sum(split_rows.values())),
        count_table=count_table(plan),
        split_line="\n\n".join(ratio_lines(split_sizes(plan), plan.split_ratios, categories=len(plan.categories))),
        category_names=", ".join(f"`{c}`" for c in plan.categories),
        coverage=markdown(context.coverage),
        difficulty_bounds=", ".join(f"{c} {lo}/{hi}" for c, (lo, hi) in bounds.items()),
        distributions=context.distributions,
        parameter_table=_parameter_table(plan),
        command=context.command or "(built from Python)",
        failures=_failures(plan),
        verification="\n".join(f"- {line}" for line in context.verification.lines()),
        default_config=default,
        num_examples=plan.num_examples,
        seed=plan.seed,
        generator=plan.generator,
        limits_kernels=context.limits.kernels,
        realism_table=context.limits.realism_table(),
        row_cost_table=context.limits.row_cost_table(),
        copy_sentence=context.limits.copy_sentence(),
        content_hash=context.content_hash,
        source=source_url(),
    )
    return f"---\n{card.data.to_yaml()}\n---\n{body}"


def _release_metadata(
    data,
    configs: Sequence[str],
    split_rows: dict[str, int],
    split_bytes: dict[str, dict[str, int]],
    files: dict[str, list[Path]],
) -> str:
    """Write the YAML that ``load_dataset`` reads (``configs``, ``dataset_info``) and ``size_categories``.

    Returns the default config.
    """
    default = DEFAULT_CONFIG if DEFAULT_CONFIG in configs else configs[0]
    MetadataConfigs(
        {
            config: {
                "data_files": [{"split": split, "path": data_files_pattern(config, split)} for split in split_rows],
                **({"default": True} if config == default else {}),
            }
            for config in configs
        }
    ).to_dataset_card_data(data)
    infos = {}
    for config in configs:
        splits = datasets.SplitDict()
        for split, rows in split_rows.items():
            splits.add(datasets.SplitInfo(name=split, num_bytes=split_bytes[config][split], num_examples=rows))
        download_size = sum(p.stat().st_size for p in files[config])
        infos[config] = DatasetInfo(
            features=features(config),
            splits=splits,
            download_size=download_size,
            dataset_size=sum(split_bytes[config].values()),
        )
    DatasetInfosDict(infos).to_dataset_card_data(data)
    data["size_categories"] = [_size_category(sum(split_rows.values()))]
    return default


def count_table(plan: Plan) -> str:
    """Markdown table of kernels per category (rows) and split (columns), with totals."""
    return markdown_count_table(plan.categories, plan.counts())


def markdown_count_table(categories: Sequence[str], counts: dict[str, dict[str, int]]) -> str:
    """The count table (what ``validate`` reads back): ``counts[split][category]`` rows, with totals."""
    splits = list(counts)
    lines = ["| category | " + " | ".join(splits) + " | total |", "|---|" + "---:|" * (len(splits) + 1)]
    for category in categories:
        row = [counts[s].get(category, 0) for s in splits]
        lines.append(f"| {category} | " + " | ".join(map(str, row)) + f" | {sum(row)} |")
    totals = [sum(counts[s].values()) for s in splits]
    lines.append("| **total** | " + " | ".join(map(str, totals)) + f" | {sum(totals)} |")
    return "\n".join(lines)


def _config_table(configs: Sequence[str], rows: int) -> str:
    return "\n".join(
        f"| `{config}` | {', '.join(f'`{c}`' for c in ir_columns(config))} | {rows} |" for config in configs
    )


def _parameter_table(plan: Plan) -> str:
    rows = {
        "seed": plan.seed,
        "num_examples": plan.num_examples,
        "split ratios (train/validation/test)": " / ".join(f"{r:g}" for r in plan.split_ratios),
        "categories": ", ".join(plan.categories),
        "warp-lang": warp_version(),
        "generator version": GENERATOR_VERSION,
        "datasets": datasets.__version__,
    }
    return "\n".join(f"| {k} | {v} |" for k, v in rows.items())


def _failures(plan: Plan) -> str:
    if not plan.failures:
        return "none."
    return "; ".join(f"{reason}: {n}" for reason, n in plan.failures.most_common()) + "."


def _size_category(n: int) -> str:
    for limit, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if n < limit:
            return label
    return "1M<n<10M"


@dataclass(frozen=True)
class RealCardContext:
    """What the card of a release of real kernels (``builder.real.release``) states."""

    configs: Sequence[str]
    split_rows: dict[str, int]  # split -> rows
    split_bytes: dict[str, dict[str, int]]  # config -> split -> uncompressed Arrow bytes
    files: dict[str, list[Path]]  # config -> parquet files
    license: str
    command: str
    failures: Sequence[Failure]
    duplicates: Counter  # reason -> kernels left out
    per_file: Counter  # source file -> rows
    num_files: int
    distributions: str
    packages: str = ""  # markdown table: files and kernels per package, version, license


def render_real_card(context: RealCardContext) -> str:
    """The README.md text of a release of kernels extracted from real files."""
    card = DatasetCard(template_path().read_text(encoding="utf-8"))  # the shared YAML: language, tasks, tags
    data = card.data
    data["license"] = context.license
    data["pretty_name"] = "warp-ir-pairs: real kernels"
    data["language_creators"] = ["found"]
    data["tags"] = [t for t in data["tags"] if t != "synthetic"] + ["real-code"]
    default = _release_metadata(data, context.configs, context.split_rows, context.split_bytes, context.files)
    failures = failure_counts(context.failures)
    data[PLANNING_KEY] = {
        "kind": REAL_KIND,
        "files": context.num_files,
        "kernels": sum(context.split_rows.values()),
        "duplicates_left_out": dict(context.duplicates),
        "failures": dict(failures.most_common()),
    }
    return f"---\n{data.to_yaml()}\n---\n{_real_body(context, default, failures)}"


def _real_body(context: RealCardContext, default: str, failures: Counter) -> str:
    failed = "\n".join(
        f"- `{f.source_file}`{f' `{f.kernel}`' if f.kernel else ''}: {f.reason}: {f.detail}" for f in context.failures
    )
    return fill(
        template_path(REAL_TEMPLATE_NAME).read_text(encoding="utf-8"),
        num_files=context.num_files,
        warp_version=warp_version(),
        splits=", ".join(f"`{name}`" for name in context.split_rows),
        split=next(iter(context.split_rows)),
        real_category=REAL_CATEGORY,
        config_table=_config_table(context.configs, sum(context.split_rows.values())),
        count_heading=COUNT_HEADING,
        count_table=markdown_count_table(
            [REAL_CATEGORY], {name: {REAL_CATEGORY: n} for name, n in context.split_rows.items()}
        ),
        dropped="; ".join(f"{r}: {n}" for r, n in context.duplicates.items()) or "none",
        packages=context.packages,
        per_file="\n".join(f"| `{name}` | {n} |" for name, n in sorted(context.per_file.items())),
        counted="; ".join(f"{r}: {n}" for r, n in failures.most_common()) or "none",
        failed=failed or "none.",
        distributions=context.distributions,
        default_config=default,
        command=context.command or "(built from Python)",
        license=context.license,
    )
