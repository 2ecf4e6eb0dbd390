"""``gan-course`` command line: train the course's models from the shell.

    gan-course train dcgan                  # fast profile on CPU: 32×32 digits, ≈ 40 s on 2 cores
    gan-course train dcgan --dataset photos --image-size 64 --steps 500
    GAN_COURSE_PROFILE=full gan-course train dcgan --dataset imagefolder --data-root PATH/cifar10
    gan-course train dcgan --out runs/x --resume  # continue from the latest checkpoint in runs/x
    gan-course train pix2pix --space lab --steps 2000  # gray → colour on the embedded photo patches
    gan-course train encoder-decoder --r1-gamma 1  # note 000's encoder–decoder GAN
    gan-course bench dcgan --device cuda    # DCGAN-64 training: optimised vs plain eager, one run
    gan-course bench inpainting --n 64 --restarts 8  # batched vs per-image inpainting, one run
    # DDP, one process per GPU
    torchrun --standalone --nproc_per_node=4 -m gan_course.cli train dcgan
    gan-course book                         # the course site, offline, into book/_build/html

Every field of the model config (``DCGANConfig``, ``Pix2PixConfig``) and of ``TrainConfig`` is an
option of the same name (``z_dim`` → ``--z-dim``); options not given keep the profile's value. A run
folder holds ``config.json``, ``checkpoints/``, ``samples/``, ``loss_curves.png`` and
``metrics.json``.

Nothing is lost: every option, the device and the data are checked before the run folder is
touched; ``--overwrite`` then moves the old run's own files (``RUN_FILES``) into ``previous-N/``,
never deletes them nor a file of yours; an empty ``--out`` or a folder holding other things is
refused; one process at a time writes a folder (``checkpoint.folder_lock``); temporary files of an
interrupted save are removed on the next start; ``--resume`` refuses options the checkpoint fixes.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import math
import os
import re
import sys
import time
import typing
from pathlib import Path
from typing import Any, Callable, Sequence

from . import benchmark, distributed
from .book import build_book
from .checkpoint import (
    LOCK_NAME,
    TEMPORARY,
    CheckpointError,
    FolderInUseError,
    atomic_write,
    folder_lock,
    remove_temporaries,
)
from .data import DATASETS, load_dataset
from .dcgan import DCGANConfig
from .encoder_decoder import EncoderDecoderConfig
from .engine import COMPILE_BACKENDS, NonFiniteLossError, TrainConfig, checkpoint_steps, trainer_for
from .pix2pix import Pix2PixConfig
from .plots import SampleGrids
from .runtime import DeviceUnavailableError, current_profile, get_device, seed_everything
from .shipped import ARTEFACTS, describe, ship


def _positive_int(text: str) -> int:
    """argparse type of a model's sizes (widths, depths, layers): an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}")
    return value


