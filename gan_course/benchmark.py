"""Benchmarks: throughputs measured side by side in one run, printed as ratios (never timed tests).

    gan-course bench inpainting                  # batched z-optimisation vs a per-image loop, CPU
    gan-course bench inpainting --device cuda    # the same on a GPU

``inpainting``: Yeh et al.'s optimisation (``inpainting.inpaint``) of n images × K restarts as one batch
of z, against the naive loop that optimises one image and one restart at a time; both take the same
number of steps from the same shipped DCGAN, so the ratio is the speed-up of batching alone.
"""
from __future__ import annotations

import time
from dataclasses import replace

import torch


def _timed(fn, device: torch.device) -> float:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    fn()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter() - start


def bench_inpainting(n: int = 32, restarts: int = 4, steps: int = 30, device: str | torch.device = "cpu",
                     loop_images: int | None = None) -> dict[str, float]:
    """Images·restarts per second, batched vs per-image loop (``loop_images`` of them, default all n,
    each restart separately), and their ratio. A warm-up step runs first on both paths."""
    from .data import load_dataset
    from .inpainting import InpaintConfig, inpaint, make_mask
    from .shipped import load_shipped_dcgan

    device = torch.device(device)
    G, D, config = load_shipped_dcgan()
    G, D = G.to(device), D.to(device)
    x = load_dataset("digits", config.image_size, split="test", channels=config.channels).float()[:n]
    if len(x) < n:
        raise ValueError(f"the digits test split has {len(x)} images, asked for n={n}")
    mask = make_mask("center", n, config.image_size)
    y = x * mask
    cfg = InpaintConfig(steps=steps, restarts=restarts, grad_tol=0.0, blend=False)
    one = replace(cfg, restarts=1)
    inpaint(G, D, y[:1].to(device), mask[:1], config.z_dim, replace(one, steps=1))  # warm-up
    batched = _timed(lambda: inpaint(G, D, y.to(device), mask, config.z_dim, cfg), device)
    m = loop_images or n

    def loop() -> None:
        for i in range(m):
            for k in range(restarts):
                inpaint(G, D, y[i:i + 1].to(device), mask[i:i + 1], config.z_dim, one, seed=k)

    looped = _timed(loop, device)
    batched_rate, loop_rate = n * restarts / batched, m * restarts / looped
    return {"n": n, "restarts": restarts, "steps": steps, "batched_s": batched, "loop_s": looped,
            "batched_per_s": batched_rate, "loop_per_s": loop_rate, "speedup": batched_rate / loop_rate}


def format_bench(result: dict[str, float], device: str) -> str:
    r = result
    return (f"inpainting on {device}: {r['n']} images × {r['restarts']} restarts, {r['steps']} steps each\n"
            f"  batched   {r['batched_per_s']:8.1f} image·restarts/s  ({r['batched_s']:.2f} s)\n"
            f"  per-image {r['loop_per_s']:8.1f} image·restarts/s  ({r['loop_s']:.2f} s)\n"
            f"  speed-up of batching: {r['speedup']:.1f}×")
