"""PatchGAN: output grids, the receptive field computed and measured, the seed's ReLU, input checks,
the views module's helpers and figures, and notebook 03's promise that it shows the package's values."""
import re

import pytest
import torch
from matplotlib.figure import Figure
from torch import nn

from gan_course.lessons import patchgan_views as pv
from gan_course.patchgan import GlobalDiscriminator, PatchDiscriminator, receptive_field, note_patch_discriminator

from conftest import NOTEBOOKS, stored_text

NOTEBOOK_TEXT = NOTEBOOKS / "03_patchgan.py"


@pytest.fixture(scope="module")
def nets():
    torch.manual_seed(0)
    return {"p70": PatchDiscriminator(4, 64, 3), "seed": note_patch_discriminator(),
            "note_relu": note_patch_discriminator(leaky=False), "fast": PatchDiscriminator(3, 32, 2),
            "one": PatchDiscriminator(3, 16, 1)}


# --- receptive field: reference values, computed and measured ----------------------------------------

def test_receptive_field_reference_values(nets):
    assert receptive_field(nets["p70"]) == (rf70 := receptive_field(PatchDiscriminator(4, 64, 3)))
    assert (rf70.size, rf70.stride) == (70, 8)  # pix2pix's 70×70 PatchGAN
    assert (receptive_field(nets["seed"]).size, receptive_field(nets["seed"]).stride) == (46, 16)
    assert (receptive_field(nets["fast"]).size, receptive_field(nets["fast"]).stride) == (34, 4)
    assert (receptive_field(nets["one"]).size, receptive_field(nets["one"]).stride) == (16, 2)


@pytest.mark.parametrize("name,size,cell", [("p70", 128, (3, 3)), ("seed", 64, (1, 1)), ("seed", 64, (2, 1)),
                                            ("note_relu", 64, (1, 2)), ("fast", 64, (4, 4)), ("one", 32, (5, 3))])
def test_gradient_of_one_cell_fills_exactly_the_computed_window(nets, name, size, cell):
    D = nets[name]
    rf, win = receptive_field(D), pv.cell_window(D, cell)
    assert win.size == rf.size and 0 <= win.top and win.bottom < size  # an interior cell
    g = pv.gradient_window(D, size, cell)
    assert (g.top, g.left, g.height, g.width) == (win.top, win.left, rf.size, rf.size)
    assert g.grad.shape == (size, size) and g.zero_fraction == 0.0
    outside = g.grad.clone()
    outside[win.top:win.bottom + 1, win.left:win.right + 1] = 0
    assert outside.abs().max() == 0


def test_border_cells_see_the_padding(nets):
    win = pv.cell_window(nets["seed"], (0, 0))
    assert (win.top, win.left, win.size) == (-15, -15, 46)  # paddings 1 + 2 + 4 + 8 before the image
    assert win.clip(64) == (0, 0, 31, 31)
    g = pv.gradient_window(nets["seed"], 64, (0, 0))
    assert (g.top, g.left, g.height, g.width) == win.clip(64)
    assert pv.cell_window(nets["seed"], (3, 3)).clip(64) == (33, 33, 31, 31)


def test_neighbouring_cells_are_one_stride_apart(nets):
    for name in ("p70", "seed", "fast"):
        a, b = pv.cell_window(nets[name], (2, 2)), pv.cell_window(nets[name], (2, 3))
        assert b.left - a.left == receptive_field(nets[name]).stride and a.top == b.top


def test_cell_window_rejects_what_it_cannot_handle():
    with pytest.raises(ValueError, match="ConvTranspose2d"):
        pv.cell_window(nn.Sequential(nn.Conv2d(1, 1, 3), nn.ConvTranspose2d(1, 1, 3)), (0, 0))
    with pytest.raises(ValueError, match="AdaptiveAvgPool2d"):
        pv.cell_window(GlobalDiscriminator(4, 8, 2), (0, 0))
    assert pv.cell_window(nn.Sequential(nn.Conv2d(1, 1, 3, dilation=2), nn.MaxPool2d(2)), (1, 0)) == pv.Window(2, 0, 6)


