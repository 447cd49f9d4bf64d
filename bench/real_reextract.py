"""Re-extraction of a real release: does each row's ``python_source`` alone give its IR back?

    python bench/real_reextract.py RELEASE [--config paired] [--limit N]

For every row, ``python_source`` is run in a fresh module (``wp`` bound) and generated at the
row's ``metadata.block_dim``; the forward and backward functions of each backend the config holds
must equal the row's. Prints the rate, and each row that differs or fails with the reason.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from builder.codegen.ir import error_line  # noqa: E402
from builder.real.standalone import standalone_ir  # noqa: E402
from builder.schema import BACKEND_PREFIX, CONFIG_BACKENDS  # noqa: E402


def reextract(row: dict, config: str) -> str:
    """``""`` when ``python_source`` alone reproduces the row's forward and backward IR, else why not."""
    backends = CONFIG_BACKENDS[config]
    try:
        made = standalone_ir(row["python_source"], backends, (row["metadata"]["block_dim"] or 256,))
    except Exception as error:  # Warp raises many types
        return f"codegen {type(error).__name__}: {error_line(error)}"
    for backend in backends:
        for part in ("forward", "backward"):
            if getattr(made.ir[backend], part) != row[f"{BACKEND_PREFIX[backend]}_{part}"]:
                return f"{backend} {part} differs"
    return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("release")
    parser.add_argument("--config", default="paired")
    parser.add_argument("--limit", type=int, default=0, help="rows to check (default: all)")
    args = parser.parse_args(argv)
    reasons: Counter = Counter()
    failed: list[str] = []
    rows = 0
    for path in sorted((Path(args.release) / args.config).glob("*.parquet")):
        for row in pq.read_table(path).to_pylist():
            if args.limit and rows >= args.limit:
                break
            rows += 1
            why = reextract(row, args.config)
            if why:
                reasons[why.split(":")[0]] += 1
                failed.append(f"{row['metadata']['source_file']} {row['kernel_name']}: {why}")
    same = rows - len(failed)
    print(f"{same} of {rows} rows ({100 * same / max(rows, 1):.2f}%) reproduce their forward and backward IR")
    print(f"differ or fail: {dict(reasons.most_common())}")
    print("\n".join(failed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
