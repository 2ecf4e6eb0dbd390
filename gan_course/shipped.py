"""Trained models shipped with the course in the repository's ``data/``, so that a lesson shows
its converged result in seconds and trains only a short live run.

Every artefact is an entry of the registry ``ARTEFACTS``: its name (the file ``data/NAME.pt``),
what it is, its *recipe* (every setting that decides its weights: configs, steps, data) and how to
build it. ``gan-course ship [NAME ...]`` builds what is missing or out of date, dependencies first,
and records each build in ``data/manifest.json``: the command, the recipe, the dataset and a sha256
of the images it saw, steps, wall time, machine, the package's metrics at save time, size and
sha256. An artefact whose file and recipe agree with its manifest entry is skipped; a long build
keeps its finished parts under ``data/cache/ship/`` and resumes from them. Nothing is deleted before
its replacement is written.

``load_artefact(name)`` checks the file's sha256 and the recipe against the manifest and says which
command rebuilds it when they disagree. Generators that a lesson only samples are stored alone, in
fp16 (``half_state`` / ``float_state``): their outputs move by less than 2e-3 of the [-1, 1] range.

Shipped now (``gan-course ship --list`` lists them with their state):

- ``featnet-digits-32``: the ``FeatureNet`` whose features score generated digits (FID, KID, ...).
- ``dcgan-digits-32``: G and D of the fast-profile DCGAN (digits 32×32, width 32, z 100).
- ``latent-encoder-digits-32``: E: x → z for that DCGAN's G (notebook 06's learned inversion).
- ``dcgan-sweep-digits-32``: note 001's batch × latent sweep, three seeds each, G at equal steps
  and at equal epochs (and early checkpoints of seed 0 for the progression), with scores and loss
  histories.
- ``colorizers-palette-32``: notebooks 02–04's colorizers on the palette digits (L1, BCE, BCE + λ·L1
  for λ = 1, 10, 100, with and without skips, PatchGAN and global D over three seeds).
- ``colorizers-cifar10-32``: colorizers trained on CIFAR-10, scored on the held-out photos
  (L1, BCE + 100·L1 with a PatchGAN or a global D over three seeds, RGB from gray with and
  without skips).
- ``codecs-cifar10-32``: note 000's encoder–decoder on CIFAR-10 at three bottlenecks, GAN and an
  L1-only control, and at one bottleneck the skip model, R1 and feature matching.
- ``featnet-cifar10-32`` and ``dcgan-cifar10-32``: a CIFAR-10 classifier for scoring, and G of a
  DCGAN trained on CIFAR-10 (notebook 05).
- ``inpainting-digits-32``: results, not weights: notebook 07's GAN vs classical inpainting on
  every held-out digit, five masks, three seeds, per image; and the λ / restarts / weighting sweep.

The CIFAR-10 artefacts read CIFAR-10 through torchvision (``gan-course ship --download`` fetches
it) or from a copy in ImageFolder layout (``--cifar10-folder PATH``); only weights are shipped.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import platform
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable

import torch

from .checkpoint import atomic_write, load_checkpoint, load_state, save_checkpoint
from .classical_inpainting import CHUNK, chunk_seed, score_inpainters
from .color import baseline_colorizations
from .compression import bicubic_roundtrip
from .data import ImageSet, default_data_root, kept_indices, load_dataset, to_uint8
from .dcgan import DCGANConfig, DCGANDiscriminator, DCGANGenerator
from .encoder_decoder import EncoderDecoderConfig, reconstruct
from .engine import Callback, GANTrainer, TrainConfig, trainer_for
from .evaluation import (
    FeatureNet,
    embed,
    feature_net_from_state,
    load_or_train_feature_net,
    score_generator,
    stability,
    train_feature_net,
)
from .inpainting import MASKS, InpaintConfig, inpaint, inpainting_scores, make_mask
from .inversion import LatentEncoder, train_latent_encoder
from .metrics import colorization_metrics, image_quality, palette_fidelity
from .pix2pix import Pix2PixConfig, colorize
from .runtime import eval_mode

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
MANIFEST = "manifest.json"
DCGAN_STEPS = 2000
FEATNET_STEPS = 400
LATENT_ENCODER_STEPS = 1500

# note 001's grid, name → (batch_size, z_dim): compared at equal steps and at equal epochs
NOTE_001_GRID: dict[str, tuple[int, int]] = {
    "b16 z50": (16, 50),
    "b32 z100": (32, 100),
    "b64 z200": (64, 200),
}
SWEEP_SEEDS = (0, 1, 2)
SWEEP_STEPS = 1500  # equal steps: every configuration's G after this many updates
SWEEP_EPOCHS = (
    32  # equal epochs: 32 passes over the 1,500 training digits (b16: 3,000 steps, b64: 750)
)
SWEEP_EARLY = (100, 400)  # seed 0 also keeps these, for the progression


class ArtefactError(RuntimeError):
    """A shipped file is missing, changed, or was built from another recipe."""


@dataclass
class Built:
    """What an artefact's build returns: the file's content and the facts the manifest records."""

    state: dict[str, Any]  # weights_only-loadable
    steps: int
    dataset: str
    data_sha256: str
    metrics: dict[str, Any] = field(default_factory=dict)
    resumed_s: float = 0.0  # training time of the parts an earlier, interrupted build finished


@dataclass(frozen=True)
class BuildContext:
    """What a build gets: where data/ is, its own recipe, and where real datasets come from."""

    data_dir: Path
    recipe: dict[str, Any]
    progress: bool = True
    cifar10_folder: Path | None = None  # a CIFAR-10 copy in ImageFolder layout (train/, test/)
    download: bool = False  # let torchvision fetch CIFAR-10 when no copy is given or found
    jobs: int = 1  # a family's runs trained this many at a time, each in its own process


@dataclass(frozen=True)
class Artefact:
    name: str
    what: str
    recipe: dict[str, Any]  # JSON: every setting that decides the weights
    build: Callable[[BuildContext], Built]
    needs: tuple[str, ...] = ()


# ------------------------------------------------------------------------------------ file formats
def half_state(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """A state dict with floating tensors in fp16 (half the bytes); integer buffers unchanged."""
    return {k: v.half() if v.is_floating_point() else v for k, v in state.items()}


def float_state(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """``half_state`` undone: floating tensors back to fp32, ready for ``load_state_dict``."""
    return {k: v.float() if v.is_floating_point() else v for k, v in state.items()}


def data_sha256(data: ImageSet) -> str:
    """sha256 of the images (and labels) a model saw: the manifest's record of its data."""
    h = hashlib.sha256(data.images.numpy().tobytes())
    if data.labels is not None:
        h.update(data.labels.numpy().tobytes())
    return h.hexdigest()


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ------------------------------------------------------------------------------------ the builds
def _digits() -> ImageSet:
    return load_dataset("digits", 32)


def _feature_net_built(
    train: ImageSet, test: ImageSet, steps: int, dataset: str, accuracy_key: str,
    batch_size: int = 64, seed: int = 0,
) -> Built:
    """A ``FeatureNet`` trained on ``train``'s labels, with its accuracy on ``test``."""
    net = train_feature_net(train.float(), train.labels, 10, steps=steps, batch_size=batch_size,
                            seed=seed)
    _, predicted = embed(net, test.float())
    accuracy = float((predicted == test.labels).double().mean())
    state = {
        "kind": "feature_net",
        "channels": net.channels,
        "n_classes": net.n_classes,
        "image_size": 32,
        "steps": steps,
        "weights": net.state_dict(),
    }
    return Built(state, steps, dataset, data_sha256(train), {accuracy_key: round(accuracy, 4)})


def _build_featnet(ctx: BuildContext) -> Built:
    digits = _digits()
    test = load_dataset("digits", 32, split="test")
    return _feature_net_built(digits, test, FEATNET_STEPS, digits.name, "test accuracy")