def _finite_float(text: str) -> float:
    """argparse type of every float option: a finite number (no nan, no inf)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def _run_folder(text: str) -> Path:
    """argparse type of ``--out``: a folder name, not an empty string (an unset shell variable
    would otherwise put the run into the current folder)."""
    if not text.strip():
        raise argparse.ArgumentTypeError(
            f"expected a folder name, got {text!r} (an unset shell variable?)"
        )
    return Path(text)


def _add_dataclass_options(
    parser: argparse.ArgumentParser, cls: type, skip: Sequence[str] = ()
) -> None:
    """One ``--field-name`` option per dataclass field, with the help written beside the field
    (``Annotated[type, "help"]``), the choices of a ``Literal`` type, and default None (= keep the
    profile's value). A model config's integers (sizes) must be >= 1 and floats finite; its own
    ``__post_init__`` checks the rest."""
    group = parser.add_argument_group(f"{cls.__name__} fields (default: the profile's value)")
    hints = typing.get_type_hints(cls, include_extras=True)
    fast, full = cls.for_profile("fast"), cls.for_profile("full")
    for f in dataclasses.fields(cls):
        if f.name in skip:
            continue
        kind, help_text = (
            typing.get_args(hints[f.name])
            if typing.get_origin(hints[f.name]) is typing.Annotated
            else (hints[f.name], "")
        )
        flag = "--" + f.name.replace("_", "-").lower()
        a, b = getattr(fast, f.name), getattr(full, f.name)
        help_text += f" (fast: {a}, full: {b})" if a != b else f" (default {a})"
        if kind is bool:
            group.add_argument(
                flag,
                dest=f.name,
                action=argparse.BooleanOptionalAction,
                default=None,
                help=help_text,
            )
        elif typing.get_origin(kind) is typing.Literal:
            group.add_argument(
                flag, dest=f.name, choices=typing.get_args(kind), default=None, help=help_text
            )
        elif f.name == "dataset":
            group.add_argument(flag, dest=f.name, choices=DATASETS, default=None, help=help_text)
        else:
            sizes = kind is int and cls is not TrainConfig  # TrainConfig checks its own ranges
            group.add_argument(
                flag,
                dest=f.name,
                type=_positive_int if sizes else _finite_float if kind is float else kind,
                default=None,
                metavar=kind.__name__.upper(),
                help=help_text,
            )


# model name → (its config class, help): a literal dict, not a registry
MODELS: dict[str, tuple[type, str]] = {
    "dcgan": (DCGANConfig, "DCGAN (note 001) on an embedded or real dataset"),
    "pix2pix": (Pix2PixConfig, "pix2pix gray → colour (note 003) with a U-Net and PatchGAN"),
    "encoder-decoder": (
        EncoderDecoderConfig,
        "encoder–decoder GAN image → f → image (note 000), R1 and feature matching switchable",
    ),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gan-course", description="Train the gan-course models.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    train = sub.add_parser(
        "train", help="train a model", description="Train a model and write a run folder."
    )
    models = train.add_subparsers(dest="model", required=True, metavar="MODEL")
    for name, (config_cls, help_text) in MODELS.items():
        p = models.add_parser(
            name,
            help=help_text,
            description=f"Train {name}; options default to the profile's config.",
        )
        p.add_argument(
            "--profile",
            choices=("fast", "full"),
            default=None,
            help="config preset (default: $GAN_COURSE_PROFILE, else full with CUDA, fast without)",
        )
        p.add_argument(
            "--data-root",
            type=Path,
            default=None,
            help="folder of the real dataset itself (default: DATA/DATASET, DATA being "
            "$GAN_COURSE_DATA or ~/.cache/gan-course/datasets)",
        )
        p.add_argument(
            "--download",
            action="store_true",
            help="download a torchvision dataset if it is missing",
        )
        p.add_argument(
            "--out",
            type=_run_folder,
            default=None,
            help=f"run folder (default: runs/{name}-DATASET-SIZE, or -2, -3, ... if taken); an "
            "existing folder must be a run's or empty",
        )
        p.add_argument(
            "--into-existing-folder",
            action="store_true",
            help="let --out be an existing folder that holds other files but no run (they are "
            "left alone; none may have a name the run writes)",
        )
        p.add_argument(
            "--resume",
            action="store_true",
            help="continue from the latest checkpoint in --out "
            f"(default folder: runs/{name}-DATASET-SIZE)",
        )
        p.add_argument(
            "--overwrite",
            action="store_true",
            help="start afresh in --out: once the new run's options, device and data are checked, "
            "the old run's files are moved into --out/previous-N/ (nothing is deleted)",
        )
        p.add_argument(
            "--device", default=None, help="cpu, cuda, cuda:1, mps (default: the best available)"
        )
        p.add_argument(
            "--no-progress", dest="progress", action="store_false", help="no progress bar"
        )
        _add_dataclass_options(p, config_cls)
        _add_dataclass_options(p, TrainConfig)
    bench = sub.add_parser(
        "bench",
        help="benchmarks: side-by-side throughputs and their ratio",
        description="Training (dcgan, pix2pix): the engine's optimised path against a plain "
        "eager loop (fp32, DataLoader, a host sync per step). inpainting: all "
        "images × restarts as one batch of z against a per-image loop. One run, "
        "both numbers and their ratio.",
    )
    bench.add_argument(
        "what",
        choices=(*benchmark.TRAIN_BENCHMARKS, "inpainting"),
        help="dcgan or pix2pix training, or inpainting",
    )
    bench.add_argument(
        "--steps",
        type=int,
        default=None,
        help="timed training steps (default 100 on CUDA, 5 on a CPU) or inpainting steps "
        "(default 30)",
    )
    bench.add_argument(
        "--device", default=None, help="cpu, cuda, ... (default: the best available)"
    )
    training = bench.add_argument_group("dcgan and pix2pix")
    training.add_argument(
        "--profile",
        choices=("fast", "full"),
        default="full",
        help="model size: full = DCGAN-64 / pix2pix 96×96 at width 64 (default), "
        "fast = the 32 px nets",
    )
    training.add_argument(
        "--batch-size", type=int, default=None, help="default 64 (dcgan), 32 (pix2pix)"
    )
    training.add_argument(
        "--warmup",
        type=int,
        default=None,
        help="untimed steps first (default 10 on CUDA, 1 on a CPU)",
    )
    training.add_argument(
        "--compile",
        choices=COMPILE_BACKENDS,
        default="off",
        help="torch.compile the optimised path",
    )
    training.add_argument(
        "--workers",
        type=int,
        default=None,
        help="baseline DataLoader workers (default 2 on CUDA, 0 on a CPU)",
    )
    training.add_argument(
        "--peak-tflops",
        type=float,
        default=None,
        help="the device's peak for the roofline fraction (default: known for H200, H100, A100)",
    )
    inpainting = bench.add_argument_group("inpainting")
    inpainting.add_argument("--n", type=int, default=32, help="images (default 32)")
    inpainting.add_argument(
        "--restarts", type=int, default=4, help="restarts per image (default 4)"
    )
    inpainting.add_argument(
        "--loop-images",
        type=int,
        default=None,
        help="images for the per-image loop (default all n; fewer keeps a slow loop short)",
    )
    book = sub.add_parser(
        "book",
        help="build the course site (jupyter-book 1.x) offline from the stored outputs",
        description="Check the notebooks' stored outputs, install the site's local scripts "
        "(npm ci, once) and run jupyter-book with warnings as errors.",
    )
    book.add_argument(
        "--dir", type=Path, default=Path("book"), help="the book folder (default: book)"
    )
    ship = sub.add_parser(
        "ship",
        help="build the trained models shipped in data/ that are missing or out of date",
        description="Build the course's shipped artefacts (all, or those named) that are missing "
        "or out of date, dependencies first, and record each in data/manifest.json. An "
        "interrupted build resumes; an up-to-date artefact is skipped.",
    )
    ship.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        choices=[[], *ARTEFACTS],
        help=f"artefacts to build (default: all): {', '.join(ARTEFACTS)}",
    )
    ship.add_argument(
        "--force", action="store_true", help="rebuild the named ones even if up to date"
    )
    ship.add_argument(
        "--list", action="store_true", help="list the artefacts and their state; build nothing"
    )
    ship.add_argument(
        "--out", type=Path, default=None, help="folder (default: the repository's data/)"
    )
    ship.add_argument(
        "--cifar10-folder",
        type=Path,
        default=None,
        help="a CIFAR-10 copy in ImageFolder layout (train/<class>/, test/<class>/) for the "
        "CIFAR-10 artefacts (default: torchvision's files under $GAN_COURSE_DATA/cifar10)",
    )
    ship.add_argument(
        "--download", action="store_true", help="let torchvision download CIFAR-10 if missing"
    )
    ship.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="build this many artefacts at once, each in its own process; with one artefact "
        "to build, train that many of its runs at once (default 1; on a 2-core machine 2 "
        "halves the wall time)",
    )
    nb = sub.add_parser(
        "notebooks",
        help="re-execute notebooks and store their outputs",
        description="Execute notebooks in place (fast profile, one CPU thread, as CI runs "
        "them) and re-pair them with their .py files. Needs the [dev] extras.",
    )
    nb.add_argument(
        "paths", nargs="*", type=Path, help="notebooks (default: notebooks/[0-9]*.ipynb)"
    )
    nb.add_argument(
        "--profile",
        choices=("fast", "full"),
        default="fast",
        help="the profile the notebooks run in (default fast: what CI and nbval compare)",
    )
    nb.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    nb.add_argument(
        "--discard-ipynb-edits",
        action="store_true",
        help="run from the .py even where the .ipynb was edited after it (that edit is lost; "
        "without this flag such a notebook is refused: `jupytext --sync` it first)",
    )
    return parser


def _overrides(args: argparse.Namespace, cls: type) -> dict[str, Any]:
    return {
        f.name: getattr(args, f.name)
        for f in dataclasses.fields(cls)
        if getattr(args, f.name) is not None
    }


def _fresh_run_dir(base: Path, resume: bool) -> Path:
    """``base`` if it holds no run yet (or when resuming), else the first free ``base-2``,
    ``base-3``, ..."""
    if resume or not base.exists():
        return base
    n = 2
    while Path(f"{base}-{n}").exists():
        n += 1
    return Path(f"{base}-{n}")


# What a run writes into its folder (this command, the trainer, plots.SampleGrids), by exact name:
# only these are a run's own; --overwrite moves exactly these aside (not a user's step_best.pt).
RUN_FILES = re.compile(
    r"config\.json|metrics\.json|loss_curves\.png"
    r"|checkpoints/step_[0-9]+\.pt|samples/step_[0-9]+\.png"
)
RUN_NAMES = ("config.json", "metrics.json", "loss_curves.png", "checkpoints", "samples")


class RunFolderError(ValueError):
    """``--out`` names a folder this run must not write into, as asked."""


def _run_files(out: Path) -> list[Path]:
    """The files of ``out`` that a run wrote (``RUN_FILES``), not links, nothing else."""
    found = [out / "config.json", out / "metrics.json", out / "loss_curves.png"]
    for sub, pattern in (("checkpoints", "step_*.pt"), ("samples", "step_*.png")):
        if (out / sub).is_dir() and not (out / sub).is_symlink():
            found += sorted((out / sub).glob(pattern))
    return [
        p
        for p in found
        if RUN_FILES.fullmatch(p.relative_to(out).as_posix()) and p.is_file() and not p.is_symlink()
    ]


def _is_run(out: Path) -> bool:
    """``out/config.json`` is a gan-course run's (its model and train sections)."""
    try:
        config = json.loads((out / "config.json").read_text())
    except (OSError, ValueError):
        return False
    return isinstance(config, dict) and config.get("model") in MODELS and "train" in config


def _check_out(out: Path, args: argparse.Namespace) -> None:
    """Refuse, before anything is written, a folder the run must not write as asked."""
    if args.resume and args.overwrite:
        raise RunFolderError(
            "--resume continues a run and --overwrite starts it again; pass one of them"
        )
    if out.exists() and not out.is_dir():
        raise RunFolderError(f"--out {out} is a file; expected a folder")
    ours = lambda p: p.name == LOCK_NAME or TEMPORARY.fullmatch(p.name)
    others = [p for p in out.iterdir() if not ours(p)] if out.is_dir() else []
    is_run = _is_run(out)
    if others and not is_run:
        if not args.into_existing_folder:
            raise RunFolderError(
                f"{out} holds other files but no gan-course run (no run config.json); choose "
                "another --out, or pass --into-existing-folder to write the run beside them"
            )
        clash = [name for name in RUN_NAMES if (out / name).exists()]
        if clash:
            raise RunFolderError(
                f"{out} already holds {', '.join(clash)}, which the run would write over; "
                "choose another --out"
            )
    has_checkpoints = bool(checkpoint_steps(out))
    if has_checkpoints and not (args.resume or args.overwrite):
        raise RunFolderError(
            f"{out} already holds checkpoints; pass --resume to continue that run, "
            "--overwrite to start again, or --out to choose another folder"
        )
    if is_run and not (args.resume or args.overwrite):
        raise RunFolderError(
            f"{out} already holds a run (its config.json, no checkpoint yet); pass --overwrite "
            "to start again, or --out to choose another folder"
        )
    if args.resume and not has_checkpoints:
        raise RunFolderError(
            f"--resume given but {out / 'checkpoints'} holds no step_*.pt checkpoint"
        )


def _move_aside(out: Path) -> tuple[Path, int] | None:
    """Move the old run's own files (``RUN_FILES``) into ``out/previous-N/``, the first free N,
    keeping their layout; return that folder and the count, or None if there were none."""
    files = _run_files(out)
    if not files:
        return None
    n = 1
    while (out / f"previous-{n}").exists():
        n += 1
    aside = out / f"previous-{n}"
    for f in files:
        target = aside / f.relative_to(out)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(f, target)  # a rename in one file system: nothing copied, nothing lost
    return aside, len(files)


@contextlib.contextmanager
def _locked(out: Path, place: distributed.DistInfo, device: Any, say: Callable[..., None]):
    """Rank 0 holds ``out``'s lock for the block; if it cannot, every rank stops."""
    with contextlib.ExitStack() as stack:
        error: Exception | None = None
        if place.is_main:
            try:
                stack.enter_context(folder_lock(out, note=say))
            except FolderInUseError as e:
                error = e
        if distributed.any_rank(error is not None, device):
            raise error or FolderInUseError(f"rank 0 could not lock {out}")
        yield


def train_command(args: argparse.Namespace) -> Path:
    """Train ``args.model`` with the profile's configs overridden by the options given; return the
    run folder.

    Options, device and data are all checked, and the networks built, before the run folder is
    touched: a run that cannot start leaves an old run as it was."""
    place, dist_device = distributed.setup(
        args.device
    )  # torchrun: join the group; else one process
    say = _print if place.is_main else (lambda *a, **k: None)
    config_cls, _ = MODELS[args.model]
    profile = current_profile(args.profile)
    model_over, train_over = _overrides(args, config_cls), _overrides(args, TrainConfig)
    config = config_cls.for_profile(profile, **model_over)
    channels = getattr(config, "channels", 3)  # pix2pix colorizes RGB images
    # a dataset chosen without --channels keeps its own channels (digits and faces gray, photos RGB)
    native_channels = (
        "dataset" in model_over and "channels" not in model_over and hasattr(config, "channels")
    )
    train = TrainConfig.for_profile(profile, **train_over)
    base = Path("runs") / f"{args.model}-{config.dataset}-{config.image_size}"
    out = args.out or _fresh_run_dir(base, args.resume)
    _check_out(out, args)  # the cheap refusals first

    device = dist_device or get_device(args.device)
    seed_everything(train.seed)
    data = load_dataset(
        config.dataset,
        config.image_size,
        root=args.data_root,
        download=args.download,
        channels=None if native_channels else channels,
        seed=train.seed,
    )
    if hasattr(config, "channels"):
        config = dataclasses.replace(config, channels=data.channels)
    grids = [SampleGrids(out, train.sample_every)] if train.sample_every and place.is_main else []
    trainer = trainer_for(  # checks the data against the model and builds G and D: nothing written
        config, train, data, device=device, out_dir=out, callbacks=grids, progress=args.progress
    )
    distributed.barrier()  # every rank chose the same folder before rank 0 creates it
    with _locked(out, place, device, say):
        _check_out(out, args)  # again, under the lock: another run may have written meanwhile
        if place.is_main:
            removed = remove_temporaries(out, out / "checkpoints", out / "samples")
            if removed:
                say(
                    f"removed {len(removed)} temporary file(s) an interrupted save left in {out}: "
                    + ", ".join(p.name for p in removed)
                )
        if args.resume:  # refuses a damaged or non-finite checkpoint and changed options
            say(f"resuming from {trainer.resume()} (step {trainer.step})")
        elif args.overwrite and place.is_main:  # start again: --resume must not find old steps
            moved = _move_aside(out)
            if moved:
                say(f"--overwrite: moved the old run's {moved[1]} files into {moved[0]}")
        if place.is_main:
            text = json.dumps(
                {
                    "profile": profile,
                    "model": args.model,
                    args.model: dataclasses.asdict(config),
                    "train": dataclasses.asdict(train),
                    "data": {"name": data.name, "n_images": len(data)},
                    "world_size": place.world_size,
                },
                indent=2,
            )
            atomic_write(out / "config.json", lambda f: f.write((text + "\n").encode()))
        ranks = (
            f" on {place.world_size} ranks (batch {train.batch_size} each)"
            if place.world_size > 1
            else ""
        )
        say(
            f"training {args.model} on {data.name} "
            f"({len(data)} images, {data.channels}×{config.image_size}²) "
            f"for {train.steps} steps, profile={profile}, device={device}{ranks}"
        )
        on = [name for name, value in trainer.switches.items() if value is True]
        say(
            f"speed switches: {', '.join(on) or 'none (exact fp32)'}; torch.compile: "
            f"{'off' if train.compile == 'off' else 'on the first step'}"
        )
        start = time.perf_counter()
        history = trainer.fit()  # raises on a non-finite loss or state: never "done" then
        say(
            f"done in {time.perf_counter() - start:.1f} s: step {trainer.step}, "
            f"loss_D={history['loss_D'][-1]:.3f}, loss_G={history['loss_G'][-1]:.3f}; "
            f"run folder {out}"
        )
    distributed.teardown()
    return out


def _print(*args: Any, **kwargs: Any) -> None:
    """``print`` and flush; if the reader has gone (``gan-course ... | head``), send the rest of
    the output to /dev/null instead of failing with BrokenPipeError: a run goes on."""
    try:
        print(*args, **kwargs, flush=True)
    except BrokenPipeError:
        _drop_stdout()


def _drop_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # what is still buffered goes nowhere, quietly
    os.close(devnull)


def bench_command(args: argparse.Namespace) -> str:
    """Run one benchmark and return its report."""
    device = get_device(args.device)
    if args.what == "inpainting":
        steps = (
            {} if args.steps is None else {"steps": args.steps}
        )  # else bench_inpainting's default
        result = benchmark.bench_inpainting(
            args.n, args.restarts, device=device, loop_images=args.loop_images, **steps
        )
        return benchmark.format_bench(result, str(device))
    result = benchmark.bench_training(
        args.what,
        args.steps,
        device,
        batch_size=args.batch_size,
        warmup=args.warmup,
        compile=args.compile,
        workers=args.workers,
        profile=args.profile,
        peak_tflops=args.peak_tflops,
    )
    return benchmark.format_training_bench(result)


def _poll_in_slices(get_msg: Callable[..., Any], slice_s: float = 1.0) -> Callable[..., Any]:
    """Wrap an async ``get_msg(timeout)`` so that it polls in ``slice_s`` slices up to the same
    timeout.

    nbclient waits for a cell's execute reply with one ``poll(timeout)`` on the shell socket. After
    an ``ipywidgets`` cell (comm messages on iopub racing the reply) that wake-up is sometimes
    missed and the reply is read only when the whole cell timeout expires. Measured on notebook 07:
    a stall of the whole timeout in 2 of 3 runs with ipykernel 7.4 and 2 of 9 with 6.31; none in 8
    runs with this wrapper. Polling in slices reads the reply at most one slice late; the timeout
    still holds.
    """
    from queue import Empty

    async def get_msg_in_slices(timeout: float | None = None) -> Any:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = slice_s if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                return await get_msg(timeout=min(slice_s, left))
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise

    return get_msg_in_slices


def _notebook_client(nb: Any, timeout: int, path: Path) -> Any:
    """An nbclient ``NotebookClient`` for ``nb`` (run in ``path``'s folder) that waits for each
    execute reply in one-second slices (see ``_poll_in_slices``)."""
    from nbclient import NotebookClient

    class Client(NotebookClient):
        async def async_start_new_kernel_client(self):
            kc = await super().async_start_new_kernel_client()
            kc.shell_channel.get_msg = _poll_in_slices(kc.shell_channel.get_msg)
            return kc

    return Client(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )


def _pair_cells(nb: Any) -> list[tuple[str, str, list[str]]]:
    """What a jupytext pair must agree on: each cell's type, source and tags."""
    return [(c.cell_type, c.source.strip(), sorted(c.metadata.get("tags", []))) for c in nb.cells]


def _check_pair(path: Path, discard_ipynb_edits: bool) -> None:
    """Refuse to run notebook ``path`` (.ipynb) from its .py when the .ipynb is the newer of the two
    and its cells differ: it was edited in Jupyter, and writing the outputs would discard the edit
    (the rule jupytext's own sync follows: the newer file is the reference)."""
    import jupytext

    text = path.with_suffix(".py")
    if not text.is_file():
        raise FileNotFoundError(f"{path}: no paired {text.name}; run `jupytext --sync {path}`")
    if discard_ipynb_edits or not path.is_file() or path.stat().st_mtime <= text.stat().st_mtime:
        return
    if _pair_cells(jupytext.read(path)) != _pair_cells(jupytext.read(text)):
        raise ValueError(
            f"{path} was edited after {text.name} and their cells differ: running from the .py "
            f"would discard that edit. Run `jupytext --sync {path}` to copy it into the .py, or "
            "pass --discard-ipynb-edits to drop it"
        )


def execute_notebooks_command(args: argparse.Namespace) -> None:
    """Execute each notebook from its .py text (the source of truth), store outputs, keep the pair
    in sync.

    One thread and the fast profile by default, so stored outputs are what strict nbval in CI
    reproduces.
    """
    import jupytext

    paths = [
        Path(p).with_suffix(".ipynb")
        for p in args.paths or sorted(Path("notebooks").glob("[0-9][0-9]_*.ipynb"))
    ]
    for path in paths:  # all checked before any runs
        _check_pair(path, args.discard_ipynb_edits)
    os.environ.update(OMP_NUM_THREADS="1", GAN_COURSE_THREADS="1", GAN_COURSE_PROFILE=args.profile)
    for path in paths:
        nb = jupytext.read(path.with_suffix(".py"))
        start = time.perf_counter()
        _notebook_client(nb, args.timeout, path).execute()
        jupytext.write(nb, path)
        print(f"{path}: executed in {time.perf_counter() - start:.1f} s")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "train":
            train_command(args)
        elif args.command == "ship":
            if args.list:
                _print(describe(args.out))
            else:
                ship(
                    args.names or None,
                    args.out,
                    force=args.force,
                    cifar10_folder=args.cifar10_folder,
                    download=args.download,
                    jobs=args.jobs,
                )
        elif args.command == "bench":
            _print(bench_command(args))
        elif args.command == "book":
            start = time.perf_counter()
            html = build_book(args.dir)
            pages = len([p for p in html.rglob("*.html") if "_static" not in p.parts])
            _print(
                f"built {pages} pages in {time.perf_counter() - start:.1f} s: {html / 'index.html'}"
            )
        elif args.command == "notebooks":
            execute_notebooks_command(args)
    except (
        ValueError,
        FileNotFoundError,
        CheckpointError,
        DeviceUnavailableError,
        FolderInUseError,
        NonFiniteLossError,
    ) as e:  # one line, no traceback
        print(f"gan-course: error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # a print deeper down, after the reader of stdout went (| head)
        _drop_stdout()
        return 141  # what a shell reports for a command stopped by SIGPIPE
    return 0


if __name__ == "__main__":
    sys.exit(main())
