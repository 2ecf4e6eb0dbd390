"""Self-checking exercises for the notebooks: a question, how to compute its answer, and a checker.

A notebook module keeps its own ``EXERCISES = {name: Exercise(...)}`` and exposes
``check_exercise`` / ``check_exercises`` bound to it with ``checkers(EXERCISES)``. Answers are
computed by the package when checked, never typed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Sequence


@dataclass(frozen=True)
class Exercise:
    question: str
    solution: Callable[[], object]
    accept: Callable[[object], bool] | None = None  # when several answers are right
    explain: str = ""


def check_exercise(exercises: Mapping[str, Exercise], name: str, answer: object) -> bool:
    """Print ✓ or ✗ for ``answer`` to ``exercises[name]`` (with the right answer when wrong)."""
    ex = exercises[name]
    expected = ex.solution()
    ok = (
        answer is not None
        and answer is not Ellipsis
        and (ex.accept(answer) if ex.accept else answer == expected)
    )
    print(f"{'✓' if ok else '✗'} {ex.question}\n  your answer: {answer}")
    if not ok:
        print(f"  right answer: {expected}" + (f" ({ex.explain})" if ex.explain else ""))
    return ok


def checkers(exercises: Mapping[str, Exercise]):
    """``(check_exercise(name, answer) -> bool, check_exercises({name: answer}) -> None)`` for one
    set.

    ``check_exercises`` prints each check and a count, and returns None so that a notebook cell
    ending with it shows only the printed lines.
    """

    def check_one(name: str, answer: object) -> bool:
        return check_exercise(exercises, name, answer)

    def check_all(answers: Mapping[str, object]) -> None:
        right = sum(check_one(name, answer) for name, answer in answers.items())
        print(f"{right} of {len(answers)} right")

    return check_one, check_all


def check_answers(checks: Sequence[tuple[object, object, str]]) -> None:
    """Print, for each (the student's answer, the right one, a hint): ``not answered yet`` while
    the answer is still ``...``, ✓ when it is right, else ✗ with the hint (not the answer)."""
    for k, (given, right, hint) in enumerate(checks, 1):
        if given is Ellipsis:
            verdict = "not answered yet"
        else:
            verdict = "✓" if given == right else f"✗ hint: {hint}"
        print(f"exercise {k}: {verdict}")