def test_gradient_window_checks_the_cell_and_leaves_D_alone(nets):
    D = nets["fast"]
    D.train()
    before = {k: v.clone() for k, v in D.state_dict().items()}
    with pytest.raises(ValueError, match="outside the 6×6 output grid"):
        pv.gradient_window(D, 32, (6, 0))
    pv.gradient_window(D, 32, (1, 1))
    assert D.training and all(torch.equal(v, D.state_dict()[k]) for k, v in before.items())
    assert next(D.parameters()).dtype == torch.float32 and next(D.parameters()).grad is None


# --- output grids -----------------------------------------------------------------------------------

@pytest.mark.parametrize("size,p70,seed,fast,one", [(32, 2, 2, 6, 14), (64, 6, 4, 14, 30), (96, 10, 6, 22, 46)])
def test_output_grid_shapes(nets, size, p70, seed, fast, one):
    expected = {"p70": p70, "seed": seed, "fast": fast, "one": one}
    for name, side in expected.items():
        assert pv.output_grid(nets[name], size) == (side, side)
    A = torch.randn(2, 1, size, size)
    assert nets["p70"](A, torch.randn(2, 3, size, size)).shape == (2, 1, p70, p70)
    assert nets["fast"](A, torch.randn(2, 2, size, size)).shape == (2, 1, fast, fast)
    assert nets["seed"](torch.randn(2, 4, size, size)).shape == (2, 1, seed, seed)


@pytest.mark.parametrize("size", [32, 64, 96])
def test_global_discriminator_returns_one_logit(size):
    D = GlobalDiscriminator(4, 16, 2)
    assert D(torch.randn(3, 1, size, size), torch.randn(3, 3, size, size)).shape == (3, 1, 1, 1)
    assert pv.output_grid(D, size) == (1, 1)


def test_grid_table_rows(nets):
    rows = pv.grid_table_rows({"seed": (nets["seed"], 64), "p70": (nets["p70"], 256),
                               "global": (GlobalDiscriminator(3, 8, 2), 32)})
    assert rows[0] == dict(D="seed", input="64×64", grid="4×4", window="46×46", stride="16")
    assert rows[1]["grid"] == "30×30" and rows[1]["window"] == "70×70"  # the paper's 30×30 on 256×256
    assert rows[2]["grid"] == "1×1" and rows[2]["window"] == "whole image"


# --- the seed's ReLU --------------------------------------------------------------------------------

def test_note_relu_is_a_plain_inplace_relu():
    relu = nn.ReLU(0.2)
    assert relu.inplace  # 0.2 went into `inplace`
    x = torch.tensor([-1.0, -0.2, 0.0, 0.5])
    assert torch.equal(relu(x.clone()), torch.tensor([0.0, 0.0, 0.0, 0.5]))
    torch.testing.assert_close(nn.LeakyReLU(0.2)(x), torch.tensor([-0.2, -0.04, 0.0, 0.5]))


def test_seed_discriminator_activations():
    leaky = [m for m in note_patch_discriminator(leaky=True).modules() if isinstance(m, (nn.ReLU, nn.LeakyReLU))]
    assert len(leaky) == 3 and all(isinstance(m, nn.LeakyReLU) and m.negative_slope == 0.2 for m in leaky)
    plain = [m for m in note_patch_discriminator(leaky=False).modules() if isinstance(m, (nn.ReLU, nn.LeakyReLU))]
    assert len(plain) == 3 and all(type(m) is nn.ReLU for m in plain)
    assert not any(isinstance(m, nn.Sigmoid) for m in note_patch_discriminator().modules())  # logits out


def test_zero_activation_share():
    torch.manual_seed(0)
    dead = pv.zero_activation_share(note_patch_discriminator(leaky=False), 64)
    assert len(dead) == 3 and all(0.4 < s < 0.6 for s in dead)
    assert pv.zero_activation_share(note_patch_discriminator(leaky=True), 64) == [0.0, 0.0, 0.0]


# --- input checks -----------------------------------------------------------------------------------

