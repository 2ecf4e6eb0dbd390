"""Seed 000's encoder–decoder GAN: shapes, the skip bypass, the R1 penalty on a known case, training."""
import math

import pytest
import torch
from torch import nn

from gan_course.data import load_dataset
from gan_course.dcgan import DCGANDiscriminator
from gan_course.encoder_decoder import EncoderDecoder, ReconstructionGAN, r1_penalty
from gan_course.engine import GANTrainer, TrainConfig

from conftest import notebook_words, stored_text


@pytest.mark.parametrize("skips", [False, True])
def test_shapes_and_feature_tensor(skips):
    G = EncoderDecoder(channels=3, width=8, depth=4, bottleneck=16, skips=skips)
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    f, _ = G.encoder(x)
    assert f.shape == (2, 16, 2, 2)  # f ∈ ℝ^(C×H×W)
    assert G(x).shape == x.shape


def test_zeroed_bottleneck_only_survives_through_skips():
    torch.manual_seed(0)
    x = torch.rand(4, 1, 32, 32) * 2 - 1
    for skips in (False, True):
        G = EncoderDecoder(channels=1, width=8, depth=3, bottleneck=8, skips=skips).eval()
        y0 = G(x, zero_bottleneck=True)
        varies_with_input = (y0[0] - y0[1]).abs().max() > 1e-6
        assert varies_with_input == skips


def test_r1_penalty_known_case():
    w = torch.tensor([3.0, 4.0])

    class Linear(nn.Module):  # D(x) = w·x: ∇ₓD = w everywhere, so E‖∇‖² = 25
        def forward(self, x):
            return x.flatten(1) @ w

    assert r1_penalty(Linear(), torch.randn(5, 1, 1, 2)).item() == pytest.approx(25.0)


def test_feature_matching_is_the_squared_norm_of_the_mean_feature_gap():
    """‖mean f(x) − mean f(x̂)‖², summed over D's C·4·4 hidden features (Salimans et al.), not averaged."""
    torch.manual_seed(0)
    D = DCGANDiscriminator(width=8, image_size=32, channels=3).eval()
    x, x_hat = torch.rand(4, 3, 32, 32) * 2 - 1, torch.rand(4, 3, 32, 32) * 2 - 1
    gap = (D.features(x).mean(0) - D.features(x_hat).mean(0)).flatten()
    out = ReconstructionGAN(lambda_l1=0.0, feature_matching=1.0).loss_G(D, (x, None), x_hat)
    assert gap.numel() == 32 * 4 * 4 and out["fm"].item() == pytest.approx(gap.dot(gap).item(), rel=1e-5)


def test_r1_enters_loss_D_as_half_gamma_times_the_penalty():
    w = torch.tensor([0.3, 0.4], requires_grad=True)

    class Linear(nn.Module):  # D(x) = w·x: E‖∇ₓD‖² = 0.25
        def forward(self, x):
            return x.flatten(1) @ w

    x, x_hat = torch.randn(5, 1, 1, 2), torch.randn(5, 1, 1, 2)
    plain = ReconstructionGAN(r1_gamma=0.0).loss_D(Linear(), (x, None), x_hat)
    penalised = ReconstructionGAN(r1_gamma=3.0).loss_D(Linear(), (x, None), x_hat)
    assert "r1" not in plain and penalised["r1"].item() == pytest.approx(0.25)
    assert (penalised["loss_D"] - plain["loss_D"]).item() == pytest.approx(1.5 * 0.25, rel=1e-5)
    (grad,) = torch.autograd.grad(penalised["loss_D"] - plain["loss_D"], w)  # the penalty pulls w towards 0
    torch.testing.assert_close(grad, 1.5 * 2 * w.detach())


def test_training_through_the_engine_with_every_stabiliser():
    data = load_dataset("photos", 32, n=64)
    torch.manual_seed(0)
    G = EncoderDecoder(channels=3, width=8, depth=4, bottleneck=16)
    D = DCGANDiscriminator(width=8, image_size=32, channels=3)
    trainer = GANTrainer(G, D, ReconstructionGAN(lambda_l1=10.0, r1_gamma=1.0, feature_matching=0.01), data,
                         TrainConfig(steps=8, batch_size=16, lr_G=1e-3, lr_D=1e-4, log_every=2), progress=False)
    history = trainer.fit()
    assert {"r1", "fm", "l1", "adv"} <= set(history) and len(history["r1"]) == 8
    # 8 steps move L1 by noise only (±0.05 either way); the feature gap, ≈ 60 at first, halves
    assert all(math.isfinite(v) for k in ("l1", "r1", "adv", "loss_D") for v in history[k])
    assert history["fm"][-1] < 0.7 * history["fm"][0]


