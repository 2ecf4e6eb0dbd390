"""Notebook 06's comparisons: the encoder–decoder GAN as a codec against bicubic and JPEG at equal
bytes per image, and three inversions of a pretrained G (optimise z, an encoder, both)."""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from ..compression import bicubic_roundtrip, jpeg_roundtrip, pca_roundtrip
from ..encoder_decoder import reconstruct
from ..inversion import (
    Inversion,
    LatentEncoder,
    invert_by_encoder,
    invert_by_optimization,
    invert_hybrid,
)
from ..metrics import image_quality, psnr, ssim
from ..runtime import timed
from .experiments import Run


def reconstruction_metrics(x_hat: torch.Tensor, x: torch.Tensor) -> dict[str, float]:
    """Mean PSNR (dB) and SSIM of x̂ against x, with the set's sharpness and edge fidelity
    (``metrics.image_quality``); x̂, x: (N, C, H, W) in [-1, 1]."""
    return image_quality(x_hat, x)


def rate_distortion_rows(
    runs: Sequence[Run], x: torch.Tensor, family: str = "GAN encoder–decoder"
) -> list[dict]:
    """``compression.codec_rows``-style rows for trained encoder–decoders (``experiments.Run``s):
    bytes = C·H·W values of f at 8 bits + 8 bytes of per-image range; reconstructions from the
    quantised f."""
    rows = []
    for run in runs:
        shape = "×".join(map(str, run.G.feature_shape(x.shape[-1])))
        n_bytes = run.G.values_to_decoder(x.shape[-1])["f"] + 8
        scores = reconstruction_metrics(reconstruct(run.G, x), x)
        rows.append(
            {
                "family": family,
                "method": f"{run.name} (f {shape})",
                "bytes": float(n_bytes),
                "PSNR": scores["PSNR"],
                "SSIM": scores["SSIM"],
            }
        )
    return rows


def codec_rows(
    x: torch.Tensor,
    jpeg_budgets: Sequence[int],
    bicubic_factors: Sequence[int] = (2, 4, 8),
    *,
    pca_train: torch.Tensor | None = None,
    pca_components: Sequence[int] = (),
) -> list[dict]:
    """Rate–distortion rows for the codecs that learned nothing on x: (N, C, S, S) in [-1, 1]
    (bicubic, JPEG) and, with ``pca_train``, the best linear code learned from those images
    (``compression.pca_roundtrip``, k components each): ``family``, ``method``, ``bytes`` per
    image, ``PSNR`` (dB) and ``SSIM``, one row per setting."""
    rows = []
    settings = [
        ("bicubic", f"bicubic ÷{k}", lambda k=k: bicubic_roundtrip(x, k)) for k in bicubic_factors
    ]
    settings += [("JPEG", f"JPEG ≤ {b} B", lambda b=b: jpeg_roundtrip(x, b)) for b in jpeg_budgets]
    settings += [
        ("PCA", f"PCA, {k} components", lambda k=k: pca_roundtrip(x, pca_train, k))
        for k in (pca_components if pca_train is not None else ())
    ]
    for family, method, run in settings:
        x_hat, n_bytes = run()
        rows.append(
            {
                "family": family,
                "method": method,
                "bytes": round(float(n_bytes), 1),
                "PSNR": float(psnr(x_hat, x).mean()),
                "SSIM": float(ssim(x_hat, x).mean()),
            }
        )
    return rows


def compare_inversions(
    G: nn.Module,
    E: LatentEncoder,
    x: torch.Tensor,
    *,
    steps: int = 200,
    hybrid_steps: int = 100,
    seed: int = 0,
) -> tuple[list[dict], dict[str, Inversion]]:
    """The three inversions of the same targets x: (N, C, H, W) in [-1, 1]. Returns table rows
    (``method``, ``steps``, ``PSNR`` dB, ``MSE``, ``ms/image`` = wall time / N, batched) and the
    inversions by method. E's training is a one-off cost not counted here."""
    methods = {
        "optimise z": lambda: invert_by_optimization(G, x, E.z_dim, steps=steps, seed=seed),
        "encoder": lambda: invert_by_encoder(G, E, x),
        "hybrid": lambda: invert_hybrid(G, E, x, steps=hybrid_steps),
    }
    counts = {"optimise z": steps, "encoder": 0, "hybrid": hybrid_steps}
    rows, results = [], {}
    device = next(G.parameters()).device
    for name, run in methods.items():
        inv, seconds = timed(run, device)
        results[name] = inv
        rows.append(
            {
                "method": name,
                "steps": counts[name],
                "PSNR": float(psnr(inv.x_hat, x).mean()),
                "MSE": float(inv.loss.mean()),
                "ms/image": 1000 * seconds / len(x),
            }
        )
    return rows, results
