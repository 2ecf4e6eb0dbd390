"""The batch × latent sweep of seed 001, judged by offline metrics instead of by eye.

``run_sweep`` trains one DCGAN per (point, seed) on the same data, scores checkpoints in the feature
space of a ``FeatureNet`` (FID, KID, precision/recall, density/coverage, mode coverage) beside the
real-vs-real floor, and adds stability statistics and wall time. Seed 001's grid is ``SEED_001_GRID``;
like the seed, every point trains for the same number of epochs (so small batches take more steps).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Mapping, Sequence

import torch

from .data import ImageSet
from .dcgan import DCGANConfig, dcgan_trainer
from .engine import Callback, GANTrainer, TrainConfig
from .evaluation import FeatureNet, density_coverage, embed, fid, kid, mode_coverage, precision_recall, stability

# name → (batch_size, z_dim): seed 001's small / medium / large configurations
SEED_001_GRID: dict[str, tuple[int, int]] = {"b16 z50": (16, 50), "b32 z100": (32, 100), "b64 z200": (64, 200)}


@torch.no_grad()
def score_generator(G: torch.nn.Module, z_dim: int, net: FeatureNet, f_real: torch.Tensor, n: int,
                    seed: int = 0) -> dict[str, float]:
    """Feature-space scores of ``n`` samples of G against real features f_real (N, d)."""
    was_training = G.training
    G.eval()
    z = torch.randn(n, z_dim, generator=torch.Generator().manual_seed(seed))
    f_fake, classes = embed(net, G(z))
    G.train(was_training)
    p, r = precision_recall(f_real, f_fake)
    density, coverage = density_coverage(f_real, f_fake)
    modes = mode_coverage(classes, net.n_classes)
    return {"FID": fid(f_real, f_fake), "KID": kid(f_real, f_fake), "precision": p, "recall": r,
            "density": density, "coverage": coverage, "classes": float(modes.covered), "KL(uniform)": modes.kl_to_uniform}


def real_floor(net: FeatureNet, real_a: torch.Tensor, real_b: torch.Tensor) -> dict[str, float]:
    """The same scores between two disjoint sets of real images: the best a generator can hope for."""
    f_a, _ = embed(net, real_a)
    f_b, classes = embed(net, real_b)
    p, r = precision_recall(f_a, f_b)
    density, coverage = density_coverage(f_a, f_b)
    modes = mode_coverage(classes, net.n_classes)
    return {"FID": fid(f_a, f_b), "KID": kid(f_a, f_b), "precision": p, "recall": r, "density": density,
            "coverage": coverage, "classes": float(modes.covered), "KL(uniform)": modes.kl_to_uniform}


class ScoreEvery(Callback):
    """Scores G every ``every`` steps (checkpoint selection by metric) and keeps a copy of its weights."""

    def __init__(self, every: int, score):
        self.every, self.score, self.rows, self.weights = every, score, [], {}

    def on_step_end(self, trainer: GANTrainer) -> None:
        if trainer.step % self.every == 0:
            self.rows.append({"step": trainer.step, **self.score(trainer.G)})
            self.weights[trainer.step] = {k: v.detach().clone() for k, v in trainer.G.state_dict().items()}


@dataclass
class SweepRun:
    name: str
    seed: int
    batch_size: int
    z_dim: int
    steps: int
    seconds: float
    scores: dict[str, float]  # at the end of training
    stability: dict[str, float]
    checkpoints: list[dict[str, float]]  # scores every ``score_every`` steps
    trainer: GANTrainer
    weights: dict[int, dict[str, torch.Tensor]]


def run_sweep(grid: Mapping[str, tuple[int, int]], config: DCGANConfig, train: TrainConfig, data: ImageSet,
              net: FeatureNet, real_eval: torch.Tensor, *, epochs: float, seeds: Sequence[int] = (0,),
              n_samples: int = 500, n_checkpoints: int = 4, device: str | torch.device = "cpu") -> list[SweepRun]:
    """Train every (batch_size, z_dim) in ``grid`` for ``epochs`` passes over ``data`` with each seed."""
    f_real, _ = embed(net, real_eval)
    runs = []
    for name, (batch_size, z_dim) in grid.items():
        steps = max(n_checkpoints, round(epochs * len(data) / batch_size))
        for seed in seeds:
            cfg = replace(config, z_dim=z_dim)
            score = lambda G, z=z_dim: score_generator(G, z, net, f_real, n_samples)  # noqa: E731
            scorer = ScoreEvery(max(1, steps // n_checkpoints), score)
            trainer = dcgan_trainer(cfg, replace(train, batch_size=batch_size, steps=steps, seed=seed), data,
                                    device=device, callbacks=[scorer], progress=False)
            start = time.perf_counter()
            history = trainer.fit()
            seconds = time.perf_counter() - start
            final = scorer.rows[-1] if scorer.rows and scorer.rows[-1]["step"] == steps else {"step": steps, **score(trainer.G)}
            runs.append(SweepRun(name, seed, batch_size, z_dim, steps, seconds,
                                 {k: v for k, v in final.items() if k != "step"}, stability(history),
                                 scorer.rows, trainer, scorer.weights))
    return runs
