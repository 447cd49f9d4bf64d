"""``builder.release.limitations.RowCost``: bytes of every sampled row, tokens per byte of the first rows."""

from __future__ import annotations

import builder.release.limitations as limitations
from builder.plan.near_duplicates import normalized_tokens
from builder.release.limitations import RowCost


def test_bytes_are_exact_and_tokens_scale_the_lexed_rows_tokens_per_byte(monkeypatch):
    monkeypatch.setattr(limitations, "TOKEN_ROWS", 2)
    rows = [{"a": "x = y + 1\n" * n, "b": None if n == 3 else "f(q)\n"} for n in (1, 2, 3, 6)]
    cost = RowCost(["a", "b"])
    for row in rows:
        cost.add(row)
    means = cost.means()
    assert list(means) == ["a", "b"]
    size = sum(len(r["a"].encode()) for r in rows) / 4
    lexed = rows[:2]
    per_byte = sum(len(normalized_tokens(r["a"])) for r in lexed) / sum(len(r["a"]) for r in lexed)
    assert means["a"] == (size, size * per_byte)
    assert means["b"] == (5.0, float(len(normalized_tokens("f(q)\n"))))
    assert cost.rows["b"] == 3 and cost.lexed_size["b"] == 10


def test_a_column_null_in_every_row_is_left_out():
    cost = RowCost(["a", "cpp_source"])
    cost.add({"a": "k = 1\n", "cpp_source": None})
    assert list(cost.means()) == ["a"]