@pytest.mark.parametrize("cls", [PatchDiscriminator, GlobalDiscriminator])
@pytest.mark.parametrize("A,B,message", [
    ((2, 1, 32, 32), (2, 2, 32, 32), "4 channels, got 1 \\+ 2"),
    ((2, 1, 32, 32), (2, 3, 64, 64), "equal N, H, W"),
    ((2, 1, 32, 32), (3, 3, 32, 32), "equal N, H, W"),
    ((1, 32, 32), (1, 3, 32, 32), "\\(N, C, H, W\\)"),
])
def test_mismatched_A_and_B_are_rejected(cls, A, B, message):
    with pytest.raises(ValueError, match=message):
        cls(4, 8, 2)(torch.randn(*A), torch.randn(*B))


# --- score maps -------------------------------------------------------------------------------------

def test_score_maps_and_generate():
    torch.manual_seed(0)
    D = PatchDiscriminator(3, 8, 2)
    A, B = torch.randn(10, 1, 32, 32), torch.randn(10, 2, 32, 32)
    D.train()
    running = D.net[3].running_mean.clone()
    maps = pv.score_maps(D, A, B, batch_size=4)
    assert maps.shape == (10, 6, 6) and 0 <= maps.min() and maps.max() <= 1 and D.training
    torch.testing.assert_close(maps[:3], pv.score_maps(D, A[:3], B[:3]))  # eval mode: no batch coupling
    batch = pv.score_maps(D, A, B, batch_size=5, batch_stats=True)
    assert batch.shape == (10, 6, 6) and not torch.allclose(batch, maps)
    assert torch.equal(D.net[3].running_mean, running)  # scoring never updates D's statistics

    G = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.Tanh())
    assert pv.generate(G, A, batch_size=3).shape == (10, 2, 32, 32)
    rows = pv.score_rows({"D": (G, D)}, A, B, batch_size=4)
    assert [r["pairs"] for r in rows] == ["real (A, B)", "fake (A, G(A))"]
    assert all(0 <= r[k] <= 1 for r in rows for k in ("eval", "batch", "mixed", "share"))
    assert rows[0]["eval"] == pytest.approx(float(maps.mean()))


def test_mixed_batches_put_reals_and_fakes_together():
    """Each batch of 4 = 2 real + 2 fake pairs; scores come back in the original order."""
    torch.manual_seed(0)
    D = PatchDiscriminator(3, 8, 2)
    A, real, fake = torch.randn(6, 1, 32, 32), torch.randn(6, 2, 32, 32), torch.randn(6, 2, 32, 32)
    r, f = pv.mixed_batch_scores(D, A, real, fake, batch_size=4)
    assert r.shape == f.shape == (6, 6, 6)
    # the first batch is (real 0, real 1, fake 0, fake 1): score it by hand
    first = pv.score_maps(D, torch.cat([A[:2], A[:2]]), torch.cat([real[:2], fake[:2]]), batch_size=4, batch_stats=True)
    torch.testing.assert_close(torch.cat([r[:2], f[:2]]), first)
    last = pv.score_maps(D, torch.cat([A[4:], A[4:]]), torch.cat([real[4:], fake[4:]]), batch_size=4, batch_stats=True)
    torch.testing.assert_close(torch.cat([r[4:], f[4:]]), last)
    with pytest.raises(ValueError, match="even"):
        pv.mixed_batch_scores(D, A, real, fake, batch_size=3)


def test_gradient_share_inside_a_window(nets):
    g = pv.gradient_window(nets["seed"], 64, (1, 1))
    assert g.share_inside(pv.cell_window(nets["seed"], (1, 1))) == pytest.approx(1.0)
    centre = g.share_inside(pv.Window(16, 16, 16))
    assert 16 ** 2 / 46 ** 2 < centre < 0.5  # more than its area's share, far from all of it
    assert g.share_inside(pv.Window(-10, -10, 5)) == 0.0


