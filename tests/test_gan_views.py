"""gan_views (notebook 05): spike rates, the early "D wins" phase, contrast stretching and the
G-loss plot with a smoothed target."""

import pytest
import torch

from gan_course.lessons import gan_views as gv


def _history(loss_G, d_fake, every=10):
    n = len(loss_G)
    return {"step": [every * (i + 1) for i in range(n)], "loss_G": list(loss_G),
            "d_fake": list(d_fake), "loss_D": [1.0] * n, "d_real": [0.7] * n}


def test_spike_rate_divides_by_the_steps_of_the_second_half():
    h = _history([1.0] * 150, [0.2] * 150)  # 1,500 steps, second half 750
    assert gv.spike_rate(h, 3) == pytest.approx(4.0)
    assert gv.spike_rate(_history([1.0] * 300, [0.2] * 300), 3) == pytest.approx(2.0)


def test_early_struggle_finds_the_peak_and_the_recovery():
    loss_G = [2.0] * 5 + [5.0] * 10 + [2.0] * 30
    d_fake = [0.2] * 5 + [0.01] * 10 + [0.3] * 30
    dip = gv.early_struggle(_history(loss_G, d_fake), smooth=1, until=400)
    assert dip == {"peak_step": 60, "peak_loss_G": 5.0, "min_d_fake": 0.01,
                   "recovered_step": 160}
    never = gv.early_struggle(_history(loss_G, [0.01] * 45), smooth=1)
    assert never["recovered_step"] is None


def test_stretch_maps_a_batch_to_the_full_range_and_keeps_a_constant_one():
    x = torch.tensor([0.0, 0.01, 0.02]).view(3, 1, 1, 1)
    assert gv.stretch(x).flatten().tolist() == pytest.approx([-1.0, 0.0, 1.0])
    flat = torch.zeros(2, 1, 2, 2)
    assert torch.equal(gv.stretch(flat), flat)


def test_generator_losses_plot_adds_the_smoothed_target_curve():
    plain, smoothed = gv.plot_generator_losses(), gv.plot_generator_losses(g_target=0.9)
    assert len(smoothed.axes[0].lines) == len(plain.axes[0].lines) + 1
    assert len(smoothed.axes[1].lines) == len(plain.axes[1].lines) + 1
