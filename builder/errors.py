"""Every exception of ``builder``, declared together."""

from __future__ import annotations


class ReleaseError(Exception):
    """The release cannot be built as asked; the message names the value and what is allowed."""
