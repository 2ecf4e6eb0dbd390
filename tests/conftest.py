"""Shared test set-up: one torch thread per process (pytest-xdist runs two workers on two cores)."""
import os
from pathlib import Path

import pytest
import torch

# Notebook kernels inherit this: one OpenMP thread each, the setting their stored outputs were made
# with (`gan-course notebooks`), and no oversubscription when two xdist workers share two cores.
os.environ["OMP_NUM_THREADS"] = "1"
torch.set_num_threads(1)
# The stored outputs are the fast profile's; a machine with CUDA would otherwise run notebooks in `full`.
os.environ["GAN_COURSE_PROFILE"] = "fast"


@pytest.fixture
def tiny_digits():
    """96 digit images, 1×16×16, as an ImageSet: enough for a few training steps in milliseconds."""
    from gan_course.data import load_dataset

    return load_dataset("digits", 16).subset(slice(0, 96))


# Tests of the speed paths run on the CPU (switches forced on) and, where a GPU is present, on CUDA with
# the engine's own defaults; the CUDA cases are skipped elsewhere (CI and the course need no GPU).
CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
DEVICES = ["cpu", pytest.param("cuda", marks=CUDA)]


NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def stored_text(name: str) -> str:
    """Every text output stored in notebook ``name`` (e.g. ``"04_l1_vs_bce"``), one cell after another."""
    import nbformat

    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    return "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def notebook_words(name: str, after: str = "") -> str:
    """The words of notebook ``name``'s text file (from the first ``after`` on), comment marks dropped
    and lines joined, so a test can look for a sentence that wraps."""
    text = (NOTEBOOKS / f"{name}.py").read_text()
    text = text.split(after, 1)[1] if after else text
    return " ".join(line.lstrip("# ") for line in text.splitlines())


def code_cell(name: str, marker: str) -> str:
    """The source of notebook ``name``'s one code cell that contains ``marker``."""
    import jupytext

    cells = [c.source for c in jupytext.read(NOTEBOOKS / f"{name}.py").cells
             if c.cell_type == "code" and marker in c.source]
    assert len(cells) == 1, f"{name}: {len(cells)} code cells contain {marker!r}"
    return cells[0]


def run_cell(name: str, marker: str, namespace: dict) -> str:
    """Run the code cell of notebook ``name`` that contains ``marker`` in ``namespace`` (which it
    updates, as a kernel would); the text of its last expression's value (a verdict)."""
    import ast

    tree = ast.parse(code_cell(name, marker))
    last = tree.body.pop()
    exec(compile(tree, "<cell>", "exec"), namespace)
    return str(eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace))
