"""Convolution by hand, the size formulas, adjoint vs inverse, checkerboards, and notebook 01's claims."""
import itertools
import re
from pathlib import Path

import nbformat
import pytest
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from torch import nn

from gan_course import convolution as conv

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "01_convolution.ipynb"


def test_seed_example_has_the_computed_answer():
    expected = torch.tensor([[-4.0, 0, 4], [0, -2, 2], [0, -1, 1]])
    assert torch.equal(conv.conv2d_by_hand(conv.SEED_INPUT, conv.SEED_KERNEL), expected)
    assert torch.equal(F.conv2d(conv.SEED_INPUT[None, None], conv.SEED_KERNEL[None, None])[0, 0], expected)


@pytest.mark.parametrize("stride,padding,size,k", [(1, 0, 7, 3), (2, 1, 8, 4), (3, 2, 9, 5), (2, 0, 6, 1)])
def test_by_hand_matches_pytorch(stride, padding, size, k):
    g = torch.Generator().manual_seed(size)
    x, w = torch.randn(size, size, generator=g), torch.randn(k, k, generator=g)
    ours = conv.conv2d_by_hand(x, w, stride, padding)
    theirs = F.conv2d(x[None, None], w[None, None], stride=stride, padding=padding)[0, 0]
    assert torch.allclose(ours, theirs, atol=1e-5)


def test_size_formulas_match_real_layers():
    for n, k, s, p in itertools.product((3, 8, 13), (1, 2, 3, 4), (1, 2, 3), (0, 1, 2)):
        x = torch.zeros(1, 1, n, n)
        if n + 2 * p >= k:
            assert nn.Conv2d(1, 1, k, s, p)(x).shape[-1] == conv.conv_output_size(n, k, s, p)
        for op in range(s):
            if (n - 1) * s - 2 * p + k + op > 0:
                layer = nn.ConvTranspose2d(1, 1, k, s, p, output_padding=op)
                assert layer(x).shape[-1] == conv.conv_transpose_output_size(n, k, s, p, op)
    assert conv.conv_output_size(64, 4, 2, 1) == 32 and conv.conv_transpose_output_size(32, 4, 2, 1) == 64


def test_size_formula_errors():
    with pytest.raises(ValueError, match="does not fit"):
        conv.conv_output_size(2, 5)
    with pytest.raises(ValueError, match="output_padding .* must be smaller"):
        conv.conv_transpose_output_size(4, 4, 2, 1, output_padding=2)
    with pytest.raises(ValueError, match="must be >= 1"):
        conv.conv_output_size(4, 3, stride=0)
    with pytest.raises(ValueError, match="2-D"):
        conv.conv2d_by_hand(torch.zeros(1, 4, 4), conv.SEED_KERNEL)


def test_transposed_is_adjoint_not_inverse():
    gap = conv.adjoint_gap(seed=1)
    assert gap["adjoint_gap"] < 1e-12
    assert gap["inverse_error"] > 0.5 and gap["inverse_error_rescaled"] > 0.5


def test_checkerboard_scores():
    rows = {(r["method"], r["kernel"]): r for r in conv.checkerboard_table(trials=5)}
    assert rows[("transposed", 3)]["score (ones)"] > 0.3
    assert rows[("transposed", 4)]["score (ones)"] == pytest.approx(0, abs=1e-12)
    assert rows[("transposed", 4)]["score (random, mean)"] > 0.05
    assert rows[("resize-conv", 3)]["score (random, mean)"] < 1e-9
    with pytest.raises(ValueError, match="unknown method"):
        conv.upsample(torch.ones(1, 1, 4, 4), "bilinear")
    assert conv.upsample(torch.ones(1, 2, 5, 5), "resize-conv", 4).shape == (1, 2, 10, 10)


def test_edge_response_and_plots():
    img = torch.zeros(6, 6)
    img[:, 3:] = 1  # dark left, bright right: [1, 0, -1] answers negative at the edge
    r = conv.edge_response(img)
    assert r.shape == (6, 6) and r[2, 2] == -3 and r[2, 0] == 0
    assert isinstance(conv.plot_conv_geometry(5, 3, 2, 1), Figure)
    assert isinstance(conv.plot_conv_geometry(4, 4, 2, 1, transposed=True), Figure)
    with pytest.raises(ValueError, match="output_padding only exists"):
        conv.plot_conv_geometry(5, 3, 1, 0, output_padding=1)


def test_explorer_shows_messages_not_tracebacks(capsys):
    from gan_course.widgets import conv_explorer

    w = conv_explorer()
    assert {c.description for c in w.children[:-1]} >= {"kernel", "stride", "padding", "transposed"}
    w.f(in_size=2, kernel=5, stride=1, padding=0, output_padding=0, transposed=False)
    assert "not possible" in capsys.readouterr().out


def test_notebook_shows_the_package_answer():
    """Notebook 01's stored output is the package's computation, not typed-in numbers."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    text = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    grid = conv.conv2d_by_hand(conv.SEED_INPUT, conv.SEED_KERNEL).int()
    assert str(grid) in text
    assert "0 disagree with the formulas" in text and "✗" not in text
    assert re.search(r"‖CᵀCx − x‖ / ‖x‖\s+= 0\.9\d\d", text)
    assert "def conv2d_by_hand" not in "".join(c.source for c in nb.cells)  # the notebook imports it
