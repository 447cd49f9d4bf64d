"""Pairs from real files: `extract`, the release it writes, and the builder's `real` config."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import datasets
import pyarrow.parquet as pq
import pytest

from builder.cli import main
from builder.errors import ReleaseError
from builder.plan.candidates import analyze
from builder.real.harvest import (
    Failure,
    FoundKernel,
    harvest,
    python_files,
)
from builder.real.release import extract_release, release_hashes
from builder.real.rows import real_id, warp_examples_folder
from builder.real.standalone import standalone_ir
from builder.real.worker import kernels_of_source
from builder.release.checks import validate_release
from builder.schema import CONFIGS

GOOD = '''
from typing import Any

import warp as wp


@wp.struct
class Particle:
    position: wp.vec3
    mass: float


@wp.func
def kinetic(p: Particle, v: wp.vec3):
    return 0.5 * p.mass * wp.dot(v, v)


@wp.kernel
def energy(particles: wp.array(dtype=Particle), velocities: wp.array(dtype=wp.vec3), out: wp.array(dtype=float)):
    """Kinetic energy of each particle."""
    tid = wp.tid()
    out[tid] = kinetic(particles[tid], velocities[tid])


# Scale every value by a constant factor.
@wp.kernel(enable_backward=False)
def scale(values: wp.array(dtype=float), factor: float):
    i = wp.tid()
    values[i] = values[i] * factor


def make_offset_kernel(offset: float):
    @wp.kernel
    def offset_kernel(values: wp.array(dtype=float)):
        # add the factory's offset
        i = wp.tid()
        values[i] = values[i] + offset

    return offset_kernel


OFFSET = make_offset_kernel(2.0)


@wp.kernel
def add_generic(a: wp.array(dtype=Any), b: wp.array(dtype=Any)):
    i = wp.tid()
    b[i] = b[i] + a[i] + a[i]


wp.overload(add_generic, {"a": wp.array(dtype=wp.float32), "b": wp.array(dtype=wp.float32)})
wp.overload(add_generic, {"a": wp.array(dtype=wp.vec3), "b": wp.array(dtype=wp.vec3)})
'''

NESTED = """
import warp as wp

print("imported")  # a file's prints must not reach the command's output


@wp.kernel
def clamp_all(values: wp.array2d(dtype=float), low: float, high: float):
    i, j = wp.tid()
    values[i, j] = wp.clamp(values[i, j], low, high)
