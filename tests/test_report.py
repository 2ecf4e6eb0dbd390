"""Verdicts written by code: Markdown on the site, their own plain text under nbval, and the two
small helpers notebooks build them with."""
import pytest
import torch
from IPython.core.formatters import DisplayFormatter

from gan_course.report import Verdict, count_wins, higher_or_lower, say


def test_a_verdict_displays_as_markdown_and_as_its_own_plain_text():
    v = say("**Skips win** on 3 of 3 seeds.", ["- PSNR 21.40 vs 19.02 dB", "- SSIM 0.91 vs 0.84"])
    data, _ = DisplayFormatter().format(v)
    text = "**Skips win** on 3 of 3 seeds.\n- PSNR 21.40 vs 19.02 dB\n- SSIM 0.91 vs 0.84"
    assert data["text/plain"] == text  # what nbval compares: no quotes, no class name
    assert data["text/markdown"] == text  # what Jupyter and the course site render
    assert repr(v) == str(v) == text
    assert isinstance(v, Verdict) and isinstance(v, str) and v == text


def test_say_joins_strings_and_iterables_of_strings_line_by_line():
    assert say("a") == "a"
    assert say("a", "b") == "a\nb"
    assert say(["- x", "- y"]) == "- x\n- y"
    assert say("head", (f"- {n}" for n in range(2)), "tail") == "head\n- 0\n- 1\ntail"  # generator
    assert say() == "" and say([]) == ""
    assert say("one\ntwo") == "one\ntwo"  # a string is one item, never split into characters


def test_count_wins_counts_strict_wins_and_refuses_unequal_lengths():
    assert count_wins([3.0, 1.0, 2.0], [2.0, 1.0, 5.0]) == (1, 3)  # a tie is no win
    assert count_wins([], []) == (0, 0)
    assert count_wins(iter([2, 3]), iter([1, 1])) == (2, 2)
    wins, n = count_wins(torch.tensor([1.0, 5.0, 3.0]), torch.tensor([2.0, 4.0, 3.0]))  # (N,) tensors
    assert (wins, n) == (1, 3) and type(wins) is int  # printed as 1, not tensor(1)
    with pytest.raises(ValueError):
        count_wins([1.0, 2.0], [1.0])


def test_higher_or_lower_names_the_direction():
    assert higher_or_lower(2.0, 1.0) == "higher"
    assert higher_or_lower(1.0, 2.0) == "lower"
    assert higher_or_lower(1.0, 1.0) == "equal"  # a tie is neither higher nor lower
    assert higher_or_lower(1.0, 1.0, "better", "worse", "as good") == "as good"
    assert higher_or_lower(0.9, 0.8, "better", "worse") == "better"
