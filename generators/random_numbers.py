"""Random numbers: ``wp.rand_init`` per thread, then randf / randi / randn / randu, samplers and noise.

The calls come from Warp's registry (every overload whose first argument is the ``state``);
hand-written rules give the arguments the registry cannot type: ``low < high`` literal bounds
(``randi`` takes a modulo by ``high - low``), positive noise periods (a modulo by the period),
octave counts and a positive Poisson rate.
"""

import random
from functools import cache

from generators.draft import Draft
from generators.program import pick_name
from generators.registry import Signature, value_overloads
from generators.spec import KernelSpec
from generators.swarm import SIMPLE, draw
from generators.types import INT32, UINT32, scalar_literal

CATEGORY = "random"
_PREFIXES = ("rand", "sample_", "noise", "pnoise", "curlnoise", "poisson")


@cache
def _random_signatures() -> tuple[Signature, ...]:
    return tuple(s for s in value_overloads() if s.key.startswith(_PREFIXES) and s.names[:1] == ("state",))


def _argument(d: Draft, name: str, t, pair: dict) -> str:
    rng = d.rng
    if name == "low":
        pair["low"] = rng.randint(0, 5) if not t.is_float else rng.choice((-1.0, 0.0, 0.5))
        return scalar_literal(t, pair["low"])
    if name == "high":
        return scalar_literal(t, pair["low"] + rng.randint(1, 10))
    if name in ("px", "py", "pz", "pt"):
        return scalar_literal(t, rng.randint(2, 8))
    if name == "octaves":
        return scalar_literal(t, rng.randint(1, 4))
    if name in ("lacunarity", "gain", "lam"):
        return scalar_literal(t, rng.choice((0.5, 1.5, 2.0, 3.0)))
    return d.exprs.of(t, 1).text


def synthesize(rng: random.Random) -> KernelSpec:
    swarm = draw(
        rng,
        type_kinds=("scalar", "vector"),
        scalars=("float32",),
        n_types=(1, 3),
        kinds=SIMPLE + ("if", "for"),
        budget=(2, 8),
        max_nesting=(1, 2),
    )
    d = Draft(rng, swarm)
    seed = d.kb.value_param(INT32)
    d.standard(n_inputs=(0, 1), n_params=(0, 1))
    state = d.body.fresh(rng.choice(("state", "rng", "rstate")))
    init = f"wp.rand_init({seed}, tid)" if rng.random() < 0.7 else f"wp.rand_init({seed} + tid * {rng.randint(2, 99)})"
    d.body.line(f"{state} = {init}")
    d.body.bind(state, UINT32, mutable=False)
    d.exprs.used_types.update(("uint32", "int32"))
    signatures = _random_signatures()
    keys = []
    for _ in range(rng.randint(2, 6)):
        signature = rng.choice(signatures)
        pair: dict = {}
        named = zip(signature.names[1:], signature.params[1:], strict=False)
        args = [state] + [_argument(d, n, t, pair) for n, t in named]
        d.exprs.used_types.update(t.name for t in signature.params + (signature.result,))
        d.body.assign(d.statements.stem(signature.result), signature.result, f"wp.{signature.key}({', '.join(args)})")
        keys.append(signature.key)
    d.statements.run()
    name = pick_name(
        rng,
        ("sample", "jitter", "perturb", "scatter", "noise", "splat"),
        ("points", "directions", "particles", "values", "rays"),
    )
    return d.finish(name, CATEGORY, f"Per-thread RNG from a seed: {', '.join(sorted(set(keys)))}.")
