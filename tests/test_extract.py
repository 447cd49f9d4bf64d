import re
import sys

import pytest

import generators
from builder.codegen.ir import SOURCE_FILENAME, ExtractionError, extract, function_text
from builder.codegen.rows import ShardFailed, generate_rows
from builder.plan.planner import PlannedKernel, make_plan
from generators import KernelSpec, synthesize

HELPER_KERNEL = """@wp.func
def helper(a: float, b: float):
    return a * b + wp.sin(a)


@wp.kernel
def uses_helper(x: wp.array(dtype=float), out: wp.array(dtype=float)):
    tid = wp.tid()
    out[tid] = helper(x[tid], 2.0)
"""
OTHER_WITH_SAME_HELPER = HELPER_KERNEL.replace("a * b", "a - b").replace("uses_helper", "other")
BROKEN = "@wp.kernel\ndef broken(a: wp.array(dtype=float)):\n    tid = wp.tid()\n    a[tid] = a[tid] + 1\n"


def spec(source, name):
    return KernelSpec(name, "arithmetic", "test kernel", source)


def definitions(text, name):
    return re.findall(rf"^[^\n/]*\b{name}\(", text, re.MULTILINE)


def test_forward_and_backward_hold_exactly_one_named_function_each():
    kernel = synthesize(0, 3)
    ir = extract(kernel)
    for backend, unit in ir.items():
        for part in ("forward", "backward"):
            text = getattr(unit, part)
            symbol = f"{kernel.kernel_name}_{backend}_kernel_{part}"
            assert len(definitions(text, symbol)) == 1
            assert text.rstrip().endswith("}")
            assert text in unit.source
    assert ir["cpu"].forward.startswith("template <bool wp_linear_contiguous>\nstatic void")
    assert ir["cuda"].forward.startswith('extern "C" __global__ void')


def test_symbols_carry_no_hash_and_lines_map_to_python():
    ir = extract(spec(HELPER_KERNEL, "uses_helper"))
    assert "uses_helper_cpu_kernel_forward(" in ir["cpu"].source
    assert "helper_0(" in ir["cpu"].source
    assert f"// {SOURCE_FILENAME}:" in ir["cpu"].source
    # `out[tid] = helper(...)` is line 9 of the Python source.
    assert re.search(r"// out\[tid\] = helper\(x\[tid\], 2\.0\) +<L 9>", ir["cpu"].forward)


def test_ir_does_not_depend_on_what_was_extracted_before():
    alone = extract(spec(HELPER_KERNEL, "uses_helper"))
    for _ in range(3):
        extract(spec(OTHER_WITH_SAME_HELPER, "other"))
    again = extract(spec(HELPER_KERNEL, "uses_helper"))
    assert again == alone


def test_warp_registries_are_left_clean():
    import linecache

    import warp._src.context as context

    modules_before = set(context.user_modules)
    extract(spec(HELPER_KERNEL, "uses_helper"))
    with pytest.raises(ExtractionError):
        extract(spec(BROKEN, "broken"))
    assert set(context.user_modules) == modules_before
    assert SOURCE_FILENAME not in linecache.cache
    assert not [m for m in sys.modules if m.startswith("warp_ir_pairs_kernel_")]


def test_a_kernel_warp_rejects_raises_a_countable_reason():
    with pytest.raises(ExtractionError) as caught:
        extract(spec(BROKEN, "broken"))
    assert caught.value.reason.startswith("codegen ")
    assert caught.value.detail


def test_single_backend_extraction_and_bad_backend():
    assert set(extract(synthesize(0, 1), ["cuda"])) == {"cuda"}
    with pytest.raises(ValueError, match="unknown backend"):
        extract(synthesize(0, 1), ["metal"])


def test_function_text_reports_a_missing_symbol():
    with pytest.raises(ExtractionError, match="missing function"):
        function_text("int main()\n{\n}\n", "absent_cpu_kernel_forward")


def test_failed_kernels_are_counted_and_the_rest_of_the_shard_still_runs(monkeypatch):
    plan = make_plan(seed=0, num_examples=4, categories=["arithmetic"])
    good = plan.splits["train"]
    # A planned kernel is (seed, index): its spec is synthesized again where rows are made.
    real = generators.synthesize
    monkeypatch.setattr(
        generators, "synthesize", lambda s, i, g="random": spec(BROKEN, "broken") if i == 999 else real(s, i, g)
    )
    bad = PlannedKernel.of(seed=0, index=999, spec=spec(BROKEN, "broken"))
    rows = []
    with pytest.raises(ShardFailed) as caught:
        for row in generate_rows([good[0], bad, good[1]], "paired"):
            rows.append(row)
    assert [r["id"] for r in rows] == [good[0].id, good[1].id]
    assert sum(caught.value.failures.values()) == 1
    assert "seed=0 index=999 broken" in str(caught.value)


def _rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 1e6


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
def test_memory_stays_flat_while_extracting():
    """A leak of Warp modules grows ~46 MB per 1,000 kernels; allow a fraction of that."""
    for i in range(300):
        extract(synthesize(21, i))
    start = _rss_mb()
    for i in range(300, 1300):
        extract(synthesize(21, i))
    assert _rss_mb() - start < 12


def test_a_negated_literal_that_a_dynamic_loop_mutates_is_declared_dynamic():
    """Seed 0, index 67492 once read ``idx = -(-5)`` and then ``idx += ...`` in a dynamic loop,
    which Warp refuses (the only code generation failure in 100,000 kernels)."""
    kernel = synthesize(0, 67492)
    assert "    idx = int(-(-5))\n" in kernel.python_source
    assert set(extract(kernel)) == {"cpu", "cuda"}
