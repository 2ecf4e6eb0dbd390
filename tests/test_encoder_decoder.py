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


@pytest.mark.parametrize("skips", [False, True])
def test_trace_walks_the_real_shapes(skips):
    from gan_course.encoder_decoder import encoder_decoder_trace

    G = EncoderDecoder(channels=3, width=16, depth=4, bottleneck=12, skips=skips)
    trace = dict(encoder_decoder_trace(G, 32))
    assert trace["input x"] == (3, 32, 32) and trace["down 4"] == (128, 2, 2)
    assert trace["f"] == (12, 2, 2) and trace["output x̂"] == (3, 32, 32)
    assert trace["up 1"] == (64, 4, 4) and trace["up 4"] == (16, 32, 32)
    joins = {k: v for k, v in trace.items() if "skip" in k}
    assert joins == ({"  ⊕ skip from down 4": (140, 2, 2), "  ⊕ skip from down 3": (128, 4, 4),
                      "  ⊕ skip from down 2": (64, 8, 8), "  ⊕ skip from down 1": (32, 16, 16)}
                     if skips else {})


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


def codec_rows(gan=(15.8, 19.4, 22.0), l1=(18.6, 20.5, 23.5), bicubic=(17.0, 20.0, 24.0)) -> list[dict]:
    """Made-up rows of notebook 06's rate–distortion table."""
    rows = [{"family": family, "bytes": float(b), "PSNR": p}
            for family, values, budget in (("GAN", gan, (20, 56, 200)), ("L1 autoencoder", l1, (20, 56, 200)),
                                           ("bicubic", bicubic, (12, 48, 192)))
            for b, p in zip(budget, values)]
    return rows + [{"family": "bicubic", "method": "bicubic ÷32", "bytes": 3.0, "PSNR": 13.0},
                   {"family": "JPEG", "bytes": 56.0, "PSNR": 18.0},
                   *({"family": "PCA", "bytes": float(b), "PSNR": p} for b, p in ((20, 16.0), (56, 20.5), (200, 24.5)))]


def test_notebook_06_verdicts_follow_the_numbers():
    """Notebook 06's words are chosen by its numbers: which budgets a codec wins, whether the L1 control
    is always more accurate, whether skips survive f = 0."""
    from gan_course.lessons.report import say
    from gan_course.metrics import detail_verdict

    from conftest import run_cell

    ns = dict(say=say, detail_verdict=detail_verdict)
    for row in (rows := codec_rows()):
        row.setdefault("method", f"{row['family']} {row['bytes']:.0f}")
    text = run_cell("06_inversion", "gan_wins = [", ns | dict(rd_rows=rows))
    assert "The GAN codec beats bicubic at no budget; the L1 autoencoder at 20 B, 56 B." in text
    assert "At every size the L1 control scores higher than the GAN" in text
    assert "JPEG, at 56 bytes, reaches 18.00 dB. Below the 3-byte mean colour (13.00 dB): nothing." in text
    assert "PCA, learned from other photos, scores 16.00, 20.50, 24.50 dB" in text and "*can* beat" in text
    rows = codec_rows(gan=(12.0, 21.0, 22.0), l1=(17.5, 20.5, 24.5))
    for row in rows:
        row.setdefault("method", "")
    text = run_cell("06_inversion", "gan_wins = [", ns | dict(rd_rows=rows))
    assert "beats bicubic at 56 B; the L1 autoencoder at 20 B, 56 B, 200 B" in text
    assert "not always higher" in text and "(13.00 dB): the GAN at 20 B." in text
    # skips that survive f = 0 make f decoration; skips that do not are said not to bypass it
    skip_rows = [{"model": "GAN, C 12", "via skips": 0, "PSNR": 19.4, "PSNR, f = 0": 10.8},
                 {"model": "GAN + skips, C 12", "via skips": 7680, "PSNR": 26.0, "PSNR, f = 0": 25.8}]
    ns |= dict(rows=skip_rows, x_test=torch.zeros(1, 3, 32, 32))
    text = run_cell("06_inversion", "unchanged = abs(", ns)
    assert "(unchanged)" in text and "more than the image's own 3,072" in text and "never has to pass" in text
    skip_rows[1]["PSNR, f = 0"] = 15.0
    assert "The skips do not bypass f entirely" in run_cell("06_inversion", "unchanged = abs(", ns)


def test_notebook_06_blur_verdict_follows_the_detail_table():
    """Section 2b says where note 000's "some blurring" holds, from detail_verdict's words."""
    from gan_course.lessons.report import say
    from gan_course.metrics import detail_verdict

    from conftest import run_cell

    sizes = ["C 3", "C 12", "C 48"]

    def verdict(gan_sharpness, l1_sharpness):
        dby = {f"{kind}, {c}": {"sharpness": s, "edge fidelity": 0.6}
               for kind, values in (("GAN", gan_sharpness), ("L1 only", l1_sharpness))
               for c, s in zip(sizes, values)}
        ns = dict(say=say, detail_verdict=detail_verdict, dby=dby, sizes=sizes)
        return run_cell("06_inversion", "blurred = {", ns)

    text = verdict((1.1, 1.3, 1.6), (0.1, 0.2, 0.3))
    assert "the GAN's output is blurred at no size, the L1 control's at every size" in text
    assert "The blur is the L1 loss's" in text
    text = verdict((0.5, 1.3, 1.6), (0.1, 0.2, 1.0))
    assert "blurred at C 3, the L1 control's at C 3, C 12" in text
    assert "The GAN blurs too" in text
    text = verdict((1.0, 1.3, 1.6), (1.0, 1.0, 1.0))
    assert "Neither model blurs at this budget." in text
