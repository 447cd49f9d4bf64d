"""``--generator`` mixture specs: parsed, counted exactly, refused with one-line errors."""

import pytest

from builder.plan.mixture import parse_mixture


def test_a_mixture_parses_in_order_and_counts_exactly():
    mixture = parse_mixture("motif:0.6, mutant:0.3,random:0.1")
    assert mixture.weights == (("motif", 0.6), ("mutant", 0.3), ("random", 0.1))
    assert mixture.counts(1001) == {"motif": 601, "mutant": 300, "random": 100}
    assert mixture.text() == "motif:0.6,mutant:0.3,random:0.1"
    assert parse_mixture(mixture.text()) == mixture


def test_a_single_name_is_the_whole_build():
    assert parse_mixture("mutant").weights == (("mutant", 1.0),)
    assert parse_mixture("random:1").counts(7) == {"random": 7}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "give NAME or NAME:WEIGHT"),
        ("motif:0.5,,random:0.5", "give NAME or NAME:WEIGHT"),
        ("motif:0.5,fuzz:0.5", "unknown generator 'fuzz'; allowed: motif, mutant, random"),
        ("motif:0.5,motif:0.5", "'motif' given twice"),
        ("motif:0.5,random", "weight of 'random' is 'missing'"),
        ("motif:1.5,random:-0.5", "weight of 'random' is '-0.5'; give a number > 0"),
        ("motif:nan", "weight of 'motif' is 'nan'"),
        ("motif:0.6,random:0.6", "weights sum to 1.2; they must sum to 1"),
    ],
)
def test_bad_specs_are_refused_in_one_line(text, message):
    with pytest.raises(ValueError) as caught:
        parse_mixture(text)
    assert message in str(caught.value) and "\n" not in str(caught.value)
