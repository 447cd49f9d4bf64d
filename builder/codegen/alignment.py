"""Python line -> forward IR line ranges, read from the ``<L n>`` markers Warp writes.

Warp's code generator precedes the code of every Python statement with a comment that repeats
the statement and ends in ``<L n>`` (``n``: the line in the kernel's source). A Python line can
own several ranges: an unrolled loop repeats its body, and a ``while`` condition is emitted again
at the loop's end. A range runs from the first to the last code line after a marker and before the
next one; lines holding only a brace are not code. Lines are numbered from 1 within the
``*_forward`` column the range refers to.
"""

from __future__ import annotations

import re

MARKER = re.compile(r"^\s*//.*<L (\d+)>\s*$")
# Start of the statements in a forward function (declarations come before it).
FORWARD_SECTION = "// forward"
NOT_CODE = frozenset({"", "{", "}"})  # stripped lines that hold no code


def alignment(forward: str, backend: str) -> list[dict]:
    """``{python_line, backend, start, end}`` for every range of ``forward`` that a marker owns."""
    lines = forward.split("\n")
    try:
        first = next(n for n, line in enumerate(lines) if line.strip() == FORWARD_SECTION) + 1
    except StopIteration:
        return []
    entries: list[dict] = []
    owner, start, end = None, None, None
    for n in range(first, len(lines)):
        line = lines[n]
        marker = MARKER.match(line) if "<L " in line else None  # the test first: most lines are code
        if marker is not None:
            if start is not None:
                entries.append({"python_line": owner, "backend": backend, "start": start, "end": end})
            owner, start, end = int(marker.group(1)), None, None
        elif owner is not None and line.strip() not in NOT_CODE:
            if start is None:
                start = n + 1
            end = n + 1
    if start is not None:
        entries.append({"python_line": owner, "backend": backend, "start": start, "end": end})
    return entries
