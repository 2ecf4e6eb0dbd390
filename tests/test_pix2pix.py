"""pix2pix track: U-Net shapes and skips, metrics on known cases, the pix2pix objective, training."""

import pytest
import torch

from gan_course.engine import TrainConfig, trainer_for
from gan_course.lessons.colorization import baseline_colorizations, compare_colorizers
from gan_course.lessons.experiments import summarize_runs
from gan_course.metrics import colorfulness, high_frequency_energy, psnr, sharpness, ssim
from gan_course.pix2pix import Pix2PixConfig, Pix2PixObjective, colorize
from gan_course.unet import UNetGenerator, unet_trace

from conftest import NOTEBOOKS


@pytest.mark.parametrize("size", [32, 64, 96])
@pytest.mark.parametrize("skips", [True, False])
def test_unet_shapes(size, skips):
    G = UNetGenerator(1, 3, depth=4, width=8, skips=skips)
    y = G(torch.randn(2, 1, size, size))
    assert y.shape == (2, 3, size, size) and y.abs().max() <= 1


@pytest.mark.parametrize("depth, blocks", [(2, 1), (3, 2), (4, 3), (5, 3)])
def test_dropout_sits_in_the_three_decoder_blocks_nearest_the_bottleneck(depth, blocks):
    G = UNetGenerator(1, 3, depth=depth, width=4, dropout=0.5)
    with_dropout = [any(isinstance(m, torch.nn.Dropout) for m in block) for block in G.up]
    assert with_dropout == [True] * blocks + [False] * (depth - blocks)  # never the outermost block


def test_lab_targets_stay_fp32_under_bf16_autocast():
    x = torch.rand(4, 3, 16, 16, generator=torch.Generator().manual_seed(0)) * 2 - 1
    A, B = Pix2PixObjective("lab").pair((x, None))
    with torch.autocast("cpu", torch.bfloat16):
        A16, B16 = Pix2PixObjective("lab").pair((x, None))
    assert B16.dtype == torch.float32 and torch.equal(A16, A) and torch.equal(B16, B)


def test_unet_trace_follows_the_seed_96_to_6():
    rows = dict(unet_trace(UNetGenerator(1, 3, 4, 32, skips=True), 96))
    assert [rows[f"down {i}"][1] for i in range(1, 5)] == [48, 24, 12, 6]
    assert rows["  ⊕ skip from down 3"] == (256, 12, 12)  # 128 decoder + 128 encoder channels
    assert rows["output"] == (3, 96, 96)
    assert not any("skip" in k for k, _ in unet_trace(UNetGenerator(1, 3, 4, 32, skips=False), 96))


def test_skips_carry_the_input_past_the_bottleneck():
    """With skips, zeroing the bottleneck changes the output much less than without skips."""
    torch.manual_seed(0)
    A = torch.randn(4, 1, 32, 32)
    for skips, expect_change in ((True, "small"), (False, "total")):
        G = UNetGenerator(1, 1, 3, 8, skips=skips).eval()
        feats = {}
        G.down[-1].register_forward_hook(lambda m, i, o: feats.setdefault("b", o))
        y = G(A)
        G.down[-1].register_forward_hook(lambda m, i, o: torch.zeros_like(o))
        y0 = G(A)
        corr = torch.corrcoef(torch.stack([y.flatten(), y0.flatten()]))[0, 1]
        if skips:
            assert corr > 0.3  # the output still depends on A through the skips
        else:
            assert y0.std() < 1e-6  # nothing but the bottleneck reaches the decoder: constant output


def test_unet_errors():
    with pytest.raises(ValueError, match="divisible by 16"):
        UNetGenerator(1, 3, depth=4)(torch.zeros(1, 1, 40, 40))
    with pytest.raises(ValueError, match=r"\(B, 1, S, S\)"):
        UNetGenerator(1, 3, depth=2)(torch.zeros(1, 3, 32, 32))