def test_discriminate_splits_the_condition_for_conditional_D():
    torch.manual_seed(0)
    D, x = PatchDiscriminator(4, 8, 2), torch.randn(2, 4, 32, 32)
    torch.testing.assert_close(pv.discriminate(D, x), D(x[:, :1], x[:, 1:]))


def test_window_check_rows(nets):
    rows = pv.window_check_rows([("seed", nets["seed"], 64, (1, 1)), ("seed", nets["seed"], 64, (0, 0))])
    assert rows[0]["window"] == rows[0]["gradient"] == "1,1 46" and rows[1]["inside"] == "0,0 31"
    assert all(r["match"] for r in rows)


# --- figures ----------------------------------------------------------------------------------------

def test_figures(nets):
    image = torch.rand(3, 64, 64) * 2 - 1
    fig = pv.plot_receptive_field(image, {"a": pv.cell_window(nets["seed"], (1, 1)), "b": pv.Window(-5, 50, 20)},
                                  gradient=pv.gradient_window(nets["seed"], 64, (1, 1)))
    assert isinstance(fig, Figure) and len(fig.axes) == 3  # two panels and a colour bar
    assert "46×46" in fig.axes[1].get_title()
    assert isinstance(pv.plot_receptive_field(image[:1], {}), Figure)
    maps = torch.rand(4, 6, 6)
    fig = pv.plot_score_maps({"real": (image[None].repeat(4, 1, 1, 1), maps), "fake": (image[None].repeat(3, 1, 1, 1), maps[:3])})
    assert isinstance(fig, Figure)
    assert f"mean {maps[0].mean():.2f}" in [ax.get_title() for ax in fig.axes]
    with pytest.raises(ValueError, match="2 images but 3 score maps"):
        pv.plot_score_maps({"x": (image[None].repeat(2, 1, 1, 1), maps[:3])})


# --- exercises --------------------------------------------------------------------------------------

def test_exercise_checks(capsys):
    assert pv.check_exercise("grid_128", 14) and not pv.check_exercise("grid_128", 16)
    assert "right answer: 14" in capsys.readouterr().out
    assert pv.check_exercise("overlap", 30) and pv.check_exercise("rf_three_layers", 22)
    assert pv.check_exercise("note_relu", 0.0) and not pv.check_exercise("note_relu", -0.2)
    assert not pv.check_exercise("overlap", None)
    assert pv.check_exercise("local_layers", 1) and not pv.check_exercise("local_layers", 2)
    capsys.readouterr()
    pv.check_exercises({"overlap": 30, "grid_128": 6})
    assert "1 of 2 right" in capsys.readouterr().out


# --- the notebook shows the package's computations ---------------------------------------------------

def test_notebook_calls_the_package_instead_of_redefining_it():
    source = NOTEBOOK_TEXT.read_text()
    assert not re.search(r"^\s*(def|class) ", source, re.M), "notebook 03 must import its code, not define it"
    for call in ("pv.grid_table_rows(", "receptive_field(", "pv.window_check_rows(", "pv.gradient_window(",
                 "pv.plot_receptive_field(", "pv.zero_activation_share(", "compare_colorizers(",
                 "pv.plot_score_maps(", "pv.score_rows(", "summarize_runs(", "baseline_colorizations(",
                 "pv.check_exercises("):
        assert call in source, call
    assert "import matplotlib.pyplot" not in source and ".backward()" not in source