def test_config_profiles_and_errors():
    from gan_course.encoder_decoder import ReconstructionConfig

    assert ReconstructionConfig.for_profile("full").dataset == "cifar10"
    assert ReconstructionConfig.for_profile("fast", bottleneck=4).bottleneck == 4
    with pytest.raises(ValueError, match="divisible"):
        ReconstructionConfig(image_size=24, depth=4)
    with pytest.raises(ValueError, match=">= 0"):
        ReconstructionConfig(r1_gamma=-1.0)


def test_trainer_rejects_data_of_the_wrong_shape():
    from gan_course.encoder_decoder import ReconstructionConfig, reconstruction_trainer

    with pytest.raises(ValueError, match="expects 3×32×32"):
        reconstruction_trainer(ReconstructionConfig(), TrainConfig(steps=1, batch_size=4), load_dataset("digits", 32, n=16))


def test_counts_of_numbers_reaching_the_decoder():
    G = EncoderDecoder(channels=3, width=16, depth=4, bottleneck=12, skips=True)
    assert G.feature_shape(32) == (12, 2, 2)
    # skips: 16·16² + 32·8² + 64·4² + 128·2² = 7,680 numbers, more than the 3,072 of the image
    assert G.values_to_decoder(32) == {"f": 48, "skips": 7680}
    assert EncoderDecoder(depth=2, bottleneck=12).values_to_decoder(32) == {"f": 768, "skips": 0}


def test_trained_models_feed_rate_distortion_rows_without_changing_them():
    from gan_course.encoder_decoder import (ReconstructionConfig, rate_distortion_rows, reconstruct,
                                            reconstruction_metrics, reconstruction_trainer)
    from gan_course.experiments import summarize_runs, train_variants

    data = load_dataset("photos", 32, n=64)
    x = load_dataset("photos", 32, split="test", n=32).float()
    config = ReconstructionConfig(width=8, width_D=8)
    runs = train_variants({"small": config},
                          lambda c, t: reconstruction_trainer(c, t, data, progress=False),
                          lambda c, G: reconstruction_metrics(reconstruct(G, x), x),
                          TrainConfig(steps=4, batch_size=16, sample_every=0), seeds=(0, 1))
    assert [r.seed for r in runs] == [0, 1]
    assert set(runs[0].metrics) == {"PSNR", "SSIM", "sharpness", "edge fidelity"}
    rows = rate_distortion_rows(runs[:1], x)
    assert rows[0]["bytes"] == 48 + 8 and rows[0]["method"] == "small (f 12×2×2)"
    assert rows[0]["PSNR"] == pytest.approx(runs[0].metrics["PSNR"])  # scoring left BatchNorm untouched
    assert "±" in summarize_runs(runs)[0]["PSNR"]
    exact = reconstruct(runs[0].G, x, quantize=False)
    assert (exact - reconstruct(runs[0].G, x)).abs().max() < 0.1  # 8-bit f changes little


def test_notebook_06_summary_matches_its_verdicts():
    import re

    text = stored_text("06_inversion")
    assert "GAN PSNR rises with the size of f: True" in text
    assert "GAN sizes that beat bicubic at the same bytes: none" in text
    assert re.search(r"beat the 3-byte mean colour .*: \[200\.0, 776\.0\]", text)  # not the 4-block model
    skips = re.search(r"4 blocks \+ skips\s+48\s+7680\s+([\d.]+)\s+([\d.]+)", text)
    assert abs(float(skips.group(1)) - float(skips.group(2))) < 0.1  # zeroing f changes nothing
    no_skips = re.search(r"^4 blocks\s+48\s+0\s+([\d.]+)\s+([\d.]+)", text, re.M)
    assert float(no_skips.group(1)) - float(no_skips.group(2)) > 3  # without skips it destroys the output
    assert "R1 lowers the variance of loss_D: True" in text and "narrows D's gap between real and reconstructed: True" in text
    assert float(re.search(r"from R1 or feature matching \(dB\): ([\d.]+)", text).group(1)) < 1
    assert "blurrier than the truth (sharpness < 1): []" in text
    var_g, sharp, d_ssim = map(float, re.search(r"feature matching: var_loss_G ×([\d.]+), sharpness ×([\d.]+), "
                                                r"SSIM ([+-][\d.]+)", text).groups())
    summary = notebook_words("06_inversion")
    assert f"G's loss varies {var_g}× more" in summary and f"is {sharp:.0f}× noisier" in summary
    assert f"SSIM falls by {-d_ssim:.2f}" in summary
    ratio = re.search(r"R1 lowers the variance of loss_D: True \(÷([\d.]+)\)", text).group(1)
    assert f"divides the variance of loss_D by {ratio}" in summary
    assert "G's samples: best PSNR hybrid, worst encoder" in text and "real digits: best PSNR hybrid" in text
    assert "real digits harder than G's samples for every method: True" in text
