"""Self-checking exercises for the notebooks: ``CodeExercise`` / ``check_code`` for functions a
student writes (``code_exercises`` holds those of notebooks 01–07). Right answers are computed by
the package when checked, never stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch


@dataclass(frozen=True)
class CodeExercise:
    """An exercise answered by writing a function. ``cases`` returns (arguments, expected) pairs
    computed by the package itself (a layer's real output, the package's loss), never by a stored
    solution; ``hint`` is shown when an answer is wrong, the expected value only for that case."""

    task: str
    cases: Callable[[], list[tuple[tuple, object]]]
    hint: str


def _same(got: object, expected: object) -> bool:
    if isinstance(expected, torch.Tensor):
        return (
            isinstance(got, torch.Tensor)
            and got.shape == expected.shape
            and torch.allclose(got.double(), expected.double(), atol=1e-5, rtol=1e-4)
        )
    if isinstance(expected, float):
        return isinstance(got, (int, float)) and abs(got - expected) <= 1e-5 + 1e-4 * abs(expected)
    if isinstance(expected, tuple):
        return (
            isinstance(got, (tuple, list))
            and len(got) == len(expected)
            and all(_same(g, e) for g, e in zip(got, expected))
        )
    return got == expected


def _describe(value: object) -> str:
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)} (wrong values or shape)"
    return repr(value)


def check_code(exercise: CodeExercise, answer: Callable[..., object]) -> bool:
    """Run the student's function on every case and print one line: ``not answered yet`` while it
    returns ``...``, ✓ when every case is right, else ✗ with the first failing case and the hint.
    Never raises: an error in the student's code is printed as the answer."""
    cases = exercise.cases()
    for args, expected in cases:
        shown = ", ".join(
            f"tensor{tuple(a.shape)}" if isinstance(a, torch.Tensor) else repr(a) for a in args
        )
        try:
            got = answer(*args)
        except Exception as e:  # the student's code: report it, do not crash the notebook
            print(f"✗ {exercise.task}\n  ({shown}) raised {type(e).__name__}: {e}\n"
                  f"  hint: {exercise.hint}")
            return False
        if got is Ellipsis:
            print(f"… {exercise.task}: not answered yet")
            return False
        if not _same(got, expected):
            if isinstance(expected, torch.Tensor):
                gave, wanted = _describe(got), f"a tensor of shape {tuple(expected.shape)}"
            else:
                gave, wanted = repr(got), repr(expected)
            print(f"✗ {exercise.task}\n  ({shown}) gave {gave}, expected {wanted}\n"
                  f"  hint: {exercise.hint}")
            return False
    print(f"✓ {exercise.task}: all {len(cases)} cases right")
    return True