def test_metrics_on_known_cases():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(3, 3, 16, 16, generator=g) * 2 - 1
    assert torch.isinf(psnr(x, x)).all()
    # MSE 0.01 on a range of 2: PSNR = 10·log10(4 / 0.01) = 26.02 dB
    assert psnr(x + 0.1, x).mean().item() == pytest.approx(26.02, abs=0.01)
    assert ssim(x, x).mean().item() == pytest.approx(1.0, abs=1e-5)
    # SSIM on [0, 1] as defined (scikit-image's Gaussian SSIM): a flat mid-grey and one 0.05 brighter are
    # nearly the same picture (0.9955); on [-1, 1] the brightness term would give 0.05
    flat = torch.zeros(1, 1, 24, 24)
    assert ssim(flat + 0.1, flat).item() == pytest.approx(0.99548, abs=1e-4)
    from skimage.metrics import structural_similarity
    big = torch.rand(3, 3, 48, 48, generator=g) * 2 - 1
    noisy = (big + 0.2 * torch.randn(big.shape, generator=g)).clamp(-1, 1)
    theirs = [structural_similarity(((noisy[i] + 1) / 2).numpy(), ((big[i] + 1) / 2).numpy(), data_range=1,
                                    channel_axis=0, gaussian_weights=True, sigma=1.5, use_sample_covariance=False)
              for i in range(3)]
    assert ssim(noisy, big).tolist() == pytest.approx(theirs, abs=2e-3)  # the border is padded, not cropped
    gray = x[:, :1].expand(-1, 3, -1, -1)
    assert colorfulness(gray).abs().max() < 1e-4
    red = torch.tensor([1.0, -1, -1]).view(1, 3, 1, 1).expand(1, 3, 4, 4)
    # pure red: rg = 255, yb = 127.5, no spread → 0.3·sqrt(255² + 127.5²)
    assert colorfulness(red).item() == pytest.approx(0.3 * (255 ** 2 + 127.5 ** 2) ** 0.5, rel=1e-5)
    blurred = torch.nn.functional.avg_pool2d(x, 3, 1, 1)
    assert sharpness(blurred, x) < 0.5 < sharpness(x, x)
    assert high_frequency_energy(torch.zeros(1, 1, 8, 8)).item() == 0
    with pytest.raises(ValueError, match="differ in shape"):
        psnr(x, x[:2])
    with pytest.raises(ValueError, match="RGB"):
        colorfulness(x[:, :1])


def test_pix2pix_losses_on_known_inputs():
    obj = Pix2PixObjective("gray", lambda_l1=100.0)
    x = torch.zeros(2, 3, 8, 8)
    batch = (x, None)
    D = lambda A, B: torch.zeros(A.shape[0], 1, 2, 2)  # noqa: E731  logits 0 = "can't tell"
    out_D = obj.loss_D(D, batch, x)
    assert out_D["loss_D"].item() == pytest.approx(0.693147, abs=1e-5)  # (log 2 + log 2) / 2
    out_G = obj.loss_G(D, batch, x + 0.5)
    assert out_G["l1"].item() == pytest.approx(0.5)
    assert out_G["loss_G"].item() == pytest.approx(0.693147 + 50.0, abs=1e-4)
    l1_only = Pix2PixObjective("gray", 100.0, adversarial=False).loss_G(D, batch, x + 0.5)
    assert l1_only["loss_G"].item() == pytest.approx(50.0) and l1_only["adv"].item() == 0
    A = obj.generator_input(batch, torch.Generator())
    assert A.shape == (2, 1, 8, 8)


