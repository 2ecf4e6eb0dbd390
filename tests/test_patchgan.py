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

# --- the notebook shows the package's computations ---------------------------------------------------

def test_notebook_calls_the_package_instead_of_redefining_it():
    source = NOTEBOOK_TEXT.read_text()
    # the only functions a notebook defines are the exercise stubs the student fills in
    defined = re.findall(r"^def (\w+)\(.*?\n(?=\S)", source, re.M | re.S)
    stubs = re.findall(r"^def (\w+)\(.*?\n    return \.\.\.  # your code\n", source, re.M | re.S)
    assert defined == stubs and len(stubs) >= 2, "notebook 03 must import its code, not define it"
    assert not re.search(r"^\s*class ", source, re.M)
    for call in ("pv.grid_table_rows(", "receptive_field(", "pv.window_check_rows(", "pv.gradient_window(",
                 "pv.plot_receptive_field(", "pv.zero_activation_share(", "load_shipped_variants(",
                 "pv.plot_score_maps(", "pv.score_rows(", "summarize_runs(", "baseline_colorizations(",
                 "shipped_runs(", "seed_wins(", "trainer_for("):
        assert call in source, call
    assert "import matplotlib.pyplot" not in source and ".backward()" not in source


def test_notebook_stores_the_package_answers():
    from gan_course.pix2pix import Pix2PixConfig
    from gan_course.plots import format_table

    text = stored_text("03_patchgan")
    torch.manual_seed(0)
    D_note, D_70 = note_patch_discriminator(), PatchDiscriminator(4, 64, 3)
    model = Pix2PixConfig(space="lab", width_G=16, width_D=32, n_layers_D=1, norm_D="none")
    D_ours = model.build()[1]
    grid = pv.grid_table_rows({"note 003's net": (D_note, 64), "pix2pix 70×70 (n_layers=3)": (D_70, 64),
                               "pix2pix 70×70 at 256": (D_70, 256),
                               "ours: n_layers=1, width 32": (D_ours, 32),
                               "ours, global": (GlobalDiscriminator(3, 32, 1, "none"), 32)})
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
    assert "✗" not in text and text.count("not answered yet") >= 2  # stubs, never answers


def test_notebook_table_holds_the_baselines():
    """The global-vs-patch tables start with the baselines, recomputed here from the package."""
    from gan_course.data import load_dataset
    from gan_course.lessons.colorization import baseline_colorizations
    from gan_course.metrics import colorization_metrics

    text = stored_text("03_patchgan")
    x_train, x_test = load_dataset("photos", 32).float(), load_dataset("photos", 32, split="test").float()
    for name, y in baseline_colorizations(x_test, x_train).items():
        m = colorization_metrics(y, x_test)
        assert re.search(rf"{name}\s+-\s+{m['PSNR']:.3f}\s+{m['colourfulness']:.3f}", text), name
    assert re.search(r"BCE \+ 100·L1\s+3\s+[\d.]+ ± [\d.]+", text)
    assert re.search(r"BCE \+ 100·L1, global D\s+3\s+[\d.]+ ± [\d.]+", text)


def test_notebook_03_verdicts_follow_the_numbers():
    """Seed counts *and* edge fidelity decide the words: "sharper" holds on a set only where the
    PatchGAN is sharper in every seed and its detail is the truth's (edge fidelity ≥ 0.5); where it
    fails the verdict says "not on" that set and why, and a chance of 1 in 2^n is named; scores
    that depend on the batch are named."""
    from types import SimpleNamespace

    from gan_course.lessons.experiments import Run, seed_wins
    from gan_course.lessons.report import say
    from gan_course.metrics import detail_verdict

    from conftest import run_cell

    def runs(patch_sharp, global_sharp, edge=0.9):
        return [Run(name, seed, {"PSNR": 20.0 + seed, "colourfulness": 20.0, "sharpness": sharp[seed],
                                 "edge fidelity": edge}, {}, 0.0, None, None)
                for name, sharp in (("BCE + 100·L1", patch_sharp), ("BCE + 100·L1, global D", global_sharp))
                for seed in range(3)]

    def base(gray_sharpness):
        return {"gray copy": {"sharpness": gray_sharpness, "colourfulness": 0.0},
                "mean colour": {"sharpness": 0.9, "colourfulness": 15.0},
                "truth": {"sharpness": 1.0, "colourfulness": 56.0}}

    ns = dict(metrics=["PSNR", "colourfulness", "sharpness", "edge fidelity"], seed_wins=seed_wins, say=say,
              detail_verdict=detail_verdict, torch=torch,
              patch=SimpleNamespace(config=SimpleNamespace(lambda_l1=100.0)),
              bases={"photos": base(0.5), "palette digits": base(0.2)},
              runs={"photos": runs([1.0, 1.1, 0.9], [0.8, 0.9, 0.8]),
                    "palette digits": runs([0.5, 0.9, 0.4], [0.6, 0.8, 0.5], edge=0.2)})
    text = run_cell("03_patchgan", "fails, means = ", ns)
    assert "**photos**: the PatchGAN is about as detailed as the truth, on its edges" in text
    assert "scores higher on PSNR in 0 of 3 seeds" in text
    assert "on sharpness in 3, on edge fidelity in 0" in text and "**palette digits**" in text
    assert "holds on photos; not on palette digits: sharper in only 1 of 3 seeds" in text
    assert "p = 0.125 (1 in 8)" in text and "\"More realistic\" is not measured here" in text
    assert "duller than the mean-colour baseline" not in text  # 20 > 15
    # sharper in every seed, but not on the truth's edges: the verdict says it is not the truth's detail
    ns["runs"]["palette digits"] = runs([0.9, 1.0, 0.8], [0.6, 0.8, 0.5], edge=0.2)
    text = run_cell("03_patchgan", "fails, means = ", ns)
    assert "not on palette digits: sharper in every seed, but with edge fidelity 0.20 < 0.5" in text
    # not sharper in every seed, and both GANs less sharp than the gray copy
    ns["runs"]["photos"] = runs([0.8, 0.9, 0.9], [0.8, 0.95, 0.8])
    ns["bases"]["photos"] = base(0.97)
    text = run_cell("03_patchgan", "fails, means = ", ns)
    assert "holds on neither set; not on photos: sharper in only 1 of 3 seeds; both GANs are less sharp " \
           "than the gray copy" in text
    rows = [{"D": d, "pairs": p, "batch": v, "mixed": v, "eval": v, "share": v}
            for d in ("PatchGAN", "global D") for p, v in (("real (A, B)", 0.6), ("fake (A, G(A))", 0.45))]
    text = run_cell("03_patchgan", "same = all(", dict(rows=rows, say=say))
    assert "0.600 on real pairs vs 0.450 on G's (gap 0.150)" in text and "agree: without batch statistics" in text
    rows[0]["batch"] = 0.9
    assert "disagree: the scores still depend on the batch" in run_cell("03_patchgan", "same = all(",
                                                                         dict(rows=rows, say=say))


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


def test_window_means_averages_each_cells_clipped_window():
    D = nn.Sequential(nn.Conv2d(1, 1, 4, 2, 1))  # 16 → 8×8 cells, 4×4 windows, stride 2, offset −1
    image = torch.arange(256.0).view(16, 16)
    means = pv.window_means(D, image, pv.output_grid(D, 16))
    assert means.shape == (8, 8)
    assert means[0, 0] == image[:3, :3].mean()  # clipped at the border
    assert means[3, 4] == image[5:9, 7:11].mean()
    with pytest.raises(ValueError, match="square"):
        pv.window_means(D, torch.zeros(1, 16, 16), (8, 8))
