"""builder.executors.local and builder.plan.shards.Shard: what datasets' num_proc jobs are sent."""

import os
import pickle

import dill
import pytest

from builder.errors import ReleaseError
from builder.executors.local import PlanStaysHome
from builder.plan.planner import make_plan
from builder.plan.shards import Shard, split_shards
from builder.release.writer import split_cache_files
from warp_ir_pairs import WarpIRPairs


@pytest.fixture(scope="module")
def plan():
    return make_plan(0, 120, generator="random")


def test_a_shard_is_a_tuple_of_planned_kernels_that_pickles_as_one_c_pickle(plan):
    shards = split_shards(plan)
    assert sum(len(s) for pieces in shards.values() for s in pieces) == 120
    piece = shards["train"][0]
    assert isinstance(piece, Shard) and piece == tuple(plan.splits["train"][: len(piece)])
    for dumps, loads in ((dill.dumps, dill.loads), (pickle.dumps, pickle.loads)):
        again = loads(dumps(shards["train"]))
        assert again == shards["train"] and all(isinstance(s, Shard) for s in again)
    # dill (datasets' pickler) meets one bytes object per shard, the C pickle, not every planned kernel and string.
    assert pickle.dumps(tuple(piece), pickle.HIGHEST_PROTOCOL) in dill.dumps(piece)


def test_a_pickled_builder_leaves_its_plan_behind(plan, tmp_path):
    builder = WarpIRPairs(config_name="cpu", cache_dir=str(tmp_path), num_examples=120, seed=0, generator="random")
    assert isinstance(builder, PlanStaysHome)
    without = len(dill.dumps(builder._prepare_split_single))
    builder.plan = plan
    job = dill.dumps(builder._prepare_split_single)  # what datasets sends each num_proc job
    assert len(job) == without
    again = dill.loads(dill.dumps(builder))
    assert not hasattr(again, "plan") and again.config.num_examples == 120 and builder.plan is plan


@pytest.mark.parametrize("num_proc", [None, 2])
def test_split_cache_files_are_the_files_of_the_datasets_split(tmp_path, num_proc):
    builder = WarpIRPairs(config_name="cpu", cache_dir=str(tmp_path), num_examples=100, seed=2, generator="random")
    builder.download_and_prepare(num_proc=num_proc)
    assert list(builder.plan.splits) == ["train", "validation", "test"]
    for split in builder.plan.splits:
        files = split_cache_files(builder, split)
        assert files == [f["filename"] for f in builder.as_dataset(split=split).cache_files]
        assert len(files) == (1 if num_proc is None else 2)
    os.remove(split_cache_files(builder, "test")[0])
    with pytest.raises(ReleaseError, match=r"the test split's Arrow cache file .* is missing"):
        split_cache_files(builder, "test")
    with pytest.raises(ReleaseError, match="the datasets cache holds no dev split"):
        split_cache_files(builder, "dev")
