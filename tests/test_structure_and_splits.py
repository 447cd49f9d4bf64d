import pytest

from builder.options import BuildOptions
from builder.plan.splits import balanced_counts, split_counts
from builder.plan.structure import structural_hash


def validate_ratios(ratios):
    return BuildOptions(split_ratios=ratios).split_ratios


KERNEL = """@wp.kernel
def scale(a: wp.array(dtype=float), out: wp.array(dtype=float)):
    tid = wp.tid()
    x = a[tid]
    out[tid] = x * 2.0 + wp.sin(x)
"""


def test_renaming_identifiers_and_changing_literals_keeps_the_hash():
    renamed = KERNEL.replace("scale", "grow").replace("x", "value").replace("out", "dst").replace("2.0", "7.5")
    assert renamed != KERNEL
    assert structural_hash(renamed) == structural_hash(KERNEL)


@pytest.mark.parametrize(
    "change",
    [("x * 2.0", "x - 2.0"), ("wp.sin", "wp.cos"), ("2.0", "2"), ("dtype=float", "dtype=int")],
)
def test_operators_builtins_and_literal_types_change_the_hash(change):
    assert structural_hash(KERNEL.replace(*change)) != structural_hash(KERNEL)


def test_split_counts_are_exact_with_largest_remainder():
    assert split_counts(200, (0.7, 0.15, 0.15)) == (140, 30, 30)
    assert split_counts(10, (0.7, 0.15, 0.15)) == (7, 2, 1)  # 1.5 and 1.5: tie goes to validation
    assert split_counts(1, (0.7, 0.15, 0.15)) == (1, 0, 0)
    for total in range(0, 60):
        assert sum(split_counts(total, (0.5, 0.3, 0.2))) == total


def test_balanced_counts_spread_the_remainder_over_the_first_groups():
    assert balanced_counts(23, 10) == (3, 3, 3, 2, 2, 2, 2, 2, 2, 2)
    assert balanced_counts(5, 10) == (1, 1, 1, 1, 1, 0, 0, 0, 0, 0)


@pytest.mark.parametrize(
    "ratios, message",
    [
        ((0.5, 0.5), "need 3 values"),
        ((0.8, 0.3, -0.1), ">= 0"),
        ((0.5, 0.2, 0.2), "sum to 0.9"),
        ((0.0, 0.5, 0.5), "train ratio must be > 0"),
        ((float("nan"), 0.5, 0.5), "finite"),
    ],
)
def test_bad_ratios_are_rejected_with_the_value(ratios, message):
    with pytest.raises(ValueError, match=message):
        validate_ratios(ratios)


def test_good_ratios_pass():
    assert validate_ratios([0.8, 0.1, 0.1]) == (0.8, 0.1, 0.1)
    assert validate_ratios((1, 0, 0)) == (1.0, 0.0, 0.0)
