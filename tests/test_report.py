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


def dcgan_sweep_verdict(fid: dict) -> str:
    """Notebook 05's verdict on note 001's sweep (the cell defining ``ranked``) on made-up scores:
    ``fid[comparison][config]`` lists one FID per seed."""
    from conftest import run_cell
    from gan_course.shipped import NOTE_001_GRID

    converged = {(name, comparison): [{"FID": float(f), "classes": 10.0} for f in fids[name]]
                 for comparison, fids in fid.items() for name in NOTE_001_GRID}
    runs = [{"config": n, "equal_steps": 1500, "equal_epochs": e}
            for n, e in zip(NOTE_001_GRID, (3000, 1500, 750))]
    namespace = dict(converged=converged, NOTE_001_GRID=NOTE_001_GRID, shipped_runs=runs,
                     floor={"FID": 4.1}, torch=torch, say=say)
    return run_cell("05_dcgan", "def ranked(", namespace)


def test_notebook_05_verdict_on_note_001s_claim_follows_the_seeds_spread():
    close = {"equal_steps": {"b16 z50": [14, 16, 15], "b32 z100": [13, 15, 14],
                             "b64 z200": [12, 13, 11]},
             "equal_epochs": {"b16 z50": [11, 12, 13], "b32 z100": [13, 15, 14],
                              "b64 z200": [20, 25, 22]}}
    text = dcgan_sweep_verdict(close)
    assert "At equal steps: mean FID b64 z200 12.0, b32 z100 14.0, b16 z50 15.0 (floor 4.1); " \
        "**no clear order**" in text
    assert "a smaller batch wins there because it trains longer" in text
    assert "(b32 z100) is best **is not supported** by these numbers: b64 z200 leads at equal " \
        "steps and b16 z50 at equal epochs" in text
    medium = {c: {"b16 z50": [30, 31, 30], "b32 z100": [10, 11, 10], "b64 z200": [20, 21, 20]}
              for c in ("equal_steps", "equal_epochs")}
    text = dcgan_sweep_verdict(medium)
    assert "**a clear order**" in text and "best **holds**" in text
    small = {c: {"b16 z50": [10, 10.5, 10], "b32 z100": [20, 20.5, 20], "b64 z200": [30, 31, 30]}
             for c in ("equal_steps", "equal_epochs")}
    assert "**does not hold**: at equal steps b16 z50 is clearly better" in dcgan_sweep_verdict(small)
