"""Judging generators by numbers, offline: a small feature network trained on the data in use, and
sample-quality metrics in its feature space.

Inception-based FID needs downloaded weights; here the feature extractor is a small CNN classifier
trained in the package on the dataset at hand (digits in ``fast``), so every score is computable
offline and comes with its real-vs-real floor. In feature space:

- ``fid``: Fréchet distance of Gaussians fitted to the two sets (Heusel et al. 2017).
- ``kid``: unbiased MMD² with the cubic polynomial kernel (Bińkowski et al. 2018); unbiased for
  small samples, where FID is biased upwards.
- ``precision_recall``: k-NN manifold precision and recall (Kynkäänniemi et al. 2019).
- ``density_coverage``: density and coverage (Naeem et al. 2020), robust to outliers.
- ``mode_coverage``: the classifier's class histogram of generated samples: classes covered and KL
  to uniform.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .checkpoint import load_checkpoint, load_state, save_checkpoint
from .checks import (
    check_features,
    check_generator,
    check_images,
    check_int,
    check_number,
    check_tensor,
)
from .runtime import eval_mode, seeded


class FeatureNet(nn.Module):
    """A small CNN classifier; ``features(x)`` (N, dim) is its penultimate layer.
    x: (N, channels, S, S) in [-1, 1], S a multiple of 4."""

    def __init__(self, channels: int = 1, n_classes: int = 10, width: int = 32, dim: int = 64):
        super().__init__()
        self.channels, self.n_classes = channels, n_classes
        self.body = nn.Sequential(
            nn.Conv2d(channels, width, 3, 1, 1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # (N, w, S/2, S/2)
            nn.Conv2d(width, 2 * width, 3, 1, 1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # (N, 2w, S/4, S/4)
            nn.Conv2d(2 * width, 2 * width, 3, 1, 1),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),  # (N, 2w)
            nn.Linear(2 * width, dim),
            nn.ReLU(),
        )  # (N, dim)
        self.head = nn.Linear(dim, n_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != self.channels:
            raise ValueError(
                f"FeatureNet expects (N, {self.channels}, H, W) in [-1, 1], got {tuple(x.shape)}"
            )
        if min(x.shape[-2:]) < 4:
            raise ValueError(f"FeatureNet needs images of at least 4×4, got {tuple(x.shape)}")
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))  # logits (N, n_classes)


def train_feature_net(x: torch.Tensor, y: torch.Tensor, n_classes: int, *, steps: int = 300,
                      batch_size: int = 64, lr: float = 2e-3, seed: int = 0) -> FeatureNet:
    """Fit a ``FeatureNet`` to labelled images x: (N, C, S, S) in [-1, 1], y: (N,) with Adam."""
    check_images(x, "x", min_size=4)
    n_classes = check_int(n_classes, "n_classes", 2, 1_000_000)
    _check_classes(y, n_classes, "y", count=len(x))
    steps = check_int(steps, "steps", 1, 1_000_000)
    batch_size = check_int(batch_size, "batch_size", 1, 1_000_000)
    lr = check_number(lr, "lr", 0, open_min=True)
    seed = check_int(seed, "seed", 0)
    with seeded(seed):
        net = FeatureNet(x.shape[1], n_classes)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    g = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        idx = torch.randint(len(x), (batch_size,), generator=g)
        loss = F.cross_entropy(net(x[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return net.eval()


@torch.no_grad()
def embed(
    net: FeatureNet, x: torch.Tensor, batch_size: int = 512
) -> tuple[torch.Tensor, torch.Tensor]:
    """(features (N, dim) float64, predicted classes (N,)) for images x in [-1, 1]."""
    if not isinstance(net, FeatureNet):
        raise TypeError(f"net must be a FeatureNet, got {type(net).__name__}")
    check_images(x, "x", channels=net.channels, min_size=4)
    return _embed(net, x, check_int(batch_size, "batch_size", 1))


def _embed(net: FeatureNet, x: torch.Tensor, batch_size: int = 512) -> tuple[torch.Tensor,
                                                                             torch.Tensor]:
    """``embed`` unchecked: x already passed ``check_images`` with the net's channels."""
    x = x.float()  # float16 / float64 images meet the net's float32
    net.eval()
    feats = torch.cat([net.features(chunk) for chunk in x.split(batch_size)])
    return feats.double(), net.head(feats).argmax(1)


