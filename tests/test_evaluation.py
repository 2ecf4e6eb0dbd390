"""Offline sample-quality metrics on known cases, and the feature network on real digits."""
import math

import pytest
import torch

from gan_course.evaluation import (FeatureNet, density_coverage, embed, fid, kid, load_or_train_feature_net,
                                   mode_coverage, precision_recall, stability, train_feature_net)

from conftest import DEVICES


def gaussian(n, d=8, seed=0, shift=0.0):
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) + shift


def test_fid_known_cases():
    a = gaussian(400)
    assert fid(a, a) == pytest.approx(0.0, abs=1e-6)
    # same covariance, mean moved by δ in every one of 8 dims: FID = ‖δ‖² = 8 · 0.5²
    assert fid(a, a + 0.5) == pytest.approx(2.0, rel=1e-6)
    assert fid(a, gaussian(400, seed=1)) < 0.5 < fid(a, gaussian(400, seed=1) * 2)


def test_kid_known_cases():
    a, b = gaussian(300), gaussian(300, seed=1)
    assert abs(kid(a, b)) < 0.02  # same distribution: unbiased estimate around 0
    assert kid(a, gaussian(300, seed=1, shift=1.0)) > 0.2


def clusters(n_per, centres, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.cat([c + 0.1 * torch.randn(n_per, c.shape[0], generator=g, dtype=torch.float64) for c in centres])


def test_precision_recall_density_coverage():
    centres = [torch.eye(10, dtype=torch.float64)[i] * 5 for i in range(10)]
    real, same = clusters(30, centres, seed=0), clusters(30, centres, seed=1)
    p, r = precision_recall(real, same)
    assert p > 0.8 and r > 0.8  # k-NN estimates of two samples of one distribution (small N, 10-D)
    density, coverage = density_coverage(real, same)
    assert 0.7 < density < 1.3 and coverage > 0.8
    one_mode = clusters(300, centres[:1], seed=2)  # a collapsed generator: one class only
    p, r = precision_recall(real, one_mode)
    _, coverage = density_coverage(real, one_mode)
    assert p > 0.9 and r < 0.2 and coverage < 0.15  # precise but not diverse
    far = clusters(30, [c + 100 for c in centres], seed=3)
    assert precision_recall(real, far) == (0.0, 0.0) and density_coverage(real, far) == (0.0, 0.0)
    with pytest.raises(ValueError, match=r"\(N, d\) and \(M, d\)"):
        fid(real, real[:, :3])


def test_mode_coverage():
    one = mode_coverage(torch.full((100,), 3), 10)
    assert one.covered == 1 and one.kl_to_uniform == pytest.approx(math.log(10))
    flat = mode_coverage(torch.arange(100) % 10, 10)
    assert flat.covered == 10 and flat.kl_to_uniform == pytest.approx(0.0, abs=1e-12)
    assert sum(flat.histogram) == 100


def test_stability_counts_spikes():
    n = 100
    loss_G = [1.0 + 0.01 * (i % 3) for i in range(n)]
    loss_G[30] = loss_G[60] = 5.0  # the first-half jump is not counted: every statistic is over the second half
    h = {"loss_D": [0.5] * n, "loss_G": loss_G, "d_real": [0.8] * n, "d_fake": [0.3] * n}
    s = stability(h)
    assert s["spikes"] == 1 and s["gap_D"] == pytest.approx(0.5) and s["var_loss_G"] > 0


def test_feature_net_learns_real_digits():
    from gan_course.data import load_dataset

    train, test = load_dataset("digits", 16), load_dataset("digits", 16, split="test")
    net = train_feature_net(train.float(), train.labels, 10, steps=150, seed=0)
    feats, pred = embed(net, test.float())
    assert feats.shape == (len(test), 64)
    assert (pred == test.labels).double().mean() > 0.8
    # real-vs-real floor: two halves of the test set are far closer than test vs noise
    half = len(test) // 2
    noise, _ = embed(net, torch.rand(half, 1, 16, 16) * 2 - 1)
    assert fid(feats[:half], feats[half:]) < fid(feats[:half], noise)
    with pytest.raises(ValueError, match=r"FeatureNet expects \(N, 1, H, W\)"):
        FeatureNet(1).features(torch.zeros(2, 3, 16, 16))


def test_feature_net_cache_round_trip(tmp_path, monkeypatch):
    x = torch.rand(64, 1, 16, 16) * 2 - 1
    y = torch.arange(64) % 4
    a = load_or_train_feature_net(tmp_path / "f.pt", x, y, 4, steps=3)

    def no_training(*args, **kwargs):
        raise AssertionError("retrained although a cached network was there")

    monkeypatch.setattr("gan_course.evaluation.train_feature_net", no_training)
    b = load_or_train_feature_net(tmp_path / "f.pt", x, y, 4, steps=3)  # loaded, not retrained
    with pytest.raises(AssertionError, match="retrained"):  # retrain=True (gan-course ship) always trains
        load_or_train_feature_net(tmp_path / "f.pt", x, y, 4, retrain=True, steps=3)
    assert (tmp_path / "f.pt").is_file()  # a failed retraining leaves the old network in place
    assert all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), b.state_dict().values()))
    with pytest.raises(ValueError, match="holds a feature net for 1×16² images and 4 classes"):
        load_or_train_feature_net(tmp_path / "f.pt", x, y, 10)


