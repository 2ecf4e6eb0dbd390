"""Benchmarks: throughputs measured side by side in one run, printed as ratios (never timed tests).

    gan-course bench dcgan                 # DCGAN-64 training: optimised engine vs plain eager loop
    gan-course bench pix2pix --device cuda # pix2pix 96×96 (U-Net + PatchGAN), the same comparison
    gan-course bench inpainting            # batched z-optimisation vs a per-image loop
    python benchmarks/train_dcgan.py ...   # the same, as scripts (see benchmarks/README.md)

``dcgan`` / ``pix2pix``: images per second of training (one D and one G update per step) by the
engine as it runs by default on the device (``TrainConfig`` "auto": on CUDA bf16 autocast,
channels_last, fused Adam, the dataset held on the GPU, one host sync per ``log_every`` steps; add
``--compile inductor`` for torch.compile), against the plain eager baseline written the usual way:
fp32, a ``DataLoader`` that converts and flips one image at a time on the CPU, and every step's
losses read with ``.item()`` (one host sync per step). Same models, same batch, same data (crops of
the embedded photos at the model's size), warm-up steps first on both. It also counts the FLOPs of
one training step (``torch.utils.flop_counter``) and, with a known or given peak, prints the
fraction of the device's peak the optimised path reaches (the roofline fraction).

``inpainting``: Yeh et al.'s optimisation (``inpainting.inpaint``) of n images × K restarts as one
batch of z (bf16 autocast on CUDA, no host sync until the end), against the naive loop that
optimises one image and one restart at a time in fp32 and checks its stopping rule every step
(a host sync); both take the same number of steps from the same shipped DCGAN.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Iterator

import torch

from .data import load_dataset, to_unit_range
from .dcgan import DCGANConfig
from .engine import TrainConfig, trainer_for
from .inpainting import InpaintConfig, inpaint, make_mask
from .pix2pix import Pix2PixConfig
from .runtime import speed_switch, timed
from .shipped import load_shipped_dcgan

TRAIN_BENCHMARKS = ("dcgan", "pix2pix")
# dense bf16 tensor-core peaks in TFLOP/s (vendor data sheets, SXM parts); other
# devices: --peak-tflops
PEAK_BF16_TFLOPS = {"H200": 989.0, "H100": 989.0, "A100": 312.0}


def bench_inpainting(
    n: int = 32,
    restarts: int = 4,
    steps: int = 30,
    device: str | torch.device = "cpu",
    loop_images: int | None = None,
) -> dict[str, float]:
    """Images·restarts per second, batched vs per-image loop (``loop_images`` of them, default all
    n, each restart separately), and their ratio. A warm-up step runs first on both paths."""
    device = torch.device(device)
    G, D, config = load_shipped_dcgan()
    G, D = G.to(device), D.to(device)
    x = load_dataset("digits", config.image_size, split="test", channels=config.channels).float()[
        :n
    ]
    if len(x) < n:
        raise ValueError(f"the digits test split has {len(x)} images, asked for n={n}")
    m = n if loop_images is None else loop_images
    if not 1 <= m <= n:  # (steps and restarts are checked by InpaintConfig)
        raise ValueError(f"need 1 <= loop_images <= n={n}, got {loop_images}")
    mask = make_mask("center", n, config.image_size)
    y = x * mask
    cfg = InpaintConfig(steps=steps, restarts=restarts, grad_tol=0.0, blend=False)
    one = replace(
        cfg, restarts=1, precision="fp32", grad_tol=1e-30
    )  # a never-met tolerance: checked every step
    inpaint(G, D, y[:1].to(device), mask[:1], config.z_dim, replace(one, steps=1))  # warm-up
    _, batched = timed(lambda: inpaint(G, D, y.to(device), mask, config.z_dim, cfg), device)

    def loop() -> None:
        for i in range(m):
            for k in range(restarts):
                inpaint(G, D, y[i : i + 1].to(device), mask[i : i + 1], config.z_dim, one, seed=k)

    _, looped = timed(loop, device)
    batched_rate, loop_rate = n * restarts / batched, m * restarts / looped
    precision = "bf16" if speed_switch(cfg.precision, device, on="bf16") else "fp32"
    return {
        "n": n,
        "restarts": restarts,
        "steps": steps,
        "precision": precision,
        "batched_s": batched,
        "loop_s": looped,
        "batched_per_s": batched_rate,
        "loop_per_s": loop_rate,
        "speedup": batched_rate / loop_rate,
    }


def format_bench(result: dict[str, float], device: str) -> str:
    r = result
    precision = r["precision"]
    return (
        f"inpainting on {device}: {r['n']} images × {r['restarts']} restarts, "
        f"{r['steps']} steps each\n"
        f"  batched   {r['batched_per_s']:8.1f} image·restarts/s  ({r['batched_s']:.2f} s: "
        f"all n·K z as one batch, {precision}, one host sync)\n"
        f"  per-image {r['loop_per_s']:8.1f} image·restarts/s  ({r['loop_s']:.2f} s: "
        f"one image and restart at a time, fp32, a host sync per step)\n"
        f"  speed-up: {r['speedup']:.1f}×"
    )


def _train_setup(model: str, profile: str, batch_size: int | None, n_images: int | None):
    """(model config, batch size, images) of a training benchmark: the profile's
    model (full: DCGAN-64 at width 64; pix2pix 96×96 at width 64) on embedded photo crops of its
    size."""
    if model not in TRAIN_BENCHMARKS:
        raise ValueError(
            f"unknown training benchmark {model!r}; valid: {', '.join(TRAIN_BENCHMARKS)}"
        )
    if model == "dcgan":
        config = DCGANConfig.for_profile(profile, dataset="photos", channels=3)
    else:
        config = Pix2PixConfig.for_profile(profile, dataset="photos")
    batch_size = batch_size or (64 if model == "dcgan" else 32)
    data = load_dataset(
        "photos", config.image_size, channels=3, n=n_images or max(4 * batch_size, 256)
    )
    return config, batch_size, data


class _EagerImages(torch.utils.data.Dataset):
    """The baseline's data the usual way: one uint8 image at a time → float [-1, 1], flipped on the
    CPU."""

    def __init__(self, images: torch.Tensor):
        self.images = images  # uint8 (N, C, H, W)

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int) -> torch.Tensor:
        x = to_unit_range(self.images[i])  # (C, H, W)
        return x.flip(-1) if torch.rand(()) < 0.5 else x


def _loader_batches(images: torch.Tensor, batch_size: int, workers: int) -> Iterator[torch.Tensor]:
    loader = torch.utils.data.DataLoader(
        _EagerImages(images),
        batch_size,
        shuffle=True,
        drop_last=True,
        num_workers=workers,
        persistent_workers=workers > 0,
    )
    while True:
        yield from loader


def flops_per_image_step(trainer: Any, batch: tuple[torch.Tensor, torch.Tensor | None]) -> float:
    """FLOPs of one training step (G forward, D on real and fake, both backward passes, G's update
    pass through D) per image, counted by ``torch.utils.flop_counter`` on ``trainer``
    (which it steps)."""
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        trainer.train_step(batch)
    return counter.get_total_flops() / batch[0].shape[0]


def bench_training(
    model: str = "dcgan",
    steps: int | None = None,
    device: str | torch.device = "cpu",
    *,
    batch_size: int | None = None,
    warmup: int | None = None,
    compile: str = "off",
    workers: int | None = None,
    profile: str = "full",
    n_images: int | None = None,
    peak_tflops: float | None = None,
) -> dict[str, Any]:
    """Training images/s of the optimised engine and of the plain eager baseline, measured in one
    run.

    Defaults: 100 timed steps after 10 warm-up steps on CUDA, 5 after 1 on a CPU; DataLoader workers
    2 on CUDA (as pytorch/examples' DCGAN), 0 on a CPU (two cores are busy training)."""
    device = torch.device(device)
    cuda = device.type == "cuda"
    steps = (100 if cuda else 5) if steps is None else steps
    warmup = warmup if warmup is not None else (10 if cuda else 1)
    workers = workers if workers is not None else (2 if cuda else 0)
    if steps < 1 or warmup < 0 or workers < 0:
        raise ValueError(
            f"need steps >= 1, warmup >= 0, workers >= 0; got {steps}, {warmup}, {workers}"
        )
    config, batch_size, data = _train_setup(model, profile, batch_size, n_images)
    common = dict(
        steps=10**9, batch_size=batch_size, hflip=True, sample_every=0, checkpoint_every=0
    )

    # baseline: fp32 eager, DataLoader batches, each step's losses read on the host
    plain = trainer_for(
        config,
        TrainConfig(
            **common, precision="fp32", channels_last="off", fused_adam="off", data_on_device="off"
        ),
        data,
        device=device,
        progress=False,
    )
    batches = _loader_batches(data.images, batch_size, workers)

    def plain_steps(k: int) -> None:
        for _ in range(k):
            stats = plain.train_step((next(batches).to(device), None))
            {name: v.item() for name, v in stats.items()}  # the per-step logging sync

    flops = flops_per_image_step(plain, (next(batches).to(device), None))
    plain_steps(warmup)
    _, plain_s = timed(lambda: plain_steps(steps), device)

    # optimised: the engine's defaults on this device, one host sync at the end
    fast = trainer_for(
        config,
        TrainConfig(**common, log_every=10**9, compile=compile),
        data,
        device=device,
        progress=False,
    )
    fast.fit(warmup + 1)  # warm-up, including any compilation and cuDNN's autotuning
    _, fast_s = timed(lambda: fast.fit(warmup + 1 + steps), device)

    images = steps * batch_size
    result = {
        "model": model,
        "image_size": config.image_size,
        "device": str(device),
        "batch_size": batch_size,
        "steps": steps,
        "baseline_s": plain_s,
        "optimised_s": fast_s,
        "baseline_images_per_s": images / plain_s,
        "optimised_images_per_s": images / fast_s,
        "speedup": plain_s / fast_s,
        "gflop_per_image_step": flops / 1e9,
        "workers": workers,
        "switches": fast.switches,
    }
    name = torch.cuda.get_device_name(device) if cuda else "cpu"
    peak = peak_tflops or next((v for k, v in PEAK_BF16_TFLOPS.items() if cuda and k in name), None)
    result["device_name"], result["achieved_tflops"] = name, images / fast_s * flops / 1e12
    if peak:
        result["peak_tflops"], result["roofline_fraction"] = peak, result["achieved_tflops"] / peak
    return result


def format_training_bench(r: dict[str, Any]) -> str:
    on = [k for k, v in r["switches"].items() if v is True]
    compiled = r["switches"]["compile"]
    lines = [
        f"{r['model']} {r['image_size']}×{r['image_size']} training on {r['device']} "
        f"({r['device_name']}), batch {r['batch_size']}, {r['steps']} timed steps, "
        f"{r['gflop_per_image_step']:.2f} GFLOP per image-step",
        f"  baseline  {r['baseline_images_per_s']:9.1f} images/s  "
        f"({r['baseline_s']:.2f} s: fp32 eager, "
        f"DataLoader with {r['workers']} workers, .item() every step)",
        f"  optimised {r['optimised_images_per_s']:9.1f} images/s  ({r['optimised_s']:.2f} s: "
        f"{', '.join(on) or 'no switch on'}; G {compiled['G']}, D {compiled['D']}; one host sync)",
        f"  speed-up: {r['speedup']:.2f}×   achieved {r['achieved_tflops']:.3f} TFLOP/s",
    ]
    if "roofline_fraction" in r:
        lines[-1] += (
            f" = {100 * r['roofline_fraction']:.1f} % of the {r['peak_tflops']:.0f} TFLOP/s "
            "bf16 peak"
        )
    return "\n".join(lines)
