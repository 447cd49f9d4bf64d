"""The lm-evaluation-harness task in lm_eval_tasks/warp_ir_pairs: hooks always, the YAML when lm_eval is installed."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

TASKS = Path(__file__).resolve().parent.parent / "lm_eval_tasks" / "warp_ir_pairs"
DOC = {
    "id": "s0-000000001",
    "kernel_name": "k",
    "python_source": "@wp.kernel\ndef k(a: wp.array(dtype=float)):\n    a[wp.tid()] = 1.0\n",
    "cpp_forward": "void k_cpu_kernel_forward()\n{\n    // a[wp.tid()] = 1.0    <L 3>\n    var_0 = var_1;\n}",
}


def _utils():
    spec = importlib.util.spec_from_file_location("warp_ir_pairs_lm_eval_utils", TASKS / "utils.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_hooks_build_the_formatter_prompt_and_score_text_metrics():
    utils = _utils()
    assert utils.doc_to_text(DOC).endswith("```cpp\n")
    target = utils.doc_to_target(DOC)
    scored = utils.process_results(DOC, [target])
    assert (scored["exact"], scored["normalized"]) == (1.0, 1.0)
    assert json.loads(scored["compiles"]) == {
        "id": DOC["id"],
        "task": "python_to_cpp",
        "prediction": DOC["cpp_forward"],
    }
    renamed = utils.process_results(DOC, [target.replace("var_0", "var_9")])
    assert (renamed["exact"], renamed["normalized"]) == (0.0, 1.0)


def test_lm_eval_loads_both_tasks():
    pytest.importorskip("lm_eval")
    from lm_eval.tasks import TaskManager

    manager = TaskManager(include_path=str(TASKS))
    assert {"warp_ir_pairs_python_to_cpp", "warp_ir_pairs_python_to_cuda"} <= set(manager.all_tasks)
