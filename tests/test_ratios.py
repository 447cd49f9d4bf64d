"""Realised split ratios of small builds: stated, and a warning with the count that fits."""

from __future__ import annotations

from builder.plan.ratios import TOLERANCE, fitting_count, planned_split_sizes, ratio_gap, ratio_lines
from builder.plan.splits import DEFAULT_RATIOS
from generators import CATEGORIES


def test_200_kernels_over_23_categories_split_unevenly_and_warn():
    sizes = planned_split_sizes(200, len(CATEGORIES), DEFAULT_RATIOS)
    assert sizes == (138, 39, 23)
    lines = ratio_lines(sizes, DEFAULT_RATIOS, categories=len(CATEGORIES))
    assert lines[0] == "splits: train 138 (69.0%), validation 39 (19.5%), test 23 (11.5%); asked 70/15/15"
    assert lines[1].startswith(
        "warning: realised split ratios differ from the asked ones by 4.5 points (validation: 19.5%"
    )
    fix = fitting_count(200, len(CATEGORIES), DEFAULT_RATIOS)
    assert f"--num-examples {fix} " in lines[1]
    assert ratio_gap(planned_split_sizes(fix, len(CATEGORIES), DEFAULT_RATIOS), DEFAULT_RATIOS) <= TOLERANCE
    assert all(
        ratio_gap(planned_split_sizes(n, len(CATEGORIES), DEFAULT_RATIOS), DEFAULT_RATIOS) > TOLERANCE
        for n in range(200, fix)
    )


def test_300_kernels_need_no_warning():
    sizes = planned_split_sizes(300, len(CATEGORIES), DEFAULT_RATIOS)
    assert sizes == (208, 46, 46)
    assert len(ratio_lines(sizes, DEFAULT_RATIOS, categories=len(CATEGORIES))) == 1


def test_ten_kernels_all_in_train_is_stated():
    sizes = planned_split_sizes(10, len(CATEGORIES), DEFAULT_RATIOS)
    assert sizes == (10, 0, 0)
    assert "30.0 points (train: 100.0% for 70%)" in ratio_lines(sizes, DEFAULT_RATIOS, categories=len(CATEGORIES))[1]
