"""Length control: token counts per column (stats --tokens) and max_tokens in formatter(...)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from builder.formatting import formatter
from builder.release.tokens import token_counts, token_figures, token_table, train_tokenizer

ROW = {
    "id": "s0-1",
    "kernel_name": "k",
    "python_source": "@wp.kernel\ndef k(a: wp.array(dtype=float)):\n    a[wp.tid()] = 1.0\n",
    "cpp_forward": "void k_cpu_kernel_forward()\n{\n    var_0 = wp::add(var_1, var_2);\n}\n",
    "cpp_backward": "void k_cpu_kernel_backward()\n{\n}\n",
}


@pytest.fixture(scope="module")
def table_file(tmp_path_factory):
    rows = [dict(ROW, id=f"s0-{i}", cpp_forward=ROW["cpp_forward"] * (1 + i)) for i in range(8)]
    path = tmp_path_factory.mktemp("tokens") / "train-00000-of-00001.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path)
    return path


def test_token_figures_per_column(table_file):
    tokenizer = train_tokenizer([table_file], vocab_size=300)
    counts = token_counts([table_file], tokenizer)
    assert set(counts) == {"python_source", "cpp_forward", "cpp_backward"}
    forward = counts["cpp_forward"]
    assert len(forward) == 8 and forward == sorted(forward) and forward[7] > 7 * forward[0] // 2
    figures = token_figures({"x": [1000, 3000, 5000, 9000]})
    assert figures["x"] == {
        "median": 4000.0,
        "p95": 8400.0,
        "max": 9000,
        "over_2k": 0.75,
        "over_4k": 0.5,
        "over_8k": 0.25,
    }
    assert "| x | 4000 | 8400 | 9000 | 75.0% | 50.0% | 25.0% |" in token_table(figures, "t")


def test_max_tokens_drops_or_counts_long_samples(table_file):
    tokenizer = train_tokenizer([table_file], vocab_size=300)
    rows = pq.read_table(table_file).to_pylist()
    batch = {key: [r[key] for r in rows] for key in rows[0]}
    unlimited = formatter("python_to_cpp")(batch)
    lengths = [
        len(tokenizer.encode(p).ids) + len(tokenizer.encode(c).ids)
        for p, c in zip(unlimited["prompt"], unlimited["completion"], strict=True)
    ]
    limit = sorted(lengths)[4]
    drop = formatter("python_to_cpp", max_tokens=limit, tokenizer=tokenizer)
    kept = drop(batch)
    assert len(kept["id"]) == sum(n <= limit for n in lengths) == 5 and drop.over_max_tokens == 3
    count = formatter("python_to_cpp", max_tokens=limit, tokenizer=tokenizer, over="count")
    assert len(count(batch)["id"]) == 8 and count.over_max_tokens == 3
    with pytest.raises(ValueError, match="needs a batched map"):
        drop(rows[0])
    with pytest.raises(ValueError, match="needs a positive limit and a tokenizer"):
        formatter("python_to_cpp", max_tokens=10)
