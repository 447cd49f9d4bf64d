"""builder.options: one frozen dataclass of build options that checks itself."""

import dataclasses
import pickle

import pytest

from builder.errors import OptionError
from builder.options import INTEGER_BOUNDS, ROW_FIELDS, BuildOptions, check_integer
from builder.schema import CONFIGS
from generators import CATEGORIES


def test_defaults_are_valid_and_frozen():
    options = BuildOptions()
    assert (options.seed, options.num_examples, options.configs, options.split_ratios) == (
        0,
        1000,
        CONFIGS,
        (0.7, 0.15, 0.15),
    )
    assert options.source_config == "paired" and options.report_arch is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.seed = 3  # type: ignore[misc]


def test_values_are_normalized():
    options = BuildOptions(
        configs=["cuda", "cpu", "cuda"], categories=["vector", "arithmetic"], split_ratios=[1, 0, 0], generator="random"
    )
    assert options.configs == ("cpu", "cuda") and options.source_config == "paired"
    assert options.categories == tuple(c for c in CATEGORIES if c in ("vector", "arithmetic"))
    assert options.split_ratios == (1.0, 0.0, 0.0)
    assert BuildOptions(configs=["cuda"]).source_config == "cuda"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"seed": -1}, f"seed -1: must be an integer from 0 to {2**63 - 1}"),
        ({"seed": True}, f"seed True: must be an integer from 0 to {2**63 - 1}"),
        ({"num_examples": 0}, "num_examples 0: must be an integer >= 1"),
        ({"num_examples": 2.0}, "num_examples 2.0: must be an integer >= 1"),
        ({"num_shards": 0}, "num_shards 0: must be an integer >= 1"),
        ({"num_proc": False}, "num_proc False: must be an integer >= 1"),
        ({"configs": ["cpu", "metal"]}, "unknown config 'metal'; allowed: cpu, cuda, paired"),
        ({"configs": []}, "no configs given; allowed: cpu, cuda, paired"),
        ({"categories": ["tensor"], "generator": "random"}, "unknown category 'tensor'; allowed: arithmetic"),
        ({"categories": ["vector"]}, "unknown category 'vector' for generator 'motif'; allowed: particle"),
        ({"generator": "llm"}, "unknown generator 'llm'; allowed: motif, mutant, random"),
        ({"seed": 2**63}, f"seed {2**63}: must be an integer from 0 to {2**63 - 1}"),
        ({"split_ratios": (0.5, 0.5)}, r"split ratios \[0.5, 0.5\]: need 3 values"),
        ({"split_ratios": (0.7, 0.2, 0.2)}, r"sum to 1.1; they must sum to 1"),
        ({"verify": "run"}, "unknown verify level 'run'; allowed: codegen, compile, execute"),
        ({"verify": "compile", "cuda_arch": 91}, "cuda_arch 91: not a CUDA architecture NVRTC supports; allowed: 75,"),
        ({"drop_failed": 1}, "drop_failed 1: must be True or False"),
        ({"real_paths": "warp/examples"}, "real_paths 'warp/examples': must be a tuple of file or folder paths"),
        ({"real_timeout": 0}, "real_timeout 0: must be > 0 seconds"),
    ],
)
def test_a_bad_value_raises_one_error_class_naming_it(kwargs, message):
    with pytest.raises(OptionError, match=message) as caught:
        BuildOptions(**kwargs)
    assert isinstance(caught.value, ValueError) and "\n" not in str(caught.value)


def test_integer_bounds_live_in_one_table():
    assert set(INTEGER_BOUNDS) == {"seed", "num_examples", "num_shards", "num_proc"}
    with pytest.raises(OptionError) as caught:
        check_integer("num_proc", 0)
    assert caught.value.allowed == "must be an integer >= 1"
    error = pickle.loads(pickle.dumps(caught.value))
    assert type(error) is OptionError and error.allowed == "must be an integer >= 1"


def test_row_options_are_the_builder_configs_fields():
    from warp_ir_pairs import WarpIRPairsConfig

    assert "configs" not in ROW_FIELDS and "num_proc" not in ROW_FIELDS
    config_fields = {f.name for f in dataclasses.fields(WarpIRPairsConfig)}
    assert set(ROW_FIELDS) <= config_fields
    config = WarpIRPairsConfig(name="cpu", num_examples=7, categories=["vector"], generator="random")
    assert config.options == BuildOptions(num_examples=7, configs=("cpu",), categories=("vector",), generator="random")
    assert BuildOptions(seed=4).row_options()["seed"] == 4


def test_the_default_generator_is_the_motif_synthesizer_or_with_a_corpus_the_default_mixture(tmp_path):
    from builder.plan.mixture import DEFAULT_MIXTURE, parse_mixture

    assert BuildOptions().generator == "motif"
    options = BuildOptions(corpus=(str(tmp_path),))
    assert options.generator == DEFAULT_MIXTURE and "mutant" in options.generators
    assert options.corpus == (str(tmp_path),)
    assert abs(sum(w for _, w in parse_mixture(DEFAULT_MIXTURE).weights) - 1) < 1e-9
    assert BuildOptions(generator="random").generator == "random"