def fid(f_real: torch.Tensor, f_fake: torch.Tensor) -> float:
    """‖μ_r − μ_f‖² + Tr(Σ_r + Σ_f − 2 (Σ_r Σ_f)^½) for features (N, d) and (M, d)."""
    check_features(f_real, f_fake, 2)
    a, b = f_real.detach().double().cpu().numpy(), f_fake.detach().double().cpu().numpy()
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    # Tr (Σa Σb)^½ = Tr (Σa^½ Σb Σa^½)^½, a symmetric PSD root: stable for singular covariances
    root_a = _sqrtm_psd(cov_a)
    tr_covmean = np.trace(_sqrtm_psd(root_a @ cov_b @ root_a))
    return max(
        0.0, float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * tr_covmean)
    )


def _sqrtm_psd(m: np.ndarray) -> np.ndarray:
    """Square root of a symmetric positive semi-definite matrix (negative round-off eigenvalues
    → 0)."""
    w, v = np.linalg.eigh((m + m.T) / 2)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def kid(f_real: torch.Tensor, f_fake: torch.Tensor) -> float:
    """Unbiased MMD² with k(x, y) = (xᵀy / d + 1)³, for features (N, d) and (M, d)."""
    check_features(f_real, f_fake, 2)
    a, b = f_real.detach().double(), f_fake.detach().double()
    d = a.shape[1]
    k = lambda u, v: (u @ v.T / d + 1) ** 3  # noqa: E731
    kaa, kbb, kab = k(a, a), k(b, b), k(a, b)
    n, m = len(a), len(b)
    return float(
        (kaa.sum() - kaa.diagonal().sum()) / (n * (n - 1))
        + (kbb.sum() - kbb.diagonal().sum()) / (m * (m - 1))
        - 2 * kab.mean()
    )


def _knn_radii(f: torch.Tensor, k: int) -> torch.Tensor:
    """Distance from each point to its k-th nearest neighbour in the same set (itself excluded)."""
    return torch.cdist(f, f).kthvalue(k + 1, dim=1).values


def precision_recall(f_real: torch.Tensor, f_fake: torch.Tensor, k: int = 5) -> tuple[float, float]:
    """Precision: share of fakes inside some real k-NN ball; recall: share of reals inside some fake
    ball."""
    _check_k(f_real, f_fake, k)
    f_real, f_fake = f_real.detach().double(), f_fake.detach().double()
    r_real, r_fake = _knn_radii(f_real, k), _knn_radii(f_fake, k)
    d = torch.cdist(f_fake, f_real)  # (M, N)
    precision = (d <= r_real[None, :]).any(1).double().mean()
    recall = (d.T <= r_fake[None, :]).any(1).double().mean()
    return float(precision), float(recall)


def density_coverage(f_real: torch.Tensor, f_fake: torch.Tensor, k: int = 5) -> tuple[float, float]:
    """Density: mean count of real balls containing each fake, / k (≈ 1 for matching sets);
    coverage: share of real balls that contain at least one fake."""
    _check_k(f_real, f_fake, k)
    f_real, f_fake = f_real.detach().double(), f_fake.detach().double()
    r_real = _knn_radii(f_real, k)
    inside = torch.cdist(f_fake, f_real) <= r_real[None, :]  # (M, N)
    return float(inside.sum(1).double().mean() / k), float(inside.any(0).double().mean())


@dataclass(frozen=True)
class ModeCoverage:
    histogram: tuple[int, ...]  # generated samples per predicted class
    covered: int  # classes with at least ``min_share`` of uniform's count
    kl_to_uniform: float  # KL(p ‖ uniform) in nats; 0 = perfectly balanced, log(K) = one class