def test_config_validation():
    with pytest.raises(ValueError, match="space must be one of gray, lab"):
        Pix2PixConfig(space="hsv")
    with pytest.raises(ValueError, match="divisible by 2\\*\\*depth = 16"):
        Pix2PixConfig(image_size=40)
    with pytest.raises(ValueError, match="need lambda_l1 > 0"):
        Pix2PixConfig(lambda_l1=0.0, adversarial=False)
    with pytest.raises(ValueError, match="discriminator must be one of patch, global"):
        Pix2PixConfig(discriminator="pixel")
    G, D = (Pix2PixConfig(space="lab", discriminator="global")).build()
    assert G(torch.zeros(1, 1, 32, 32)).shape == (1, 2, 32, 32)
    assert D(torch.zeros(1, 1, 32, 32), torch.zeros(1, 2, 32, 32)).shape == (1, 1, 1, 1)


def test_training_lowers_l1_and_beats_nothing_silently():
    from gan_course.data import load_dataset

    train_data = load_dataset("photos", 32, n=256, seed=0)
    test_data = load_dataset("photos", 32, split="test", n=32, seed=0)
    cfg = Pix2PixConfig(space="lab", width_G=8, width_D=8)
    trainer = trainer_for(cfg, TrainConfig(steps=40, batch_size=16, sample_every=0, checkpoint_every=0,
                                               log_every=5), train_data, progress=False)
    history = trainer.fit()
    assert sum(history["l1"][-5:]) / 5 < sum(history["l1"][:5]) / 5
    y = colorize(trainer.G, test_data.float(), "lab")
    assert y.shape == test_data.float().shape
    # in lab space the lightness is given back exactly
    from gan_course.color import rgb_to_lab
    assert torch.allclose(rgb_to_lab(y)[:, 0], rgb_to_lab(test_data.float())[:, 0], atol=1.0)
    with pytest.raises(ValueError, match="needs RGB images of 32×32"):
        trainer_for(cfg, TrainConfig(), load_dataset("digits", 32))


def test_compare_and_summarize():
    from gan_course.data import load_dataset

    train_data = load_dataset("photos", 32, n=64, seed=0)
    test_data = load_dataset("photos", 32, split="test", n=8, seed=0)
    runs = compare_colorizers({"a": Pix2PixConfig(width_G=8, width_D=8)},
                              TrainConfig(steps=2, batch_size=8, sample_every=0, checkpoint_every=0),
                              train_data, test_data, seeds=(0, 1))
    assert [(r.name, r.seed) for r in runs] == [("a", 0), ("a", 1)]
    base = baseline_colorizations(test_data.float(), train_data.float())
    assert colorfulness(base["gray copy"]).max() < 1e-3 < colorfulness(base["mean colour"]).mean()
    rows = summarize_runs(runs, {"gray copy": {"PSNR": 1.0, "SSIM": 0.5, "colourfulness": 0.0, "sharpness": 1.0,
                                               "edge fidelity": 1.0}})
    assert rows[0]["method"] == "gray copy" and rows[1]["seeds"] == "2" and "±" in rows[1]["PSNR"]


def test_realism_accuracy_separates_only_what_differs():
    from gan_course.data import load_dataset
    from gan_course.metrics import realism_accuracy

    x = load_dataset("photos", 16, split="test", n=128, seed=0).float()
    same = realism_accuracy(x[:64], x[64:], steps=60)
    gray = realism_accuracy(x, x.mean(1, keepdim=True).expand(-1, 3, -1, -1), steps=60)
    assert same < 0.7 < gray
    with pytest.raises(ValueError, match="at least 4"):
        realism_accuracy(x[:2], x[:2])


def test_gallery_slider_switches_precomputed_figures(capsys):
    from gan_course.lessons.widgets import gallery_slider

    w = gallery_slider({"a": "figure a", "b": "figure b"})
    assert w.children[0].options == ("a", "b") and w.children[0].value == "b"
    assert "figure b" in capsys.readouterr().out  # the last setting is shown first
    w.children[0].value = "a"
    shown = capsys.readouterr().out
    assert "figure a" in shown and "figure b" not in shown  # moving the slider shows that figure, nothing recomputed