def test_notebook_stores_the_package_answers():
    from gan_course.pix2pix import Pix2PixConfig
    from gan_course.plots import format_table

    text = stored_text("03_patchgan")
    torch.manual_seed(0)
    D_note, D_70 = note_patch_discriminator(), PatchDiscriminator(4, 64, 3)
    model = Pix2PixConfig.for_profile("fast", space="lab")
    D_ours = model.build()[1]
    grid = pv.grid_table_rows({"note 003's net": (D_note, 64), "pix2pix 70×70 (n_layers=3)": (D_70, 64),
                               "pix2pix 70×70 at 256": (D_70, 256),
                               "ours: n_layers=2, width 32": (D_ours, 32),
                               "ours, global": (GlobalDiscriminator(3, 32, 2), 32)})
    assert format_table(grid, ["D", "input", "grid", "window", "stride"]) in text
    assert "window 46×46, stride 16: neighbouring windows overlap by 30 pixels" in text
    assert "window 70×70, stride 8" in text
    checks = pv.window_check_rows([("note 003's net", D_note, 64, (1, 1)), ("note 003's net", D_note, 64, (1, 2)),
                                   ("note 003's net", D_note, 64, (0, 0)),
                                   ("note 003's, ReLU", note_patch_discriminator(leaky=False), 64, (1, 1)),
                                   ("pix2pix 70×70", D_70, 128, (3, 3)),
                                   ("ours", D_ours, 32, (2, 2))])
    assert format_table(checks, ["D", "input", "cell", "window", "inside", "gradient", "match"],
                        ["D", "input", "cell", "computed window", "inside the image", "nonzero gradient", "match"]) in text
    share = pv.gradient_window(D_note, 64, (1, 1)).share_inside(pv.Window(16, 16, 16))
    assert f"share of |gradient| inside the 16×16 block: {share:.3f}" in text
    assert "ReLU(inplace=True)" in text and "tensor([0.0000, 0.0000, 0.0000, 0.5000])" in text
    assert "tensor([-0.2000, -0.0400,  0.0000,  0.5000])" in text
    torch.manual_seed(0)
    dead = pv.zero_activation_share(note_patch_discriminator(leaky=False), 64)
    assert f"zeros after each activation: {', '.join(f'{s:.3f}' for s in dead)}" in text
    assert text.count("✓") == 5 and "✗" not in text and "5 of 5 right" in text


def test_notebook_table_holds_the_baselines():
    """The global-vs-patch table starts with the baselines, recomputed here from the package."""
    from gan_course.data import load_dataset
    from gan_course.lessons.colorization import baseline_colorizations, colorization_metrics

    text = stored_text("03_patchgan")
    x_train = load_dataset("photos", 32, split="train", n=1024, seed=0).float()
    x_test = load_dataset("photos", 32, split="test", n=256, seed=0).float()
    for name, y in baseline_colorizations(x_test, x_train).items():
        m = colorization_metrics(y, x_test)
        assert re.search(rf"{name}\s+-\s+{m['PSNR']:.3f}\s+{m['SSIM']:.3f}\s+{m['colourfulness']:.3f}", text), name
    assert re.search(r"global D\s+1\s+[\d.]+", text) and re.search(r"PatchGAN\s+1\s+[\d.]+", text)


def patchgan_verdicts(gaps: dict, patch: tuple, global_d: tuple = (18.48, 0.758), clean: bool = False) -> str:
    """Notebook 03's verdict cells on trained numbers, run on made-up ones: ``gaps`` the PatchGAN's real −
    fake score gap per mode (batch, mixed, eval); ``patch`` and ``global_d`` their (PSNR, SSIM)."""
    from gan_course.engine import TrainConfig
    from gan_course.lessons.experiments import Run
    from gan_course.lessons.report import say
    from gan_course.metrics import detail_verdict
    from gan_course.patchgan import ReceptiveField
    from test_pix2pix import run_cells, verdict_cells

    rows = []
    for name, gap in (("global D", {"batch": 0.02, "mixed": -0.01, "eval": -0.03}), ("PatchGAN", gaps)):
        rows.append({"D": name, "pairs": "real (A, B)", **{m: 0.5 + g / 2 for m, g in gap.items()}})
        rows.append({"D": name, "pairs": "fake (A, G(A))", **{m: 0.5 - g / 2 for m, g in gap.items()}})
    metrics = lambda psnr, ssim: {"PSNR": psnr, "SSIM": ssim, "colourfulness": 25.0, "sharpness": 1.1,  # noqa: E731
                                  "edge fidelity": 0.93}
    runs = {name: Run(name, 0, metrics(*scores), {}, 0.0, None, None)
            for name, scores in (("global D", global_d), ("PatchGAN", patch))}
    maps_fake = torch.full((16, 6, 6), 0.3 if clean else 0.6)
    namespace = dict(maps_real=torch.full((16, 6, 6), 0.7), maps_fake=maps_fake, show=slice(0, 6),
                     G_colours=torch.zeros(6, 3, 32, 32), rows=rows, runs=runs,
                     train_cfg=TrainConfig(steps=100, batch_size=16),
                     baselines={"gray copy": metrics(17.37, 0.792), "mean colour": metrics(17.72, 0.759)},
                     truth_colour=59.4, rf_ours=ReceptiveField(34, 4), S=32, detail_verdict=detail_verdict,
                     say=say)
    return "\n".join(run_cells(verdict_cells("03_patchgan"), namespace))