def mode_coverage(classes: torch.Tensor, n_classes: int, min_share: float = 0.1) -> ModeCoverage:
    """Class histogram of predicted classes (N,), how many classes are covered, KL to uniform."""
    n_classes = check_int(n_classes, "n_classes", 1, 1_000_000)
    _check_classes(classes, n_classes, "classes")
    min_share = check_number(min_share, "min_share", 0, 1)
    counts = torch.bincount(classes.long(), minlength=n_classes).double()
    p = counts / counts.sum()
    kl = float((p[p > 0] * (p[p > 0] * n_classes).log()).sum())
    covered = int((counts >= min_share * counts.sum() / n_classes).sum())
    return ModeCoverage(tuple(int(c) for c in counts), covered, kl)


def stability(
    history: dict[str, list[float]], window: int = 20, spike_sigma: float = 3.0
) -> dict[str, float]:
    """Training-stability statistics from an engine history, all over the second half of training:
    loss variances, spikes (steps where loss_G jumps more than ``spike_sigma`` standard deviations
    above its mean over the ``window`` steps before; the window may reach back into the first half)
    and the mean D(x) − D(G(z)) gap."""
    window = check_int(window, "window", 1, 1_000_000)
    spike_sigma = check_number(spike_sigma, "spike_sigma", 0, open_min=True)
    keys = ("loss_D", "loss_G", "d_real", "d_fake")
    if not isinstance(history, dict) or any(k not in history for k in keys):
        raise ValueError(f"history must be a dict with the lists {', '.join(keys)} (an engine's)")
    lengths = {len(history[k]) for k in keys}
    if len(lengths) != 1 or 0 in lengths:
        raise ValueError(f"history's {', '.join(keys)} must be non-empty and of one length")
    g = torch.tensor(history["loss_G"], dtype=torch.float64)
    half = len(g) // 2
    spikes = 0
    for t in range(max(window, half), len(g)):
        past = g[t - window : t]
        spikes += int(g[t] > past.mean() + spike_sigma * past.std().clamp_min(1e-8))
    gap = torch.tensor(history["d_real"][half:]) - torch.tensor(history["d_fake"][half:])
    # a variance needs two values: a history of one or two steps has none to speak of
    var = lambda v: float(v.var()) if len(v) > 1 else 0.0  # noqa: E731
    return {
        "var_loss_D": var(torch.tensor(history["loss_D"][half:])),
        "var_loss_G": var(g[half:]),
        "spikes": float(spikes),
        "gap_D": float(gap.mean()),
    }


def _check_k(f_real: torch.Tensor, f_fake: torch.Tensor, k: int) -> None:
    """Feature sets for k-nearest-neighbour balls: at least k + 1 samples in each."""
    k = check_int(k, "k", 1)
    check_features(f_real, f_fake, 2)
    if min(len(f_real), len(f_fake)) < k + 1:
        raise ValueError(
            f"k = {k} nearest neighbours need at least {k + 1} samples in f_real and f_fake, got "
            f"{len(f_real)} and {len(f_fake)}"
        )


def _check_classes(
    classes: torch.Tensor, n_classes: int, name: str, count: int | None = None
) -> None:
    """classes: a non-empty integer (N,) tensor of labels in [0, n_classes) (N = ``count``)."""
    check_tensor(classes, name)
    if classes.dim() != 1 or len(classes) == 0 or (count is not None and len(classes) != count):
        want = f"({count},)" if count is not None else "(N,) with N >= 1"
        raise ValueError(f"{name} must be class labels {want}, got shape {tuple(classes.shape)}")
    if classes.is_floating_point() or classes.dtype == torch.bool or classes.is_complex():
        raise ValueError(f"{name} must be an integer tensor of class labels, got {classes.dtype}")
    lo, hi = int(classes.min()), int(classes.max())
    if lo < 0 or hi >= n_classes:
        raise ValueError(f"{name} must be in [0, {n_classes - 1}], got values in [{lo}, {hi}]")


