"""One GAN training engine for every model in the course (DCGAN, pix2pix, the encoder–decoder GAN).

The engine knows nothing about a particular model, in the spirit of minGPT's trainer. What makes a
GAN *this* GAN lives in an **objective** (see ``GANObjective``): how G is fed from a batch and how
``loss_D`` and ``loss_G`` are computed. The engine does the rest:

- alternating updates, D first then G, on the same ``x_fake = G(input)``;
- a history of per-step ``loss_D``, ``loss_G``, ``d_real`` = mean sigmoid(D(x)), ``d_fake`` =
  mean sigmoid(D(G(z))), any extra terms the objective returns, and the wall time;
- statistics stay on the device and are read every ``log_every`` steps (one host sync, not one per
  step); a non-finite loss stops training with ``NonFiniteLossError``. At the same reads, before
  every checkpoint and at the end, G's and D's weights, their buffers (BatchNorm running
  statistics) and the optimiser moments are checked finite (``NonFiniteStateError``: a loss can
  stay finite while a running variance is already inf). Nothing non-finite is ever written, so the
  "last good checkpoint" a message names is finite, and a run ending non-finite never returns;
- atomic checkpoints every ``checkpoint_every`` steps, callbacks (``plots.SampleGrids`` draws sample
  grids and loss curves; the trainer itself draws nothing), and a ``tqdm.auto`` progress bar;
- resume: a checkpoint holds models, optimisers, RNG states, the step and the history, and the data
  stream is a pure function of (seed, step), so a resumed CPU run is bit-identical to one that was
  never interrupted (a ``kill -9`` included: checkpoints are atomic). Resuming refuses options that
  the checkpoint fixes (the model config and ``RESUME_FIXED``: the optimiser's and the data
  stream's) when they differ, listing each, so the config recorded and the training never disagree;
- speed on CUDA (``TrainConfig.precision`` / ``channels_last`` / ``fused_adam`` /
  ``data_on_device``, "auto" = on there): bf16 autocast around forward passes and losses, NHWC
  memory format, fused Adam, the uint8 dataset held on the GPU and batched and flipped there,
  cudnn.benchmark;
- optional ``torch.compile`` (``TrainConfig.compile``), of G and D separately, in the default mode.
  Two known limits are handled, not hidden: CUDA graphs ("reduce-overhead") are not used, because
  BatchNorm updates its running-statistics buffers in place every training step and graph replay
  cannot own those mutations; and an objective that differentiates D twice (the R1 penalty's
  ``create_graph=True``) keeps D eager, since compiled graphs do not support double backward. If
  compiling fails on the first step, the trainer restores the state from before that step, trains
  eagerly and warns; ``trainer.compiled`` says what runs compiled and why not;
- several processes under ``torchrun`` (see ``distributed``): DDP-wrapped updates, rank-sharded
  batches, rank-0 files.
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
import time
import warnings
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Annotated, Any, ClassVar, Iterable, Iterator, Literal, Protocol, get_args

import torch
from torch import nn

from .checkpoint import (
    CheckpointError,
    atomic_write,
    folder_lock,
    load_checkpoint,
    load_state,
    save_checkpoint,
)
from .data import ImageSet, iterate_batches
from . import distributed
from .runtime import (
    PRECISIONS,
    SWITCH,
    Precision,
    Profile,
    Switch,
    check_profile,
    eval_mode,
    frozen,
    seeded,
    speed_switch,
)

Batch = tuple[
    torch.Tensor, torch.Tensor | None
]  # (x: (B, C, H, W) in [-1, 1], labels (B,) or None)


class GANObjective(Protocol):
    """How one kind of GAN is fed and scored; the engine calls these three and nothing else."""

    def generator_input(self, batch: Batch, rng: torch.Generator) -> torch.Tensor:
        """What G receives for this batch: z for an unconditional GAN, the condition A for
        pix2pix."""

    def loss_D(self, D: nn.Module, batch: Batch, x_fake: torch.Tensor) -> dict[str, torch.Tensor]:
        """``{"loss_D", "d_real", "d_fake", ...}`` (d_* are D's logits; further scalar terms, e.g. a
        gradient penalty ``"r1"``, are logged too); ``x_fake`` is detached."""

    def loss_G(self, D: nn.Module, batch: Batch, x_fake: torch.Tensor) -> dict[str, torch.Tensor]:
        """``{"loss_G", ...}``: any further scalar terms (e.g. ``"l1"``) are logged too."""

    # Optional: ``to_image(g_input, g_output) -> images`` for sample grids when G's output is not an
    # image by itself (pix2pix in Lab space predicts only the colour channels).


class ModelConfig(Protocol):
    """What the engine needs from a model's config (``DCGANConfig``, ``Pix2PixConfig``,
    ``EncoderDecoderConfig``): the engine builds and trains any of them without knowing which."""

    kind: ClassVar[str]  # names the model in checkpoints and run folders: "dcgan", "pix2pix", ...

    def build(self) -> tuple[nn.Module, nn.Module]:
        """A fresh (G, D), initialised from the global torch RNG."""

    def objective(self) -> "GANObjective":
        """How G is fed and how loss_D and loss_G are computed."""

    def check_data(self, data: ImageSet) -> None:
        """Raise a ``ValueError`` saying what was expected when ``data`` does not fit the model."""


CompileBackend = Literal[
    "off", "inductor", "aot_eager", "eager"
]  # inductor: codegen; aot_eager: none
COMPILE_BACKENDS: tuple[str, ...] = get_args(CompileBackend)


@dataclass(frozen=True)
class TrainConfig:
    """How long and how to train; model-agnostic. Defaults are note 001's DCGAN optimiser."""

    # how long, and the optimiser
    steps: Annotated[int, "total optimisation steps (one D and one G update each)"] = 500
    batch_size: Annotated[int, "images per step (per process under torchrun)"] = 32
    lr_G: Annotated[float, "Adam learning rate of G"] = 2e-4
    lr_D: Annotated[float, "Adam learning rate of D"] = 2e-4
    beta1: Annotated[float, "Adam β1 (0.5 for GANs, as DCGAN)"] = 0.5
    beta2: Annotated[float, "Adam β2"] = 0.999
    lr_decay_steps: Annotated[
        int, "over the last N steps both learning rates fall linearly to 1/N (pix2pix); 0 = off"
    ] = 0
    # the data stream and what is written
    seed: Annotated[int, "RNG seed of the initial weights, the batches and z"] = 0
    hflip: Annotated[bool, "mirror each image with probability 1/2"] = False
    log_every: Annotated[int, "steps between reads of the statistics (one host sync each)"] = 10
    sample_every: Annotated[
        int, "steps between sample grids and loss curves (plots.SampleGrids); 0 = none"
    ] = 100
    checkpoint_every: Annotated[int, "steps between checkpoints; 0 = only a final one"] = 250
    n_samples: Annotated[int, "images in each sample grid (a fixed input)"] = 64
    sync_bn: Annotated[
        bool, "torchrun on CUDA: BatchNorm statistics over all ranks (SyncBatchNorm)"
    ] = False
    # speed switches: "auto" = on with CUDA, off elsewhere (so CPU runs stay exact and resumable)
    precision: Annotated[Precision, "bf16: forward passes and losses under bf16 autocast"] = "auto"
    channels_last: Annotated[Switch, "NHWC memory format for G, D and image batches"] = "auto"
    fused_adam: Annotated[Switch, "one fused kernel per optimiser step"] = "auto"
    data_on_device: Annotated[
        Switch, "the uint8 set on the device once, batched and flipped there"
    ] = "auto"
    compile: Annotated[CompileBackend, "torch.compile G and D with this backend"] = "off"

    def __post_init__(self) -> None:
        for name in ("steps", "batch_size", "log_every", "n_samples"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        for name in ("sample_every", "checkpoint_every", "seed", "lr_decay_steps"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        for name, allowed in (
            ("precision", PRECISIONS),
            ("channels_last", SWITCH),
            ("fused_adam", SWITCH),
            ("data_on_device", SWITCH),
            ("compile", COMPILE_BACKENDS),
        ):
            if getattr(self, name) not in allowed:
                raise ValueError(
                    f"{name} must be one of {', '.join(allowed)}, got {getattr(self, name)!r}"
                )
        if self.lr_G <= 0 or self.lr_D <= 0:
            raise ValueError(f"learning rates must be > 0, got lr_G={self.lr_G}, lr_D={self.lr_D}")
        if self.lr_decay_steps > self.steps:
            raise ValueError(
                f"lr_decay_steps must be <= steps ({self.steps}), got {self.lr_decay_steps}"
            )

    def lr_factor(self, step: int) -> float:
        """What multiplies lr_G and lr_D on the step after ``step`` finished steps: 1, then over
        the last ``lr_decay_steps`` of ``steps`` N/N, (N-1)/N, ..., 1/N (pix2pix's linear decay),
        and 1/N for any step past ``steps``. A function of the step alone, so resume stays exact."""
        if not self.lr_decay_steps:
            return 1.0
        return min(1.0, max(self.steps - step, 1) / self.lr_decay_steps)

    @classmethod
    def for_profile(cls, profile: Profile, **overrides: Any) -> "TrainConfig":
        """``fast``: 500 steps of batch 32 (digit-like DCGAN samples in ≈ 40 s on 2 CPU cores).
        ``full``: note 001's 80 epochs of CIFAR-10's 50,000 images at batch 64."""
        check_profile(profile)
        base = (
            cls()
            if profile == "fast"
            else cls(
                steps=80 * 50_000 // 64,
                batch_size=64,
                hflip=True,
                log_every=50,
                sample_every=2_000,
                checkpoint_every=5_000,
            )
        )
        return replace(base, **overrides)


# What a checkpoint fixes: resuming with another value would be recorded but not followed (Adam's
# lr and betas come back from the checkpoint, z and the batches from its RNG states and fixed
# input). Everything else in TrainConfig (how long, how often to log and save, the speed switches)
# may change on resume.
RESUME_FIXED = ("batch_size", "lr_G", "lr_D", "beta1", "beta2", "seed", "hflip", "n_samples")


class NonFiniteLossError(FloatingPointError):
    """A loss became NaN or infinite; training stopped and the last good checkpoint was kept."""


class NonFiniteStateError(NonFiniteLossError):
    """G's or D's weights, buffers (BatchNorm statistics) or optimiser moments became NaN or
    infinite; training stopped before writing them and the last good checkpoint was kept."""


class Callback:
    """Hooks into training; override what you need. ``trainer`` is the running ``GANTrainer``."""

    def on_log(self, trainer: "GANTrainer", rows: list[dict[str, float]]) -> None:
        """After each host sync, with the history rows it added."""

    def on_step_end(self, trainer: "GANTrainer") -> None:
        """After every optimisation step (``trainer.step`` counts finished steps)."""

    def on_checkpoint(self, trainer: "GANTrainer", path: Path) -> None:
        """After a checkpoint is written."""

    def on_train_end(self, trainer: "GANTrainer") -> None:
        """When ``fit`` returns normally."""


class GANTrainer:
    """Alternating D / G training of any (G, D) pair under a ``GANObjective``.

    ``fit()`` trains up to ``config.steps`` total steps and returns the history (a dict of lists:
    ``step``, ``loss_D``, ``loss_G``, ``d_real``, ``d_fake``, ``time`` and any extras). With
    ``out_dir`` it also writes checkpoints and ``metrics.json`` there (add ``plots.SampleGrids`` for
    pictures).
    """

    def __init__(
        self,
        G: nn.Module,
        D: nn.Module,
        objective: GANObjective,
        data: ImageSet,
        config: TrainConfig,
        *,
        device: str | torch.device = "cpu",
        out_dir: str | Path | None = None,
        callbacks: Iterable[Callback] = (),
        kind: str = "gan",
        meta: dict[str, Any] | None = None,
        progress: bool = True,
    ):
        if config.batch_size > len(data):
            raise ValueError(
                f"batch_size {config.batch_size} is larger than the dataset ({len(data)} images)"
            )
        self.device = torch.device(device)
        self.dist = distributed.info()  # rank 0 of 1 unless torchrun started this process
        if self.dist.active and config.sync_bn and self.device.type == "cuda":
            G = nn.SyncBatchNorm.convert_sync_batchnorm(G)
            if getattr(
                objective, "double_backward", False
            ):  # SyncBatchNorm's backward has no derivative
                warnings.warn(
                    "sync_bn: D keeps per-GPU BatchNorm (the R1 penalty differentiates D twice, "
                    "which SyncBatchNorm cannot); G's BatchNorm is synchronised",
                    stacklevel=2,
                )
            else:
                D = nn.SyncBatchNorm.convert_sync_batchnorm(D)
        self.bf16 = speed_switch(config.precision, self.device, on="bf16")
        self.channels_last = speed_switch(config.channels_last, self.device)
        fused = speed_switch(config.fused_adam, self.device)
        self.data_on_device = speed_switch(config.data_on_device, self.device)
        if self.device.type == "cuda" and not torch.are_deterministic_algorithms_enabled():
            torch.backends.cudnn.benchmark = (
                True  # fixed shapes: let cuDNN pick the fastest kernels once
            )
        memory_format = torch.channels_last if self.channels_last else torch.contiguous_format
        self.G, self.D = (
            G.to(self.device, memory_format=memory_format),
            D.to(self.device, memory_format=memory_format),
        )
        self.objective, self.data, self.config = objective, data, config
        # what trains: DDP wrappers when distributed (gradients averaged across ranks), else G and D
        self._G_ddp, self._D_ddp = self.G, self.D
        if self.dist.active:  # torchrun, even with one process: the same code path as with many
            from torch.nn.parallel import DistributedDataParallel as DDP

            ids = [self.device.index] if self.device.type == "cuda" else None
            self._G_ddp, self._D_ddp = DDP(self.G, device_ids=ids), DDP(self.D, device_ids=ids)
        self._use_compiled(False)
        self._compile_pending = config.compile != "off"
        self.compiled = {"G": "eager", "D": "eager"}  # what runs compiled, or why it does not
        self.kind, self.meta = kind, dict(meta or {})
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.progress = progress
        betas = (config.beta1, config.beta2)
        self._fused = fused or None
        self.opt_G = torch.optim.Adam(
            self.G.parameters(), lr=config.lr_G, betas=betas, fused=self._fused
        )
        self.opt_D = torch.optim.Adam(
            self.D.parameters(), lr=config.lr_D, betas=betas, fused=self._fused
        )
        # z and any other sampling; each rank its own stream (rank 0's is the one-process stream)
        self.rng = torch.Generator(self.device).manual_seed(config.seed + 7919 * self.dist.rank)
        # what draws from torch's global RNG while training (dropout) gets the trainer's own stream,
        # per rank, swapped in by fit() and out again afterwards: the caller's global RNG is left
        # alone
        self._global_rng: dict[str, torch.Tensor] = {}
        self._fitting = False
        self._seed_global_rng(config.seed + 7919 * self.dist.rank)
        self.step = 0
        self.history: dict[str, list[float]] = {}
        self.elapsed = 0.0  # seconds of training before this session (restored on resume)
        self._pending: list[tuple[int, float, dict[str, torch.Tensor]]] = []
        self.last_checkpoint: Path | None = None
        # The fixed input behind every sample grid: the first n_samples images, their own RNG
        # stream.
        n = min(config.n_samples, len(data))
        fixed_batch = (data.subset(slice(0, n)).float().to(self.device), None)
        fixed_rng = torch.Generator(self.device).manual_seed(config.seed + 1)
        self.fixed_input = objective.generator_input(fixed_batch, fixed_rng)
        self.callbacks = list(callbacks)

    @property
    def switches(self) -> dict[str, Any]:
        """The speed switches in effect: ``bf16``, ``channels_last``, ``fused_adam``,
        ``data_on_device`` (bools) and ``compile`` (what runs compiled for G and D, or why not)."""
        return {
            "bf16": self.bf16,
            "channels_last": self.channels_last,
            "fused_adam": bool(self.opt_G.defaults.get("fused")),
            "data_on_device": self.data_on_device,
            "compile": dict(self.compiled),
        }

    # ------------------------------------------------------------------ training
    def _use_compiled(self, compiled: bool) -> None:
        """Set the modules a step calls: ``_G_train`` / ``_D_train`` (the DDP wrappers when
        distributed) and ``_D_frozen`` (the bare D, for G's step), each compiled or not."""
        G_train, D_train, D_frozen = self._G_ddp, self._D_ddp, self.D
        if compiled:
            backend = self.config.compile
            G_train = torch.compile(G_train, backend=backend)
            self.compiled = {"G": backend, "D": backend}
            if getattr(self.objective, "double_backward", False):
                self.compiled["D"] = (
                    "eager: the objective differentiates D twice (R1), which torch.compile cannot"
                )
                warnings.warn(
                    f"torch.compile: D stays eager ({self.compiled['D'][7:]}); G is compiled",
                    stacklevel=3,
                )
            else:
                D_frozen = torch.compile(self.D, backend=backend)
                D_train = D_frozen if D_train is self.D else torch.compile(D_train, backend=backend)
        self._G_train, self._D_train, self._D_frozen = G_train, D_train, D_frozen

    def train_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        """One D update then one G update on the same fakes; returns detached device scalars.

        With ``config.compile`` the first step compiles G and D; should that fail, the state from
        before the step is restored, the step is redone eagerly and a warning says why."""
        if self.channels_last:
            batch = (batch[0].contiguous(memory_format=torch.channels_last), batch[1])
        if not self._compile_pending:
            return self._train_step(batch)
        self._compile_pending = False
        before = copy.deepcopy(self.state_dict())  # weights, optimisers, every RNG (dropout's too)
        self._use_compiled(True)
        try:
            return self._train_step(batch)
        except (
            Exception
        ) as err:  # dynamo and inductor raise many types; a model's own bug re-raises below
            self.load_state_dict(before, same_process=True)
            self._use_compiled(False)
            reason = f"{type(err).__name__}: {' '.join(str(err).split())}"[:240]  # one line
            self.compiled = {"G": f"eager: torch.compile failed ({reason})", "D": "eager: see G"}
            warnings.warn(
                f"torch.compile(backend={self.config.compile!r}) failed on the first step "
                f"({reason}); "
                "training eagerly from the same state",
                stacklevel=2,
            )
            return self._train_step(batch)

    def _set_learning_rates(self) -> None:
        """With ``lr_decay_steps``: lr_G and lr_D times ``config.lr_factor`` of this step. Without,
        the optimisers' learning rates are left as they are (yours to change)."""
        if not self.config.lr_decay_steps:
            return
        factor = self.config.lr_factor(self.step)
        for opt, lr in ((self.opt_G, self.config.lr_G), (self.opt_D, self.config.lr_D)):
            for group in opt.param_groups:
                group["lr"] = lr * factor

    def _train_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        """The GAN step: D's update, then G's against the just-updated D, on the same fakes."""
        G, D, objective = self._G_train, self._D_train, self.objective
        with self._autocast():
            x_fake = G(objective.generator_input(batch, self.rng))  # (B, C, H, W) in [-1, 1]

        # D step: maximise log D(x) + log(1 − D(G(z))); x_fake detached, so no gradient reaches G
        self.opt_D.zero_grad(set_to_none=True)
        with self._autocast():
            out_D = objective.loss_D(D, batch, x_fake.detach())
        out_D["loss_D"].backward()
        self.opt_D.step()

        # G step: maximise log D(G(z)); D's weights frozen, so only G's gradients are computed
        self.opt_G.zero_grad(set_to_none=True)
        with self._autocast(), frozen(self.D):  # the bare D below: no DDP reducer waits for it
            out_G = objective.loss_G(self._D_frozen, batch, x_fake)
        out_G["loss_G"].backward()
        self.opt_G.step()

        return self._statistics(out_D, out_G)

    def _autocast(self) -> torch.autocast:
        """bf16 autocast around forward passes and losses when the precision switch is on; backward
        passes run outside it, in the parameters' fp32."""
        return torch.autocast(self.device.type, torch.bfloat16, enabled=self.bf16)

    @staticmethod
    def _statistics(
        out_D: dict[str, torch.Tensor], out_G: dict[str, torch.Tensor]
    ) -> dict[str, torch.Tensor]:
        """Detached device scalars for the history: the losses, mean sigmoid(D) on reals and fakes,
        and every further scalar term the objective returned (``r1``, ``l1``, ...)."""
        stats = {
            "loss_D": out_D["loss_D"].float(),
            "loss_G": out_G["loss_G"].float(),
            "d_real": torch.sigmoid(out_D["d_real"].float()).mean(),
            "d_fake": torch.sigmoid(out_D["d_fake"].float()).mean(),
        }
        stats.update(
            (k, v) for k, v in {**out_D, **out_G}.items() if k not in stats and v.dim() == 0
        )
        return {k: v.detach() for k, v in stats.items()}

    # ---------------------------------------------------------------- the global RNG while training
    def _seed_global_rng(self, seed: int) -> None:
        """Start the trainer's own global-RNG stream (CPU, and this CUDA device's) from ``seed``."""
        self._set_global_rng(
            {
                "torch_rng": torch.Generator().manual_seed(seed).get_state(),
                **(
                    {"cuda_rng": torch.Generator(self.device).manual_seed(seed).get_state()}
                    if self.device.type == "cuda"
                    else {}
                ),
            }
        )

    def _get_global_rng(self) -> dict[str, torch.Tensor]:
        """The trainer's global-RNG stream: live in torch while ``fit`` runs, kept here
        otherwise."""
        if not self._fitting:
            return dict(self._global_rng)
        state = {"torch_rng": torch.get_rng_state()}
        if (
            self.device.type == "cuda"
        ):  # this device's stream only: resumable with any number of GPUs
            state["cuda_rng"] = torch.cuda.get_rng_state(self.device)
        return state

    def _set_global_rng(self, state: dict[str, torch.Tensor]) -> None:
        if not self._fitting:
            self._global_rng = {
                k: v for k, v in state.items() if k == "torch_rng" or self.device.type == "cuda"
            }
            return
        torch.set_rng_state(state["torch_rng"])
        if "cuda_rng" in state and self.device.type == "cuda":
            torch.cuda.set_rng_state(state["cuda_rng"], self.device)

    @contextlib.contextmanager
    def _own_global_rng(self) -> Iterator[None]:
        """Swap the trainer's stream into torch's global RNG for the block and the caller's back
        after it."""
        with torch.random.fork_rng(devices=[self.device] if self.device.type == "cuda" else []):
            self._fitting = True
            self._set_global_rng(self._global_rng)
            try:
                yield
            finally:
                self._global_rng = self._get_global_rng()
                self._fitting = False

    def fit(self, steps: int | None = None) -> dict[str, list[float]]:
        """Train until ``steps`` (default ``config.steps``) total steps are done; return the
        history."""
        total = self.config.steps if steps is None else steps
        if self.step >= total:
            return self.history
        cfg = self.config
        self.G.train(), self.D.train()
        batches = iterate_batches(
            self.data,
            cfg.batch_size,
            seed=cfg.seed,
            start_step=self.step,
            device=self.device,
            hflip=cfg.hflip,
            rank=self.dist.rank,
            world_size=self.dist.world_size,
            on_device=self.data_on_device,
        )
        bar = _progress_bar(total, self.step, self.progress and self.dist.is_main)
        writes = self.out_dir is not None and self.dist.is_main  # rank 0 writes files for everyone
        self._t0 = time.perf_counter() - self.elapsed
        lock = folder_lock(self.out_dir) if writes else contextlib.nullcontext()
        try:
            with lock:  # one process at a time writes a run folder
                self._fit_loop(batches, total, bar, writes)
        finally:
            if bar is not None:
                bar.close()
        return self.history

    def _fit_loop(self, batches, total: int, bar, writes: bool) -> None:
        cfg = self.config
        with self._own_global_rng():
            for batch in batches:
                self._set_learning_rates()
                stats = self.train_step(batch)
                self.step += 1
                self._pending.append((self.step, time.perf_counter() - self._t0, stats))
                if self.step % cfg.log_every == 0 or self.step == total:
                    rows = self.flush()
                    self.check_state(collective=True)
                    if bar is not None and rows:
                        bar.set_postfix(
                            loss_D=f"{rows[-1]['loss_D']:.3f}",
                            loss_G=f"{rows[-1]['loss_G']:.3f}",
                            refresh=False,
                        )
                if bar is not None:
                    bar.update(1)
                if cfg.checkpoint_every and self.step % cfg.checkpoint_every == 0:
                    self.flush()  # on every rank: the non-finite checks are collective
                    self.check_state(collective=True)
                    if writes:
                        self.save_checkpoint()
                for cb in self.callbacks:
                    cb.on_step_end(self)
                if self.step >= total:
                    break
            self.flush()
            self.check_state(collective=True)  # a run ending non-finite is not done
            if writes:
                if self.last_checkpoint is None or not self.last_checkpoint.name.endswith(
                    f"{self.step:06d}.pt"
                ):
                    self.save_checkpoint()
                self.write_metrics()
            for cb in self.callbacks:
                cb.on_train_end(self)
            distributed.barrier()  # no rank leaves before rank 0 has written the final checkpoint

    def flush(self) -> list[dict[str, float]]:
        """Read pending device statistics (one host sync), append them to the history, check
        them."""
        if not self._pending:
            return []
        steps, times, stats = zip(*self._pending)
        self._pending = []
        keys = list(stats[0])
        values = (
            torch.stack([torch.stack([s[k].float() for k in keys]) for s in stats]).cpu().tolist()
        )
        rows = [
            {"step": st, **dict(zip(keys, vals)), "time": t}
            for st, t, vals in zip(steps, times, values)
        ]
        for row in rows:
            for k, v in row.items():
                self.history.setdefault(k, []).append(v)
        self.elapsed = times[-1]
        bad = next((r for r in rows if not all(math.isfinite(r[k]) for k in keys)), None)
        # every rank flushes at the same steps: all stop together, none waits in the next all-reduce
        if distributed.any_rank(bad is not None, self.device):
            where = (
                f"by step {rows[-1]['step']} on another rank"
                if bad is None
                else f"at step {bad['step']} ("
                + ", ".join(f"{k}={bad[k]}" for k in keys if not math.isfinite(bad[k]))
                + ")"
            )
            raise NonFiniteLossError(
                f"non-finite loss {where}; training stopped and {self._kept()}. "
                "Lower the learning rates or check the data range ([-1, 1])."
            )
        for cb in self.callbacks:
            cb.on_log(self, rows)
        return rows

    def _kept(self) -> str:
        return (
            f"the last good checkpoint is {self.last_checkpoint}"
            if self.last_checkpoint
            else "no checkpoint had been written yet"
            if self.dist.is_main
            else "rank 0 names the last good checkpoint"
        )

    def non_finite(self) -> list[str]:
        """Names of the floating-point tensors of the training state that hold a NaN or an inf:
        G's and D's parameters and buffers (``D.features.3.running_var``) and the Adam moments
        (``opt_G.net.0.weight.exp_avg_sq``). One host sync."""
        named = [
            (f"{side}.{key}", t)
            for side, module in (("G", self.G), ("D", self.D))
            for key, t in module.state_dict().items()
        ]
        for side, module, opt in (("opt_G", self.G, self.opt_G), ("opt_D", self.D, self.opt_D)):
            names = {p: n for n, p in module.named_parameters()}
            named += [
                (f"{side}.{names.get(p, '?')}.{key}", t)
                for p, moments in opt.state.items()
                for key, t in moments.items()
                if isinstance(t, torch.Tensor)
            ]
        named = [(n, t) for n, t in named if t.is_floating_point() and t.numel()]
        if not named:
            return []
        flags = [torch.isfinite(t).all().to(self.device) for _, t in named]  # Adam's step: CPU
        finite = torch.stack(flags).tolist()
        return [n for (n, _), ok in zip(named, finite) if not ok]

    def check_state(self, *, collective: bool = False) -> None:
        """Raise ``NonFiniteStateError`` if ``non_finite()`` names anything (with ``collective``,
        if it does on any rank: every rank calls it at the same steps and all stop together)."""
        bad = self.non_finite()
        stop = distributed.any_rank(bool(bad), self.device) if collective else bool(bad)
        if stop:
            what = (
                f"{bad[0]}" + (f" and {len(bad) - 1} more tensors" if len(bad) > 1 else "")
                if bad
                else "another rank's state"
            )
            raise NonFiniteStateError(
                f"non-finite weights or statistics by step {self.step} ({what}); training "
                f"stopped without saving them and {self._kept()}. Lower the learning rates or "
                "check the data range ([-1, 1])."
            )

    @torch.no_grad()
    def sample(self, g_input: torch.Tensor | None = None) -> torch.Tensor:
        """G(g_input) in eval mode (BatchNorm running statistics, nothing updated); default the
        fixed input."""
        with eval_mode(self.G):
            return (
                self.G(self.fixed_input if g_input is None else g_input.to(self.device))
                .float()
                .cpu()
            )

    def sample_images(self) -> torch.Tensor:
        """Images of G's output on the fixed input, (B, 1|3, H, W) in [-1, 1]: the objective's
        optional ``to_image(g_input, g_output)`` turns other outputs (e.g. Lab chroma) into
        pictures."""
        out = self.sample()
        to_image = getattr(self.objective, "to_image", None)
        return out if to_image is None else to_image(self.fixed_input.cpu(), out)

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue exactly where training stands (weights_only-loadable)."""
        self.flush()
        state = {
            "kind": self.kind,
            "meta": self.meta,
            "train_config": asdict(self.config),
            "step": self.step,
            "G": self.G.state_dict(),
            "D": self.D.state_dict(),
            "opt_G": self.opt_G.state_dict(),
            "opt_D": self.opt_D.state_dict(),
            "rng": self.rng.get_state(),
            **self._get_global_rng(),
            "history": self.history,
            "elapsed": self.elapsed,
            "fixed_input": self.fixed_input.cpu(),
        }
        return state

    def load_state_dict(self, state: dict[str, Any], *, same_process: bool = False) -> None:
        """Restore ``state``. A checkpoint holds rank 0's noise streams: other ranks derive theirs
        from the step, unless ``same_process`` says the state is this very process's own
        (exact restore)."""
        if state.get("kind") != self.kind:
            raise ValueError(
                f"checkpoint is a {state.get('kind')!r} run, this trainer trains {self.kind!r}"
            )
        saved_meta, saved_train = state.get("meta", {}), state.get("train_config", {})
        changed = [
            (k, saved_meta[k], self.meta[k])
            for k in self.meta
            if k in saved_meta and saved_meta[k] != self.meta[k]
        ] + [
            (k, saved_train[k], getattr(self.config, k))
            for k in RESUME_FIXED
            if k in saved_train and saved_train[k] != getattr(self.config, k)
        ]
        if changed:
            raise ValueError(
                "cannot resume with changed options (the checkpoint's optimiser, data stream and "
                "networks would not follow them): "
                + "; ".join(
                    f"{k}={old!r} in the checkpoint, {new!r} now" for k, old, new in changed
                )
                + ". Drop them to continue the run, or start a new run with them."
            )
        load_state(self.G, state["G"], name="generator")
        load_state(self.D, state["D"], name="discriminator")
        for opt, name in ((self.opt_G, "opt_G"), (self.opt_D, "opt_D")):
            opt.load_state_dict(state[name])
            _keep_fused(opt, self._fused)
        same_kind = (
            state["rng"].numel() == self.rng.get_state().numel()
        )  # a CPU and a CUDA state differ
        if not same_kind:
            warnings.warn(
                f"the checkpoint's z stream comes from another kind of device than {self.device}: "
                "it is reseeded, so training continues but not value for value",
                stacklevel=2,
            )
        if (self.dist.rank > 0 and not same_process) or not same_kind:
            reseed = self.config.seed + 7919 * self.dist.rank + 104_729 * state["step"]
            self.rng.manual_seed(reseed)
            self._seed_global_rng(reseed)
        else:
            self.rng.set_state(state["rng"])
            self._set_global_rng(state)
        self.step, self.history, self.elapsed = state["step"], state["history"], state["elapsed"]
        self.fixed_input = state["fixed_input"].to(self.device)

    def save_checkpoint(self, path: str | Path | None = None) -> Path:
        """Write the full training state atomically (default
        ``out_dir/checkpoints/step_NNNNNN.pt``)."""
        if path is None:
            if self.out_dir is None:
                raise ValueError("save_checkpoint needs a path when the trainer has no out_dir")
            path = self.out_dir / "checkpoints" / f"step_{self.step:06d}.pt"
        self.flush()  # a non-finite loss raises before anything is written ...
        self.check_state()  # ... and so do non-finite weights or BatchNorm statistics
        state = self.state_dict()
        self.last_checkpoint = save_checkpoint(path, state)
        for cb in self.callbacks:
            cb.on_checkpoint(self, self.last_checkpoint)
        return self.last_checkpoint

    def resume(self, path: str | Path | None = None) -> Path:
        """Load ``path``, or the latest checkpoint in ``out_dir/checkpoints``; training continues
        from it."""
        if path is None:
            if self.out_dir is None:
                raise ValueError("resume needs a checkpoint path when the trainer has no out_dir")
            path = latest_checkpoint(self.out_dir)
        # on the CPU: RNG states must stay there; weights and optimiser states move to their
        # parameters
        self.load_state_dict(load_checkpoint(path, kind=self.kind, map_location="cpu"))
        bad = self.non_finite()
        if bad:  # written before the check existed: training from it would go on in NaN
            raise CheckpointError(
                f"checkpoint {path} holds non-finite values ({bad[0]}"
                + (f" and {len(bad) - 1} more" if len(bad) > 1 else "")
                + "): training cannot continue from it; move it away to resume from an earlier one"
            )
        self.last_checkpoint = Path(path)
        return self.last_checkpoint

    def write_metrics(self) -> Path:
        """``metrics.json``: final losses (mean of the last 10 % of steps), wall time and
        throughput."""
        h = self.history
        tail = max(1, len(h["step"]) // 10)
        mean = lambda k: sum(h[k][-tail:]) / tail  # noqa: E731
        metrics = {
            "kind": self.kind,
            "steps": self.step,
            "wall_time_s": round(self.elapsed, 3),
            "images_per_s": round(
                self.step
                * self.config.batch_size
                * self.dist.world_size  # every rank's
                / max(self.elapsed, 1e-9),
                1,
            ),
            "compiled": self.compiled,
            **{f"final_{k}": round(mean(k), 5) for k in h if k not in ("step", "time")},
        }
        text = json.dumps(metrics, indent=2) + "\n"
        return atomic_write(self.out_dir / "metrics.json", lambda f: f.write(text.encode()))


def trainer_for(
    model: ModelConfig, train: TrainConfig, data: ImageSet, **options: Any
) -> GANTrainer:
    """A ``GANTrainer`` for a fresh (G, D) of ``model`` on ``data``; call ``.fit()`` on it.

    The initial weights are drawn from ``train.seed`` (``runtime.seeded``: the caller's global RNG
    is left as it was). ``options`` go to ``GANTrainer`` (``device``, ``out_dir``, ``callbacks``,
    ``progress``)."""
    model.check_data(data)
    with seeded(train.seed):
        G, D = model.build()
    return GANTrainer(
        G, D, model.objective(), data, train, kind=model.kind, meta=asdict(model), **options
    )


def _keep_fused(opt: torch.optim.Optimizer, fused: bool | None) -> None:
    """After ``opt.load_state_dict``: keep this run's fused setting (loading restores the saved one)
    and put each ``step`` count where that kernel wants it (fused: on the parameter's device)."""
    for group in opt.param_groups:
        group["fused"] = fused
        for p in group["params"]:
            if "step" in opt.state.get(p, {}):
                opt.state[p]["step"] = opt.state[p]["step"].to(
                    device=p.device if fused else "cpu", dtype=torch.float32
                )


def checkpoint_steps(out_dir: str | Path) -> dict[int, Path]:
    """The trainer's own checkpoints in ``out_dir/checkpoints``, by step: ``step_<digits>.pt``
    only (a user's ``step_best.pt`` is not one)."""
    folder = Path(out_dir) / "checkpoints"
    return {
        int(p.stem[5:]): p
        for p in folder.glob("step_*.pt")
        if p.stem[5:].isascii() and p.stem[5:].isdigit() and p.is_file()
    }


def latest_checkpoint(out_dir: str | Path) -> Path:
    """The highest-step ``step_N.pt`` under ``out_dir/checkpoints``, by the step number, not the
    name: from step 1,000,000 on the names grow a digit, and ``step_1000000.pt`` sorts before
    ``step_999999.pt``. Files named otherwise (``step_best.pt``) are not steps and are ignored."""
    folder = Path(out_dir) / "checkpoints"
    found = checkpoint_steps(out_dir)
    if not found:
        raise FileNotFoundError(
            f"no checkpoint to resume from: {folder} holds no step_<number>.pt files"
        )
    return found[max(found)]


def _progress_bar(total: int, initial: int, enabled: bool):
    if not enabled:
        return None
    import sys

    from tqdm.auto import tqdm

    quiet_log = not sys.stderr.isatty()  # a CI log: a line every 5 s, not one per redraw
    return tqdm(
        total=total,
        initial=initial,
        desc="train",
        unit="step",
        dynamic_ncols=True,
        mininterval=5.0 if quiet_log else 0.1,
    )
