"""pix2pix track: U-Net shapes and skips, metrics on known cases, the pix2pix objective, training."""

import pytest
import torch

from gan_course.engine import TrainConfig, trainer_for
from gan_course.lessons.colorization import baseline_colorizations, compare_colorizers
from gan_course.lessons.experiments import summarize_runs
from gan_course.metrics import colorfulness, high_frequency_energy, psnr, sharpness, ssim
from gan_course.pix2pix import Pix2PixConfig, Pix2PixObjective, colorize
from gan_course.unet import UNetGenerator, unet_trace



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


def palette_rows(table: dict[str, tuple]) -> list[dict]:
    """Made-up rows of notebook 04's palette table: method → (PSNR, chroma, on palette)."""
    rows = [{"method": n, "PSNR": p, "chroma": c, "on palette": o, "realism acc.": 1.0 - o / 2}
            for n, (p, c, o) in table.items()]
    return rows + [{"method": "truth", "PSNR": float("inf"), "chroma": 54.8, "on palette": 1.0,
                    "realism acc.": 0.5}]


LOSSES = ["L1", "BCE + 100·L1", "BCE + 10·L1", "BCE + 1·L1", "BCE"]
BASELINES_04 = {"gray copy": (11.9, 0.0, 0.0), "mean colour": (12.2, 19.9, 0.0)}


def test_notebook_04_palette_verdict_follows_the_numbers():
    """L1 that averages and an adversarial term that chooses are said so only when the table shows it;
    realism is read over all four adversarial rows, and BCE alone's verdict follows its own number."""
    from gan_course.lessons.report import say

    from conftest import run_cell

    def verdict(table):
        rows = palette_rows(table)
        by = {r["method"]: r for r in rows}
        return run_cell("04_l1_vs_bce", "vivid = [", dict(by=by, losses=LOSSES, adv=LOSSES[1:], say=say,
                                                         collapsed=collapsed, alike_acc=alike_acc))

    collapsed, alike_acc = [], 1.0

    chooses = {"L1": (12.4, 16.1, 0.0), "BCE + 100·L1": (12.0, 45.0, 0.62), "BCE + 10·L1": (11.9, 49.0, 0.8),
               "BCE + 1·L1": (11.8, 48.0, 0.76), "BCE": (10.5, 51.0, 0.61), **BASELINES_04}
    text = verdict(chooses)
    assert "**L1 alone averages**: chroma 16.1 (the mean colour: 19.9; the palette: 54.8), 0 %" in text
    assert "BCE + 100·L1, BCE + 10·L1, BCE + 1·L1, BCE put more than half" in text
    assert "none stays as dull as L1" in text and "the best PSNR is L1's (12.40 dB; BCE alone 10.50 dB)" in text
    assert ("L1 1.00, BCE + 100·L1 0.69, BCE + 10·L1 0.60, BCE + 1·L1 0.62, BCE 0.70. Harder to tell from "
            "real than L1 (by more than 0.05): BCE + 100·L1, BCE + 10·L1, BCE + 1·L1, BCE; none is as easy"
            ) in text
    assert "less often than L1's" in text and "does not hold" not in text
    # an adversarial term too weak to matter: dull like L1, and said so; BCE alone caught like L1
    weak = {**chooses, "BCE + 100·L1": (12.3, 17.0, 0.05), "BCE + 10·L1": (12.2, 30.0, 0.3),
            "BCE": (10.5, 51.0, 0.0)}
    text = verdict(weak)
    assert "BCE + 1·L1 put more than half" in text and "dull like L1: BCE + 100·L1, BCE." in text
    assert "as easy to spot as L1: BCE + 100·L1, BCE." in text and "collapsed" not in text
    assert "Note 003's \"BCE alone gives realistic images\" does not hold here." in text
    # a generator that paints every digit alike and is spotted: the collapse is named as the giveaway
    collapsed, alike_acc = ["BCE + 100·L1"], 0.95
    assert "BCE + 100·L1 collapsed (above), and a collapse alone gives a generator away: the true digits " \
           "repainted alike are caught with accuracy 0.95." in verdict(weak)
    alike_acc = 0.6
    assert "a collapse alone does not explain it: the true digits repainted alike are caught with only " \
           "0.60." in verdict(weak)
    assert "collapsed" not in verdict(chooses)  # not spotted: nothing to explain