def _test_features(net: FeatureNet) -> torch.Tensor:
    """The feature net's features of the 297 held-out digits (what G is scored on)."""
    f_real, _ = embed(net, load_dataset("digits", 32, split="test").float())
    return f_real


def _rounded(scores: dict[str, float]) -> dict[str, float]:
    return {k: round(float(v), 4) for k, v in scores.items()}


def _build_dcgan(ctx: BuildContext) -> Built:
    digits, config = _digits(), DCGANConfig.for_profile("fast")
    train = TrainConfig.for_profile("fast", steps=DCGAN_STEPS, sample_every=0, checkpoint_every=0)
    trainer = trainer_for(config, train, digits, progress=ctx.progress)
    trainer.fit()
    net = load_shipped_feature_net(ctx.data_dir)
    scores = score_generator(trainer.G, config.z_dim, net, _test_features(net), 1000)
    state = {
        "kind": "dcgan_weights",
        "config": asdict(config),
        "steps": DCGAN_STEPS,
        "G": trainer.G.state_dict(),
        "D": trainer.D.state_dict(),
    }
    return Built(state, DCGAN_STEPS, digits.name, data_sha256(digits), _rounded(scores))


def _build_latent_encoder(ctx: BuildContext) -> Built:
    G, _, config = load_shipped_dcgan(ctx.data_dir)
    E, history = train_latent_encoder(
        G,
        config.z_dim,
        config.channels,
        config.image_size,
        steps=LATENT_ENCODER_STEPS,
        width=16,
        seed=0,
    )
    encoder_config = {
        "z_dim": E.z_dim,
        "channels": E.channels,
        "image_size": E.image_size,
        "width": E.width,
    }
    state = {
        "kind": "latent_encoder",
        "config": encoder_config,
        "steps": LATENT_ENCODER_STEPS,
        "weights": E.state_dict(),
    }
    return Built(
        state,
        LATENT_ENCODER_STEPS,
        "samples of dcgan-digits-32",
        file_sha256(artefact_path("dcgan-digits-32", ctx.data_dir)),
        {"final loss": round(history[-1], 5)},
    )


class _KeepG(Callback):
    """Keeps G's weights (fp16) and its scores at the given steps."""

    def __init__(self, steps: Iterable[int], score: Callable[[torch.nn.Module], dict[str, float]]):
        self.steps, self.score, self.G, self.scores = set(steps), score, {}, {}

    def on_step_end(self, trainer: GANTrainer) -> None:
        if trainer.step in self.steps:
            self.G[trainer.step] = half_state(trainer.G.state_dict())
            self.scores[trainer.step] = _rounded(self.score(trainer.G))


class _TrackScores(Callback):
    """G's scores at the given steps, kept beside the run's checkpoints (``tracked.pt``, written
    with each): a resumed run keeps the scores of the steps it already trained. Once a checkpoint
    and the scores are written, the run's older checkpoints are deleted."""

    def __init__(self, steps: Iterable[int], score: Callable[[torch.nn.Module], dict[str, float]],
                 folder: Path):
        self.steps, self.score, self.path = set(steps), score, folder / "tracked.pt"
        self.scores: dict[int, dict[str, float]] = {}

    def resumed_at(self, step: int) -> None:
        if self.path.is_file():
            saved = load_checkpoint(self.path, kind="tracked_scores")["scores"]
            self.scores = {s: v for s, v in saved.items() if s <= step}

    def on_step_end(self, trainer: GANTrainer) -> None:
        if trainer.step in self.steps and trainer.step not in self.scores:
            self.scores[trainer.step] = _rounded(self.score(trainer.G))

    def on_checkpoint(self, trainer: GANTrainer, path: Path) -> None:
        self.on_step_end(trainer)  # a checkpoint comes before the step's on_step_end
        save_checkpoint(self.path, {"kind": "tracked_scores", "scores": self.scores})
        for old in path.parent.glob("step_*.pt"):
            if old != path:
                old.unlink()


def sweep_plan(
    grid: dict[str, tuple[int, int]] | None = None,
    n_images: int = 1500,
    seeds: Iterable[int] | None = None,
) -> list[dict[str, Any]]:
    """One entry per (configuration, seed) of ``grid`` (default ``NOTE_001_GRID``) and ``seeds``
    (default ``SWEEP_SEEDS``): batch size, z_dim, total steps (the longer of equal steps and equal
    epochs over ``n_images``) and the steps whose G is kept."""
    grid = NOTE_001_GRID if grid is None else grid
    seeds = SWEEP_SEEDS if seeds is None else seeds
    plan = []
    for name, (batch_size, z_dim) in grid.items():
        epoch_steps = max(1, round(SWEEP_EPOCHS * n_images / batch_size))
        for seed in seeds:
            keep = {SWEEP_STEPS, epoch_steps} | (set(SWEEP_EARLY) if seed == 0 else set())
            plan.append(
                {
                    "config": name,
                    "seed": seed,
                    "batch_size": batch_size,
                    "z_dim": z_dim,
                    "steps": max(keep),
                    "keep": sorted(keep),
                    "equal_steps": SWEEP_STEPS,
                    "equal_epochs": epoch_steps,
                }
            )
    return plan


def _history_every(history: dict[str, list[float]], every: int = 10) -> dict[str, list[float]]:
    return {k: [round(v, 5) for v in values[every - 1 :: every]] for k, values in history.items()}


def _columns(rows: dict[int, dict[str, float]]) -> dict[str, list[float]]:
    """{step: {name: value}} -> {"step": [...], name: [...]}."""
    if not rows:
        return {}
    names = next(iter(rows.values()))
    return {"step": list(rows)} | {k: [row[k] for row in rows.values()] for k in names}


def _cache_dir(ctx: BuildContext, artefact: str) -> Path:
    """data/cache/ship/ARTEFACT-RECIPEHASH/: where a build keeps what it has finished."""
    recipe = json.dumps(_canonical(ctx.recipe), sort_keys=True).encode()
    return ctx.data_dir / "cache" / "ship" / f"{artefact}-{hashlib.sha256(recipe).hexdigest()[:12]}"


def _run_file(ctx: BuildContext, artefact: str, key: str) -> Path:
    """Where the build cache keeps the finished run ``key`` (a ``-run`` folder beside it holds an
    unfinished one's checkpoint)."""
    return _cache_dir(ctx, artefact) / f"{''.join(c if c.isalnum() else '-' for c in key)}.pt"


