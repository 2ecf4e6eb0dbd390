"""Yeh et al. inpainting: masks, weights on a known case, losses, restarts, Poisson blending against a
direct sparse solve, the classical baselines, metrics and the benchmark."""
from dataclasses import replace

import numpy as np
import pytest
import torch
from scipy.sparse import lil_matrix
from scipy.sparse.linalg import spsolve

from gan_course.inpainting import (MASKS, InpaintConfig, check_mask, composite, contextual_loss,
                                   hole_psnr, hole_ssim, importance_weights, inpaint,
                                   inpainting_metrics, make_mask, perceptual_loss, poisson_blend)
from gan_course.classical_inpainting import BASELINES, mean_fill
from gan_course.shipped import load_shipped_dcgan

from conftest import DEVICES


def poisson_blend_reference(x_gen: np.ndarray, y: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The same system as ``poisson_blend`` for one (H, W) channel, assembled as a scipy sparse matrix
    and solved directly (the test's reference; no clamping)."""
    h, w = y.shape
    unknown = np.argwhere(mask == 0)
    index = {tuple(p): i for i, p in enumerate(unknown)}
    A, b = lil_matrix((len(unknown), len(unknown))), np.zeros(len(unknown))
    for i, (r, c) in enumerate(unknown):
        for rr, cc in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
            if 0 <= rr < h and 0 <= cc < w:
                A[i, i] += 1
                b[i] += x_gen[r, c] - x_gen[rr, cc]
                if mask[rr, cc] == 0:
                    A[i, index[(rr, cc)]] -= 1
                else:
                    b[i] += y[rr, cc]
    out = y.astype(np.float64).copy()
    out[mask == 0] = spsolve(A.tocsr(), b)
    return out


@pytest.fixture(scope="module")
def gan():
    return load_shipped_dcgan()


@pytest.fixture(scope="module")
def digits():
    from gan_course.data import load_dataset

    return load_dataset("digits", 32, split="test").float()[:8]


@pytest.mark.parametrize("kind", MASKS)
def test_each_mask_is_binary_seeded_and_leaves_known_pixels(kind):
    m = make_mask(kind, 6, 32, seed=3)
    assert m.shape == (6, 1, 32, 32) and set(m.unique().tolist()) <= {0.0, 1.0}
    assert torch.equal(m, make_mask(kind, 6, 32, seed=3))
    check_mask(m, torch.zeros(6, 1, 32, 32))  # some known, some missing in every image
    share = 1 - m.mean().item()
    expected = {"center": (0.25, 0.25), "random_pixels": (0.75, 0.85), "random_blocks": (0.1, 0.26),
                "half": (0.5, 0.5), "strokes": (0.05, 0.4)}[kind]
    assert expected[0] <= share <= expected[1]
    if kind in ("random_blocks", "half", "strokes", "random_pixels"):
        assert not torch.equal(m[0], m[1])  # not the same hole in every image


def test_mask_errors_say_what_was_expected():
    y = torch.zeros(2, 1, 8, 8)
    with pytest.raises(ValueError, match="unknown mask 'circle'"):
        make_mask("circle", 1, 32)
    with pytest.raises(ValueError, match=r"mask must be \(N, 1, H, W\)"):
        check_mask(torch.ones(2, 1, 4, 4), y)
    with pytest.raises(ValueError, match="binary"):
        check_mask(torch.full((2, 1, 8, 8), 0.5), y)
    with pytest.raises(ValueError, match="no known pixels"):
        check_mask(torch.zeros(2, 1, 8, 8), y)
    with pytest.raises(ValueError, match="no missing pixels"):
        check_mask(torch.ones(2, 1, 8, 8), y)


def test_importance_weights_known_case():
    m = torch.ones(1, 1, 5, 5)
    m[0, 0, 2, 2] = 0  # one missing pixel in the middle
    w = importance_weights(m, window=3)[0, 0]
    assert w[2, 2] == 0  # missing pixels weigh nothing
    assert torch.allclose(w[1:4, 1:4].sum() - w[2, 2], torch.tensor(8 / 9))  # 8 neighbours see 1 of 9 missing
    assert w[0, 0] == 0 and w[1, 1] == pytest.approx(1 / 9)
    m[0, 0, 2, 2], m[0, 0, 0, 1] = 1, 0  # a missing pixel on the border: neighbours are in-image pixels only
    w = importance_weights(m, window=3)[0, 0]
    assert w[0, 0] == pytest.approx(1 / 4) and w[1, 1] == pytest.approx(1 / 9) and w[0, 2] == pytest.approx(1 / 6)
    with pytest.raises(ValueError, match="odd"):
        importance_weights(m, window=4)


def test_losses_on_known_inputs():
    x_gen, y = torch.ones(2, 1, 2, 2), torch.zeros(2, 1, 2, 2)
    w = torch.tensor([1.0, 0.5, 0.0, 0.0]).view(1, 1, 2, 2).expand(2, 1, 2, 2)
    assert contextual_loss(x_gen, y, w).tolist() == [1.5, 1.5]  # Σ W·|G(z) − y|
    d = torch.tensor([0.0, 2.0])
    assert torch.allclose(perceptual_loss(d, "yeh"), torch.log(1 - torch.sigmoid(d)))
    assert torch.allclose(perceptual_loss(d, "nonsat"), -torch.log(torch.sigmoid(d)))
    with pytest.raises(ValueError, match="perceptual form"):
        perceptual_loss(d, "wgan")
    with pytest.raises(ValueError, match="weighting"):
        InpaintConfig(weighting="soft")


def test_poisson_blend_matches_a_direct_sparse_solve(digits):
    for kind in ("center", "half", "strokes"):  # a hole touching the border too
        m = make_mask(kind, 2, 32, seed=1)
        x_gen = torch.tanh(torch.randn(2, 1, 32, 32, generator=torch.Generator().manual_seed(0)) * 0.2)
        y = digits[:2] * m
        blended = poisson_blend(x_gen, y, m, tol=1e-10).double()
        for i in range(2):
            ref = poisson_blend_reference(x_gen[i, 0].double().numpy(), y[i, 0].double().numpy(), m[i, 0].numpy())
            assert np.abs(blended[i, 0].numpy() - np.clip(ref, -1, 1)).max() < 1e-4
        assert torch.equal(blended[m.expand_as(blended) == 1], y.double()[m.expand_as(y) == 1])  # known pixels kept


def test_poisson_blend_of_a_shifted_patch_recovers_the_truth(digits):
    """If G(ẑ) is the truth plus a constant, the blend removes the constant: gradients are what counts."""
    m = make_mask("center", 2, 32)
    blended = poisson_blend(digits[:2] + 0.3, digits[:2] * m, m, tol=1e-10)
    assert (blended - digits[:2]).abs().max() < 1e-4


def test_inpainting_lowers_its_loss_and_restarts_keep_the_best(gan, digits):
    G, D, config = gan
    m = make_mask("center", 4, 32)
    cfg = InpaintConfig(steps=15, lr=0.05, restarts=3)
    result = inpaint(G, D, digits[:4] * m, m, config.z_dim, cfg, seed=2)
    assert result.history[-1] < result.history[0]
    assert result.loss.shape == (4, 3) and torch.equal(result.best, result.loss.argmin(1))
    assert result.z.shape == (4, config.z_dim) and result.z.abs().max() <= cfg.z_clip
    assert torch.equal(result.composite * m, digits[:4] * m)  # known pixels are the input's
    assert torch.allclose(result.composite * (1 - m), result.x_gen * (1 - m))
    # restart 0 is the single run, also when N · z_dim is no multiple of 16 (3 · 100 here)
    three = inpaint(G, D, digits[:3] * m[:3], m[:3], config.z_dim, cfg, seed=2)
    single = inpaint(G, D, digits[:3] * m[:3], m[:3], config.z_dim, InpaintConfig(steps=15, lr=0.05), seed=2)
    assert torch.allclose(three.loss[:, 0], single.loss[:, 0], rtol=1e-4)
    assert (three.loss.min(1).values <= single.loss[:, 0] + 1e-6).all()
    # what is returned is the kept restart's: its z (restart 0's is the single run's) and G(z)
    assert three.best.tolist() != [0, 0, 0], "pick a seed where some image keeps another restart"
    for i, b in enumerate(three.best.tolist()):
        assert torch.allclose(three.z[i], single.z[i], atol=1e-4) == (b == 0), i
    with torch.no_grad():
        assert torch.allclose(G.eval()(three.z), three.x_gen, atol=1e-5)
    stopped = inpaint(G, D, digits[:2] * m[:2], m[:2], config.z_dim, InpaintConfig(steps=50, grad_tol=1e9))
    assert stopped.steps == 1  # the gradient-norm rule stops at once


def test_baselines_run_and_keep_known_pixels(digits):
    m = make_mask("random_blocks", 4, 32, seed=5)
    y = digits[:4] * m
    for name, fill in BASELINES.items():
        out = fill(y, m)
        assert out.shape == y.shape and out.abs().max() <= 1, name
        assert torch.equal(out * m, y * m), name
    rgb = torch.rand(2, 3, 32, 32) * 2 - 1
    mm = make_mask("center", 2, 32)
    assert BASELINES["Telea"](rgb * mm, mm).shape == (2, 3, 32, 32)
    assert torch.allclose(mean_fill(torch.ones(1, 1, 8, 8), make_mask("center", 1, 8)), torch.ones(1, 1, 8, 8))


def test_hole_metrics_only_see_the_hole(digits):
    m = make_mask("center", 2, 32)
    damaged_outside = composite(digits[:2] * 0 - 1, m, digits[:2])  # exact in the hole, wrong outside
    assert (hole_psnr(damaged_outside, digits[:2], m) > 60).all()
    assert (hole_ssim(damaged_outside, digits[:2], m) > 0.5).all()
    scores = inpainting_metrics(damaged_outside, digits[:2], m)
    assert scores["PSNR"] < 20 < scores["PSNR hole"]


def test_benchmark_reports_both_paths():
    from gan_course.benchmark import bench_inpainting

    r = bench_inpainting(n=4, restarts=2, steps=2, loop_images=2)
    assert r["batched_per_s"] > 0 and r["loop_per_s"] > 0 and r["speedup"] == pytest.approx(
        r["batched_per_s"] / r["loop_per_s"])


def test_widget_and_figures(gan, digits, monkeypatch):
    from matplotlib.figure import Figure

    from gan_course.lessons.inpainting_study import (plot_importance_weights, plot_one_inpainting,
                                                     plot_search)
    from gan_course.lessons.widgets import inpainting_explorer

    G, D, config = gan
    two_steps = InpaintConfig(steps=2, lr=0.03)
    assert isinstance(plot_one_inpainting(G, D, digits, config.z_dim, 3, "strokes", config=two_steps),
                      Figure)
    assert isinstance(plot_search(G, D, digits[:1], config.z_dim, two_steps, shown=(0, 1, 3)), Figure)
    assert isinstance(plot_importance_weights({"c": make_mask("center", 1, 32)}), Figure)
    with pytest.raises(ValueError, match="index must be in"):
        plot_one_inpainting(G, D, digits, config.z_dim, len(digits), config=two_steps)
    widget = inpainting_explorer(G, D, digits, config.z_dim, two_steps)
    seen = []

    def record(G, D, y, m, z_dim, config, seed=0):
        seen.append((len(y), config))
        raise ValueError("recorded")  # the widget prints "not possible: recorded"; nothing is drawn

    monkeypatch.setattr("gan_course.lessons.inpainting_study.inpaint", record)
    controls = {c.description: c for c in widget.children[:-1]}
    assert set(controls) == {"image", "mask", "λ", "restarts"}
    controls["mask"].value = "half"  # a change re-runs the inpainting of one image, live
    controls["restarts"].value = 3
    assert [(n, c.lr, c.steps, c.lambda_perceptual, c.restarts) for n, c in seen] == [
        (1, 0.03, 2, 0.003, 1), (1, 0.03, 2, 0.003, 3)]


def test_search_z_is_the_loop_inpaint_runs(gan, digits):
    """The shown pieces compose to what inpaint returns: search_z on inpainting_loss from
    starting_z, then the composite."""
    from gan_course.inpainting import inpainting_loss, search_z, starting_z

    G, D, config = gan
    m = make_mask("strokes", 3, 32, seed=1)
    y = digits[:3] * m
    cfg = InpaintConfig(steps=5, lr=0.05, blend=False, precision="fp32")
    result = inpaint(G, D, y, m, config.z_dim, cfg, seed=7)
    w = importance_weights(m, cfg.window)
    seen = []
    z, history, steps = search_z(lambda z: inpainting_loss(G.eval(), D.eval(), z, y, w, cfg),
                                 starting_z(3, 1, config.z_dim, 7, cfg.z_clip), cfg,
                                 on_step=lambda step, z: seen.append(step))
    assert torch.equal(z, result.z) and history == result.history and steps == result.steps == 5
    assert seen == [1, 2, 3, 4, 5]


def fake_results(n=40, seeds=3):
    """Made-up shipped results: GAN + Poisson 1 dB above biharmonic on every image of 'center',
    1 dB below Telea on 'half'; the GAN's composite 0.5 dB below its blend."""
    methods = ["GAN", "GAN + Poisson", "mean fill", "biharmonic", "Telea", "Navier–Stokes"]
    base = torch.tensor([19.5, 20.0, 10.0, 19.0, 15.0, 15.0])
    center = base[None, :, None] + 0.1 * torch.randn(seeds, 6, n)
    center[:, 1] = center[:, 3] + 1.0
    half = base[None, :, None].repeat(seeds, 1, n) - torch.tensor([0.0, 0, 0, 0, -5.0, 0])[None, :, None]
    half[:, 0], half[:, 1] = half[:, 4] - 1.5, half[:, 4] - 1.0
    psnr = torch.stack([center, half], 1)  # (seeds, masks, methods, n)
    scores = {"PSNR hole": psnr, "SSIM hole": psnr / 40, "PSNR": psnr + 5, "SSIM": psnr / 30,
              "read": (psnr > 18).float()}
    sweep = torch.stack([torch.full((seeds, n), 12.0), torch.full((seeds, n), 12.0) + 0.5 * torch.randn(seeds, n).abs()], 1)
    return {"masks": ["center", "half"], "methods": methods, "scores": scores,
            "sweep": {"settings": ["λ = 0.003 (paper)", "3 restarts"],
                      "scores": {"PSNR hole": sweep, "SSIM hole": sweep / 40, "read": sweep / 20,
                                 "loss": -sweep}}}


def test_tables_from_the_shipped_results():
    from gan_course.lessons.inpainting_study import comparison_rows, paired_rows, sweep_rows

    results = fake_results()
    rows = comparison_rows(results)
    assert len(rows) == 12 and rows[1]["method"] == "GAN + Poisson"
    center, half = paired_rows(results)
    assert center["best classical"] == "biharmonic" and center["gain"] == pytest.approx(1.0)
    assert center["images ahead"] == 40 and center["seeds ahead"] == 3 and center["2 SE"] < 1e-5
    assert center["blend"] == pytest.approx(0.5, abs=0.1)
    assert half["best classical"] == "Telea" and half["gain"] == pytest.approx(-1.0)
    assert half["images ahead"] == 0 and half["blend"] == pytest.approx(0.5)
    paper, restarts = sweep_rows(results)
    assert paper["gain"] == 0 and paper["images ahead"] == 0  # no image is ahead of itself
    assert restarts["gain"] > 0 and restarts["seeds ahead"] == 3


def test_the_verdicts_of_notebook_07_follow_the_tables():
    """The verdict cells of notebook 07, run on made-up tables: each branch says what its numbers
    say."""
    from conftest import run_cell

    from gan_course.lessons.report import say

    def row(mask, gain, se, blend=0.0):
        return {"mask": mask, "best classical": "Telea", "gain": gain, "2 SE": se,
                "seeds ahead": 3 if gain > 0 else 0, "blend": blend, "blend 2 SE": 0.1,
                "read GAN+P": 200.0, "read classical": 190.0}

    ns = {"say": say, "x": torch.zeros(297), "intact_read": 290, "results": {"seeds": [0, 1, 2]},
          "paired": [row("center", 2.0, 0.5, 0.3), row("half", 0.1, 0.5), row("strokes", -1.0, 0.2, -0.5)]}
    text = run_cell("07_inpainting", "standing = (", ns)
    assert "ahead beyond two standard errors on center (+2.00 ± 0.50 dB against Telea, ahead in 3" in text
    assert "level within two standard errors on half" in text
    assert "behind beyond two standard errors on strokes" in text
    assert "raises the GAN's PSNR hole beyond the noise on center and lowers it on strokes." in text
    ns["paired"] = [row("center", 2.0, 0.5), row("half", 1.0, 0.5)]
    text = run_cell("07_inpainting", "standing = (", ns)
    assert "level" not in text and "behind" not in text and "on no mask." in text

    def setting(name, gain, se, loss=1.0):
        return {"setting": name, "gain": gain, "2 SE": se, "seeds ahead": 2, "accuracy": 0.5,
                "loss": loss}

    ns = {"say": say, "n_seeds": 3, "sweep": [setting("λ = 0.003 (paper)", 0.0, 0.0, 2.0),
                                setting("λ = 10", -0.3, 0.1), setting("3 restarts", 0.05, 0.2, 1.5)]}
    text = run_cell("07_inpainting", "def effect(r)", ns)
    assert "**λ = 10** lowers PSNR hole by 0.30 ± 0.10 dB" in text
    assert "**3 restarts** changes PSNR hole by +0.05 ± 0.20 dB, within the noise" in text
    assert "but a lower loss is not a better fill beyond the noise." in text
    ns["sweep"][2] = setting("3 restarts", 1.0, 0.2, 1.5)
    text = run_cell("07_inpainting", "def effect(r)", ns)
    assert "raises PSNR hole by 1.00 ± 0.20 dB" in text and "worth a better fill" in text

    paired = [row("center", 2.0, 0.5), row("half", 0.1, 0.5)]
    ns = {"say": say, "paired": paired, "ahead": paired[:1], "level": paired[1:], "behind": [],
          "blend_up": [], "listing": lambda parts: ", ".join(parts), "n_sweep": 66, "n_seeds": 3,
          "others": [setting("λ = 10", -0.3, 0.1)]}
    text = run_cell("07_inpainting", "best_gain = max(", ns)
    assert "depends on the hole" in text and "largest lead is on center" in text
    text = run_cell("07_inpainting", "best_gain = max(", ns | {"ahead": paired, "level": []})
    assert "on every one of them it beats the best classical method" in text


def test_the_live_subset_reproduces_the_shipped_comparison(gan):
    """Notebook 07's live cell: the first batch of held-out digits, seed 0's centre holes and
    starting z, gives the shipped per-image scores again."""
    from gan_course.classical_inpainting import score_inpainters
    from gan_course.data import load_dataset
    from gan_course.shipped import load_shipped_inpainting

    G, D, config = gan
    results = load_shipped_inpainting()
    x = load_dataset("digits", 32, split="test").float()
    m = make_mask("center", len(x), 32, seed=0)
    live, _ = score_inpainters(G, D, x, m, config.z_dim, InpaintConfig(**results["recipe"]["config"]),
                               chunks=1)  # the first batch of 33, as the build ran it
    stored = results["scores"]["PSNR hole"][0, results["masks"].index("center"), :, :33]
    for j, method in enumerate(results["methods"]):
        assert (live[method]["PSNR hole"] - stored[j]).abs().max() < 0.01, method


def test_poisson_blending_mends_the_seams_of_scattered_holes(gan, digits):
    """Where holes are everywhere (random pixels, strokes), so are the composite's seams: blending
    G(ẑ) into the known pixels by its gradients raises PSNR inside the hole on every image
    (notebook 07 measures the same on 297 images, five masks and three seeds)."""
    G, D, config = gan
    for kind in ("random_pixels", "strokes"):
        m = make_mask(kind, len(digits), 32, seed=0)
        result = inpaint(G, D, digits * m, m, config.z_dim, InpaintConfig(steps=15, lr=0.05))
        plain = hole_psnr(result.composite, digits, m)  # (N,) dB
        blended = hole_psnr(result.blended, digits, m)
        assert (blended > plain).all(), (kind, blended - plain)


@pytest.mark.parametrize("device", DEVICES)
def test_bf16_inpainting_agrees_with_fp32(gan, digits, device):
    """bf16 autocast, forced on the CPU, the default ("auto") on CUDA: the final losses and fills agree
    with fp32 within bf16 precision; z and Adam stay fp32."""
    import copy

    G, D, config = gan
    G, D = copy.deepcopy(G).to(device), copy.deepcopy(D).to(device)
    m = make_mask("center", 4, config.image_size)
    y = digits[:4] * m
    cfg = InpaintConfig(steps=15, restarts=2, grad_tol=0.0, blend=False, precision="fp32")
    exact = inpaint(G, D, y, m, config.z_dim, cfg)
    fast = inpaint(G, D, y, m, config.z_dim, replace(cfg, precision="bf16" if device == "cpu" else "auto"))
    assert fast.z.dtype == fast.x_gen.dtype == torch.float32
    seen = []
    hook = G.register_forward_hook(lambda module, args, out: seen.append(out.dtype))
    inpaint(G, D, y, m, config.z_dim, replace(cfg, steps=1, precision="bf16" if device == "cpu" else "auto"))
    hook.remove()
    # seen[0]: inpaint's fp32 shape probe of G; then the optimisation step's G under bf16 autocast
    assert seen[0] == torch.float32 and seen[1] == torch.bfloat16  # (the final fill is fp32)
    torch.testing.assert_close(fast.loss, exact.loss, rtol=0.05, atol=0.0)
    assert not torch.equal(fast.loss, exact.loss)
    assert (fast.x_gen - exact.x_gen).abs().mean() < 0.05  # images in [-1, 1]
    with pytest.raises(ValueError, match="precision must be one of auto, fp32, bf16"):
        InpaintConfig(precision="fp16")


def test_holes_marked_nan_give_a_finite_repair_and_nan_known_pixels_are_refused(gan, digits):
    G, D, config = gan
    m = make_mask("center", 2, 32)
    y_nan = torch.where(m.bool(), digits[:2], float("nan"))  # the holes marked NaN
    cfg = InpaintConfig(steps=3, restarts=1)
    marked, zeroed = inpaint(G, D, y_nan, m, config.z_dim, cfg), inpaint(G, D, digits[:2] * m, m, config.z_dim, cfg)
    for field in ("composite", "blended", "z"):
        assert torch.isfinite(getattr(marked, field)).all()
        assert torch.equal(getattr(marked, field), getattr(zeroed, field))  # what a hole holds is never read
    for fill in (mean_fill, BASELINES["Telea"]):
        assert torch.isfinite(fill(y_nan, m)).all()
    y_bad = y_nan.clone()
    y_bad[0, 0, 0, 0] = float("nan")  # a known pixel
    with pytest.raises(ValueError, match=r"y \(its known pixels\) holds 1 non-finite"):
        inpaint(G, D, y_bad, m, config.z_dim, cfg)
    with pytest.raises(ValueError, match=r"y \(its known pixels\) must be in \[-1, 1\].*looks like \[0, 255\]"):
        mean_fill((digits[:2] + 1) * 127.5, m)
    with pytest.raises(ValueError, match="G makes images .*, y are"):
        inpaint(G, D, torch.zeros(2, 1, 16, 16), m[..., :16, :16], config.z_dim, cfg)
    with pytest.raises(ValueError, match="G does not accept z of shape"):
        inpaint(G, D, y_nan, m, config.z_dim + 1, cfg)
    with pytest.raises(ValueError, match="steps must be in"):
        InpaintConfig(steps=0)
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        InpaintConfig(lr=float("nan"))