def test_notebook_04_names_a_collapse_onto_the_colours_nearest_l1s_answer():
    """A generator that paints most digits in one colour is called collapsed, tied to L1's answer only
    when those are the colours nearest it; the others are said to use all five."""
    from gan_course.lessons.report import say

    from conftest import run_cell

    def use(stroke, background):
        return {"stroke": dict(zip(["orange", "lime", "green", "blue", "magenta"], stroke)),
                "background": dict(zip(["crimson", "brown", "olive", "blue", "purple"], background))}

    even = use([0.2] * 5, [0.2] * 5)
    ns = dict(say=say, adv=LOSSES[1:], pct=lambda v: f"{100 * v:.0f} %",
              nearest={"stroke": "green", "background": "crimson"},
              use={"BCE + 100·L1": use([0, 0.24, 0.76, 0, 0], [1.0, 0, 0, 0, 0]),
                   "BCE + 10·L1": use([0.26, 0.16, 0.28, 0.22, 0.03], [0.2] * 5),
                   "BCE + 1·L1": even, "BCE": even})
    text = run_cell("04_l1_vs_bce", "favourite = {", ns)
    assert "**BCE + 100·L1 has collapsed**: 76 % of its digits are green and 100 % of its backgrounds " \
           "crimson" in text and "nearest L1's answer on each level (green and crimson)" in text
    assert "**BCE + 10·L1, BCE + 1·L1, BCE** use all five: at most 28 % of their digits" in text
    assert "With λ ≤ 10, D's pull" in text
    text = run_cell("04_l1_vs_bce", "favourite = {", ns | dict(nearest={"stroke": "lime",
                                                                        "background": "crimson"}))
    assert "has collapsed" in text and "nearest L1's answer" not in text
    ns["use"] = {n: even for n in LOSSES[1:]}
    text = run_cell("04_l1_vs_bce", "favourite = {", ns)
    assert "collapsed" not in text and "use all five: at most 20 %" in text


def test_notebook_04_photo_verdict_names_what_beats_the_baselines():
    from gan_course.lessons.report import say

    from conftest import run_cell

    def rows(l1, both):
        table = {"L1": l1, "BCE + 100·L1": both, "gray copy": (22.1, 0.0, 0.97),
                 "mean colour": (21.5, 10.0, 0.95), "truth": (float("inf"), 30.0, 0.5)}
        return [{"method": n, "PSNR": p, "colourfulness": c, "realism acc.": r}
                for n, (p, c, r) in table.items()]

    text = run_cell("04_l1_vs_bce", "pby = {", dict(real_rows=rows((23.0, 12.0, 0.9), (22.0, 20.0, 0.8)),
                                                    say=say))
    assert "**L1** beats both baselines on PSNR, colourfulness, realism acc." in text
    assert "**BCE + 100·L1** beats both baselines on colourfulness, realism acc. (PSNR 22.00" in text
    text = run_cell("04_l1_vs_bce", "pby = {", dict(real_rows=rows((21.0, 5.0, 0.99), (22.0, 20.0, 0.8)),
                                                    say=say))
    assert "**L1** beats both baselines on nothing" in text
    assert "far duller than the photos themselves (colourfulness 30.0; the most colourful colorizer: 20.0)" in text
    assert "(21.00–22.10 dB)" in text


def unet_rows(skips: tuple, no_skips: tuple, gray_psnr: float = 22.0) -> list[dict]:
    """Made-up rows of notebook 02's table: (PSNR, sharpness, edge fidelity) per U-Net."""
    table = {"with skips": skips, "no skips": no_skips, "gray copy": (gray_psnr, 0.97, 0.99),
             "mean colour": (21.0, 0.96, 0.99)}
    return [{"method": n, "PSNR": p, "SSIM": 0.8, "colourfulness": 10.0, "sharpness": sh,
             "edge fidelity": e}
            for n, (p, sh, e) in table.items()]


