"""The release's README.md: YAML metadata that ``load_dataset`` reads, then a readable card.

Static metadata (license, tags) and the prose live in ``dataset_card.md``; this module adds the
``configs`` / ``dataset_info`` YAML and fills the ``$placeholders`` from the build.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from string import Template

import datasets
from datasets.info import DatasetInfo, DatasetInfosDict
from datasets.utils.metadata import MetadataConfigs
from huggingface_hub import DatasetCard

from builder.coverage import Coverage, markdown
from builder.extract import warp_version
from builder.plan import Plan
from builder.rows import DEFAULT_CONFIG, features, ir_columns
from builder.verify import VerificationReport
from generators import CATEGORIES, GENERATOR_VERSION

TEMPLATE_NAME = "dataset_card.md"
# Card YAML key holding the planning figures (draws, duplicates ...) that rows cannot show.
PLANNING_KEY = "warp_ir_pairs"


@dataclass(frozen=True)
class CardContext:
    plan: Plan
    configs: tuple[str, ...]
    split_bytes: dict[str, dict[str, int]]  # config -> split -> uncompressed Arrow bytes
    files: dict[str, list[Path]]  # config -> parquet files
    command: str
    coverage: Coverage
    verification: VerificationReport
    distributions: str  # markdown table of line counts (builder.plots)


def template_path() -> Path:
    """``dataset_card.md``: inside the package in a wheel, at the repository root otherwise."""
    here = Path(__file__).resolve().parent
    for candidate in (here / TEMPLATE_NAME, here.parent / TEMPLATE_NAME):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{TEMPLATE_NAME} not found beside {here} or in its parent")


def render_card(context: CardContext) -> str:
    """The README.md text of a release."""
    card = DatasetCard(template_path().read_text(encoding="utf-8"))
    plan = context.plan
    default = DEFAULT_CONFIG if DEFAULT_CONFIG in context.configs else context.configs[0]
    MetadataConfigs(
        {
            config: {
                "data_files": [{"split": split, "path": f"{config}/{split}-*.parquet"} for split in plan.splits],
                **({"default": True} if config == default else {}),
            }
            for config in context.configs
        }
    ).to_dataset_card_data(card.data)
    DatasetInfosDict({config: _info(context, config) for config in context.configs}).to_dataset_card_data(card.data)
    card.data["size_categories"] = [_size_category(sum(len(k) for k in plan.splits.values()))]
    card.data[PLANNING_KEY] = {**plan.figures(), "verification": context.verification.figures()}
    body = Template(card.text).substitute(
        warp_version=warp_version(),
        generator_version=GENERATOR_VERSION,
        config_table=_config_table(context),
        count_table=count_table(plan),
        category_names=", ".join(f"`{c}`" for c in CATEGORIES),
        statistics=_statistics(context),
        distributions=context.distributions,
        parameter_table=_parameter_table(plan),
        command=context.command or "(built from Python)",
        failures=_failures(plan),
        verification="\n".join(f"- {line}" for line in context.verification.lines()),
        default_config=default,
        num_examples=plan.num_examples,
        seed=plan.seed,
    )
    return f"---\n{card.data.to_yaml()}\n---\n{body}"


def _info(context: CardContext, config: str) -> DatasetInfo:
    splits = datasets.SplitDict()
    for split, kernels in context.plan.splits.items():
        splits.add(datasets.SplitInfo(name=split, num_bytes=context.split_bytes[config][split], num_examples=len(kernels)))
    download_size = sum(p.stat().st_size for p in context.files[config])
    return DatasetInfo(
        features=features(config),
        splits=splits,
        download_size=download_size,
        dataset_size=sum(context.split_bytes[config].values()),
    )


def count_table(plan: Plan) -> str:
    """Markdown table of kernels per category (rows) and split (columns), with totals."""
    counts = plan.counts()
    splits = list(plan.splits)
    lines = ["| category | " + " | ".join(splits) + " | total |", "|---|" + "---:|" * (len(splits) + 1)]
    for category in plan.categories:
        row = [counts[s].get(category, 0) for s in splits]
        lines.append(f"| {category} | " + " | ".join(map(str, row)) + f" | {sum(row)} |")
    totals = [len(plan.splits[s]) for s in splits]
    lines.append("| **total** | " + " | ".join(map(str, totals)) + f" | {sum(totals)} |")
    return "\n".join(lines)


def _config_table(context: CardContext) -> str:
    rows = []
    for config in context.configs:
        total = sum(len(k) for k in context.plan.splits.values())
        rows.append(f"| `{config}` | {', '.join(f'`{c}`' for c in ir_columns(config))} | {total} |")
    return "\n".join(rows)


def _statistics(context: CardContext) -> str:
    bounds = context.plan.difficulty_bounds
    difficulty = ", ".join(f"{c} {lo}/{hi}" for c, (lo, hi) in bounds.items())
    return (
        markdown(context.coverage)
        + "\n\n`difficulty` is the complexity (AST node count) tercile of the kernel within its category: "
        + f"easy up to the first bound, medium up to the second, hard above (bounds per category: {difficulty})."
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
