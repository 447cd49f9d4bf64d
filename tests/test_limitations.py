"""``builder.release.limitations.RowCost``: bytes of every sampled row, tokens per byte of the first rows."""

from __future__ import annotations

import pyarrow as pa

import builder.release.limitations as limitations
from builder.plan.near_duplicates import normalized_tokens
from builder.release.limitations import RowCost


def test_bytes_are_exact_and_tokens_scale_the_lexed_rows_tokens_per_byte(monkeypatch):
    monkeypatch.setattr(limitations, "TOKEN_ROWS", 2)
    rows = [{"a": "x = y + 1\n" * n + "é", "b": None if n == 3 else "f(q)\n"} for n in (1, 2, 3, 6)]
    cost = RowCost(["a", "b"])
    cost.add_table(pa.Table.from_pylist(rows[:1]))  # row groups arrive one table at a time
    cost.add_table(pa.Table.from_pylist(rows[1:]))
    means = cost.means()
    assert list(means) == ["a", "b"]
    size = sum(len(r["a"].encode()) for r in rows) / 4  # UTF-8 bytes, not characters
    lexed = rows[:2]
    per_byte = sum(len(normalized_tokens(r["a"])) for r in lexed) / sum(len(r["a"].encode()) for r in lexed)
    assert means["a"] == (size, size * per_byte)
    assert means["b"] == (5.0, float(len(normalized_tokens("f(q)\n"))))
    assert cost.rows["b"] == 3 and cost.lexed_size["b"] == 10  # the null row is skipped, not lexed


def test_a_column_null_in_every_row_is_left_out():
    cost = RowCost(["a", "cpp_source"])
    cost.add_table(pa.table({"a": ["k = 1\n"], "cpp_source": pa.array([None], pa.string())}))
    assert list(cost.means()) == ["a"]


def test_the_lexer_counts_python_and_cpp_tokens():
    texts = [
        'x = wp.vec3(1.0, 2, 0x1f)  # c\ns = r"a\\"b" + f\'{x}\'\n',
        "a.b\\\n  .c",
        "int f(int* p) { return p[0] >> 2; }",
    ]
    assert [len(normalized_tokens(t)) for t in texts] == [17, 5, 17]


def test_the_sample_is_exactly_its_size_and_evenly_spaced():
    from builder.release.limitations import evenly_spaced

    assert evenly_spaced(2000, 1000) == list(range(0, 2000, 2))  # every other row, as before
    assert len(evenly_spaced(1999, 1000)) == 1000  # not all 1,999 rows
    assert evenly_spaced(10, 3) == [0, 3, 6]
    assert evenly_spaced(4, 10) == [0, 1, 2, 3]  # a smaller release: every row
    assert evenly_spaced(0, 10) == []
