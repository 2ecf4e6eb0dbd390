"""Checkpoints that cannot be half-written and cannot be silently mixed up.

- ``save_checkpoint`` writes to a temporary file in the same folder, flushes it to disk and renames
  it over the target (``os.replace`` is atomic on POSIX and Windows): a crash leaves either the old
  file or the new one, never a torn one.
- ``load_checkpoint`` uses ``torch.load(weights_only=True)``: tensors, numbers, strings, lists and
  dicts only, no arbitrary pickled code.
- Every checkpoint carries a ``kind`` (e.g. ``"dcgan"``) and the model config; ``load_state`` checks
  them and turns PyTorch's long key/shape mismatch into one sentence saying what was expected.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import IO, Any, Callable

import torch
from torch import nn

FORMAT_VERSION = 1


class CheckpointError(RuntimeError):
    """A checkpoint is missing, unreadable, or belongs to another model."""


def atomic_write(path: str | Path, write: Callable[[IO[bytes]], Any]) -> Path:
    """``write(f)`` into a temporary file beside ``path``, fsync, rename it over ``path``, fsync the
    folder (so the rename itself survives a power loss). The file gets the usual permissions
    (0666 less the umask), not the 0600 of a temporary file: a shared run folder stays readable."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
    return path


def atomic_save(path: str | Path, obj: Any) -> Path:
    """``torch.save(obj)`` to ``path`` atomically (see ``atomic_write``)."""
    return atomic_write(path, lambda f: torch.save(obj, f))


def save_checkpoint(path: str | Path, state: dict[str, Any]) -> Path:
    """Atomically write ``state`` (plain containers of tensors / numbers / strings) to ``path``."""
    return atomic_save(path, {"format_version": FORMAT_VERSION, **state})


def load_checkpoint(
    path: str | Path, *, kind: str | None = None, map_location: str | torch.device = "cpu"
) -> dict[str, Any]:
    """Read a checkpoint with ``weights_only=True``; if ``kind`` is given, check the checkpoint is
    one."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as e:  # truncated file, not a torch file, or pickled objects beyond weights
        raise CheckpointError(f"cannot read checkpoint {path}: {e}") from e
    if not isinstance(state, dict) or "format_version" not in state:
        raise CheckpointError(f"{path} is not a gan-course checkpoint (no format_version)")
    if kind is not None and state.get("kind") != kind:
        raise CheckpointError(f"{path} holds a {state.get('kind')!r} checkpoint, expected {kind!r}")
    return state


def load_state(
    module: nn.Module, state_dict: dict[str, torch.Tensor], *, name: str = "model"
) -> None:
    """``module.load_state_dict(state_dict)`` with a clear message when the architecture differs."""
    own = module.state_dict()
    missing = sorted(set(own) - set(state_dict))
    unexpected = sorted(set(state_dict) - set(own))
    wrong = [k for k in own if k in state_dict and own[k].shape != state_dict[k].shape]
    if missing or unexpected or wrong:
        parts = []
        if wrong:
            k = wrong[0]
            parts.append(
                f"{len(wrong)} tensors differ in shape "
                f"(e.g. {k}: checkpoint {tuple(state_dict[k].shape)}, "
                f"model {tuple(own[k].shape)})"
            )
        if missing:
            parts.append(f"{len(missing)} missing (e.g. {missing[0]})")
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected (e.g. {unexpected[0]})")
        raise CheckpointError(
            f"checkpoint does not fit this {name} ({type(module).__name__}): "
            + "; ".join(parts)
            + ". Was it saved from another model or config?"
        )
    module.load_state_dict(state_dict)
