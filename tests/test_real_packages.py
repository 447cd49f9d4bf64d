"""Files imported as modules of their package; self-contained sources; markers; splits by file; provenance."""

from __future__ import annotations

import textwrap
from pathlib import Path

import datasets
import pyarrow.parquet as pq
import pytest

from builder.real.harvest import harvest, python_files
from builder.real.packages import distribution_of, package_sources
from builder.real.release import extract_release
from builder.real.splits import file_splits
from builder.real.standalone import standalone_ir
from builder.release.checks import validate_release
from builder.release.checks.markers import marker_problems

PACKAGE = {
    "pkg/__init__.py": "",
    "pkg/consts.py": """
        import warp as wp

        DAMPING = 0.98
        GRAVITY = wp.constant(wp.vec3(0.0, -9.8, 0.0))
        Vec5 = wp.types.vector(length=5, dtype=wp.float32)


        class Mode:
            FAST = 1
            SLOW = 2
        """,
    "pkg/sub/__init__.py": "",
    "pkg/sub/helpers.py": """
        import warp as wp

        from ..consts import DAMPING


        @wp.func
        def damp(v: wp.vec3):
            return v * DAMPING
        """,
    # Two kernels and a helper in one file: the markers of both must count lines of their own source.
    "pkg/sub/kernels.py": """
        import warp as wp

        from .. import consts
        from ..consts import GRAVITY, Vec5
        from .helpers import damp


        @wp.func
        def step(v: wp.vec3, dt: float):
            return damp(v + GRAVITY * dt)


        @wp.kernel
        def integrate(v: wp.array(dtype=wp.vec3), dt: float):
            tid = wp.tid()
            v[tid] = step(v[tid], dt)


        @wp.kernel
        def pick(values: wp.array(dtype=Vec5), out: wp.array(dtype=float), mode: int):
            tid = wp.tid()
            if mode == consts.Mode.FAST:
                out[tid] = values[tid][0]
            else:
                out[tid] = values[tid][4]
        """,
    "pkg/other.py": """
        import warp as wp


        @wp.kernel
        def zero(a: wp.array(dtype=float)):
            a[wp.tid()] = 0.0


        @wp.kernel
        def negate(a: wp.array(dtype=float)):
            i = wp.tid()
            a[i] = -a[i]


        def test_triple():  # never called: its kernel is made by running the def alone
            @wp.kernel
            def inside(a: wp.array(dtype=float)):
                a[wp.tid()] = 3.0 * a[wp.tid()]
        """,
}


def _write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def harvested(tmp_path_factory):
    folder = _write(tmp_path_factory.mktemp("src"), PACKAGE)
    return folder, *harvest(
        python_files([folder / "pkg" / "sub" / "kernels.py", folder / "pkg" / "other.py"]), timeout=60
    )


def test_relative_imports_work_and_files_are_named_from_the_package(harvested):
    _, kernels, failures = harvested
    assert failures == []
    assert [(k.source_file, k.kernel_name) for k in kernels] == [
        ("pkg/other.py", "zero"),
        ("pkg/other.py", "negate"),
        ("pkg/other.py", "inside"),
        ("pkg/sub/kernels.py", "integrate"),
        ("pkg/sub/kernels.py", "pick"),
    ]


def test_sources_are_self_contained_and_regenerate_the_same_ir(harvested):
    _, kernels, _ = harvested
    integrate = next(k for k in kernels if k.kernel_name == "integrate")
    source = integrate.python_source
    assert "DAMPING = 0.98" in source
    assert "GRAVITY = wp.constant(wp.vec3" in source
    assert source.index("def damp(") < source.index("def step(") < source.index("def integrate(")
    pick = next(k for k in kernels if k.kernel_name == "pick")
    assert "Vec5 = wp.types.vector(length=5, dtype=wp.float32)" in pick.python_source
    assert "class consts:\n    class Mode:\n        FAST = 1" in pick.python_source
    for kernel in kernels:
        again = standalone_ir(kernel.python_source, block_dims=(kernel.block_dim,))
        assert again.ir == kernel.ir and again.kernel_name == kernel.kernel_name


def test_markers_and_alignment_count_lines_of_python_source(harvested):
    _, kernels, _ = harvested
    integrate = next(k for k in kernels if k.kernel_name == "integrate")
    lines = integrate.python_source.split("\n")
    store = lines.index("    v[tid] = step(v[tid], dt)") + 1
    assert f"<L {store}>" in integrate.ir["cpu"].forward
    for kernel in kernels:
        texts = [kernel.ir[b].forward for b in kernel.ir] + [kernel.ir[b].backward for b in kernel.ir]
        assert marker_problems(kernel.python_source, texts, []) == []
    # A marker pointing past the source, or at another statement, is caught.
    assert marker_problems("x = 1\n", ["    // y = 2     <L 1>", "    // z  <L 7>"], [3]) == [
        "<L 1> repeats 'y = 2', but that line is 'x = 1'",
        "<L 7> points at no code line of python_source (2 lines)",
        "alignment python_line 3 points at no code line of python_source",
    ]


def test_split_by_file_keeps_each_file_in_one_split():
    counts = {f"f{i}.py": n for i, n in enumerate([9, 7, 5, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1])}
    splits = file_splits(counts, (0.7, 0.15, 0.15), seed=3)
    assert splits == file_splits(counts, (0.7, 0.15, 0.15), seed=3)
    totals = {s: sum(n for f, n in counts.items() if splits[f] == s) for s in ("train", "validation", "test")}
    assert totals == {"train": 28, "validation": 6, "test": 6}


def test_release_split_by_file_validates_and_loads(harvested, tmp_path):
    folder, _, _ = harvested
    summary = extract_release(
        [folder / "pkg"], tmp_path / "r", configs=["paired"], timeout=60, split_ratios=(0.5, 0.25, 0.25)
    )
    assert summary.rows == 5 and summary.failures == []
    results = validate_release(tmp_path / "r")
    assert [r.line() for r in results if not r.passed] == []
    assert next(r for r in results if r.name == "markers").detail.endswith(
        "rows, each on its statement's line of python_source"
    )
    loaded = datasets.load_dataset(str(tmp_path / "r"), "paired")
    where = {row["metadata"]["source_file"]: split for split in loaded for row in loaded[split]}
    assert sorted(where) == ["pkg/other.py", "pkg/sub/kernels.py"]
    assert sorted(where.values()) == ["train", "validation"]
    rows = pq.read_table(tmp_path / "r" / "paired").to_pylist()
    assert {r["metadata"]["block_dim"] for r in rows} == {256}
    assert {r["metadata"]["package"] for r in rows} == {None}


def test_installed_package_provenance():
    assert distribution_of("warp") == ("warp-lang", "1.19.0", "Apache-2.0")
    sources = package_sources("warp")
    example = next(s for s in sources if s.rel == "warp/examples/core/example_mesh.py")
    assert (example.module, example.in_package, example.package, example.license) == (
        "warp.examples.core.example_mesh",
        True,
        "warp-lang",
        "Apache-2.0",
    )
    with pytest.raises(ValueError, match="package 'no_such_package'"):
        package_sources("no_such_package")
