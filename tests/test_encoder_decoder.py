"""Note 000's encoder–decoder GAN: shapes, the skip bypass, the R1 penalty on a known case, training."""
import math

import pytest
import torch
from torch import nn

from gan_course.data import load_dataset
from gan_course.dcgan import DCGANDiscriminator
from gan_course.encoder_decoder import EncoderDecoder, EncoderDecoderObjective, r1_penalty
from gan_course.engine import GANTrainer, TrainConfig


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
    out = EncoderDecoderObjective(lambda_l1=0.0, feature_matching=1.0).loss_G(D, (x, None), x_hat)
    assert gap.numel() == 32 * 4 * 4 and out["fm"].item() == pytest.approx(gap.dot(gap).item(), rel=1e-5)


def test_the_l1_only_control_ignores_D():
    """adversarial=False: G's loss is λ·L1 alone (an autoencoder), and no gradient reaches G from D."""
    torch.manual_seed(0)
    D = DCGANDiscriminator(width=8, image_size=32, channels=3)
    x = torch.rand(4, 3, 32, 32) * 2 - 1
    x_hat = (torch.rand(4, 3, 32, 32) * 2 - 1).requires_grad_(True)
    out = EncoderDecoderObjective(lambda_l1=10.0, adversarial=False).loss_G(D, (x, None), x_hat)
    assert out["adv"].item() == 0 and out["loss_G"].item() == pytest.approx(10 * out["l1"].item())
    (grad,) = torch.autograd.grad(out["loss_G"], x_hat)
    torch.testing.assert_close(grad, 10 * torch.sign(x_hat.detach() - x) / x.numel())
    with_adv = EncoderDecoderObjective(lambda_l1=10.0).loss_G(D, (x, None), x_hat)
    assert with_adv["adv"].item() > 0
    from gan_course.encoder_decoder import EncoderDecoderConfig

    assert EncoderDecoderConfig(adversarial=False).objective().adversarial is False
    with pytest.raises(ValueError, match="lambda_l1 > 0, adversarial=True, or both"):
        EncoderDecoderConfig(adversarial=False, lambda_l1=0.0)


def test_r1_enters_loss_D_as_half_gamma_times_the_penalty():
    w = torch.tensor([0.3, 0.4], requires_grad=True)

    class Linear(nn.Module):  # D(x) = w·x: E‖∇ₓD‖² = 0.25
        def forward(self, x):
            return x.flatten(1) @ w

    x, x_hat = torch.randn(5, 1, 1, 2), torch.randn(5, 1, 1, 2)
    plain = EncoderDecoderObjective(r1_gamma=0.0).loss_D(Linear(), (x, None), x_hat)
    penalised = EncoderDecoderObjective(r1_gamma=3.0).loss_D(Linear(), (x, None), x_hat)
    assert "r1" not in plain and penalised["r1"].item() == pytest.approx(0.25)
    assert (penalised["loss_D"] - plain["loss_D"]).item() == pytest.approx(1.5 * 0.25, rel=1e-5)
    (grad,) = torch.autograd.grad(penalised["loss_D"] - plain["loss_D"], w)  # the penalty pulls w towards 0
    torch.testing.assert_close(grad, 1.5 * 2 * w.detach())


def test_training_through_the_engine_with_every_stabiliser():
    data = load_dataset("photos", 32, n=64)
    torch.manual_seed(0)
    G = EncoderDecoder(channels=3, width=8, depth=4, bottleneck=16)
    D = DCGANDiscriminator(width=8, image_size=32, channels=3)
    trainer = GANTrainer(G, D, EncoderDecoderObjective(lambda_l1=10.0, r1_gamma=1.0, feature_matching=0.01), data,
                         TrainConfig(steps=8, batch_size=16, lr_G=1e-3, lr_D=1e-4, log_every=2), progress=False)
    history = trainer.fit()
    assert {"r1", "fm", "l1", "adv"} <= set(history) and len(history["r1"]) == 8
    # 8 steps move L1 by noise only (±0.05 either way); the feature gap, ≈ 60 at first, halves
    assert all(math.isfinite(v) for k in ("l1", "r1", "adv", "loss_D") for v in history[k])
    assert history["fm"][-1] < 0.7 * history["fm"][0]


