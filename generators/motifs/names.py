"""Identifier pools drawn from real Warp kernels (warp/examples, newton): prefixes and stems by role.

A kernel draws one domain prefix and builds its array names from it (``particle_q``,
``cloth_vel``), as real code does; the combinations give thousands of distinct identifiers.
"""

from __future__ import annotations

import random

PREFIXES = (
    "particle_",
    "",
    "",
    "body_",
    "cloth_",
    "fluid_",
    "soft_",
    "grain_",
    "node_",
    "vertex_",
    "point_",
    "p_",
    "sph_",
    "rod_",
    "shell_",
    "mpm_",
    "sim_",
    "dem_",
    "gas_",
    "smoke_",
    "cell_",
    "agent_",
    "boid_",
    "rope_",
    "hair_",
)
STEMS: dict[str, tuple[str, ...]] = {
    "position": ("q", "x", "pos", "positions", "points", "p", "position", "coords"),
    "velocity": ("qd", "v", "vel", "velocities", "velocity", "u"),
    "force": ("f", "force", "forces", "acc", "accel"),
    "mass": ("mass", "m", "masses"),
    "inv_mass": ("inv_mass", "inv_m", "w", "invmass"),
    "radius": ("radius", "radii", "r", "size"),
    "density": ("rho", "density", "densities"),
    "pressure": ("pressure", "p_pressure", "pres"),
    "value": ("values", "data", "a", "x", "src", "input", "field", "vals"),
    "result": ("out", "output", "result", "dst", "y", "res", "out_values"),
    "count": ("count", "counter", "num_hits", "total", "n_out", "hit_count"),
    "flags": ("flags", "active", "mask", "state"),
}
SUFFIXES = ("", "", "", "", "_in", "_out", "_new", "_prev", "_0", "_cur", "_next", "_buf", "_a", "_b", "_tmp")
OUT_SUFFIXES = ("_new", "_out", "_next", "_dst", "_1", "_result", "_updated", "")


class Namer:
    """Array and local names for one kernel, all sharing a drawn domain prefix."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.prefix = rng.choice(PREFIXES)

    def stem(self, role: str) -> str:
        return self.rng.choice(STEMS[role])

    def array(self, role: str, *, output: bool = False) -> str:
        """``<prefix><stem><suffix>`` for an input; outputs take an output suffix."""
        suffix = self.rng.choice(OUT_SUFFIXES if output else SUFFIXES)
        return f"{self.prefix}{self.stem(role)}{suffix}"

    def plain(self, *names: str) -> str:
        """One of ``names``, sometimes with the kernel's prefix."""
        name = self.rng.choice(names)
        return f"{self.prefix}{name}" if self.prefix and self.rng.random() < 0.3 else name


LOCAL = {
    "position": ("x", "p", "pos", "xi", "q", "x0", "p0", "point"),
    "velocity": ("v", "vel", "vi", "qd", "u", "v0", "v_i"),
    "force": ("f", "force", "fi", "f_total", "total_force", "acc"),
    "direction": ("d", "dir", "n", "normal", "delta", "dx", "r", "diff", "offset"),
    "distance": ("dist", "l", "length", "d_len", "r_len", "len_ij", "dist_sq", "c"),
    "scalar": ("s", "t", "val", "value", "a", "tmp", "h", "w", "scale"),
    "sum": ("total", "acc", "s", "sum_val", "running", "accum", "value_sum"),
}


def local(rng: random.Random, role: str) -> tuple[str, ...]:
    """Candidates for a local of ``role``, shuffled (``Kernel.fresh`` takes the first free one)."""
    pool = LOCAL[role]
    return tuple(rng.sample(pool, len(pool)))
