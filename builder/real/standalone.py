"""Warp's IR of a real kernel's ``python_source`` alone: how a real row's IR is made, and how it is checked.

The source runs in a fresh module with only ``wp`` bound (as synthesized kernels do), so its
``<L n>`` markers count lines of ``python_source``. Every row has a backward pass, whatever the
kernel's decorator says; a tile kernel's shapes depend on the ``block_dim`` it is launched with,
recorded in ``metadata.block_dim`` and passed back here.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass

from builder.codegen.ir import BACKENDS, BackendIR, generate, import_warp, loaded_kernel, split_functions
from builder.schema import REAL_CATEGORY
from generators import KernelSpec

# block_dim values tried, in order, when Warp refuses to generate a kernel at the default (tile kernels).
BLOCK_DIMS = (256, 128, 64, 32, 16, 8)


def kernel_def_name(python_source: str) -> str:
    """The name of the last top-level function of ``python_source`` (the kernel comes last)."""
    names = [n.name for n in ast.parse(python_source).body if isinstance(n, ast.FunctionDef)]
    if not names:
        raise ValueError("python_source defines no function")
    return names[-1]


@dataclass(frozen=True)
class Standalone:
    """What Warp emitted for a real kernel's ``python_source`` alone."""

    kernel_name: str  # as in the emitted symbols (``<kernel_name>_cpu_kernel_forward``)
    ir: dict[str, BackendIR]
    block_dim: int
    value_types: tuple[str, ...]


def standalone_ir(
    python_source: str, backends: Sequence[str] = BACKENDS, block_dims: Sequence[int] = BLOCK_DIMS
) -> Standalone:
    """Warp's IR of ``python_source`` at the first of ``block_dims`` Warp accepts.

    Raises what Warp raised for the first ``block_dim`` when none works.
    """
    name = kernel_def_name(python_source)
    _, context = import_warp()
    with loaded_kernel(KernelSpec(name, REAL_CATEGORY, "", python_source), tag="_real") as kernel:
        overloads = list(kernel.overloads.values()) if kernel.is_generic else [kernel]
        if len(overloads) != 1:
            raise ValueError(f"{name}: {len(overloads)} overloads declared; a row's source declares one")
        target = overloads[0]
        if target is not kernel:  # Warp builds an overload from the generic's source text but numbers its lines from 0
            target.adj.fun_lineno = kernel.adj.fun_lineno
        target.options["enable_backward"] = True  # a kernel's own options override the module's
        try:
            return _generate(kernel, target, backends, block_dims)
        finally:  # a kernel of module="unique" has a module of its own, named after its source
            context.user_modules.pop(kernel.module.name, None)


def _generate(kernel, target, backends: Sequence[str], block_dims: Sequence[int]) -> Standalone:
    first_error = None
    for block_dim in block_dims:
        try:
            _, emitted = generate(kernel.module, backends, [target], enable_backward=True, block_dim=block_dim)
        except Exception as error:  # Warp raises many types; all mean "no IR at this block_dim"
            first_error = first_error or error
            continue
        mangled = target.get_mangled_name()
        ir = {b: split_functions(mangled, b, source) for b, source in emitted.items()}
        return Standalone(mangled, ir, block_dim, value_types(target))
    raise first_error


def value_types(kernel) -> tuple[str, ...]:
    """Warp scalar, vector and matrix type names of a built kernel's arguments and variables."""
    import warp._src.types as types

    names = set()
    for var in [*kernel.adj.args, *kernel.adj.variables]:
        t = types.strip_reference(var.type)
        if types.is_array(t):
            t = t.dtype
        if t in types.scalar_types or hasattr(t, "_wp_generic_type_str_"):
            names.add(t.__name__)
    return tuple(sorted(names))