def test_config_profiles_and_errors():
    from gan_course.encoder_decoder import EncoderDecoderConfig

    assert EncoderDecoderConfig.for_profile("full").dataset == "cifar10"
    assert EncoderDecoderConfig.for_profile("fast", bottleneck=4).bottleneck == 4
    with pytest.raises(ValueError, match="divisible"):
        EncoderDecoderConfig(image_size=24, depth=4)
    with pytest.raises(ValueError, match=">= 0"):
        EncoderDecoderConfig(r1_gamma=-1.0)


def test_trainer_rejects_data_of_the_wrong_shape():
    from gan_course.encoder_decoder import EncoderDecoderConfig
    from gan_course.engine import trainer_for

    with pytest.raises(ValueError, match="expects 3×32×32"):
        trainer_for(EncoderDecoderConfig(), TrainConfig(steps=1, batch_size=4), load_dataset("digits", 32, n=16))


def test_counts_of_numbers_reaching_the_decoder():
    G = EncoderDecoder(channels=3, width=16, depth=4, bottleneck=12, skips=True)
    assert G.feature_shape(32) == (12, 2, 2)
    # skips: 16·16² + 32·8² + 64·4² + 128·2² = 7,680 numbers, more than the 3,072 of the image
    assert G.values_to_decoder(32) == {"f": 48, "skips": 7680}
    assert EncoderDecoder(depth=2, bottleneck=12).values_to_decoder(32) == {"f": 768, "skips": 0}


