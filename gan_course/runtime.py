"""Runtime set-up shared by every notebook and the CLI: the profile, seeding and the device.

Each notebook's setup cell calls these explicitly; nothing here runs at import time.

- ``current_profile()`` reads ``GAN_COURSE_PROFILE`` (``fast`` or ``full``); when it is unset the
  profile is ``full`` only if CUDA is present, else ``fast``.
- ``seed_everything(seed)`` seeds Python, NumPy and PyTorch (CPU and CUDA) in one place.
- ``get_device()`` picks CUDA, then Apple MPS, then the CPU, unless told otherwise.
- ``speed_switch(value, device)`` resolves the "auto" | "on" | "off" speed switches (on with CUDA).
- ``set_threads(device)`` gives a notebook one CPU thread (``GAN_COURSE_THREADS`` to change it).
"""

from __future__ import annotations

import contextlib
import os
import random
import time
from typing import Callable, Iterator, Literal, TypeVar, get_args

import numpy as np
import torch

T = TypeVar("T")

Profile = Literal["fast", "full"]
PROFILES: tuple[Profile, ...] = ("fast", "full")
PROFILE_ENV = "GAN_COURSE_PROFILE"


def check_profile(profile: str) -> Profile:
    """Return ``profile`` if it names a profile, else raise a ``ValueError`` listing the valid
    ones."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}: expected one of {', '.join(PROFILES)}")
    return profile  # type: ignore[return-value]


def current_profile(profile: str | None = None) -> Profile:
    """The profile in force: ``profile`` if given, else ``$GAN_COURSE_PROFILE``, else by hardware.

    Without either, ``full`` is chosen only when CUDA is available, so a laptop gets ``fast``.
    """
    if profile is None:
        profile = os.environ.get(PROFILE_ENV) or None
    if profile is None:
        return "full" if torch.cuda.is_available() else "fast"
    return check_profile(profile.strip().lower())


def seed_everything(seed: int, *, deterministic: bool = False) -> torch.Generator:
    """Seed ``random``, NumPy and PyTorch (all devices); return a fresh ``torch.Generator`` seeded
    alike.

    ``deterministic=True`` also asks PyTorch for deterministic kernels (slower on GPU; CPU runs are
    deterministic for a fixed thread count anyway).
    """
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds every CUDA device
    if deterministic:
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.benchmark = False
    return torch.Generator().manual_seed(seed)


Precision = Literal["auto", "fp32", "bf16"]  # "auto" = bf16 with CUDA, fp32 elsewhere
Switch = Literal["auto", "on", "off"]  # "auto" = on with CUDA, off elsewhere
PRECISIONS: tuple[str, ...] = get_args(Precision)
SWITCH: tuple[str, ...] = get_args(Switch)


def speed_switch(value: str, device: torch.device, on: str = "on") -> bool:
    """Resolve a speed switch: ``on`` (e.g. "on", "bf16") → True, "auto" → True only with CUDA (CPU
    runs stay exact fp32), anything else (e.g. "off", "fp32") → False."""
    return value == on or (value == "auto" and device.type == "cuda")


DEVICE_NAMES = ("cpu", "cuda", "cuda:N (N = 0, 1, ...)", "mps")  # what get_device accepts


class DeviceUnavailableError(RuntimeError):
    """A device was asked for by name but this machine does not have it."""


def get_device(device: str | torch.device | None = None) -> torch.device:
    """``device`` if given (checked to exist), else CUDA, else MPS, else the CPU."""
    if device is not None:
        try:
            device = torch.device(device.strip() if isinstance(device, str) else device)
        except (RuntimeError, TypeError, ValueError):  # "gpu", "cuda:x", "": torch's long list
            raise ValueError(
                f"unknown device {device!r}: expected one of {', '.join(DEVICE_NAMES)}"
            ) from None
        if device.type == "cuda" and not torch.cuda.is_available():
            raise DeviceUnavailableError(
                f"device {device} requested but CUDA is not available; use 'cpu'"
            )
        if (
            device.type == "cuda"
            and device.index is not None
            and device.index >= torch.cuda.device_count()
        ):
            raise DeviceUnavailableError(
                f"device {device} requested but this machine has "
                f"{torch.cuda.device_count()} GPU(s): cuda:0 … cuda:{torch.cuda.device_count() - 1}"
            )
        if device.type == "mps" and not (
            getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()
        ):
            raise DeviceUnavailableError(
                f"device {device} requested but MPS (Apple GPU) is not available; use 'cpu'"
            )
        if device.type not in ("cpu", "cuda", "mps"):
            raise DeviceUnavailableError(
                f"device {device} is not supported here; use 'cpu', 'cuda' or 'mps'"
            )
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def timed(fn: Callable[[], T], device: torch.device) -> tuple[T, float]:
    """``(fn(), seconds)``, the device drained before and after (CUDA runs asynchronously: without
    the syncs the clock would stop when the work is queued, not done)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    out = fn()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return out, time.perf_counter() - start


