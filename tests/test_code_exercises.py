"""The code exercises of notebooks 01–07: every check passes the reference solution, fails a wrong
answer with its hint, calls an untouched stub 'not answered yet', survives a crash, and every
notebook hands the student a stub, never an answer."""
import math
import re

import pytest
import torch
import torch.nn.functional as F

from gan_course.lessons import solutions
from gan_course.lessons.code_exercises import EXERCISES, check, passes

from conftest import NOTEBOOKS


def optimise_z_without_zero_grad(G, x, z0, steps, lr):
    """optimise_z with a classic mistake: the gradients of all earlier steps pile up in z.grad."""
    z = z0.clone().requires_grad_(True)
    opt = torch.optim.Adam([z], lr=lr)
    for _ in range(steps):
        (G(z) - x).pow(2).flatten(1).mean(1).sum().backward()
        opt.step()
    return z.detach()


WRONG = {  # a plausible mistake for each exercise
    "conv_output_size": lambda n, k, s, p: (n + 2 * p - k) / s + 1,  # no floor
    "transposed_output_size": lambda n, k, s, p: n * s,  # forgets the kernel and the padding
    "conv2d_by_hand": lambda x, w: solutions.conv2d_by_hand(x, w.flip(0, 1)),  # a true convolution
    "bottleneck_numbers": lambda size, depth, width: width * 2 ** depth * (size // 2 ** depth) ** 2,
    "psnr": lambda y, x: 10 * torch.log10(1 / (y - x).pow(2).flatten(1).mean(1)),  # range 1
    "receptive_field_of": lambda layers: (sum(k for k, _ in layers), math.prod(s for _, s in layers)),
    "patch_grid_side": lambda n, layers: n // math.prod(s for _, s, _ in layers),
    "generator_loss": lambda d, fake, real, lam: (
        F.binary_cross_entropy_with_logits(d, torch.zeros_like(d)) + lam * (fake - real).abs().mean()),
    "best_constant": lambda values, loss: sum(values) / len(values),  # the mean for L1 too
    "discriminator_loss": lambda r, f, label: (  # forgets the smoothing
        F.binary_cross_entropy_with_logits(r, torch.ones_like(r))
        + F.binary_cross_entropy_with_logits(f, torch.zeros_like(f))),
    "nonsaturating_loss": lambda d: torch.log1p(-torch.sigmoid(d)).mean(),  # the saturating one
    "interpolate_z": lambda z0, z1, n: torch.stack(  # leaves out the end z1
        [z0 + (z1 - z0) * k / n for k in range(n)]),
    "f_bytes": lambda bottleneck, size, depth: bottleneck * (size // 2 ** depth) ** 2,  # no range
    "bicubic_bytes": lambda size, channels, factor: channels * size * size // factor,  # k, not k²
    "optimise_z": optimise_z_without_zero_grad,
    "composite": lambda y, mask, x_gen: mask * x_gen + (1 - mask) * y,  # the hole from y
    "importance_weights": lambda mask, window: F.avg_pool2d(  # weights inside the hole too
        1 - mask, window, stride=1, padding=window // 2, count_include_pad=False),
    "hole_psnr": lambda x_hat, x, mask: 10 * torch.log10(  # MSE over the whole image
        4 / (x_hat - x).pow(2).flatten(1).mean(1)),
}
NOTEBOOK_OF = {"conv_output_size": "01_convolution", "transposed_output_size": "01_convolution",
               "conv2d_by_hand": "01_convolution", "bottleneck_numbers": "02_unet", "psnr": "02_unet",
               "receptive_field_of": "03_patchgan", "patch_grid_side": "03_patchgan",
               "generator_loss": "04_l1_vs_bce", "best_constant": "04_l1_vs_bce",
               "discriminator_loss": "05_dcgan", "nonsaturating_loss": "05_dcgan",
               "interpolate_z": "05_dcgan",
               "f_bytes": "06_inversion", "bicubic_bytes": "06_inversion", "optimise_z": "06_inversion",
               "composite": "07_inpainting", "importance_weights": "07_inpainting",
               "hole_psnr": "07_inpainting"}


@pytest.mark.parametrize("name", EXERCISES)
def test_the_check_accepts_the_reference_and_rejects_a_mistake(name, capsys):
    assert passes(name, getattr(solutions, name)) is True
    assert capsys.readouterr().out.startswith("✓")
    assert passes(name, WRONG[name]) is False
    out = capsys.readouterr().out
    assert out.startswith("✗") and f"hint: {EXERCISES[name].hint}" in out
    assert passes(name, lambda *args: ...) is False
    assert "not answered yet" in capsys.readouterr().out
    assert passes(name, lambda *args: 1 / 0) is False  # a crash is reported, not raised
    assert "raised ZeroDivisionError" in capsys.readouterr().out


def test_every_exercise_belongs_to_a_notebook_that_hands_out_a_stub():
    assert set(NOTEBOOK_OF) == set(EXERCISES) == set(WRONG)
    per_notebook = {}
    for name, notebook in NOTEBOOK_OF.items():
        source = (NOTEBOOKS / f"{notebook}.py").read_text()
        stub = re.search(rf"^def {name}\(.*?\n(?=\S)", source, re.M | re.S)
        assert stub, f"{notebook} has no stub for {name}"
        assert "return ...  # your code" in stub.group(0), f"{notebook}: {name} is not a bare stub"
        assert f'check("{name}", {name})' in source
        per_notebook[notebook] = per_notebook.get(notebook, 0) + 1
    assert all(2 <= n <= 4 for n in per_notebook.values()), per_notebook


def test_unknown_exercise_is_named():
    with pytest.raises(ValueError, match="unknown exercise 'nope'"):
        check("nope", lambda: 0)


def test_check_prints_its_verdict_and_returns_nothing(capsys):
    assert check("psnr", solutions.psnr) is None
    assert capsys.readouterr().out.startswith("✓")
    assert check("psnr", WRONG["psnr"]) is None
    assert capsys.readouterr().out.startswith("✗")
