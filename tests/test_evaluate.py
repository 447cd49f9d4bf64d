"""warp-ir-pairs evaluate: pass@k, text matches, the screen, compile and execute of predictions, baselines."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from builder.evaluate.baselines import baseline
from builder.evaluate.normalize import exact_match, normalized_match
from builder.evaluate.passk import mean_pass_at_k, pass_at_k
from builder.evaluate.predictions import PredictionsError, read_predictions, strip_fence
from builder.evaluate.rows import read_targets
from builder.evaluate.run import evaluate
from builder.evaluate.splice import screen, splice
from builder.release.writer import build_release
from tests.conftest import run_cli

CATEGORIES = ("arithmetic", "vector", "struct", "helper_function", "geometry_query", "tile")


@pytest.fixture(scope="session")
def scored_release(tmp_path_factory) -> Path:
    """12 kernels of 6 categories, ``--verify execute``: 6 train, 6 test rows with io_examples."""
    out = tmp_path_factory.mktemp("evaluate") / "rel"
    build_release(
        out,
        num_examples=12,
        seed=3,
        categories=CATEGORIES,
        generator="random",
        split_ratios=(0.5, 0.0, 0.5),
        verify="execute",
        command="pytest",
    )
    return out


@pytest.mark.parametrize(
    ("n", "c", "k", "expected"),
    [
        (1, 1, 1, 1.0),
        (1, 0, 1, 0.0),
        (5, 1, 1, 0.2),
        (5, 1, 5, 1.0),
        (10, 3, 1, 0.3),
        (10, 3, 5, 1 - 21 / 252),  # C(7,5) / C(10,5)
        (10, 0, 10, 0.0),
        (10, 1, 10, 1.0),
        (20, 5, 10, 1 - 3003 / 184756),  # C(15,10) / C(20,10)
        (200, 13, 100, 1 - math.comb(187, 100) / math.comb(200, 100)),
    ],
)
def test_pass_at_k_equals_the_hand_computed_value(n, c, k, expected):
    assert pass_at_k(n, c, k) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_mean_pass_at_k_counts_missing_rows_as_failed_and_skips_k_above_n():
    assert mean_pass_at_k([(2, 1), (2, 2), (0, 0)], (1, 2, 3)) == {
        1: pytest.approx(0.5),
        2: pytest.approx(2 / 3),
        3: None,
    }
    with pytest.raises(ValueError, match="need 0 <= c <= n"):
        pass_at_k(3, 4, 1)


def test_fences_are_stripped_for_both_formatter_styles():
    assert strip_fence("void f()\n{\n}\n```") == "void f()\n{\n}"  # prompt style: the prompt opened the fence
    assert strip_fence("Here it is:\n```cpp\nvoid f()\n{\n}\n```\nDone.") == "void f()\n{\n}"  # chat style
    assert strip_fence("```\nint x;\n```") == "int x;"
    assert strip_fence("void f() {}") == "void f() {}"


def test_normalized_match_ignores_comments_markers_whitespace_and_temporary_numbering():
    reference = "void f()\n{\n    int var_0;\n    int var_1;\n    // x = 1    <L 3>\n    var_0 = var_1;\n}\n"
    shuffled = "void f() {\n  int var_7;  int var_2;\n  var_7 = var_2;  /* moved */\n}"
    assert normalized_match(shuffled, reference) and not exact_match(shuffled, reference)
    assert not normalized_match(shuffled.replace("var_7 = var_2", "var_2 = var_7"), reference)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty prediction"),
        ("#include <cstdlib>\nvoid k_cpu_kernel_forward() {}", "refused: #include"),
        ("#define X 1\nvoid k_cpu_kernel_forward() {}", "refused: preprocessor directive"),
        ('void k_cpu_kernel_forward() { system("ls"); }', "refused: forbidden call"),
        ("extern int leak;\nvoid k_cpu_kernel_forward() {}", "refused: extern"),
        ("void k_cpu_kernel_forward() {}\nvoid other() {}", "refused: second symbol"),
        ("void other() {}", "refused: no definition of the expected function"),
        ('void k_cpu_kernel_forward() { asm("nop"); }', "refused: asm"),
        ("__attribute__((constructor)) void k_cpu_kernel_forward() {}", "refused: __attribute__"),
        ("void k_cpu_kernel_forward() {", "compile: unbalanced braces"),
    ],
)
def test_the_screen_refuses_before_compiling(text, reason):
    assert screen(text, "k_cpu_kernel_forward")[0] == reason


def test_every_reference_function_passes_the_screen_and_splices_back_to_its_unit(scored_release):
    for task in ("python_to_cpp", "python_to_cuda", "python_to_backward"):
        for target in read_targets(scored_release, "paired", "test", task):
            assert screen(target.reference, target.symbol, cuda=target.backend == "cuda") is None, target.symbol
            assert splice(target.unit, target.symbol, target.reference) == target.unit


def test_predictions_file_errors_name_the_line(tmp_path):
    bad = tmp_path / "p.jsonl"
    bad.write_text('{"id": "a", "prediction": "x"}\n{"id": "a", "prediction": "y"}\n')
    with pytest.raises(PredictionsError, match=r"line 2: id 'a' given twice"):
        read_predictions(bad)
    bad.write_text('{"id": "a"}\n')
    with pytest.raises(PredictionsError, match="exactly one of 'prediction' and 'predictions'"):
        read_predictions(bad)


def _shuffled(code: str) -> str:
    """``var_N`` renumbered by a fixed permutation, consistently."""
    numbers = sorted({int(n) for n in re.findall(r"\bvar_(\d+)\b", code)})
    permutation = dict(zip(numbers, reversed(numbers), strict=True))
    return re.sub(r"\bvar_(\d+)\b", lambda m: f"var_{permutation[int(m.group(1))]}", code)


def test_reference_scores_everything_empty_nothing_and_shuffled_temporaries_normalized_and_execute(scored_release):
    targets = read_targets(scored_release, "cpu", "test", "python_to_cpp")
    samples = {t.row_id: [t.reference, "", _shuffled(t.reference)] for t in targets}
    report = evaluate(
        scored_release, config="cpu", split="test", task="python_to_cpp", predictions=samples, k=(1,), num_proc=1
    )
    by_sample = {s: [o for o in report["outcomes"] if o["sample"] == s] for s in range(3)}
    assert len(by_sample[0]) == len(targets) == 6
    assert all(o["exact"] and o["normalized"] and o["compiles"] and o["executes"] for o in by_sample[0]), by_sample[0]
    assert all(not (o["exact"] or o["normalized"] or o["compiles"] or o["executes"]) for o in by_sample[1])
    assert {o["reason"] for o in by_sample[1]} == {"empty prediction"}
    assert all(o["normalized"] and o["compiles"] and o["executes"] and not o["exact"] for o in by_sample[2]), by_sample[
        2
    ]
    assert report["pass_at_k"]["executes"]["1"] == pytest.approx(2 / 3)  # 2 of 3 samples pass in every row
    assert report["breakdown"]["origin"]["synthetic"]["rows"] == 6


def test_reference_backward_executes_equivalently_with_adjoints_computed_at_evaluation(scored_release):
    report = evaluate(
        scored_release,
        config="cpu",
        split="test",
        task="python_to_backward",
        predictions=baseline("reference", scored_release, config="cpu", split="test", task="python_to_backward"),
        k=(1,),
    )
    assert report["pass_at_k"]["executes"]["1"] == pytest.approx(1.0), report["failures"]


def _hostile(reference: str, statement: str) -> str:
    end = reference.rstrip().rfind("}")
    return reference[:end] + f"    {statement}\n" + reference[end:]


def test_hostile_predictions_fail_each_for_its_own_reason_and_leave_the_others_alone(scored_release):
    targets = read_targets(scored_release, "cpu", "test", "python_to_cpp")
    victim = next(t for t in targets if "wp::array_t<wp::float32> var_" in t.reference and t.io_examples)
    layout = json.loads(victim.io_examples)["examples"][0]
    unchanged = next(
        r["name"]
        for r, o in zip(layout["inputs"], layout["outputs"], strict=False)
        if r["kind"] == "array" and r["values"] == o["values"]
    )
    array = f"var_{unchanged}"
    hostile = {
        "execute: timed out after 3 s": _hostile(victim.reference, "volatile int spin = 1; while (spin) {}"),
        "execute: wrote an input array": _hostile(victim.reference, f"((unsigned char*){array}.data)[0] = 0x5A;"),
        "execute: wrote out of bounds": _hostile(victim.reference, f"((unsigned char*){array}.data)[-1] = 0x5A;"),
        "execute: crashed (SIGSEGV)": _hostile(victim.reference, "*(volatile int*)0 = 1;"),
        "refused: second symbol": victim.reference + "\nvoid also_defined() {}\n",
        "refused: #include": "#include <cstdlib>\n" + victim.reference,
        "refused: forbidden call": _hostile(victim.reference, 'system("touch /tmp/warp-ir-pairs-hacked");'),
    }
    samples = {t.row_id: [t.reference] for t in targets}
    samples[victim.row_id] = list(hostile.values())
    report = evaluate(
        scored_release, config="cpu", split="test", task="python_to_cpp", predictions=samples, k=(1,), timeout=3.0
    )
    victims = [o for o in report["outcomes"] if o["id"] == victim.row_id]
    assert [o["reason"] for o in victims] == list(hostile), victims
    assert not any(o["executes"] for o in victims)
    others = [o for o in report["outcomes"] if o["id"] != victim.row_id]
    assert len(others) == 5 and all(o["executes"] and o["reason"] is None for o in others), others
    assert report["timeouts"] == 1
    assert not Path("/tmp/warp-ir-pairs-hacked").exists()


def test_retrieval_baseline_renames_a_train_rows_function_and_the_cli_writes_the_report(
    scored_release, tmp_path, capsys
):
    predictions = baseline("retrieval", scored_release, config="cpu", split="test", task="python_to_cpp")
    targets = read_targets(scored_release, "cpu", "test", "python_to_cpp")
    assert set(predictions) == {t.row_id for t in targets}
    for target in targets:
        assert screen(predictions[target.row_id][0], target.symbol) is None
    out = tmp_path / "report.json"
    code, stdout, _ = run_cli(
        [
            "evaluate",
            str(scored_release),
            "--config",
            "cpu",
            "--task",
            "python_to_cpp",
            "--baseline",
            "empty",
            "--k",
            "1",
            "--num-proc",
            "1",
            "--out",
            str(out),
        ],
        capsys,
    )
    assert code == 0
    assert "| exact | 0.0% |" in stdout
    assert json.loads(out.read_text())["failures"] == {"empty prediction": 6}
    assert out.with_suffix(".md").read_text().startswith("## Evaluation: python_to_cpp on cpu/test")


def test_cli_refuses_bad_input_with_one_line(scored_release, tmp_path, capsys):
    code, _, err = run_cli(
        ["evaluate", str(scored_release), "--config", "cuda", "--task", "python_to_cpp", "--baseline", "empty"], capsys
    )
    assert (
        code == 1
        and err.strip()
        == "warp-ir-pairs evaluate: error: task 'python_to_cpp' needs config cpu or paired; "
        "config 'cuda' lacks its columns"
    )
    stray = tmp_path / "p.jsonl"
    stray.write_text('{"id": "nope", "prediction": ""}\n')
    code, _, err = run_cli(
        ["evaluate", str(scored_release), "--config", "cpu", "--task", "python_to_cpp", "--predictions", str(stray)],
        capsys,
    )
    assert code == 1 and "1 id(s) not in cpu/test, e.g. 'nope'" in err