def _train_in_parallel(ctx: BuildContext, keys: Iterable[str]) -> list[str]:
    """With ``ctx.jobs`` > 1, the variant runs not yet in the build cache, trained ``jobs`` at a
    time, each in a fresh process with its share of the CPU threads (``variant_runner`` +
    ``_cached_runs``, one key each); returns the keys trained. The build then gathers them all
    from the cache."""
    missing = [k for k in keys if not _run_file(ctx, ctx.recipe["artefact"], k).is_file()]
    if ctx.jobs < 2 or len(missing) < 2:
        return []
    threads = max(1, torch.get_num_threads() // ctx.jobs)
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no forked OpenMP state
    with ProcessPoolExecutor(min(ctx.jobs, len(missing)), mp_context=context) as pool:
        for future in [pool.submit(_train_one_run, replace(ctx, progress=False, jobs=1), key,
                                   threads) for key in missing]:
            future.result()  # a failed run raises here, after the others finish or fail
    return missing


def _train_one_run(ctx: BuildContext, key: str, threads: int) -> None:
    """One variant run into the build cache (a worker of ``_train_in_parallel``)."""
    torch.set_num_threads(threads)
    _cached_runs(ctx, ctx.recipe["artefact"], [key], variant_runner(ctx)[0])


def _cached_runs(
    ctx: BuildContext, artefact: str, keys: Iterable[str], run: Callable[[str], dict[str, Any]]
) -> tuple[list[dict[str, Any]], float]:
    """``run(key)`` for every key, each finished record kept first under
    data/cache/ship/ARTEFACT-RECIPEHASH/, so an interrupted build resumes at the next key (and a
    changed recipe starts afresh). Returns (the records, the training seconds of those an
    earlier build finished: the manifest's wall time counts them)."""
    records, resumed = [], 0.0
    for key in keys:
        done = _run_file(ctx, artefact, key)
        if done.is_file():
            records.append(load_checkpoint(done, kind="ship_run")["run"])
            resumed += records[-1]["seconds"]
            continue
        record = run(key)
        save_checkpoint(done, {"kind": "ship_run", "run": record})
        records.append(record)
    return records, resumed


def _build_sweep(ctx: BuildContext) -> Built:
    """Every run of ``sweep_plan``, each kept in the cache as it finishes (``_cached_runs``)."""
    digits = _digits()
    net = load_shipped_feature_net(ctx.data_dir)
    f_real = _test_features(net)
    plan = {f"{e['config']} seed {e['seed']}": e for e in sweep_plan(n_images=len(digits))}

    def run_one(key: str) -> dict[str, Any]:
        entry = plan[key]
        config = DCGANConfig.for_profile("fast", z_dim=entry["z_dim"])
        train = TrainConfig.for_profile(
            "fast",
            steps=entry["steps"],
            batch_size=entry["batch_size"],
            seed=entry["seed"],
            sample_every=0,
            checkpoint_every=0,
        )
        keep = _KeepG(
            entry["keep"], lambda G, z=entry["z_dim"]: score_generator(G, z, net, f_real, 500)
        )
        trainer = trainer_for(config, train, digits, callbacks=[keep], progress=ctx.progress)
        start = time.perf_counter()
        history = trainer.fit()
        run = {
            **entry,
            "seconds": round(time.perf_counter() - start, 1),
            "G": keep.G,
            "scores": keep.scores,
            "stability": _rounded(stability(history)),
            "history": _history_every(history),
            "model": asdict(config),
        }
        return run

    runs, resumed = _cached_runs(ctx, "dcgan-sweep-digits-32", plan, run_one)
    metrics = {
        f"{r['config']} seed {r['seed']} @ {s}": {k: r["scores"][s][k] for k in ("FID", "classes")}
        for r in runs
        for s in (r["equal_steps"], r["equal_epochs"])
    }
    state = {"kind": "dcgan_sweep", "runs": runs}
    steps = sum(r["steps"] for r in runs)
    return Built(state, steps, digits.name, data_sha256(digits), metrics, resumed)


# ------------------------------------------------------------------------------- failure modes
# Notebook 05's gallery: the fast DCGAN trained with settings that make it fail, each in a way one
# can read from the curves, beside a healthy run with the same steps. Every run keeps its history
# and the samples of one fixed z at FAILURE_SNAPSHOTS (uint8), no weights.
FAILURE_STEPS = 1500
FAILURE_SNAPSHOTS = (0, 50, 200, 600, FAILURE_STEPS)
FAILURE_RUNS: dict[str, dict[str, Any]] = {  # name (the cause) → TrainConfig overrides
    "healthy": {},
    "G too slow": {"lr_G": 1e-5, "lr_D": 2e-3},
    "D too slow": {"lr_G": 2e-3, "lr_D": 2e-5},
    "lr × 25, β1 0.9": {"lr_G": 5e-3, "lr_D": 5e-3, "beta1": 0.9},
}
FAILURES = {
    "model": asdict(DCGANConfig.for_profile("fast")),
    "train": {"steps": FAILURE_STEPS, "batch_size": 64},
    "runs": FAILURE_RUNS,
    "snapshots": list(FAILURE_SNAPSHOTS),
    "scores": "500 samples vs 297 test digits",
}


class _KeepSamples(Callback):
    """G(z) of a fixed z at the given steps, as uint8 (the trainer's G in eval mode for it)."""

    def __init__(self, steps: Iterable[int], z: torch.Tensor):
        self.steps, self.z, self.samples = set(steps), z, {}

    def take(self, G: torch.nn.Module, step: int) -> None:
        with torch.no_grad(), eval_mode(G):
            x = G(self.z.to(next(G.parameters()).device)).float().cpu()
        self.samples[step] = to_uint8(x)

    def on_step_end(self, trainer: GANTrainer) -> None:
        if trainer.step in self.steps:
            self.take(trainer.G, trainer.step)


def _build_failures(ctx: BuildContext) -> Built:
    digits = _digits()
    net = load_shipped_feature_net(ctx.data_dir)
    f_real = _test_features(net)
    config = DCGANConfig(**ctx.recipe["model"])

    def run_one(name: str) -> dict[str, Any]:
        train = TrainConfig.for_profile(
            "fast", **ctx.recipe["train"], **ctx.recipe["runs"][name], sample_every=0,
            checkpoint_every=0,
        )
        z = torch.randn(16, config.z_dim, generator=torch.Generator().manual_seed(0))
        keep = _KeepSamples(ctx.recipe["snapshots"], z)
        trainer = trainer_for(config, train, digits, callbacks=[keep], progress=ctx.progress)
        keep.take(trainer.G, 0)
        start = time.perf_counter()
        history = trainer.fit()
        return {
            "name": name,
            "train": ctx.recipe["runs"][name],
            "seconds": round(time.perf_counter() - start, 1),
            "samples": [keep.samples[s] for s in ctx.recipe["snapshots"]],
            "scores": _rounded(score_generator(trainer.G, config.z_dim, net, f_real, 500)),
            "stability": _rounded(stability(history)),
            "history": _history_every(history),
        }

    runs, resumed = _cached_runs(ctx, "dcgan-failures-digits-32", ctx.recipe["runs"], run_one)
    metrics = {r["name"]: {k: r["scores"][k] for k in ("FID", "precision", "classes")}
               for r in runs}
    state = {"kind": "dcgan_failures", "snapshots": ctx.recipe["snapshots"], "history_every": 10,
             "runs": runs}
    steps = ctx.recipe["train"]["steps"] * len(runs)
    return Built(state, steps, digits.name, data_sha256(digits), metrics, resumed)


# ------------------------------------------------------------------------------------ variants
# Families of models compared in one lesson, trained on the same data for the same steps: the
# colorizers of notebooks 02–04 and the encoder–decoder codecs of notebook 06.
MODEL_KINDS: dict[str, type] = {"pix2pix": Pix2PixConfig, "encoder_decoder": EncoderDecoderConfig}


def _cifar10(split: str, ctx: BuildContext) -> ImageSet:
    """CIFAR-10 at 32×32: from an ImageFolder copy when the ship command names one, else through
    torchvision (``--download`` fetches it)."""
    if ctx.cifar10_folder is not None:
        data = load_dataset("imagefolder", 32, split=split, root=ctx.cifar10_folder)
    else:
        data = load_dataset("cifar10", 32, split=split, download=ctx.download)
    return ImageSet(data.images, data.labels, data.classes, "cifar10")


def _recipe_data(spec: dict[str, Any], ctx: BuildContext) -> ImageSet:
    """The images a recipe names: {"name", "split", "n" (optional: a seeded subset)}."""
    if spec["name"] == "cifar10":  # the seeded subset load_dataset keeps
        data = _cifar10(spec["split"], ctx)
        return data.subset(kept_indices(len(data), spec.get("n")))
    return load_dataset(spec["name"], 32, split=spec["split"], n=spec.get("n"))


def _describe_data(spec: dict[str, Any], data: ImageSet, ctx: BuildContext) -> str:
    source = ""
    if spec["name"] == "cifar10":
        source = " (ImageFolder copy)" if ctx.cifar10_folder else " (torchvision)"
    return f"{spec['name']}{source} {spec['split']}, {len(data)} images"


def variant_scores(kind: str, config: Any, G: torch.nn.Module, x: torch.Tensor) -> dict[str, float]:
    """What the manifest records of one variant on held-out images x (N, 3, 32, 32) in [-1, 1]:
    colorizers, ``metrics.colorization_metrics`` (and ``palette_fidelity`` on palette images);
    codecs, ``metrics.image_quality`` of the reconstructions from f rounded to 8 bits."""
    if kind == "pix2pix":
        y = colorize(G, x, config.space)
        scores = colorization_metrics(y, x)
        if config.dataset == "palette":
            scores |= palette_fidelity(y, x, per_image=True)
        return scores
    return image_quality(reconstruct(G, x), x)


def references(kind: str, train: ImageSet, tests: dict[str, torch.Tensor]) -> dict[str, Any]:
    """What learned nothing, scored on each held-out set as the variants are: for colorizers the
    gray copy and the training set's mean colour (``color.baseline_colorizations``); for codecs
    bicubic down/up at the bytes of f (÷16, ÷8, ÷4: 12, 48, 192 bytes) and ÷32 (the mean colour,
    3 bytes). Kept with the models, because the training set (CIFAR-10) is not shipped."""
    refs: dict[str, Any] = {}
    for name, x in tests.items():
        if kind == "pix2pix":
            palette = train.name == "palette"
            refs[name] = {
                method: _rounded(colorization_metrics(y, x) | (
                    palette_fidelity(y, x, per_image=True) if palette else {}))
                for method, y in baseline_colorizations(x, train.float()).items()
            }
        else:
            refs[name] = {f"bicubic ÷{k}": _rounded(image_quality(bicubic_roundtrip(x, k)[0], x))
                          for k in (32, 16, 8, 4)}
    return refs


def _build_variants(ctx: BuildContext) -> Built:
    """Every variant of the recipe trained on the same data with the same TrainConfig (a variant
    may change its seed: ``seeds``); G (and D where the lesson shows it: ``keep_D``) kept in fp16
    for the variants a lesson draws (``keep_G``; the other seeds keep their scores only), with
    scores on each held-out set, stability and the loss history."""
    recipe = ctx.recipe
    run_one, data, tests, base = variant_runner(ctx)
    trained = _train_in_parallel(ctx, recipe["variants"])
    runs, resumed = _cached_runs(ctx, recipe["artefact"], recipe["variants"], run_one)
    resumed -= sum(r["seconds"] for r in runs if r["name"] in trained)  # this build's own wall time
    metrics = {f"{r['name']} on {k}": {m: v[m] for m in recipe["report"]}
               for r in runs for k, v in r["scores"].items()}
    refs = references(recipe["kind"], data, tests)
    metrics |= {f"{method} on {k}": {m: v[m] for m in recipe["report"]}
                for k, methods in refs.items() for method, v in methods.items()}
    state = {"kind": "variants", "model_kind": recipe["kind"], "runs": runs, "references": refs}
    steps = base.steps * len(runs)
    described = _describe_data(recipe["data"], data, ctx)
    return Built(state, steps, described, data_sha256(data), metrics, resumed)


def variant_runner(ctx: BuildContext) -> tuple[Callable[[str], dict[str, Any]], ImageSet,
                                                dict[str, torch.Tensor], TrainConfig]:
    """(run_one, data, tests, base): ``run_one(name)`` trains and scores the recipe's variant
    ``name`` on the data loaded here once. ``_build_variants`` runs every variant through the
    build cache (``_cached_runs``); calling that with one name per process fills the same cache
    in parallel, and the build then only gathers the runs."""
    recipe = ctx.recipe
    config_cls = MODEL_KINDS[recipe["kind"]]
    data = _recipe_data(recipe["data"], ctx)
    tests = {f"{t['name']} {t['split']}": _recipe_data(t, ctx).float() for t in recipe["evaluate"]}
    base = TrainConfig(**recipe["train"], sample_every=0, checkpoint_every=0)

    def run_one(name: str) -> dict[str, Any]:
        variant = recipe["variants"][name]
        config = config_cls(**variant["config"])
        # checkpoints in the build cache: a run interrupted after one resumes there, exactly
        train = replace(base, seed=variant["seed"], checkpoint_every=RUN_CHECKPOINT_EVERY)
        done = _run_file(ctx, recipe["artefact"], name)
        folder = done.with_name(f"{done.stem}-run")
        # the scores on the first held-out set every ``track_every`` steps: did they stop moving?
        every = recipe.get("track_every", 0)
        first = next(iter(tests.values()))
        track = _TrackScores(range(every, train.steps + 1, every) if every else (),
                             lambda G: variant_scores(recipe["kind"], config, G, first), folder)
        trainer = trainer_for(config, train, data, callbacks=[track], out_dir=folder,
                              progress=ctx.progress)
        if any(folder.glob("checkpoints/step_*.pt")):
            trainer.resume()
            track.resumed_at(trainer.step)
        history = trainer.fit()
        seconds = history["time"][-1]  # counts the training before an interruption too
        G = trainer.G.eval()
        return {
            "name": name,
            "family": variant["family"],
            "seed": variant["seed"],
            "config": asdict(config),
            "seconds": round(seconds, 1),
            "G": half_state(G.state_dict()) if variant["keep_G"] else None,
            "D": half_state(trainer.D.state_dict()) if variant["keep_D"] else None,
            "scores": {k: _rounded(variant_scores(recipe["kind"], config, G, x))
                       for k, x in tests.items()},
            "stability": _rounded(stability(history)),
            "history": _history_every(history),
            "tracked": _columns(dict(sorted(track.scores.items()))),
        }

    return run_one, data, tests, base


def variants_recipe(
    artefact: str,
    kind: str,
    base: Any,
    families: dict[str, dict[str, Any]],
    *,
    data: dict[str, Any],
    evaluate: list[dict[str, Any]],
    train: dict[str, Any],
    seeds: dict[str, Iterable[int]] | None = None,
    keep_D: Iterable[str] = (),
    report: list[str],
    track_every: int = 0,
) -> dict[str, Any]:
    """A family of compared models: each entry of ``families`` overrides ``base``'s fields; it is
    trained with seed 0 and, where ``seeds`` says, more seeds ("NAME (seed 1)": scores only)."""
    variants = {}
    for family, overrides in families.items():
        for seed in (seeds or {}).get(family, (0,)):
            name = family if seed == 0 else f"{family} (seed {seed})"
            variants[name] = {
                "family": family,
                "seed": seed,
                "config": asdict(replace(base, **overrides)),
                "keep_G": seed == 0,
                "keep_D": seed == 0 and family in keep_D,
            }
    return {"artefact": artefact, "kind": kind, "data": data, "evaluate": evaluate,
            "train": train, "variants": variants, "report": report} | (
        {"track_every": track_every} if track_every else {})


def colorizer_recipe(artefact: str, data: str, families: dict[str, dict[str, Any]], steps: int,
                     evaluate: list[dict[str, Any]], track_every: int = 0,
                     **train: Any) -> dict[str, Any]:
    """The course's colorizers: space lab (G predicts ab from L), U-Net width 16, and a
    discriminator with a 16×16 receptive field (one stride-2 layer: on 32×32 images a real
    PatchGAN, a 14×14 grid of scores) and no normalisation (BatchNorm's batch statistics would tell
    D which batch is fake); trained ``steps`` of batch 32. The PatchGAN and global-D runs are
    repeated with three seeds, and D is kept for both."""
    base = Pix2PixConfig(dataset=data, space="lab", width_G=16, width_D=32, n_layers_D=1,
                         norm_D="none")
    recipe = variants_recipe(
        artefact, "pix2pix", base, families, data={"name": data, "split": "train"},
        evaluate=evaluate, train={"steps": steps, "batch_size": 32, "seed": 0, **train},
        seeds={"BCE + 100·L1": (0, 1, 2), "BCE + 100·L1, global D": (0, 1, 2)},
        keep_D=("BCE + 100·L1", "BCE + 100·L1, global D"), report=["PSNR", "colourfulness"],
        track_every=track_every)
    # what color.colorization_pair gives G: its precision decides what G can read from it
    return recipe | {"condition": "luma in 256 levels, L in whole units"}


RUN_CHECKPOINT_EVERY = 2000  # steps between a variant run's checkpoints in the build cache
L1_ONLY = {"adversarial": False}
CIFAR10_TEST = {"name": "cifar10", "split": "test", "n": 1000}  # a seeded 1,000 of the 10,000
PALETTE_COLORIZERS = colorizer_recipe(
    "colorizers-palette-32",
    "palette",
    {
        "L1": L1_ONLY,
        "BCE": {"lambda_l1": 0.0},
        "BCE + 1·L1": {"lambda_l1": 1.0},
        "BCE + 10·L1": {"lambda_l1": 10.0},
        "BCE + 100·L1": {},
        "BCE + 100·L1, global D": {"discriminator": "global"},
        "L1, no skips": {**L1_ONLY, "skips": False},
        "BCE + 100·L1, no skips": {"skips": False},
    },
    # At 1,500 steps no adversarial model painted a digit in one colour. At pix2pix's learning rate
    # (2e-4) a 24,000-step build still gained per-digit colour at 20,000 (BCE + 100·L1: digits in
    # one colour 59 % -> 69 % between the windows 13-16k and 17-20k); at 4× the rate the same
    # curve runs about 4× faster (72 % by 5,000 steps): 14,000 constant steps at 8e-4, the
    # held-out scores tracked every 1,000 (did they stop moving?), then pix2pix's linear decay
    # over the last 2,000
    16_000,
    [{"name": "palette", "split": "test"}],
    track_every=1_000,
    lr_G=8e-4,
    lr_D=8e-4,
    lr_decay_steps=2_000,
)
CIFAR10_COLORIZERS = colorizer_recipe(
    "colorizers-cifar10-32",
    "cifar10",
    {
        "L1": L1_ONLY,
        "BCE + 100·L1": {},
        "BCE + 100·L1, global D": {"discriminator": "global"},
        # RGB from gray: G must carry the whole image through the U, detail and all (notebook 02)
        "L1, RGB from gray": {**L1_ONLY, "space": "gray"},
        "L1, RGB from gray, no skips": {**L1_ONLY, "space": "gray", "skips": False},
    },
    2500,
    [{"name": "photos", "split": "test"}, CIFAR10_TEST],
    hflip=True,
)

# Notebook 02's two U-Nets (RGB from gray, with and without skips) trained six times as long as
# colorizers-cifar10-32's copies, whose L1 loss was still falling at 2,500 steps: the lesson
# compares the two budgets to show whether its verdict was a matter of training time.
CIFAR10_UNETS = colorizer_recipe(
    "unets-cifar10-32",
    "cifar10",
    {
        "L1, RGB from gray": {**L1_ONLY, "space": "gray"},
        "L1, RGB from gray, no skips": {**L1_ONLY, "space": "gray", "skips": False},
    },
    15000,
    [{"name": "photos", "split": "test"}, CIFAR10_TEST],
    hflip=True,
)


def codec_recipe(artefact: str, steps: int) -> dict[str, Any]:
    """Note 000's encoder–decoder on CIFAR-10 at three bottlenecks f = C×2×2 with C = 3, 12, 48
    (12, 48, 192 values: the bytes of bicubic ÷16, ÷8, ÷4), GAN and L1-only, and at C = 12 the
    skip model, R1 and feature matching; trained ``steps`` of batch 64."""
    families: dict[str, dict[str, Any]] = {}
    for c in (3, 12, 48):
        families[f"GAN, C {c}"] = {"bottleneck": c}
        families[f"L1 only, C {c}"] = {"bottleneck": c, "adversarial": False}
    families["GAN + skips, C 12"] = {"bottleneck": 12, "skips": True}
    families["GAN + R1, C 12"] = {"bottleneck": 12, "r1_gamma": 1.0}
    families["GAN + feature matching, C 12"] = {"bottleneck": 12, "feature_matching": 1.0}
    return variants_recipe(
        artefact, "encoder_decoder", EncoderDecoderConfig(dataset="cifar10"), families,
        data={"name": "cifar10", "split": "train"},
        evaluate=[{"name": "photos", "split": "test"}, CIFAR10_TEST],
        train={"steps": steps, "batch_size": 64, "seed": 0, "lr_G": 5e-4, "lr_D": 2e-4,
               "hflip": True},
        report=["PSNR", "SSIM"])

CIFAR10_CODECS = codec_recipe("codecs-cifar10-32", 2500)


# ------------------------------------------------------------------------------- CIFAR-10 DCGAN
CIFAR10_FEATNET = {"steps": 3000, "batch_size": 64, "seed": 0, "data": "cifar10 train"}
CIFAR10_DCGAN = {
    "model": asdict(DCGANConfig(dataset="cifar10", channels=3)),
    "train": {"steps": 6000, "batch_size": 64, "seed": 0, "hflip": True},
    "scores": "1000 samples vs 1000 cifar10 test images (seeded subset)",
}


def _build_cifar10_featnet(ctx: BuildContext) -> Built:
    recipe, data = ctx.recipe, _cifar10("train", ctx)
    dataset = _describe_data({"name": "cifar10", "split": "train"}, data, ctx)
    return _feature_net_built(data, _recipe_data(CIFAR10_TEST, ctx), recipe["steps"], dataset,
                              "test accuracy (1000 images)", recipe["batch_size"], recipe["seed"])


def _build_cifar10_dcgan(ctx: BuildContext) -> Built:
    """A DCGAN on CIFAR-10, G kept in fp16 with its scores against held-out CIFAR-10 images."""
    recipe, data = ctx.recipe, _cifar10("train", ctx)
    config = DCGANConfig(**recipe["model"])
    train = TrainConfig(**recipe["train"], sample_every=0, checkpoint_every=0)
    trainer = trainer_for(config, train, data, progress=ctx.progress)
    history = trainer.fit()
    net = load_shipped_feature_net(ctx.data_dir, "featnet-cifar10-32")
    f_real, _ = embed(net, _recipe_data(CIFAR10_TEST, ctx).float())
    scores = score_generator(trainer.G, config.z_dim, net, f_real, 1000)
    state = {"kind": "dcgan_generator", "config": asdict(config), "steps": train.steps,
             "G": half_state(trainer.G.state_dict()), "stability": _rounded(stability(history)),
             "history": _history_every(history, 50)}
    return Built(state, train.steps, _describe_data({"name": "cifar10", "split": "train"}, data,
                                                    ctx),
                 data_sha256(data), _rounded(scores))


# ------------------------------------------------------------------------------- inpainting
# Notebook 07's comparison: Yeh et al.'s inpainting with the shipped DCGAN against the classical
# inpainters, every held-out digit under every mask, three seeds (masks and z), per-image scores;
# and its settings (λ, restarts, weighting) on the centre mask. No weights: results only.
INPAINTING = {
    "images": {"name": "digits", "split": "test", "n": None},  # all 297
    "masks": list(MASKS),
    "seeds": [0, 1, 2],
    "config": asdict(InpaintConfig(steps=300, lr=0.05, precision="fp32")),
    "chunk": CHUNK,
    "gallery": 8,  # the first images' repairs, kept as uint8 for the figures
    "sweep": {
        "mask": "center",
        "n": 66,
        "settings": {  # name → InpaintConfig overrides; every one without blending
            "λ = 0": {"lambda_perceptual": 0.0},
            "λ = 0.003 (paper)": {},
            "λ = 0.1": {"lambda_perceptual": 0.1},
            "λ = 1": {"lambda_perceptual": 1.0},
            "λ = 10": {"lambda_perceptual": 10.0},
            "3 restarts": {"restarts": 3},
            "binary W = M": {"weighting": "binary"},
        },
    },
}


def _build_inpainting(ctx: BuildContext) -> Built:
    """Every (seed, mask) of the recipe by ``classical_inpainting.score_inpainters``, then every
    (seed, setting) of its sweep, each kept in the cache as it finishes (``_cached_runs``)."""
    recipe = ctx.recipe
    G, D, g_config = load_shipped_dcgan(ctx.data_dir)
    classifier = load_shipped_feature_net(ctx.data_dir)
    images = recipe["images"]
    test = load_dataset(images["name"], 32, split=images["split"], n=images["n"])
    x, labels = test.float(), test.labels
    config = InpaintConfig(**recipe["config"])
    sweep = recipe["sweep"]
    keys = [f"seed {s} {kind}" for s in recipe["seeds"] for kind in recipe["masks"]]
    keys += [f"sweep seed {s} {name}" for s in recipe["seeds"] for name in sweep["settings"]]

    def run_one(key: str) -> dict[str, Any]:
        start = time.perf_counter()
        if key.startswith("sweep"):
            seed, name = int(key.split()[2]), key.split(" ", 3)[3]
            cfg = replace(config, blend=False, **sweep["settings"][name])
            xs, ys = x[: sweep["n"]], labels[: sweep["n"]]
            m = make_mask(sweep["mask"], len(xs), 32, seed=seed)
            parts = []
            for c in range(-(-len(xs) // recipe["chunk"])):
                part = slice(c * recipe["chunk"], (c + 1) * recipe["chunk"])
                result = inpaint(G, D, xs[part] * m[part], m[part], g_config.z_dim, cfg,
                                 seed=chunk_seed(seed, c))
                kept = result.loss.gather(1, result.best[:, None])[:, 0]  # (n,)
                scores = inpainting_scores(result.composite, xs[part], m[part], classifier,
                                           ys[part])
                parts.append({"loss": kept, **scores})
            scores = {k: torch.cat([p[k] for p in parts]) for k in parts[0]}
            return {"key": key, "seconds": round(time.perf_counter() - start, 1),
                    "scores": scores}
        seed, kind = int(key.split()[1]), key.split()[2]
        m = make_mask(kind, len(x), 32, seed=seed)
        scores, fills = score_inpainters(G, D, x, m, g_config.z_dim, config, seed=seed,
                                         classifier=classifier, labels=labels)
        keep = recipe["gallery"]
        gallery = {"corrupted": to_uint8(x[:keep] * m[:keep])}
        gallery |= {method: to_uint8(f[:keep]) for method, f in fills.items()}
        return {"key": key, "seconds": round(time.perf_counter() - start, 1), "scores": scores,
                "gallery": gallery}

    runs, resumed = _cached_runs(ctx, "inpainting-digits-32", keys, run_one)
    by_key = {r["key"]: r for r in runs}
    methods = list(by_key[keys[0]]["scores"])
    metrics_names = list(by_key[keys[0]]["scores"][methods[0]])
    scores = {  # metric → (seeds, masks, methods, N)
        metric: torch.stack([torch.stack([torch.stack([
            by_key[f"seed {s} {kind}"]["scores"][method][metric] for method in methods])
            for kind in recipe["masks"]]) for s in recipe["seeds"]])
        for metric in metrics_names
    }
    settings = list(sweep["settings"])
    sweep_names = list(by_key[f"sweep seed {recipe['seeds'][0]} {settings[0]}"]["scores"])
    sweep_scores = {  # metric → (seeds, settings, n)
        metric: torch.stack([torch.stack([
            by_key[f"sweep seed {s} {name}"]["scores"][metric] for name in settings])
            for s in recipe["seeds"]])
        for metric in sweep_names
    }
    first = recipe["seeds"][0]
    state = {
        "kind": "inpainting_results",
        "seeds": recipe["seeds"],
        "masks": recipe["masks"],
        "methods": methods,
        "labels": labels,
        "scores": scores,
        "sweep": {"mask": sweep["mask"], "settings": settings, "scores": sweep_scores},
        "gallery": {kind: by_key[f"seed {first} {kind}"]["gallery"] for kind in recipe["masks"]},
        "truth": to_uint8(x[: recipe["gallery"]]),
        "seconds": {r["key"]: r["seconds"] for r in runs},
    }
    metrics = {
        f"{kind}: {method}": {"PSNR hole": round(float(scores["PSNR hole"][:, i, j].mean()), 3)}
        for i, kind in enumerate(recipe["masks"]) for j, method in enumerate(methods)
    }
    steps = config.steps * len(x) * len(recipe["seeds"]) * len(recipe["masks"])
    described = f"{images['name']} {images['split']}, {len(x)} images"
    return Built(state, steps, described, data_sha256(test), metrics, resumed)


ARTEFACTS: dict[str, Artefact] = {
    a.name: a
    for a in [
        Artefact(
            "featnet-digits-32",
            "the classifier whose features score generated digits",
            {"steps": FEATNET_STEPS, "seed": 0, "data": "digits 32 train"},
            _build_featnet,
        ),
        Artefact(
            "dcgan-digits-32",
            "G and D of the fast-profile DCGAN on the digits",
            {
                "model": asdict(DCGANConfig.for_profile("fast")),
                "steps": DCGAN_STEPS,
                "train": "TrainConfig.for_profile('fast')",
            },
            _build_dcgan,
            ("featnet-digits-32",),
        ),
        Artefact(
            "latent-encoder-digits-32",
            "E: x → z for dcgan-digits-32's G",
            {"steps": LATENT_ENCODER_STEPS, "width": 16, "seed": 0},
            _build_latent_encoder,
            ("dcgan-digits-32",),
        ),
        Artefact(
            "dcgan-sweep-digits-32",
            "note 001's batch × latent sweep: G at equal steps and epochs",
            {
                "plan": sweep_plan(),
                "model": asdict(DCGANConfig.for_profile("fast")),
                "train": "TrainConfig.for_profile('fast')",
                "scores": "500 samples vs 297 test digits",
            },
            _build_sweep,
            ("featnet-digits-32",),
        ),
        Artefact(
            "dcgan-failures-digits-32",
            "notebook 05's failure modes: the fast DCGAN with settings that make it fail",
            FAILURES,
            _build_failures,
            ("featnet-digits-32",),
        ),
        Artefact(
            "colorizers-palette-32",
            "notebooks 02–04's colorizers on the palette digits: losses, skips, D",
            PALETTE_COLORIZERS,
            _build_variants,
        ),
        Artefact(
            "colorizers-cifar10-32",
            "colorizers trained on CIFAR-10, scored on the held-out photos",
            CIFAR10_COLORIZERS,
            _build_variants,
        ),
        Artefact(
            "unets-cifar10-32",
            "notebook 02's U-Nets (L1, RGB from gray, with and without skips), 15,000 steps",
            CIFAR10_UNETS,
            _build_variants,
        ),
        Artefact(
            "codecs-cifar10-32",
            "note 000's encoder–decoder on CIFAR-10: bottlenecks, L1 control, skips, R1, FM",
            CIFAR10_CODECS,
            _build_variants,
        ),
        Artefact(
            "featnet-cifar10-32",
            "the classifier whose features score generated CIFAR-10 images",
            CIFAR10_FEATNET,
            _build_cifar10_featnet,
        ),
        Artefact(
            "dcgan-cifar10-32",
            "G of a DCGAN trained on CIFAR-10 (width 32, z 100)",
            CIFAR10_DCGAN,
            _build_cifar10_dcgan,
            ("featnet-cifar10-32",),
        ),
        Artefact(
            "inpainting-digits-32",
            "notebook 07's comparison: GAN vs classical inpainting, per image, three seeds",
            INPAINTING,
            _build_inpainting,
            ("dcgan-digits-32", "featnet-digits-32"),
        ),
    ]
}


# ------------------------------------------------------------------------------------ the manifest
def artefact_path(name: str, data_dir: Path | None = None) -> Path:
    return (data_dir or DATA_DIR) / f"{name}.pt"


def read_manifest(data_dir: Path | None = None) -> dict[str, Any]:
    path = (data_dir or DATA_DIR) / MANIFEST
    return json.loads(path.read_text()) if path.is_file() else {}


def _write_manifest(manifest: dict[str, Any], data_dir: Path) -> None:
    text = json.dumps(dict(sorted(manifest.items())), indent=2, ensure_ascii=False) + "\n"
    atomic_write(data_dir / MANIFEST, lambda f: f.write(text.encode()))


def _canonical(obj: Any) -> Any:
    return json.loads(json.dumps(obj))  # tuples → lists, as the manifest stores them


def up_to_date(name: str, data_dir: Path | None = None) -> bool:
    """True when data/NAME.pt exists and its sha256 and recipe are the manifest's."""
    entry, path = read_manifest(data_dir).get(name), artefact_path(name, data_dir)
    return (
        entry is not None
        and path.is_file()
        and entry["sha256"] == file_sha256(path)
        and entry["recipe"] == _canonical(ARTEFACTS[name].recipe)
    )


def _order(names: Iterable[str]) -> list[str]:
    """``names`` and what they need, dependencies first."""
    ordered: list[str] = []

    def visit(name: str) -> None:
        if name not in ARTEFACTS:
            raise ValueError(
                f"unknown artefact {name!r}; shipped artefacts: {', '.join(ARTEFACTS)}"
            )
        for need in ARTEFACTS[name].needs:
            visit(need)
        if name not in ordered:
            ordered.append(name)

    for name in names:
        visit(name)
    return ordered


def _build_one(
    artefact: Artefact,
    data_dir: Path,
    progress: bool,
    cifar10_folder: Path | None,
    download: bool,
    threads: int | None = None,
    jobs: int = 1,
) -> tuple[dict[str, Any], float, float]:
    """Build one artefact and write its file atomically: (its manifest entry, seconds, seconds of
    an earlier interrupted build it resumed). Runs in a worker process under ``ship(jobs=2)``;
    ``jobs`` > 1 trains a family's runs that many at a time."""
    if threads:
        torch.set_num_threads(threads)
    start = time.perf_counter()
    built = artefact.build(
        BuildContext(data_dir, artefact.recipe, progress, cifar10_folder, download, jobs)
    )
    seconds = time.perf_counter() - start
    path = save_checkpoint(artefact_path(artefact.name, data_dir), built.state)
    entry = {
        "what": artefact.what,
        "command": f"gan-course ship {artefact.name}",
        "recipe": _canonical(artefact.recipe),
        "dataset": built.dataset,
        "data_sha256": built.data_sha256,
        "steps": built.steps,
        "wall_time_s": round(seconds + built.resumed_s, 1),
        "machine": _machine(),
        "metrics": built.metrics,
        "bytes": path.stat().st_size,
        "sha256": file_sha256(path),
    }
    return entry, seconds, built.resumed_s


def ship(
    names: Iterable[str] | None = None,
    data_dir: Path | None = None,
    *,
    force: bool = False,
    progress: bool = True,
    say: Callable[[str], None] = print,
    cifar10_folder: Path | None = None,
    download: bool = False,
    jobs: int = 1,
) -> list[Path]:
    """Build the named artefacts (default: all) that are missing or out of date, dependencies first
    (a rebuilt dependency rebuilds what needs it), each written atomically and then recorded in the
    manifest. ``force`` rebuilds the named ones even when up to date. ``jobs`` > 1 builds that many
    artefacts at once, each in its own process with its share of the CPU threads, as soon as what
    it needs is built; with one artefact to build, it trains that many of a family's runs at once
    instead. Returns the files written."""
    if jobs < 1:
        raise ValueError(f"jobs must be >= 1, got {jobs}")
    data_dir = data_dir or DATA_DIR
    wanted = list(ARTEFACTS) if names is None else list(names)
    plan: list[str] = []  # what to build, dependencies first
    for name in _order(wanted):
        stale = any(need in plan for need in ARTEFACTS[name].needs)
        if not stale and up_to_date(name, data_dir) and not (force and name in wanted):
            say(f"{name}: up to date")
        else:
            plan.append(name)
    written: list[Path] = []

    def record(name: str, entry: dict[str, Any], seconds: float, resumed_s: float) -> None:
        manifest = read_manifest(data_dir)
        manifest[name] = entry
        _write_manifest(manifest, data_dir)  # only this process writes the manifest
        path = artefact_path(name, data_dir)
        written.append(path)
        resumed = f" (+ {resumed_s:.0f} s of an earlier build)" if resumed_s else ""
        say(f"{name}: wrote {path} ({entry['bytes'] / 1e6:.1f} MB) in {seconds:.0f} s{resumed}")

    if jobs == 1 or len(plan) == 1:
        for name in plan:
            runs = f", {jobs} runs at a time" if jobs > 1 else ""
            say(f"{name}: building ({ARTEFACTS[name].what}){runs}")
            record(name, *_build_one(ARTEFACTS[name], data_dir, progress, cifar10_folder, download,
                                     jobs=jobs))
        return written
    threads = max(1, torch.get_num_threads() // jobs)
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no forked OpenMP state
    with ProcessPoolExecutor(jobs, mp_context=context) as pool:
        running: dict[Future, str] = {}
        waiting = list(plan)
        while waiting or running:
            for name in [n for n in waiting if not set(ARTEFACTS[n].needs) & set(waiting)]:
                needs_running = set(ARTEFACTS[name].needs) & set(running.values())
                if len(running) == jobs or needs_running:
                    continue
                say(f"{name}: building ({ARTEFACTS[name].what}) in a worker")
                args = (ARTEFACTS[name], data_dir, False, cifar10_folder, download, threads)
                running[pool.submit(_build_one, *args)] = name
                waiting.remove(name)
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                record(running.pop(future), *future.result())
    return written


def _machine() -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "device": torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu",
    }


def describe(data_dir: Path | None = None) -> str:
    """One line per artefact: name, size, steps, wall time, up to date or not."""
    manifest = read_manifest(data_dir)
    lines = []
    for name, artefact in ARTEFACTS.items():
        entry = manifest.get(name)
        if entry is None:
            lines.append(f"{name:<28} not built: gan-course ship {name}")
            continue
        state = "up to date" if up_to_date(name, data_dir) else "OUT OF DATE"
        lines.append(
            f"{name:<28} {entry['bytes'] / 1e6:5.1f} MB  {entry['steps']:>6} steps  "
            f"{entry['wall_time_s']:>7.0f} s  {state}: {artefact.what}"
        )
    return "\n".join(lines)


def load_artefact(
    name: str, data_dir: Path | None = None, *, kind: str | None = None
) -> dict[str, Any]:
    """The content of data/NAME.pt, after checking its sha256 and recipe against the manifest."""
    if name not in ARTEFACTS:
        raise ValueError(f"unknown artefact {name!r}; shipped artefacts: {', '.join(ARTEFACTS)}")
    path = artefact_path(name, data_dir)
    if not path.is_file():
        raise FileNotFoundError(
            f"shipped weights {path} not found: rebuild them with "
            f"`gan-course ship {name}` (from a checkout of the repository, where "
            "data/ lives)"
        )
    entry = read_manifest(data_dir).get(name)
    if entry is None:
        raise ArtefactError(
            f"{path} has no entry in {MANIFEST}: rebuild it with `gan-course ship {name}`"
        )
    if file_sha256(path) != entry["sha256"]:
        raise ArtefactError(
            f"{path} is not the file the manifest records (sha256 differs): it was "
            f"changed or damaged; rebuild it with `gan-course ship {name} --force`"
        )
    if entry["recipe"] != _canonical(ARTEFACTS[name].recipe):
        raise ArtefactError(
            f"{path} was built from another recipe than this version of the package "
            f"describes; rebuild it with `gan-course ship {name}`"
        )
    return load_checkpoint(path, kind=kind)


# ------------------------------------------------------------------------------------ loaders
FEATURE_NETS = {"featnet-digits-32": (1, 32, 10), "featnet-cifar10-32": (3, 32, 10)}


def load_shipped_feature_net(
    data_dir: Path | None = None, name: str = "featnet-digits-32"
) -> FeatureNet:
    """A shipped feature network, in eval mode: the digits one (1×32×32 inputs, 10 classes) or
    ``featnet-cifar10-32`` (3×32×32, CIFAR-10's 10 classes)."""
    if name not in FEATURE_NETS:
        raise ValueError(f"unknown feature network {name!r}; shipped: {', '.join(FEATURE_NETS)}")
    state = load_artefact(name, data_dir, kind="feature_net")  # sha256 and recipe
    return feature_net_from_state(state, expect=FEATURE_NETS[name], source=name)


def load_shipped_cifar10_dcgan(data_dir: Path | None = None) -> tuple[DCGANGenerator, DCGANConfig]:
    """(G, config) of the shipped CIFAR-10 DCGAN, in eval mode and fp32."""
    state = load_artefact("dcgan-cifar10-32", data_dir, kind="dcgan_generator")
    config = DCGANConfig(**state["config"])
    G, _ = config.build()
    load_state(G, float_state(state["G"]), name="CIFAR-10 generator")
    return G.eval(), config


def load_shipped_dcgan(
    data_dir: Path | None = None,
) -> tuple[DCGANGenerator, DCGANDiscriminator, DCGANConfig]:
    """(G, D, config) of the shipped digits DCGAN, in eval mode."""
    state = load_artefact("dcgan-digits-32", data_dir, kind="dcgan_weights")
    config = DCGANConfig(**state["config"])
    G, D = config.build()
    load_state(G, state["G"], name="generator")
    load_state(D, state["D"], name="discriminator")
    return G.eval(), D.eval(), config


def load_shipped_inpainting(data_dir: Path | None = None) -> dict[str, Any]:
    """The results of ``inpainting-digits-32``: ``scores`` (metric → (seeds, masks, methods, N)
    per-image scores on the held-out digits; metrics as ``inpainting.inpainting_scores``),
    ``seeds``, ``masks``, ``methods``, ``labels``; ``sweep`` (``mask``, ``settings``, ``scores``:
    metric → (seeds, settings, n), with ``loss``, the kept restart's final loss); ``gallery``
    (mask → method → uint8 (8, 1, 32, 32), seed 0's first images), ``truth`` and ``recipe``."""
    state = load_artefact("inpainting-digits-32", data_dir, kind="inpainting_results")
    return state | {"recipe": ARTEFACTS["inpainting-digits-32"].recipe}


def load_shipped_latent_encoder(data_dir: Path | None = None) -> LatentEncoder:
    """E: x → z for the shipped DCGAN's G (1×32×32 digits → z of 100), in eval mode."""
    state = load_artefact("latent-encoder-digits-32", data_dir, kind="latent_encoder")
    E = LatentEncoder(**state["config"])
    load_state(E, state["weights"], name="latent encoder")
    return E.eval()


@dataclass
class SweepGenerator:
    """One kept G of the shipped sweep: its configuration, seed, step, scores and the generator."""

    config: str
    seed: int
    step: int
    batch_size: int
    z_dim: int
    scores: dict[str, float]
    G: DCGANGenerator


def load_shipped_sweep(data_dir: Path | None = None) -> tuple[list[SweepGenerator], list[dict]]:
    """(every kept generator, in eval mode and fp32; the runs' records without weights: plan entry,
    scores by step, stability, history every 10 steps, seconds)."""
    runs = load_artefact("dcgan-sweep-digits-32", data_dir, kind="dcgan_sweep")["runs"]
    generators = []
    for run in runs:
        config = DCGANConfig(**run["model"])
        for step, state in sorted(run["G"].items()):
            G, _ = config.build()
            load_state(
                G, float_state(state), name=f"sweep generator {run['config']} seed {run['seed']}"
            )
            generators.append(
                SweepGenerator(
                    run["config"],
                    run["seed"],
                    int(step),
                    run["batch_size"],
                    run["z_dim"],
                    run["scores"][step],
                    G.eval(),
                )
            )
    return generators, [{k: v for k, v in run.items() if k != "G"} for run in runs]


def load_shipped_failures(data_dir: Path | None = None) -> list[dict[str, Any]]:
    """The runs of ``dcgan-failures-digits-32``, each ``{"name", "train" (the overrides),
    "samples" (uint8 (16, 1, 32, 32) of one fixed z at each of "snapshots"), "snapshots",
    "history" (every "history_every" steps), "history_every", "scores", "stability",
    "seconds"}``."""
    state = load_artefact("dcgan-failures-digits-32", data_dir, kind="dcgan_failures")
    return [{**run, "snapshots": state["snapshots"], "history_every": state["history_every"]}
            for run in state["runs"]]


@dataclass
class ShippedVariant:
    """One model of a shipped family: its name, family (the name without the seed) and seed, config,
    G and D where kept (in eval mode and fp32; None where only the scores were kept), its scores on
    each held-out set, stability, loss history (every 10 steps), training seconds, and where the
    recipe tracked them (``track_every``) the scores on its first held-out set during training
    (``{"step": [...], measure: [...]}``; empty otherwise)."""

    name: str
    family: str
    seed: int
    config: Any
    G: torch.nn.Module | None
    D: torch.nn.Module | None
    scores: dict[str, dict[str, float]]
    history: dict[str, list[float]]
    stability: dict[str, float]
    seconds: float
    tracked: dict[str, list[float]] = field(default_factory=dict)


def load_shipped_references(name: str, data_dir: Path | None = None) -> dict[str, Any]:
    """The baselines a shipped family was compared with when it was built, by held-out set and
    method (``references``): how CIFAR-10's test images fare, where the notebooks cannot load
    them."""
    return load_artefact(name, data_dir, kind="variants")["references"]


def load_shipped_variants(name: str, data_dir: Path | None = None) -> dict[str, ShippedVariant]:
    """A shipped family of compared models (``colorizers-palette-32``, ``colorizers-cifar10-32``,
    ``codecs-cifar10-32``), by variant name, in the recipe's order."""
    state = load_artefact(name, data_dir, kind="variants")
    config_cls = MODEL_KINDS[state["model_kind"]]
    family = {}
    for run in state["runs"]:
        config = config_cls(**run["config"])
        G, D = config.build()
        if run["G"] is not None:
            load_state(G, float_state(run["G"]), name=f"{name}: {run['name']} generator")
        if run["D"] is not None:
            load_state(D, float_state(run["D"]), name=f"{name}: {run['name']} discriminator")
        family[run["name"]] = ShippedVariant(
            run["name"], run["family"], run["seed"], config,
            G.eval() if run["G"] is not None else None,
            D.eval() if run["D"] is not None else None,
            run["scores"], run["history"], run["stability"], run["seconds"],
            run.get("tracked", {}))
    return family


def feature_net_for(data: ImageSet, steps: int = 2000) -> FeatureNet:
    """The feature network that judges samples of ``data``'s distribution: the shipped one for 32×32
    digits, else one trained on ``data``'s labels and cached under ``default_data_root()/cache``."""
    if (data.name, data.image_size, data.channels) == ("digits", 32, 1):
        return load_shipped_feature_net()
    if data.labels is None or data.classes is None:
        raise ValueError(f"{data.name} has no class labels to train a feature network on")
    # named by the data too: two image folders (or subsets) of one size must not share a network
    sample = data.images[:: max(1, len(data) // 256)]
    digest = hashlib.sha1(sample.numpy().tobytes() + data.labels.numpy().tobytes()).hexdigest()[:12]
    name = f"featnet-{data.name}-{data.channels}x{data.image_size}-{digest}.pt"
    path = default_data_root() / "cache" / name
    return load_or_train_feature_net(
        path, data.float(), data.labels, len(data.classes), steps=steps
    )
