"""Notebook 06's training-curve figure (``gan_course.lessons.reconstruction``)."""
import numpy as np


def test_codec_histories_give_loss_D_its_own_shared_axis_and_name_the_model():
    from gan_course.lessons.reconstruction import plot_codec_histories

    steps = list(range(0, 100, 10))
    history = {"step": steps, "loss_D": [1.0] * 10, "loss_G": [20.0] * 10, "l1": [0.19] * 10,
               "d_real": [0.6] * 10, "d_fake": [0.4] * 10}
    quiet = history | {"loss_D": [1.0, 1.1] * 5}
    fig = plot_codec_histories({"plain": history, "R1": quiet}, lambda_l1=100.0)
    axes = fig.axes
    assert len(axes) == 6
    titles = [ax.get_title() for ax in axes]
    assert titles[0] == "plain: D's loss" and titles[5] == "R1: D on x and on x̂ = G(x)"
    assert axes[0].get_ylim() == axes[3].get_ylim()  # one loss_D scale for both rows
    assert axes[0].get_ylim()[1] < 5  # loss_G's scale (≈ 20) is not loss_D's
    l1_line = next(line for line in axes[1].get_lines() if "λ·L1" in line.get_label())
    assert l1_line.get_label() == "λ·L1 (λ = 100)"
    np.testing.assert_allclose(l1_line.get_ydata(), 19.0)
    assert [t.get_text() for t in axes[2].get_legend().get_texts()] == ["D(x)", "D(x̂)"]