def test_notebook_02_verdicts_follow_the_numbers():
    """Blur, noise or right: chosen by sharpness and edge fidelity together; each half of the claim
    (without skips blurry, with skips sharp) is judged on its own, against the gray copy."""
    from types import SimpleNamespace

    from gan_course.lessons.report import say
    from gan_course.metrics import detail_verdict

    from conftest import run_cell

    unets = {"with skips": "L1, RGB from gray", "no skips": "L1, RGB from gray, no skips"}
    shipped = SimpleNamespace(G=torch.nn.Linear(2, 3), config=SimpleNamespace(width_G=16),
                              scores={"cifar10 test": {"PSNR": 24.6}})
    ns = dict(say=say, detail_verdict=detail_verdict, unets=unets, cifar={unets["with skips"]: shipped},
              truth_row={"colourfulness": 56.0}, gray_ref={"PSNR": 26.2})
    rows = unet_rows((24.0, 0.95, 0.97), (19.0, 0.2, 0.8))
    rows[0]["SSIM"] = 0.9
    text = run_cell("02_unet", "blurry_half = (", ns | dict(rows=rows))
    assert "has 9 parameters" in text and "Without skips it is blurred, on the truth's edges" in text
    assert "Note 003's claim **holds**" in text and "the U-Net with skips beats it" in text
    assert "colourfulness is 10.0 against the truth's 56.0" in text and "24.60 dB against the gray copy's 26.20" in text
    text = run_cell("02_unet", "blurry_half = (", ns | dict(rows=unet_rows((21.0, 0.95, 0.97), (20.0, 3.0, 0.1))))
    assert "Without skips it is noisy" in text and "\"Without skips → blurry\" does not hold" in text
    assert "**half holds**" in text and "does not beat it on both" in text
    text = run_cell("02_unet", "blurry_half = (", ns | dict(rows=unet_rows((21.0, 0.76, 0.95), (20.0, 0.17, 0.8))))
    assert "\"with skips → sharp, preserved details\" does not: with skips the output is still blurrier " \
           "(0.76) than the gray copy, the input itself (0.97)" in text and "**half holds**" in text
    # the zeroed bottleneck: what the skips carry alone
    zero = [{"method": "with skips", "PSNR": 24.0},
            {"method": "with skips, bottleneck = 0", "PSNR": 21.5, "edge fidelity": 0.9},
            {"method": "no skips, bottleneck = 0", "PSNR": 12.0}]
    ns |= dict(zero_rows=zero, skip={"PSNR": 24.0}, grey={"PSNR": 22.0}, by={"gray copy": {"PSNR": 22.0}})
    text = run_cell("02_unet", "cut = zby", ns)
    assert "still scores 21.50 dB (edge fidelity 0.90), against 24.00 dB intact: the skips carry most" in text
    zero[1]["PSNR"] = 15.0
    assert "relies on its bottleneck too" in run_cell("02_unet", "cut = zby", ns)
    zero[1]["PSNR"] = 24.03
    assert "the bottleneck adds nothing measurable" in run_cell("02_unet", "cut = zby", ns)
    zero[1]["PSNR"] = 24.2
    assert "the bottleneck slightly hurts: zeroing it gains +0.20 dB, enough to beat the gray copy " \
           "(22.00 dB)" in run_cell("02_unet", "cut = zby", ns)
    # where L is copied (Lab), skips that change little are said to matter little among these models
    pairs = ["L1", "L1, no skips", "BCE + 100·L1", "BCE + 100·L1, no skips"]
    rows = [{"method": n, "PSNR": p, "on palette": o} for n, p, o in (
        ("L1", 13.07, 0.0), ("L1, no skips", 13.05, 0.0), ("BCE + 100·L1", 11.23, 0.8),
        ("BCE + 100·L1, no skips", 11.29, 0.76), ("gray copy", 12.93, 0.0))]
    ns = dict(palette_rows=rows, pairs=pairs, say=say, favourite="green", shares=[0.3, 0.25])
    text = run_cell("02_unet", "gaps = {", ns)
    assert "**L1**: skips change PSNR by +0.02 dB and the share on the palette by +0 points." in text
    assert "2 of the 4 models score below the gray copy's 12.93 dB" in text
    assert "the U-Net without skips does about as well here; but these models all fail" in text
    assert "30 % of the digits of BCE + 100·L1 are green, 25 % without skips" in text
    # a PSNR gap that comes with painting more digits in the cheapest colour is read as that ...
    rows[2]["PSNR"] = 12.2
    text = run_cell("02_unet", "gaps = {", ns | dict(shares=[0.76, 0.5]))
    assert "the PSNR gap is a choice of colour, not detail the skips carry" in text
    assert "paints more digits green" in text
    # ... and one that comes without it, as skips that matter
    text = run_cell("02_unet", "gaps = {", ns | dict(shares=[0.4, 0.38]))
    assert "here skips matter even with L copied." in text and "choice of colour" not in text


def test_a_zeroed_bottleneck_leaves_only_what_the_skips_carry():
    from gan_course.pix2pix import Pix2PixConfig, colorize

    torch.manual_seed(0)
    x = torch.rand(4, 3, 32, 32) * 2 - 1
    for skips in (True, False):
        G, _ = Pix2PixConfig(space="lab", width_G=8, skips=skips).build()
        G.eval()
        zeroed = colorize(G, x, "lab", zero_bottleneck=True)
        # without skips the output no longer depends on the input's content: one colouring for all
        A = torch.rand(4, 1, 32, 32) * 2 - 1
        with torch.no_grad():
            out = G(A, zero_bottleneck=True)
        assert (out.std(0).max() < 1e-6) == (not skips)
        assert zeroed.shape == x.shape