def test_trained_models_feed_rate_distortion_rows_without_changing_them():
    from gan_course.encoder_decoder import EncoderDecoderConfig, reconstruct
    from gan_course.engine import trainer_for
    from gan_course.lessons.experiments import summarize_runs, train_variants
    from gan_course.lessons.reconstruction import rate_distortion_rows, reconstruction_metrics

    data = load_dataset("photos", 32, n=64)
    x = load_dataset("photos", 32, split="test", n=32).float()
    config = EncoderDecoderConfig(width=8, width_D=8)
    runs = train_variants({"small": config},
                          lambda c, t: trainer_for(c, t, data, progress=False),
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


def reconstruction_verdicts(gan_psnr=(17.26, 19.86, 21.80), stab=None, skip_psnr=(24.22, 24.23)) -> str:
    """Notebook 06's verdict cells on trained numbers, run on made-up ones: the GAN codec's PSNR at
    56/200/776 bytes, the stabiliser table (name → PSNR, SSIM, sharpness, edge fidelity, var_loss_D,
    var_loss_G, gap_D) and the skip model's PSNR with f and with f = 0."""
    from types import SimpleNamespace

    from gan_course.lessons.experiments import Run
    from gan_course.lessons.report import say
    from gan_course.metrics import detail_verdict
    from test_pix2pix import run_cells, verdict_cells

    rd_rows = [{"family": "GAN encoder–decoder", "method": f"{4 - i} blocks", "bytes": b, "PSNR": p}
               for i, (b, p) in enumerate(zip((56.0, 200.0, 776.0), gan_psnr))]
    rd_rows += [{"family": "bicubic", "method": f"bicubic ÷{f}", "bytes": b, "PSNR": p}
                for f, b, p in ((2, 768.0, 33.18), (4, 192.0, 28.22), (8, 48.0, 24.53), (16, 12.0, 21.22),
                                (32, 3.0, 18.66))]
    rd_rows += [{"family": "JPEG", "method": f"JPEG ≤ {b}", "bytes": b, "PSNR": p}
                for b, p in ((46.3, 27.3), (184.8, 33.5), (484.6, 38.2))]
    stab = stab or {"neither": (17.26, 0.34, 0.52, 0.28, 0.008, 8.7, 0.087),
                    "R1 γ=1": (17.53, 0.37, 0.48, 0.29, 0.002, 9.2, 0.027),
                    "feature matching": (15.79, 0.20, 3.04, 0.14, 0.008, 26.2, 0.070),
                    "R1 + feature matching": (16.05, 0.22, 1.95, 0.12, 0.006, 34.6, 0.046),
                    "lower lr_G (0.0001)": (14.66, 0.14, 4.32, 0.06, 0.060, 9.6, 0.599)}
    keys = ("PSNR", "SSIM", "sharpness", "edge fidelity", "var_loss_D", "var_loss_G", "gap_D")
    stab_rows = [{"stabiliser": name, **dict(zip(keys, values)), "spikes": 0.0} for name, values in stab.items()]
    skip_rows = [{"model": "4 blocks", "numbers via f": 48, "via skips": 0, "PSNR": 17.26, "PSNR, f = 0": 10.82},
                 {"model": "4 blocks + skips", "numbers via f": 48, "via skips": 7680, "PSNR": skip_psnr[0],
                  "PSNR, f = 0": skip_psnr[1]}]
    targets = {"G's samples": None, "real digits": None}
    methods = ("optimise z", "encoder", "hybrid")
    inversion_rows = [{"target": t, "method": m, "ms/image": ms} for t in targets
                      for m, ms in zip(methods, (35.0, 0.37, 17.3))]
    namespace = dict(rd_rows=rd_rows, train=TrainConfig(steps=150, batch_size=16),
                     size_runs=[Run("4 blocks", 0, {}, {}, 0.0, None, None)], rows=skip_rows,
                     x_test=torch.zeros(1, 3, 32, 32), stab_rows=stab_rows, targets=targets, methods=methods,
                     inversion_rows=inversion_rows, ranking={t: ["hybrid", "optimise z", "encoder"] for t in targets},
                     config=SimpleNamespace(image_size=32), detail_verdict=detail_verdict, say=say)
    return "\n".join(run_cells(verdict_cells("06_inversion"), namespace))


def test_notebook_06_verdicts_follow_the_numbers():
    """Notebook 06's words are chosen by its numbers: a codec that loses to bicubic is called unconverged,
    skips that survive f = 0 make the bottleneck decoration, and blur and noise are told apart by sharpness
    and edge fidelity together."""
    text = reconstruction_verdicts()
    assert "bicubic down/up with the same bytes is better, by 7.3–11.4 dB" in text
    assert "The model with 4 blocks (note 000's f) does not even beat it" in text and "not converged" in text
    assert "(unchanged)" in text and ": it destroys the output" in text and "never has to pass through f" in text
    assert "lowers the variance of loss_D (÷4.0)" in text and "narrows D's real-vs-reconstructed gap" in text
    assert "Blurrier than the truth: neither, R1 γ=1." in text
    assert "Noisy (more high-frequency energy than the truth on edges mostly unrelated to it): feature matching" in text
    assert "the encoder is at least 47× faster" in text
    # a codec that beats bicubic, and the old per-image 'noisy' reading (sharp, on the truth's edges)
    sharp = {name: (17.0, 0.3, 5.8, 0.7, 0.008, 8.0, 0.09)
             for name in ("neither", "R1 γ=1", "feature matching", "R1 + feature matching", "lower lr_G (0.0001)")}
    text = reconstruction_verdicts(gan_psnr=(25.0, 29.0, 34.0), stab=sharp, skip_psnr=(24.2, 12.0))
    assert "competes with" in text and "not converged" not in text and "does not even beat" not in text
    assert "No run is blurrier than the truth. No run is noisy by both measures." in text
    assert "over-sharp" in text and "decoration" not in text and "do not bypass f entirely" in text