THREADS_ENV = "GAN_COURSE_THREADS"


def set_threads(device: torch.device, threads: int | None = None) -> int:
    """Give torch and the BLAS/OpenMP pools ``threads`` CPU threads (else ``$GAN_COURSE_THREADS``,
    else one on a CPU device); return the count in force.

    One thread per kernel holds up when the machine is busy: with more, OpenMP threads wait on one
    another whenever a core is taken (notebook 02 run alone on 2 busy cores, one of them spinning:
    658 s with torch's default 2 threads, its 100-step live run 498 s of it; 142 s and 55 s with
    one). The stored outputs were trained with one, and trained numbers depend on the count. With
    a GPU the CPU only feeds it: torch's default stays unless asked.
    """
    if threads is None and os.environ.get(THREADS_ENV, "").strip():
        text = os.environ[THREADS_ENV].strip()
        if not text.isdigit() or int(text) < 1:
            raise ValueError(f"{THREADS_ENV} must be a positive integer, got {text!r}")
        threads = int(text)
    elif threads is not None and (
        isinstance(threads, bool) or not isinstance(threads, int) or threads < 1
    ):
        raise ValueError(f"threads must be a positive int, got {threads!r}")
    if threads is None:
        if device.type != "cpu":
            return torch.get_num_threads()
        threads = 1
    from threadpoolctl import threadpool_limits  # scikit-learn's dependency: NumPy's BLAS pools

    torch.set_num_threads(threads)
    threadpool_limits(limits=threads)  # stays in force: no context manager
    return threads


def describe_runtime(
    profile: Profile, device: torch.device, seed: int, threads: int | None = None
) -> str:
    """One line for a notebook's setup cell: the same text on every CPU machine."""
    line = f"profile={profile} device={device.type} seed={seed}"
    return line if threads is None else f"{line} threads={threads}"


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Run the block with torch's CPU generator seeded to ``seed`` (fresh weights drawn
    reproducibly), then give the caller's generator state back: library code never reseeds the
    caller's RNG."""
    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(seed)
        yield


@contextlib.contextmanager
def eval_mode(*modules: torch.nn.Module) -> Iterator[None]:
    """Run the block with ``modules`` in eval mode (BatchNorm running statistics, no dropout), then
    restore each one's train/eval state, even if the block raises."""
    states = [m.training for m in modules]
    for m in modules:
        m.eval()
    try:
        yield
    finally:
        for m, state in zip(modules, states):
            m.train(state)


@contextlib.contextmanager
def frozen(*modules: torch.nn.Module, eval: bool = False) -> Iterator[None]:
    """Run the block with no parameter of ``modules`` needing a gradient (and, with ``eval``, in
    eval mode), then give every parameter its own ``requires_grad`` and every module its mode back,
    even if the block raises. G's update freezes D's weights; inversion and inpainting freeze a
    pretrained G and D (``eval=True``) so that only z moves."""
    params = [p for m in modules for p in m.parameters()]
    grads = [p.requires_grad for p in params]
    for p in params:
        p.requires_grad_(False)
    try:
        with eval_mode(*modules) if eval else contextlib.nullcontext():
            yield
    finally:
        for p, g in zip(params, grads):
            p.requires_grad_(g)