def load_or_train_feature_net(
    path: str | Path,
    x: torch.Tensor,
    y: torch.Tensor,
    n_classes: int,
    retrain: bool = False,
    **train_kwargs,
) -> FeatureNet:
    """The feature network cached at ``path`` (weights_only, checked against the data's shape), or a
    freshly trained one written there atomically (``retrain``: always; the old file stays until the
    new one replaces it)."""
    path = Path(path)
    if path.is_file() and not retrain:
        return load_feature_net(path, expect=(x.shape[1], x.shape[-1], n_classes))
    net = train_feature_net(x, y, n_classes, **train_kwargs)
    save_checkpoint(
        path,
        {
            "kind": "feature_net",
            "channels": x.shape[1],
            "n_classes": n_classes,
            "image_size": x.shape[-1],
            "weights": net.state_dict(),
        },
    )
    return net


def load_feature_net(path: str | Path, expect: tuple[int, int, int] | None = None) -> FeatureNet:
    """A saved ``FeatureNet`` (weights_only), in eval mode; ``expect`` = (channels, image_size,
    n_classes) the data needs, checked with a clear error."""
    state = load_checkpoint(path, kind="feature_net")
    return feature_net_from_state(state, expect, source=str(path))


def feature_net_from_state(state: dict, expect: tuple[int, int, int] | None = None,
                           source: str = "the checkpoint") -> FeatureNet:
    """``load_feature_net`` for a state already read (``kind`` "feature_net"), named ``source``
    in errors."""
    if (
        expect is not None
        and (state["channels"], state["image_size"], state["n_classes"]) != expect
    ):
        raise ValueError(
            f"{source} holds a feature net for {state['channels']}×{state['image_size']}² images "
            f"and {state['n_classes']} classes; the data is {expect[0]}×{expect[1]}² with "
            f"{expect[2]}"
        )
    net = FeatureNet(state["channels"], state["n_classes"])
    load_state(net, state["weights"], name="feature net")
    return net.eval()


@torch.no_grad()
def score_generator(
    G: torch.nn.Module, z_dim: int, net: FeatureNet, f_real: torch.Tensor, n: int, seed: int = 0
) -> dict[str, float]:
    """Feature-space scores of ``n`` samples of G against real features f_real (N, d)."""
    if not isinstance(net, FeatureNet):
        raise TypeError(f"net must be a FeatureNet, got {type(net).__name__}")
    z_dim = check_generator(G, z_dim)
    n = check_int(n, "n", 6, 1_000_000)  # at least precision/recall's 5 nearest neighbours + 1
    seed = check_int(seed, "seed", 0)
    check_tensor(f_real, "f_real")
    z = torch.randn(n, z_dim, generator=torch.Generator().manual_seed(seed))
    with eval_mode(G):  # the feature net stays on the CPU
        x_fake = G(z.to(next(G.parameters()).device)).float().cpu()  # (n, C, H, W)
    check_images(x_fake, "G's samples", channels=net.channels, min_size=4)
    f_fake, classes = _embed(net, x_fake)
    return feature_scores(f_real, f_fake, classes, net.n_classes)


def real_floor(net: FeatureNet, real_a: torch.Tensor, real_b: torch.Tensor) -> dict[str, float]:
    """The same scores between two disjoint sets of real images: the best a generator can hope
    for."""
    if not isinstance(net, FeatureNet):
        raise TypeError(f"net must be a FeatureNet, got {type(net).__name__}")
    for x, name in ((real_a, "real_a"), (real_b, "real_b")):
        check_images(x, name, channels=net.channels, min_count=6, min_size=4)
    f_a, _ = _embed(net, real_a)
    f_b, classes = _embed(net, real_b)
    return feature_scores(f_a, f_b, classes, net.n_classes)


def feature_scores(
    f_real: torch.Tensor, f_fake: torch.Tensor, fake_classes: torch.Tensor, n_classes: int
) -> dict[str, float]:
    """Every sweep score of one feature set (and its predicted classes) against real features."""
    p, r = precision_recall(f_real, f_fake)
    density, coverage = density_coverage(f_real, f_fake)
    modes = mode_coverage(fake_classes, n_classes)
    return {
        "FID": fid(f_real, f_fake),
        "KID": kid(f_real, f_fake),
        "precision": p,
        "recall": r,
        "density": density,
        "coverage": coverage,
        "classes": float(modes.covered),
        "KL(uniform)": modes.kl_to_uniform,
    }
