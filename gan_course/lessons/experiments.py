"""Comparing variants fairly: every variant is trained with every seed on the same data for the same
number of steps, scored on the same held-out images, and summarised as mean ± std over seeds.

Used by the pix2pix notebooks (02–04) and by the encoder–decoder notebook (06); the trainer and the
score come from the model's own module, so this file knows nothing about a particular GAN.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Callable, Mapping, Sequence, TypeVar

import torch
from torch import nn

from ..engine import GANTrainer, TrainConfig

C = TypeVar("C")


@dataclass
class Run:
    """One trained variant: its name, seed, test metrics, training history, wall time, G and D."""

    name: str
    seed: int
    metrics: dict[str, float]
    history: dict[str, list[float]]
    seconds: float
    G: nn.Module
    D: nn.Module


def train_variants(
    variants: Mapping[str, C],
    make_trainer: Callable[[C, TrainConfig], GANTrainer],
    score: Callable[[C, nn.Module], dict[str, float]],
    train: TrainConfig,
    seeds: Sequence[int] = (0,),
) -> list[Run]:
    """For each (name, config) and seed: ``make_trainer(config, train with that seed).fit()``,
    timed, then ``score(config, G)``. Runs come back in variant order, seeds innermost."""
    runs = []
    for name, config in variants.items():
        for seed in seeds:
            trainer = make_trainer(config, replace(train, seed=seed))
            start = time.perf_counter()
            history = trainer.fit()
            seconds = time.perf_counter() - start
            runs.append(
                Run(name, seed, score(config, trainer.G), history, seconds, trainer.G, trainer.D)
            )
    return runs


def summarize_runs(
    runs: Sequence[Run],
    baselines: Mapping[str, dict[str, float]] | None = None,
    metrics: Sequence[str] | None = None,
) -> list[dict]:
    """Table rows: baselines first, then each variant's mean ± std over its seeds (as text).
    ``metrics`` defaults to the first run's metric names."""
    metrics = list(runs[0].metrics) if metrics is None else metrics
    rows = [
        {"method": name, "seeds": "-", **{m: f"{v[m]:.3f}" for m in metrics}}
        for name, v in (baselines or {}).items()
    ]
    for name in dict.fromkeys(r.name for r in runs):
        group = [r for r in runs if r.name == name]
        row = {"method": name, "seeds": str(len(group))}
        for m in metrics:
            values = torch.tensor([r.metrics[m] for r in group])
            spread = f" ± {values.std().item():.3f}" if len(group) > 1 else ""
            row[m] = f"{values.mean().item():.3f}{spread}"
        rows.append(row)
    return rows


def shipped_runs(family: Mapping[str, object], names: Sequence[str], test: str) -> list[Run]:
    """The shipped variants (``shipped.load_shipped_variants``) of the named families, every seed,
    as ``Run``s whose metrics are the scores on held-out set ``test`` recorded when they were
    built (G and D are None for seeds that ship as scores only)."""
    return [
        Run(v.family, v.seed, v.scores[test], v.history, v.seconds, v.G, v.D)
        for v in family.values()
        if v.family in names
    ]


def seed_wins(runs: Sequence[Run], a: str, b: str, metric: str) -> tuple[int, int]:
    """(seeds on which variant ``a`` scores higher than ``b`` on ``metric``, seeds compared):
    runs paired by seed."""
    by_seed = {(r.name, r.seed): r.metrics[metric] for r in runs}
    seeds = sorted(seed for name, seed in by_seed if name == a and (b, seed) in by_seed)
    return sum(by_seed[a, s] > by_seed[b, s] for s in seeds), len(seeds)
