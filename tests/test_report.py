"""Verdicts written by code: Markdown on the site, their own plain text under nbval, and the two
small helpers notebooks build them with."""
import pytest
import torch
from IPython.core.formatters import DisplayFormatter

from gan_course.lessons.report import Verdict, count_wins, higher_or_lower, say


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
    wins, n = count_wins(torch.tensor([1.0, 5.0, 3.0]), torch.tensor([2.0, 4.0, 3.0]))  # (N,) each
    assert (wins, n) == (1, 3) and type(wins) is int  # printed as 1, not tensor(1)
    with pytest.raises(ValueError):
        count_wins([1.0, 2.0], [1.0])


def test_higher_or_lower_names_the_direction():
    assert higher_or_lower(2.0, 1.0) == "higher"
    assert higher_or_lower(1.0, 2.0) == "lower"
    assert higher_or_lower(1.0, 1.0) == "equal"  # a tie is neither higher nor lower
    assert higher_or_lower(1.0, 1.0, "better", "worse", "as good") == "as good"
    assert higher_or_lower(0.9, 0.8, "better", "worse") == "better"


def summary_cells(name: str) -> list[str]:
    """The code of notebook ``name``'s Summary cells whose output depends on training (the cells
    strict nbval cannot check): their verdicts are tested here on made-up numbers instead."""
    import jupytext

    from conftest import NOTEBOOKS

    cells = jupytext.read(NOTEBOOKS / f"{name}.py").cells
    start = next(i for i, c in enumerate(cells)
                 if c.cell_type == "markdown" and "## Summary" in c.source)
    return [c.source for c in cells[start:]
            if c.cell_type == "code" and "nbval-ignore-output" in c.metadata.get("tags", [])]


def run_cells(sources: list[str], namespace: dict) -> str:
    """Run cells in ``namespace``; the text of the last cell's last expression."""
    import ast

    for source in sources:
        tree = ast.parse(source)
        last = tree.body.pop()
        exec(compile(tree, "<cell>", "exec"), namespace)
        value = eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace)
    return str(value)


def dcgan_sweep_verdict(steps: dict, precision: dict, offset: dict, seeds=(0,),
                        profile="fast") -> str:
    """Notebook 05's summary on made-up sweep runs: FID = 50 + offset + 1000 / step + seed, so it
    falls with steps (the last checkpoint is the best); precision is per configuration."""
    import statistics
    from types import SimpleNamespace

    from gan_course.shipped import NOTE_001_GRID
    from gan_course.plots import format_table

    def run(name, seed):
        fid = lambda step: 50.0 + offset[name] + 1000 / step + seed  # noqa: E731
        return SimpleNamespace(
            name=name, seed=seed, steps=steps[name], stability={"spikes": 1.0},
            scores={"FID": fid(steps[name]), "precision": precision[name], "classes": 10.0},
            checkpoints=[{"step": s, "FID": fid(s), "precision": precision[name]}
                         for s in (steps[name] * k // 4 for k in (1, 2, 3, 4))])

    runs = [run(name, seed) for name in NOTE_001_GRID for seed in seeds]
    namespace = dict(runs=runs, NOTE_001_GRID=NOTE_001_GRID, knobs=dict(epochs=3, seeds=seeds),
                     floor={"FID": 4.5}, profile=profile, format_table=format_table, say=say,
                     statistics=statistics)
    return run_cells(summary_cells("05_dcgan"), namespace)


def test_notebook_05_verdict_follows_the_sweep():
    """Unequal, short, single-seed runs settle nothing and a generator that makes no digits is
    not called collapsed; equal runs over three seeds are ranked only beyond their spread."""
    names = ("b16 z50", "b32 z100", "b64 z200")
    short = dcgan_sweep_verdict(dict(zip(names, (280, 140, 70))), dict(zip(names, (0.9, 0.0, 0.0))),
                                dict.fromkeys(names, 0.0))
    assert "**Unequal training.** 3 epochs gave these optimiser steps: 280 to b16 z50" in short
    assert "**Final FID follows the step count**" in short
    assert "**Not collapse: not trained yet.** b32 z100 and b64 z200 end with precision" in short
    assert "unequal step counts, a single seed and runs that make no digits yet cannot" in short
    assert "ranking" not in short and "picks the last scored checkpoint of every run" in short
    equal, trained = dict.fromkeys(names, 400), dict.fromkeys(names, 0.9)
    apart = dcgan_sweep_verdict(equal, trained, dict(zip(names, (0.0, 10.0, 20.0))),
                                seeds=(0, 1, 2), profile="full")
    assert "**Equal training**: 400 optimiser steps each (means of 3 seeds)" in apart
    assert "Unequal" not in apart and "collapse" not in apart and "more chances" not in apart
    assert ("lowest first: b16 z50 53.5, b32 z100 63.5 and b64 z200 73.5 (standard deviation "
            "over seeds 1.0, 1.0 and 1.0): every gap is wider than the spread, so this is a "
            "ranking") in apart
    close = dcgan_sweep_verdict(equal, trained, dict(zip(names, (0.0, 0.5, 20.0))),
                                seeds=(0, 1, 2), profile="full")
    assert "some gaps are within the spread, so this is no ranking" in close


def test_check_answers_says_unanswered_right_or_wrong_with_a_hint(capsys):
    from gan_course.lessons.exercises import check_answers

    check_answers([(..., 4, "count"), (4, 4, "count"), (5, 4, "count the cells")])
    assert capsys.readouterr().out.splitlines() == [
        "exercise 1: not answered yet", "exercise 2: ✓", "exercise 3: ✗ hint: count the cells"]
