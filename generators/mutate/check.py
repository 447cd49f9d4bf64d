"""The code-generation check a mutant must pass: Warp's own generator, both backends, both passes."""

from __future__ import annotations

from builder.codegen.ir import ExtractionError, extract
from generators.spec import KernelSpec


def check_spec(spec: KernelSpec) -> str:
    """'' when Warp generates forward and backward code for CPU and CUDA, else the reason (``codegen ...``)."""
    try:
        extract(spec)
    except ExtractionError as error:
        return error.reason
    return ""