def verdict_cells(name: str) -> list[str]:
    """The code of notebook ``name``'s cells that write a verdict (``say(...)``) from trained numbers."""
    import jupytext

    nb = jupytext.read(NOTEBOOKS / f"{name}.py")
    return [c.source for c in nb.cells if c.cell_type == "code" and "say(" in c.source
            and "nbval-ignore-output" in c.metadata.get("tags", [])]


def run_cells(sources: list[str], namespace: dict) -> list[str]:
    """Execute notebook cells in ``namespace``; the value of each cell's last expression, as text."""
    import ast

    shown = []
    for source in sources:
        tree = ast.parse(source)
        last = tree.body.pop()
        exec(compile(tree, "<cell>", "exec"), namespace)
        shown.append(str(eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace)))
    return shown


def metrics_over_seeds(psnr, ssim, sharpness, edges):
    return {"PSNR": psnr, "SSIM": ssim, "colourfulness": [20.0] * 3, "sharpness": sharpness,
            "edge fidelity": edges}


def unet_verdicts(skips: dict, no_skips: dict, baseline_psnr: float = 17.7) -> str:
    """Notebook 02's verdict and summary cells on made-up runs: each metric a list over three seeds."""
    from gan_course.lessons.experiments import Run
    from gan_course.lessons.report import count_wins, say
    from gan_course.metrics import detail_verdict

    runs = [Run(name, seed, {m: v[seed] for m, v in metrics.items()}, {}, 0.0, None, None)
            for name, metrics in (("U-Net with skips", skips), ("no skips", no_skips)) for seed in range(3)]
    base = {"PSNR": baseline_psnr, "SSIM": 0.76, "colourfulness": 14.7, "sharpness": 0.93, "edge fidelity": 0.94}
    namespace = dict(runs=runs, variants={"U-Net with skips": None, "no skips": None},
                     knobs=dict(seeds=(0, 1, 2), image_size=32, width=16), train=TrainConfig(steps=100),
                     baselines={"gray copy": {**base, "PSNR": baseline_psnr - 0.3}, "mean colour": base},
                     count_wins=count_wins, say=say, detail_verdict=detail_verdict)
    return "\n".join(run_cells(verdict_cells("02_unet"), namespace))


def test_notebook_02_verdicts_follow_the_numbers():
    """The words notebook 02 prints are chosen by the numbers: blur or noise, the claim holds or not, and
    networks that lose to a trivial baseline are called unconverged, not winners."""
    skips = metrics_over_seeds([17.0, 16.9, 17.1], [0.51] * 3, [0.52, 0.45, 0.58], [0.68] * 3)
    # as stored: both blurred about equally (no skips blurrier in 2 of 3 seeds), edges lost without skips
    text = unet_verdicts(skips, metrics_over_seeds([15.6] * 3, [0.32] * 3, [0.50, 0.47, 0.53], [0.28] * 3))
    assert "PSNR is higher with skips in 3 of 3 seeds (17.00 vs 15.60 dB)" in text
    assert "**holds only in part**" in text and "in only 2 of 3 seeds" in text and "nois" not in text
    assert "edge fidelity is higher with skips in every seed (0.68 vs 0.28)" in text
    assert "Neither network beats the trivial baselines yet" in text and "not converged after 100 steps" in text
    # blurrier than the truth, and than the skips in every seed: the claim holds
    blurred = metrics_over_seeds([15.6] * 3, [0.32] * 3, [0.30] * 3, [0.60] * 3)
    text = unet_verdicts(skips, blurred)
    assert "claim **holds**: the output without skips is blurrier" in text
    assert "Without skips it is blurred, on the truth's edges" in text
    # more energy than the truth, on edges unrelated to it: noise, and only then
    text = unet_verdicts(skips, metrics_over_seeds([15.6] * 3, [0.32] * 3, [3.0] * 3, [0.10] * 3))
    assert "**does not hold**" in text and "Without skips it is noisy:" in text
    # networks that beat both baselines are not called unconverged; beating one of them is said as such
    text = unet_verdicts(skips, blurred, baseline_psnr=16.0)
    assert "Both baselines are beaten on PSNR" in text and "not converged" not in text
    text = unet_verdicts(skips, blurred, baseline_psnr=17.2)
    assert "beats only the gray copy baseline on PSNR" in text and "not converged after 100 steps" in text


