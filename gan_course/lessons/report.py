"""Verdicts written by code from a measured table, so a notebook's words cannot drift from its
numbers.

A notebook builds its conclusions as f-strings over the table it just printed and returns them as a
``Verdict``: Jupyter and the course site render it as Markdown, and strict nbval compares its plain
text like any printed output (a ``Markdown`` display object would show nbval only its class name).

    say(f"- Skips raise PSNR in **{wins} of {n}** seeds ({skip:.2f} vs {noskip:.2f} dB).")
"""

from __future__ import annotations

from typing import Iterable


class Verdict(str):
    """Markdown text that displays as Markdown and compares, under nbval, as its own plain text."""

    def _repr_markdown_(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(
        self, p, cycle: bool
    ) -> None:  # IPython's text/plain: the text itself, not quoted
        p.text(str(self))


def say(*lines: str | Iterable[str]) -> Verdict:
    """Join Markdown lines (strings, or iterables of strings such as a list of bullets) into a
    ``Verdict``; make it a cell's last expression to show it."""
    out: list[str] = []
    for line in lines:
        out.extend([line] if isinstance(line, str) else list(line))
    return Verdict("\n".join(out))


def count_wins(a: Iterable[float], b: Iterable[float]) -> tuple[int, int]:
    """(how many pairs have a > b, how many pairs): e.g. seeds on which a variant beats another.
    Plain ints also for tensors or arrays (N,), whose comparisons give 0-d tensors, not bools."""
    pairs = list(zip(a, b, strict=True))
    return sum(bool(x > y) for x, y in pairs), len(pairs)


def higher_or_lower(
    a: float, b: float, word_up: str = "higher", word_down: str = "lower", word_same: str = "equal"
) -> str:
    """The word that says how a compares with b: ``word_up`` when a > b, ``word_down`` when a < b,
    ``word_same`` on a tie (a tie is neither, so a verdict never calls equal numbers lower)."""
    return word_up if a > b else word_down if a < b else word_same