def test_notebook_03_verdicts_follow_the_numbers():
    """The words of notebook 03's trained sections are chosen by the numbers: a D whose separation vanishes
    outside all-real / all-fake batches is said to read batches; a PatchGAN run that loses to the global-D run
    or to a baseline is not called better, and the short run is called unconverged."""
    text = patchgan_verdicts({"batch": 0.254, "mixed": 0.025, "eval": 0.005}, (18.00, 0.721))
    assert "a gap of 0.254; in mixed batches" in text and "(gap 0.025); in eval mode" in text
    assert "recognise *a batch of fakes*" in text and "mostly from BatchNorm's batch statistics" in text
    assert "6 of 6 real images" in text and "0 of 6 colorizations" in text and "suspicious" not in text
    assert "did **not** give more accurate" in text and "is not borne out" in text
    assert "below on SSIM: global D, PatchGAN" in text and "not converged" in text
    assert "-0.48 dB PSNR and -0.037 SSIM" in text
    # a D that also separates in eval mode, and a PatchGAN that wins and beats both baselines
    text = patchgan_verdicts({"batch": 0.25, "mixed": 0.2, "eval": 0.2}, (19.0, 0.80), clean=True)
    assert "survives mixed batches or eval mode" in text and "BatchNorm's batch statistics" not in text
    assert "A clean split after so few steps is suspicious" in text
    assert "the PatchGAN did give more accurate" in text and "borne out in this run, but a colorizer" in text
    assert "not converged" in text  # the global-D run is below the gray copy's SSIM
    text = patchgan_verdicts({"batch": 0.25, "mixed": 0.2, "eval": 0.2}, (19.0, 0.80), (18.8, 0.795))
    assert "is borne out in this run." in text and "not converged" not in text


@pytest.mark.parametrize("cls", ["PatchDiscriminator", "GlobalDiscriminator"])
def test_without_batch_statistics_an_image_is_scored_alone(cls):
    """BatchNorm (in training) scores an image by its batch; instance norm and no norm score it
    alone, so a batch of fakes cannot be told apart by its statistics."""
    import gan_course.patchgan as pg

    torch.manual_seed(0)
    x, others = torch.randn(1, 3, 32, 32), torch.randn(7, 3, 32, 32)
    for norm, alone in (("batch", False), ("instance", True), ("none", True)):
        D = getattr(pg, cls)(3, 8, 1, norm).train()
        A, B = x[:, :1], x[:, 1:]
        first = D(A, B)
        in_batch = D(torch.cat([A, others[:, :1]]), torch.cat([B, others[:, 1:]]))[:1]
        assert torch.allclose(first, in_batch, atol=1e-5) == alone, norm
    with pytest.raises(ValueError, match="norm must be one of batch, instance, none"):
        pg.PatchDiscriminator(3, 8, 1, "layer")


def test_one_stride_two_layer_D_is_a_patchgan_on_32_pixel_images():
    from gan_course.pix2pix import Pix2PixConfig

    _, D = Pix2PixConfig(space="lab", n_layers_D=1, norm_D="none").build()
    field = receptive_field(D)
    assert field.size == 16 and D(torch.zeros(2, 1, 32, 32), torch.zeros(2, 2, 32, 32)).shape == (2, 1, 14, 14)
    with pytest.raises(ValueError, match="norm_D must be one of"):
        Pix2PixConfig(norm_D="group")
