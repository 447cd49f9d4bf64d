"""builder.errors: every exception pickles with its fields; one_line; the reported failure of a build."""

import pickle
from collections import Counter

import pytest

from builder import errors
from builder.errors import CompileError, ExtractionError, OptionError, PlanError, ShardFailed, known_failure, one_line


@pytest.mark.parametrize(
    "error",
    [
        ExtractionError("codegen TypeError", "bad operand"),
        CompileError("cpu compile", "error: expected ';'"),
        ShardFailed(Counter({"codegen TypeError": 2}), ["seed=0 index=3 k: x", "seed=0 index=9 k: y"]),
        PlanError("seed -1: must be an integer >= 0", allowed="must be an integer >= 0"),
    ],
)
def test_every_error_pickles_as_itself(error):
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is type(error) and str(again) == str(error)
    assert vars(again) == vars(error)


def test_plan_errors_are_option_errors_and_value_errors():
    assert issubclass(PlanError, OptionError) and issubclass(OptionError, ValueError)


def test_every_exception_class_of_builder_is_declared_in_errors():
    import importlib
    import inspect
    import pkgutil

    import builder

    for module in pkgutil.walk_packages(builder.__path__, "builder."):
        if module.name.endswith("executors.datatrove"):
            continue  # needs the datatrove extra
        loaded = importlib.import_module(module.name)
        for name, value in vars(loaded).items():
            if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == loaded.__name__:
                assert loaded is errors, f"{module.name}.{name} is an exception declared outside builder.errors"


def test_one_line():
    assert one_line(ValueError("first\n\n  the cause  \n")) == "ValueError:   the cause"
    assert one_line(ValueError("")) == "ValueError: ValueError"
    assert one_line(KeyError("x" * 50), typed=False, limit=10) == "'xxxxxxxxx"
    try:
        try:
            raise OSError("disk full")
        except OSError as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError as outer:
        assert one_line(outer) == "RuntimeError: wrapped"
        assert one_line(outer, cause=True) == "RuntimeError: wrapped (OSError: disk full)"


def test_known_failure_finds_the_reported_error_on_the_chain_or_in_traceback_text():
    shard = ShardFailed(Counter({"codegen X": 1}), ["seed=0 index=1 k: boom"])
    try:
        try:
            raise shard
        except ShardFailed as inner:
            raise RuntimeError("An error occurred while generating the dataset") from inner
    except RuntimeError as outer:
        assert known_failure(outer) == str(shard)
    remote = RuntimeError("wrapper")
    remote.__cause__ = Exception(f'\n"""\nTraceback ...\nbuilder.errors.ShardFailed: {shard}\n"""')
    assert known_failure(remote) == str(shard)
    assert known_failure(RuntimeError("other")) is None
