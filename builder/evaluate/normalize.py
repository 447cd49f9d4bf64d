"""Exact and normalized match of predicted code against the reference.

Normalized: comments (and with them the ``<L n>`` markers), whitespace and the numbering of Warp's
temporaries are ignored. ``var_N`` and ``adj_N`` are renumbered, each family on its own, in the
order of first appearance (Warp declares every temporary at the top of the function, so that is
the order of definition): a consistent renaming of temporaries matches, anything else does not.
"""

from __future__ import annotations

import re

_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)
_TOKEN = re.compile(r"[A-Za-z_]\w*|\d[\w.]*|\S")
_TEMPORARY = re.compile(r"^(var|adj)_(\d+)$")


def tokens(code: str) -> list[str]:
    """The code's tokens, comments dropped, temporaries renumbered by first appearance."""
    numbering: dict[str, dict[str, int]] = {"var": {}, "adj": {}}
    out = []
    for token in _TOKEN.findall(_COMMENT.sub(" ", code)):
        match = _TEMPORARY.match(token)
        if match:
            family = numbering[match.group(1)]
            token = f"{match.group(1)}_{family.setdefault(match.group(2), len(family))}"
        out.append(token)
    return out


def exact_match(prediction: str, reference: str) -> bool:
    """The same text, ignoring only leading and trailing blank space."""
    return prediction.strip() == reference.strip()


def normalized_match(prediction: str, reference: str) -> bool:
    """The same tokens once comments are dropped and temporaries renumbered."""
    return tokens(prediction) == tokens(reference)
