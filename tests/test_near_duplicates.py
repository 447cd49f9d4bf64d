"""builder.plan.near_duplicates' tokens are Python's own tokens, normalized."""

from __future__ import annotations

import io
import keyword
import tokenize
from pathlib import Path

import warp

import generators
from builder.plan.near_duplicates import normalized_tokens


def _tokenize_reference(source: str) -> list[str]:
    """The normalization over ``tokenize.generate_tokens``: what ``normalized_tokens`` must equal."""
    out, prev = [], ""
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.NAME:
            out.append(tok.string if keyword.iskeyword(tok.string) or prev == "." or tok.string == "wp" else "ID")
        elif tok.type == tokenize.NUMBER:
            out.append("NUM")
        elif tok.type == tokenize.STRING:
            out.append("STR")
        elif tok.type == tokenize.OP:
            out.append(tok.string)
        prev = tok.string
    return out


def test_tokens_equal_tokenize_on_warps_files_and_synthesized_kernels():
    package = Path(warp.__file__).parent
    sources = [p.read_text(encoding="utf-8") for p in sorted(package.rglob("*.py"))[:200]]
    sources += [generators.synthesize(3, i, g).python_source for g in ("motif", "random") for i in range(150)]
    assert len(sources) == 500
    differing = [i for i, s in enumerate(sources) if normalized_tokens(s) != _tokenize_reference(s)]
    assert differing == []


def test_tokens_of_tricky_spellings():
    source = 'x = a.b  # c\ny = f"{z}" + rb\'q\' + """m\nn""" + 1_000.5e-3 ** 2\nw = (a.\n   c)\nv //= u->t\n'
    assert normalized_tokens(source) == _tokenize_reference(source)
    assert normalized_tokens("wp.tid() + obj.attr") == ["wp", ".", "tid", "(", ")", "+", "ID", ".", "attr"]