def colorizer_verdicts(table: dict[str, tuple]) -> str:
    """Notebook 04's verdict and summary cells on a made-up table: method → (PSNR, SSIM, colourfulness,
    sharpness, edge fidelity, realism accuracy)."""
    from gan_course.lessons.report import say
    from gan_course.metrics import detail_verdict

    columns = ("PSNR", "SSIM", "colourfulness", "sharpness", "edge fidelity", "realism acc.")
    rows = [{"method": name, **dict(zip(columns, values))} for name, values in table.items()]
    rows.append({"method": "truth", **dict(zip(columns, (float("inf"), 1.0, 59.4, 1.0, 1.0, 0.5)))})
    namespace = dict(rows=rows, variants={n: None for n in list(table)[:4]}, train=TrainConfig(steps=100),
                     knobs=dict(image_size=32), detail_verdict=detail_verdict, say=say)
    return "\n".join(run_cells(verdict_cells("04_l1_vs_bce"), namespace))


STORED_04 = {"BCE only (λ=0)": (16.3, 0.47, 48.0, 6.32, 0.83, 1.0), "BCE + 1·L1": (17.5, 0.64, 29.5, 2.06, 0.92, 0.90),
             "BCE + 100·L1": (17.9, 0.74, 19.6, 1.15, 0.94, 0.93), "L1 only": (18.1, 0.76, 18.0, 1.06, 0.94, 0.92),
             "gray copy": (17.4, 0.79, 0.0, 0.97, 0.95, 0.97), "mean colour": (17.7, 0.76, 14.7, 0.93, 0.94, 0.97)}


def test_notebook_04_verdicts_follow_the_numbers():
    """Each part of the note's claim is called as the table says, and generators that lose to a baseline that
    learned nothing are called unconverged."""
    text = colorizer_verdicts(STORED_04)
    assert "**BCE alone, \"realistic but wrong\"** **holds in part**" in text and "(less realistic; rank 4 of 4" in text
    assert "**L1 alone, \"correct but blurry\"** **holds in part**" in text
    assert "about as detailed as the truth, on its edges (sharpness 1.06" in text and "duller than with the BCE" in text
    assert "**Both, \"correct and realistic\"** **does not hold**" in text and "the most realistic BCE + 1·L1" in text
    assert "below the better baseline on PSNR: BCE only (λ=0), BCE + 1·L1;" in text
    assert "The highest SSIM of all is the gray copy's (0.790)" in text and "not converged" in text
    assert "every generator is easy to spot" in text
    # a converged-looking table: BCE alone realistic and wrong, L1 alone blurred and most accurate, both best
    table = {"BCE only (λ=0)": (18.0, 0.80, 48.0, 1.00, 0.90, 0.55), "BCE + 1·L1": (19.0, 0.81, 30.0, 1.0, 0.92, 0.60),
             "BCE + 100·L1": (21.0, 0.84, 25.0, 0.95, 0.94, 0.52), "L1 only": (20.5, 0.85, 12.0, 0.50, 0.93, 0.70),
             "gray copy": (17.4, 0.79, 0.0, 0.97, 0.95, 0.97), "mean colour": (17.7, 0.76, 14.7, 0.93, 0.94, 0.97)}
    text = colorizer_verdicts(table)
    assert "**BCE alone, \"realistic but wrong\"** **holds**" in text
    assert "**L1 alone, \"correct but blurry\"** **holds in part**" in text and "blurred, on the truth's edges" in text
    assert "**Both, \"correct and realistic\"** **holds**" in text
    assert "below the better baseline on PSNR: none; on SSIM: none" in text and "not converged" not in text
    assert "easy to spot" not in text
