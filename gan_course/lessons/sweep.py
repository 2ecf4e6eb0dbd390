"""The batch × latent sweep of note 001, judged by offline metrics instead of by eye.

``run_sweep`` trains one DCGAN per (point, seed) on the same data, scores checkpoints in the feature
space of a ``FeatureNet`` (FID, KID, precision/recall, density/coverage, mode coverage) beside the
real-vs-real floor, and adds stability statistics and wall time. Note 001's grid is
``shipped.NOTE_001_GRID``; like note 001, every point trains for the same number of epochs (so
small batches take more steps). The converged sweep, at equal steps and at equal epochs with three
seeds, is shipped: ``shipped.load_shipped_sweep``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Mapping, Sequence

import torch
from matplotlib.figure import Figure

from ..data import ImageSet
from ..dcgan import DCGANConfig
from ..engine import Callback, GANTrainer, TrainConfig, trainer_for
from ..evaluation import FeatureNet, embed, score_generator, stability
from ..runtime import eval_mode


class ScoreEvery(Callback):
    """Scores G every ``every`` steps (checkpoint selection by metric) and keeps a copy of its
    weights."""

    def __init__(self, every: int, score):
        self.every, self.score, self.rows, self.weights = every, score, [], {}

    def on_step_end(self, trainer: GANTrainer) -> None:
        if trainer.step % self.every == 0:
            self.rows.append({"step": trainer.step, **self.score(trainer.G)})
            self.weights[trainer.step] = {
                k: v.detach().clone() for k, v in trainer.G.state_dict().items()
            }


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


def run_sweep(
    grid: Mapping[str, tuple[int, int]],
    config: DCGANConfig,
    train: TrainConfig,
    data: ImageSet,
    net: FeatureNet,
    real_eval: torch.Tensor,
    *,
    epochs: float,
    seeds: Sequence[int] = (0,),
    n_samples: int = 500,
    n_checkpoints: int = 4,
    device: str | torch.device = "cpu",
) -> list[SweepRun]:
    """Train every (batch_size, z_dim) in ``grid`` for ``epochs`` passes over ``data`` with each
    seed."""
    f_real, _ = embed(net, real_eval)
    runs = []
    for name, (batch_size, z_dim) in grid.items():
        steps = max(n_checkpoints, round(epochs * len(data) / batch_size))
        for seed in seeds:
            cfg = replace(config, z_dim=z_dim)
            score = lambda G, z=z_dim: score_generator(G, z, net, f_real, n_samples)  # noqa: E731
            scorer = ScoreEvery(max(1, steps // n_checkpoints), score)
            trainer = trainer_for(
                cfg,
                replace(train, batch_size=batch_size, steps=steps, seed=seed),
                data,
                device=device,
                callbacks=[scorer],
                progress=False,
            )
            start = time.perf_counter()
            history = trainer.fit()
            seconds = time.perf_counter() - start
            final = (
                scorer.rows[-1]
                if scorer.rows and scorer.rows[-1]["step"] == steps
                else {"step": steps, **score(trainer.G)}
            )
            runs.append(
                SweepRun(
                    name,
                    seed,
                    batch_size,
                    z_dim,
                    steps,
                    seconds,
                    {k: v for k, v in final.items() if k != "step"},
                    stability(history),
                    scorer.rows,
                    trainer,
                    scorer.weights,
                )
            )
    return runs


def sweep_rows(runs: Sequence[SweepRun], floor: Mapping[str, float] | None = None) -> list[dict]:
    """Table rows: the real-vs-real floor first, then each run's final scores, stability and wall
    time."""
    keys = ("FID", "KID", "precision", "recall", "coverage", "classes", "KL(uniform)")
    rows = (
        [
            {
                "config": "real vs real (floor)",
                "seed": "-",
                "steps": "-",
                **{k: floor[k] for k in keys},
                "spikes": "-",
                "gap_D": "-",
            }
        ]
        if floor
        else []
    )
    for r in runs:
        rows.append(
            {
                "config": r.name,
                "seed": str(r.seed),
                "steps": str(r.steps),
                **{k: r.scores[k] for k in keys},
                "spikes": str(int(r.stability["spikes"])),
                "gap_D": r.stability["gap_D"],
            }
        )
    for name in dict.fromkeys(r.name for r in runs):  # spread over seeds, where there are several
        group = [r for r in runs if r.name == name]
        if len(group) > 1:
            spread = lambda vals: (
                f"{torch.tensor(vals).mean():.3f} ± {torch.tensor(vals).std():.3f}"
            )  # noqa: E731
            rows.append(
                {
                    "config": name,
                    "seed": "mean ± std",
                    "steps": str(group[0].steps),
                    **{k: spread([r.scores[k] for r in group]) for k in keys},
                    "spikes": spread([r.stability["spikes"] for r in group]),
                    "gap_D": spread([r.stability["gap_D"] for r in group]),
                }
            )
    return rows


@torch.no_grad()
def checkpoint_samples(run: SweepRun, z: torch.Tensor) -> dict[int, torch.Tensor]:
    """G(z) at every scored checkpoint of a run (step → (N, C, H, W) in [-1, 1])."""
    G = run.trainer.G
    current = {k: v.clone() for k, v in G.state_dict().items()}
    out = {}
    with eval_mode(G):
        for step, weights in run.weights.items():
            G.load_state_dict(weights)
            out[step] = G(z[:, : run.z_dim].to(next(G.parameters()).device)).cpu()
    G.load_state_dict(current)
    return out


@torch.no_grad()
def interpolate(G: torch.nn.Module, z0: torch.Tensor, z1: torch.Tensor, n: int = 8) -> torch.Tensor:
    """G along the straight line from z0 to z1 (each (z_dim,)): (n, C, H, W) in [-1, 1]."""
    t = torch.linspace(0, 1, n)[:, None]
    return G(((1 - t) * z0 + t * z1))  # (n, z_dim) → images


def plot_projection(features: torch.Tensor, classes: torch.Tensor, title: str = ""):
    """2-D PCA of features (N, d), points coloured by predicted class."""
    f = features.double() - features.double().mean(0)
    _, _, v = torch.linalg.svd(f, full_matrices=False)
    xy = (f @ v[:2].T).numpy()  # (N, 2)
    fig = Figure(figsize=(5.5, 4.5))
    ax = fig.add_subplot()
    points = ax.scatter(
        xy[:, 0], xy[:, 1], c=classes.numpy(), cmap="tab10", s=8, vmin=-0.5, vmax=9.5
    )
    fig.colorbar(points, ax=ax, ticks=range(10), label="predicted class")
    ax.set_xlabel("PC 1")
    ax.set_ylabel("PC 2")
    ax.set_title(title)
    return fig