def test_loss_term_gradients_measure_each_term_and_leave_the_weights_alone():
    from gan_course.lessons.colorization import loss_term_gradients
    from gan_course.losses import bce_logits
    from gan_course.pix2pix import Pix2PixConfig
    from gan_course.color import colorization_pair

    torch.manual_seed(0)
    G, D = Pix2PixConfig(space="lab", width_G=8, width_D=8, n_layers_D=1, norm_D="none").build()
    x = torch.rand(4, 3, 32, 32) * 2 - 1
    before = [p.clone() for p in G.parameters()]
    rows = loss_term_gradients(G, D, x, "lab", (1.0, 10.0))
    assert all(torch.equal(a, b) for a, b in zip(before, G.parameters())) and G.training
    assert rows[1]["‖∇ λ·L1‖"] == pytest.approx(10 * rows[0]["‖∇ λ·L1‖"])
    assert rows[0]["‖∇ adv‖"] == rows[1]["‖∇ adv‖"]
    G.eval()
    A, _ = colorization_pair(x, "lab")
    grads = torch.autograd.grad(bce_logits(D.eval()(A, G(A)), 1.0), list(G.parameters()))
    assert rows[0]["‖∇ adv‖"] == pytest.approx(float(torch.cat([g.flatten() for g in grads]).norm()), rel=1e-5)


def test_colorizer_explorer_colorizes_the_chosen_image_with_the_chosen_model(monkeypatch):
    from gan_course.lessons import widgets
    from gan_course.pix2pix import Pix2PixConfig

    torch.manual_seed(0)
    models = {name: Pix2PixConfig(space="lab", width_G=4).build()[0] for name in ("L1", "BCE")}
    x = torch.rand(3, 3, 32, 32) * 2 - 1
    drawn = []
    monkeypatch.setattr(widgets, "plot_colorization", lambda G, img, space, title: drawn.append(
        (G, img, space, title)) or "figure")
    w = widgets.colorizer_explorer(models, x)
    w.f(name="L1", index=2)
    G, img, space, title = drawn[-1]
    assert G is models["L1"] and torch.equal(img, x[2:3]) and (space, title) == ("lab", "L1")
    from gan_course.lessons.colorization import plot_colorization

    fig = plot_colorization(models["BCE"], x[:1], "lab", "BCE")
    assert len(fig.axes) == 3 and fig.axes[1].get_title() == "BCE"


@pytest.mark.parametrize("field", ["depth", "width_G", "width_D", "n_layers_D"])
def test_pix2pix_config_refuses_sizes_below_one_by_name(field):
    from gan_course.pix2pix import Pix2PixConfig

    with pytest.raises(ValueError, match=f"{field} must be an integer >= 1, got 0"):
        Pix2PixConfig(**{field: 0})


def test_tracked_scores_are_read_back_as_window_means_and_plotted_or_refused_clearly():
    from types import SimpleNamespace

    from gan_course.lessons.colorization import plot_tracked, tracked_mean

    run = SimpleNamespace(name="BCE", tracked={"step": [500, 1000, 1500, 2000],
                                               "on palette": [0.2, 0.5, 0.7, 0.75]})
    assert tracked_mean(run, "on palette", 1000, 2000) == pytest.approx(0.725)
    assert tracked_mean(run, "on palette", 0, 1000) == pytest.approx(0.35)
    assert tracked_mean(run, "on palette", 1999, 2000) == pytest.approx(0.75)
    with pytest.raises(ValueError, match=r"no score tracked in steps \(2000, 2500\]"):
        tracked_mean(run, "on palette", 2000, 2500)
    fig = plot_tracked({"BCE": run}, ["BCE"], ["on palette"], decay_from=1000,
                       windows=[(500, 1000), (1000, 1500)])
    assert [len(line.get_xdata()) for line in fig.axes[0].lines] == [4, 2]  # the run, the dashed line
    assert len(fig.axes[0].patches) == 2  # the two shaded windows
    untracked = SimpleNamespace(name="L1", tracked={})
    for call in (lambda: tracked_mean(untracked, "on palette", 0, 500),
                 lambda: plot_tracked({"L1": untracked}, ["L1"], ["on palette"])):
        with pytest.raises(ValueError, match="L1 has no scores tracked"):
            call()