@pytest.mark.parametrize("device", DEVICES)
def test_sweep_scores_every_point_and_checkpoint(device):
    """G trains on ``device``; the feature net and the scores stay on the CPU."""
    from gan_course.data import load_dataset
    from gan_course.dcgan import DCGANConfig
    from gan_course.engine import TrainConfig
    from gan_course.evaluation import real_floor
    from gan_course.lessons.sweep import run_sweep

    data = load_dataset("digits", 16).subset(slice(0, 256))
    net = train_feature_net(data.float(), data.labels, 10, steps=20)
    grid = {"b16 z8": (16, 8), "b32 z16": (32, 16)}
    runs = run_sweep(grid, DCGANConfig(image_size=16, width=8), TrainConfig(sample_every=0, checkpoint_every=0),
                     data, net, data.float()[:64], epochs=0.5, n_samples=64, n_checkpoints=2, device=device)
    assert [(r.name, r.steps) for r in runs] == [("b16 z8", 8), ("b32 z16", 4)]
    for r in runs:
        assert [c["step"] for c in r.checkpoints] == [r.steps // 2, r.steps] and set(r.weights) == {r.steps // 2, r.steps}
        assert r.scores["FID"] >= 0 and 0 <= r.scores["coverage"] <= 1 and r.seconds > 0
        assert {"var_loss_D", "spikes", "gap_D"} <= set(r.stability)
    from gan_course.lessons.sweep import checkpoint_samples

    shown = checkpoint_samples(runs[1], torch.randn(4, 16))
    assert sorted(shown) == [2, 4] and shown[4].shape == (4, 1, 16, 16) and shown[4].device.type == "cpu"
    floor = real_floor(net, data.float()[:64], data.float()[64:128])
    assert floor["FID"] < runs[0].scores["FID"]
    from gan_course.lessons.sweep import sweep_rows

    two_seeds = run_sweep({"b16 z8": (16, 8)}, DCGANConfig(image_size=16, width=8),
                          TrainConfig(sample_every=0, checkpoint_every=0), data, net, data.float()[:64], epochs=0.25,
                          seeds=(0, 1), n_samples=32, n_checkpoints=1)
    rows = sweep_rows(two_seeds, floor)
    assert [r["seed"] for r in rows] == ["-", "0", "1", "mean ± std"] and "±" in rows[-1]["FID"]


def test_fid_and_kid_agree_with_torchmetrics_on_custom_features():
    """The kept library, fed our feature network as its feature module, computes the same scores."""
    from torchmetrics.image.fid import FrechetInceptionDistance
    from torchmetrics.image.kid import KernelInceptionDistance

    torch.manual_seed(0)
    net = FeatureNet(1).eval()

    class Features(torch.nn.Module):
        num_features = 64  # tells torchmetrics the size without probing with a 3×299×299 image

        def forward(self, x):
            return net.features(x)

    a, b = torch.rand(200, 1, 16, 16) * 2 - 1, torch.rand(200, 1, 16, 16) * 1.5 - 1
    fa, _ = embed(net, a)
    fb, _ = embed(net, b)
    tm_fid = FrechetInceptionDistance(feature=Features())
    tm_kid = KernelInceptionDistance(feature=Features(), subsets=1, subset_size=200)
    for metric in (tm_fid, tm_kid):
        metric.update(a, real=True)
        metric.update(b, real=False)
    assert fid(fa, fb) == pytest.approx(tm_fid.compute().item(), rel=1e-4)
    assert kid(fa, fb) == pytest.approx(tm_kid.compute()[0].item(), rel=2e-2)  # float32 inside torchmetrics


def test_non_finite_or_too_few_features_are_refused_by_name():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(20, 4, generator=g), torch.randn(20, 4, generator=g)
    b_nan = b.clone()
    b_nan[3, 1] = float("nan")
    for score in (fid, kid, precision_recall, density_coverage):
        with pytest.raises(ValueError, match="f_fake holds 1 non-finite values"):
            score(a, b_nan)
    with pytest.raises(ValueError, match="f_real must hold at least 2 samples, got 1"):
        fid(a[:1], b)
    with pytest.raises(ValueError, match="k = 5 nearest neighbours need at least 6 samples"):
        precision_recall(a[:4], b)
    with pytest.raises(ValueError, match=r"classes must be in \[0, 9\], got values in \[0, 12\]"):
        mode_coverage(torch.tensor([0, 12]), 10)
    net = FeatureNet(1, 10)
    with pytest.raises(ValueError, match=r"x must be in \[-1, 1\].*looks like \[0, 255\]"):
        embed(net, torch.full((2, 1, 16, 16), 200.0))