"""

BAD = {
    "syntax_error.py": "import warp as wp\ndef broken(:\n    pass\n",
    "raises.py": "import warp as wp\nraise RuntimeError('boom at import')\n",
    "loops.py": "import warp as wp\nwhile True:\n    pass\n",
    # A kernel defined only when a function runs, reading its argument: it cannot be run alone, so it is listed.
    "no_kernels.py": (
        "import warp as wp\n\ndef make(flag):\n    @wp.kernel(enable_backward=flag)\n"
        "    def never(a: wp.array(dtype=float)):\n        a[0] = 1.0\n    return never\n"
    ),
    "plain.py": "SCALE = 2.0\n",  # no kernel written in it: not a failure
}
# energy, scale, offset_kernel, add_generic x2 overloads, clamp_all
GOOD_KERNELS = 6
TIMEOUT = 20.0


def _write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> Path:
    """Two good files (one in a subfolder) and the four kinds of bad file."""
    return _write(tmp_path_factory.mktemp("mixed"), {"good.py": GOOD, "sub/nested.py": NESTED, **BAD})


@pytest.fixture(scope="module")
def mixed_release(mixed, tmp_path_factory):
    out = tmp_path_factory.mktemp("releases") / "real"
    started = time.perf_counter()
    summary = extract_release([mixed], out, timeout=TIMEOUT, num_proc=2, license="mit", command="test")
    return out, summary, time.perf_counter() - started


def test_good_kernels_and_four_failures_in_bounded_time(mixed_release):
    out, summary, seconds = mixed_release
    assert summary.rows == GOOD_KERNELS
    assert summary.files == 7
    reasons = {f.source_file: f.reason for f in summary.failures}
    assert reasons == {
        "syntax_error.py": "import SyntaxError",
        "raises.py": "import RuntimeError",
        "loops.py": "timeout",
        "no_kernels.py": "not defined at import: NameError",
    }
    assert [f.kernel for f in summary.failures if f.kernel] == ["never"]
    assert "boom at import" in next(f.detail for f in summary.failures if f.source_file == "raises.py")
    # The endless file is killed at the timeout; the rest runs beside it.
    assert seconds < TIMEOUT + 60
    assert dict(summary.per_file) == {"good.py": 5, "sub/nested.py": 1}


def test_release_validates_loads_and_aligns(mixed_release):
    out, _, _ = mixed_release
    results = validate_release(out)
    assert [r.name for r in results if not r.passed] == []
    loaded = {c: datasets.load_dataset(str(out), c, split="test") for c in CONFIGS}
    ids = {c: d["id"] for c, d in loaded.items()}
    assert ids["cpu"] == ids["cuda"] == ids["paired"] and len(ids["paired"]) == GOOD_KERNELS
    paired = loaded["paired"]
    assert set(paired.features["category"].int2str(paired["category"])) == {"real"}
    rows = {(r["kernel_name"], r["metadata"]["source_file"]): r for r in paired}
    energy = rows[("energy", "good.py")]
    assert energy["description"] == "Kinetic energy of each particle."
    assert energy["metadata"]["source_line"] == GOOD.splitlines().index("@wp.kernel") + 1
    assert energy["metadata"]["seed"] is None and energy["metadata"]["index"] is None
    assert energy["id"] == real_id("good.py", energy["python_source"])
    # The struct and the function it calls come first, decorators included.
    source = energy["python_source"]
    assert source.index("class Particle") < source.index("def kinetic") < source.index("def energy")
    assert "@wp.struct" in source and "@wp.func" in source
    for backend, prefix in (("cpu", "cpp"), ("cuda", "cuda")):
        assert energy[f"{prefix}_forward"].count(f"energy_{backend}_kernel_forward(") == 1
        assert f"energy_{backend}_kernel_backward(" in energy[f"{prefix}_backward"]
    assert rows[("scale", "good.py")]["description"] == "Scale every value by a constant factor."
    assert rows[("clamp_all", "sub/nested.py")]["metadata"]["value_types"] == ["float32", "int32"]


def test_backward_pass_even_where_the_file_turned_it_off(mixed_release):
    out, _, _ = mixed_release
    rows = {r["kernel_name"]: r for r in pq.read_table(out / "paired").to_pylist()}
    scale = rows["scale"]
    assert "scale_cpu_kernel_backward(" in scale["cpp_backward"] and "adj_" in scale["cpp_backward"]
    assert "scale_cuda_kernel_backward(" in scale["cuda_backward"]


def test_factory_kernel_and_one_row_per_overload(mixed_release):
    out, _, _ = mixed_release
    rows = pq.read_table(out / "paired").to_pylist()
    factory = next(r for r in rows if r["kernel_name"].endswith("offset_kernel"))
    assert factory["description"] == "add the factory's offset"
    # The factory's closure value is written out: the source regenerates the kernel on its own.
    assert factory["python_source"].startswith("offset = 2.0\n\n@wp.kernel\ndef offset_kernel(")
    overloads = [r for r in rows if r["kernel_name"] == "add_generic"]
    assert len(overloads) == 2
    declared = sorted(r["python_source"].splitlines()[-1] for r in overloads)
    assert (
        declared[0].startswith("wp.overload(add_generic, {'a': wp.array(dtype=wp.float32") and "wp.vec3" in declared[1]
    )
    assert "wp::array_t<wp::vec_t<3, wp::float32>> var_a" in next(
        r["cpp_forward"] for r in overloads if "vec3" in r["python_source"]
    )
    assert len({r["structural_hash"] for r in (o["metadata"] for o in overloads)}) == 2


def test_card_lists_every_failure(mixed_release):
    out, _, _ = mixed_release
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "license: mit" in card and "kind: real" in card
    for name, reason in (
        ("syntax_error.py", "import SyntaxError"),
        ("raises.py", "import RuntimeError"),
        ("loops.py", "timeout"),
    ):
        assert f"- `{name}`: {reason}: " in card
    assert "- `no_kernels.py` `never`: not defined at import: NameError: name 'flag' is not defined" in card
    assert "| `good.py` | 5 |" in card and "| `sub/nested.py` | 1 |" in card


def test_cli_prints_failures_and_strict_writes_nothing(mixed, tmp_path, capsys):
    code = main(
        [
            "extract",
            str(mixed / "good.py"),
            str(mixed / "raises.py"),
            "--out",
            str(tmp_path / "r"),
            "--configs",
            "cpu",
            "--timeout",
            str(TIMEOUT),
            "--num-proc",
            "1",
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0
    assert "extracted 5 kernel(s) from 1 of 2 file(s)" in printed
    assert "  raises.py: import RuntimeError: boom at import" in printed
    assert "imported" not in printed
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == ["README.md", "checksums.sha256", "cpu", "plots"]
    code = main(
        [
            "extract",
            str(mixed / "good.py"),
            str(mixed / "raises.py"),
            "--out",
            str(tmp_path / "s"),
            "--strict",
            "--timeout",
            str(TIMEOUT),
        ]
    )
    assert code == 1
    assert "1 failure(s) with --strict; first: raises.py: import RuntimeError" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["extract", "--out", "x"], "give PATH (Python files or folders), --package or --warp-examples"),
        (
            ["extract", "--package", "no_such_package", "--out", "x"],
            "package 'no_such_package': no installed top-level package",
        ),
        (
            ["extract", "x.py", "--out", "x", "--memory-limit", "12K"],
            "argument --memory-limit: '12K': must be 0 (no limit) or at least 256M",
        ),
        (["extract", "missing.py", "--out", "x"], "'missing.py': not a .py file or a folder"),
        (["extract", "x.py", "--out", "x", "--timeout", "0"], "argument --timeout: '0': must be > 0 seconds"),
        (["extract", "x.py", "--out", "x", "--configs", "gpu"], "unknown config"),
    ],
)
def test_cli_bad_arguments(argv, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    try:
        code = main(argv)
    except SystemExit as exit:
        code = exit.code
    assert code in (1, 2)
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_crash_is_isolated(tmp_path):
    files = _write(
        tmp_path,
        {
            "crash.py": "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n",
            "exits.py": "import os, sys\nprint('fatal: no licence server', file=sys.stderr, flush=True)\nos._exit(3)\n",
            "ok.py": NESTED,
        },
    )
    kernels, failures = harvest(python_files([files]), timeout=TIMEOUT, num_proc=2)
    assert [k.kernel_name for k in kernels] == ["clamp_all"]
    assert [(f.source_file, f.reason, f.detail) for f in failures] == [
        ("crash.py", "crashed", "the process died of signal 11"),
        (
            "exits.py",
            "crashed",
            "the process exited with status 3 before sending results; its last error line: fatal: no licence server",
        ),
    ]


def test_kernel_that_fails_codegen_is_listed_with_the_rest_kept(tmp_path):
    source = NESTED + "\n\n@wp.kernel\ndef broken(values: wp.array(dtype=float)):\n    values[0] = undefined_name\n"
    path = _write(tmp_path, {"mixed.py": source}) / "mixed.py"
    results = kernels_of_source(python_files([path])[0])
    assert [type(r) for r in results] == [FoundKernel, Failure]
    assert results[1].kernel == "broken" and results[1].reason.startswith("codegen ")


def test_generic_kernel_without_overloads_is_reported(tmp_path):
    source = (
        "from typing import Any\nimport warp as wp\n\n"
        "@wp.kernel\ndef g(a: wp.array(dtype=Any)):\n    a[wp.tid()] = a[wp.tid()]\n"
    )
    path = _write(tmp_path, {"g.py": source}) / "g.py"
    [failure] = kernels_of_source(python_files([path])[0])
    assert (failure.kernel, failure.reason) == ("g", "generic without overloads")


def test_duplicates_of_a_release_are_left_out(mixed, tmp_path):
    nested = tmp_path / "in" / "nested.py"
    _write(
        tmp_path / "in",
        {"nested.py": NESTED, "copy.py": NESTED.replace("clamp_all", "clamp_copy").replace("values", "data")},
    )
    summary = extract_release([tmp_path / "in"], tmp_path / "a", configs=["cpu"], timeout=TIMEOUT)
    assert summary.rows == 1 and dict(summary.duplicates) == {"of an earlier real kernel": 1}
    hashes = release_hashes(tmp_path / "a")
    kept = pq.read_table(tmp_path / "a" / "cpu").to_pylist()[0]
    assert hashes == {analyze(kept["python_source"]).structural_hash}
    with pytest.raises(ReleaseError, match="no kernels to release from 1 file"):
        extract_release([nested], tmp_path / "b", configs=["cpu"], timeout=TIMEOUT, exclude_hashes=hashes)
    assert not (tmp_path / "b").exists()


# Files that need what is not installed fail to import; some kernels cannot be made self-contained,
# and some are defined inside functions whose locals they read.
EXPECTED_PREFIXES = ("not self-contained", "import ", "not defined at import")


def test_warp_examples(tmp_path):
    """Acceptance: every kernel of the installed examples whose file imports is extracted; the rest are listed."""
    summary = extract_release([warp_examples_folder()], tmp_path / "ood", timeout=120, num_proc=2, license="apache-2.0")
    assert summary.rows >= 90
    allowed = {
        "no kernels",
        "not defined at import",
        "import ModuleNotFoundError",
        "generic without overloads",
        "import ValueError",
        "import AttributeError",
    }
    # Files that need what is not installed, or compile a Warp module at import
    # (benchmark_interop_torch.py), fail to import.
    unexpected = [
        f.line()
        for f in summary.failures
        if f.reason not in allowed
        and not f.reason.startswith(("not self-contained", "import ", "not defined at import"))
    ]
    assert unexpected == []
    assert not [f for f in summary.failures if f.reason.startswith(("codegen", "timeout", "crashed"))]
    [(written, importing, found)] = summary.coverage.values()
    assert found >= 0.8 * importing
    missing = {f.detail.split("'")[1] for f in summary.failures if f.reason == "import ModuleNotFoundError"}
    assert missing <= {"pxr", "cupy", "jax", "paddle", "taichi", "nccl", "mpi4py", "nvshmem"}
    assert [r.name for r in validate_release(tmp_path / "ood") if not r.passed] == []
    ds = datasets.load_dataset(str(tmp_path / "ood"), "paired", split="test")
    assert len(ds) == summary.rows and all(m["source_file"].endswith(".py") for m in ds["metadata"])
    # Each row's python_source alone gives its IR back.
    for row in ds:
        again = standalone_ir(row["python_source"], block_dims=(row["metadata"]["block_dim"],)).ir
        assert [again[b].forward for b in ("cpu", "cuda")] == [row["cpp_forward"], row["cuda_forward"]]
        assert [again[b].backward for b in ("cpu", "cuda")] == [row["cpp_backward"], row["cuda_backward"]]


def test_builder_real_config_leaves_out_synthetic_duplicates(mixed, tmp_path):
    """The `real` config: the rows of `extract`, less kernels structurally equal to the synthetic plan's."""
    from builder.plan.planner import make_plan
    from builder.schema import features
    from warp_ir_pairs import WarpIRPairs

    synthetic = make_plan(0, 40).splits["train"][0].spec
    # A synthetic kernel in a real file, renamed: structurally equal, so it must be left out.
    copy = "import warp as wp\n\n" + synthetic.python_source.replace(synthetic.kernel_name, "renamed_copy")
    folder = _write(tmp_path / "src", {"copy.py": copy, "nested.py": NESTED})
    builder = WarpIRPairs(
        config_name="real",
        cache_dir=str(tmp_path / "cache"),
        num_examples=40,
        seed=0,
        real_paths=(str(folder),),
        real_timeout=TIMEOUT,
        generator="random",
    )
    builder.download_and_prepare()
    ds = builder.as_dataset(split="test")
    assert ds.features == features("paired")
    assert ds["kernel_name"] == ["clamp_all"]
    assert ds[0]["metadata"]["source_file"] == "nested.py"
    # Without the synthetic plan's hashes the copy is a row of its own.
    rows = extract_release([folder], tmp_path / "all", configs=["paired"], timeout=TIMEOUT).rows
    assert rows == 2


@pytest.mark.parametrize(
    "options, message",
    [
        ({"real_paths": "examples"}, "real_paths 'examples': must be a tuple"),
        ({"real_timeout": 0}, "real_timeout 0: must be > 0 seconds"),
    ],
)
def test_builder_real_config_rejects_bad_values(options, message):
    from warp_ir_pairs import WarpIRPairs

    with pytest.raises(ValueError, match=message):
        WarpIRPairs(config_name="real", **options)


def test_a_file_that_crashes_once_is_run_again(tmp_path):
    once = (
        f"""
import os
marker = {str(tmp_path / "crashed-once")!r}
if not os.path.exists(marker):
    open(marker, "w").close()
    os._exit(1)
"""
        + NESTED
    )
    files = _write(tmp_path / "src", {"flaky.py": once})
    kernels, failures = harvest(python_files([files]), timeout=TIMEOUT)
    assert (tmp_path / "crashed-once").exists()
    assert [k.kernel_name for k in kernels] == ["clamp_all"] and failures == []
