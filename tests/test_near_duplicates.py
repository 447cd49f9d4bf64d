"""builder.plan.near_duplicates' tokens are Python's own tokens, normalized."""

from __future__ import annotations

import io
import keyword
import tokenize
from pathlib import Path

import warp

import generators
from builder.plan.near_duplicates import normalized_tokens, token_count


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


def test_token_count_is_the_tokens_length_on_python_cpp_and_cuda_text():
    package = Path(warp.__file__).parent
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(package.rglob("*.h"))[:40]]
    texts += [p.read_text(encoding="utf-8") for p in sorted(package.rglob("*.py"))[:40]]
    texts += ["", "x", "\\\n", 'a # b\n"""q', 'r"x" 1e5j ...', "\x00\u00e9 $ ?", "f(q)\n"]
    counts = [token_count(t) for t in texts]
    assert counts == [len(normalized_tokens(t)) for t in texts]
    assert counts[-7:] == [0, 1, 0, 3, 3, 1, 4]
    assert sum(counts) > 100_000  # real files, not only the corner cases
