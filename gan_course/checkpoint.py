"""Checkpoints that cannot be half-written and cannot be silently mixed up.

- ``save_checkpoint`` writes to a temporary file in the same folder, flushes it to disk and renames
  it over the target (``os.replace`` is atomic on POSIX and Windows): a crash leaves either the old
  file or the new one, never a torn one.
- ``load_checkpoint`` first checks the file's integrity: a checkpoint is a zip archive whose every
  member carries the CRC-32 of its bytes, written with it; one flipped byte (a bad disk, a torn
  copy) fails that check and the checkpoint is refused by name instead of loading changed
  weights. Then ``torch.load(weights_only=True)``: tensors, numbers, strings, lists and dicts only,
  no arbitrary pickled code.
- ``remove_temporaries`` deletes what an interrupted ``atomic_write`` left (``.NAME.XXXXXXXX.tmp``).
- ``folder_lock`` keeps a second process out of a folder being written (a run folder): a lock file
  created with ``O_EXCL`` holding the owner's pid and host; one left by a dead process on this host
  (``kill -9``) is taken over with a note.
- Every checkpoint carries a ``kind`` (e.g. ``"dcgan"``) and the model config; ``load_state`` checks
  them and turns PyTorch's long key/shape mismatch into one sentence saying what was expected.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import tempfile
import time
import zipfile
from pathlib import Path
from typing import IO, Any, Callable, Iterator

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


# atomic_write's temporary files: ".NAME." + tempfile's 8 random characters + ".tmp"
TEMPORARY = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")


def remove_temporaries(*folders: str | Path) -> list[Path]:
    """Delete the temporary files an interrupted ``atomic_write`` left directly in ``folders``
    (a process killed mid-save leaves its ``.NAME.XXXXXXXX.tmp``); return those deleted. Call it
    only while no other process writes there (e.g. holding a run folder's lock)."""
    found = [
        p
        for folder in map(Path, folders)
        if folder.is_dir()
        for p in folder.iterdir()
        if TEMPORARY.fullmatch(p.name) and p.is_file() and not p.is_symlink()
    ]
    for p in found:
        p.unlink(missing_ok=True)
    return found


LOCK_NAME = ".gan-course.lock"


class FolderInUseError(RuntimeError):
    """Another process holds the folder's lock (it is writing there)."""


def _lock_holder(path: Path) -> dict[str, Any] | None:
    """The lock's ``{"pid", "host", "inode"}``, or None if it is gone or unreadable."""
    try:
        with open(path, "rb") as f:
            holder = json.loads(f.read(4096) or b"null")
            inode = os.fstat(f.fileno()).st_ino
    except (OSError, ValueError):
        return None
    if not isinstance(holder, dict) or not isinstance(holder.get("pid"), int):
        return None
    return {**holder, "inode": inode}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: nothing is sent, only whether the process exists
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # exists, another user's
    return True


def _take_over(path: Path, stale: dict[str, Any]) -> bool:
    """Move the stale lock aside atomically; True if what was moved is the one judged stale (two
    processes taking over at once: only one gets it, the other puts back what it moved)."""
    aside = path.with_name(f"{path.name}.stale.{os.getpid()}")
    try:
        os.rename(path, aside)
    except FileNotFoundError:
        return True  # already gone: try to create ours
    moved = _lock_holder(aside)
    if moved is not None and moved["inode"] == stale["inode"]:
        aside.unlink(missing_ok=True)
        return True
    with contextlib.suppress(OSError):  # another process's fresh lock: give it back
        os.link(aside, path)
    aside.unlink(missing_ok=True)
    return False


@contextlib.contextmanager
def folder_lock(folder: str | Path, note: Callable[[str], Any] = print) -> Iterator[Path]:
    """Hold ``folder``'s lock (``folder/.gan-course.lock``, created with ``O_EXCL``, holding this
    process's pid and host) for the block; create the folder if needed. Raise
    ``FolderInUseError`` naming the folder and the holder if another live process has it; take
    over, with a ``note``, a lock whose process on this host is no longer running. Re-entrant: a
    block inside one that holds the lock already neither takes nor releases it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_NAME
    me = {"pid": os.getpid(), "host": socket.gethostname()}
    holder = _lock_holder(path)
    if holder is not None and (holder["pid"], holder.get("host")) == (me["pid"], me["host"]):
        yield path  # this process holds it already (the CLI around a trainer): keep it as it is
        return
    for attempt in range(5):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder = _lock_holder(path)
            if holder is None and attempt < 4:  # just created, its pid not yet written
                time.sleep(0.05)
                continue
            if holder is None:
                raise FolderInUseError(
                    f"{folder} is locked ({path} exists but names no process); if no run is "
                    f"writing there, delete {path}"
                ) from None
            if holder.get("host") != me["host"] or _alive(holder["pid"]):
                raise FolderInUseError(
                    f"{folder} is in use by process {holder['pid']} on {holder.get('host')} "
                    f"(its lock: {path}); wait for it to finish or choose another folder"
                ) from None
            if _take_over(path, holder):
                note(
                    f"note: took over the lock of {folder} from process {holder['pid']}, which "
                    "is no longer running"
                )
            continue
        with os.fdopen(fd, "w") as f:
            json.dump(me, f)
            f.flush()
            os.fsync(f.fileno())
        break
    else:
        raise FolderInUseError(f"{folder} is in use: could not take its lock {path}")
    try:
        yield path
    finally:
        holder = _lock_holder(path)
        if holder is not None and holder["pid"] == me["pid"] and holder["host"] == me["host"]:
            path.unlink(missing_ok=True)


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
    verify_archive(path)
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as e:  # not a torch file, or pickled objects beyond weights
        first_line = (str(e).strip().splitlines() or [type(e).__name__])[0][:200]
        raise CheckpointError(f"cannot read checkpoint {path}: {first_line}") from e
    if not isinstance(state, dict) or "format_version" not in state:
        raise CheckpointError(f"{path} is not a gan-course checkpoint (no format_version)")
    if kind is not None and state.get("kind") != kind:
        raise CheckpointError(f"{path} holds a {state.get('kind')!r} checkpoint, expected {kind!r}")
    return state


def verify_archive(path: str | Path) -> None:
    """Check every member of the checkpoint's zip archive against the CRC-32 written with it;
    raise a ``CheckpointError`` naming the file if it is not an intact archive (truncated, a byte
    changed, not a zip at all)."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()  # reads each member, checks its CRC-32 and its header
    except (  # a damaged header can also claim a compression method zipfile lacks
        zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
        NotImplementedError, RuntimeError,
    ) as e:
        raise CheckpointError(
            f"cannot read checkpoint {path}: not an intact checkpoint archive ({e}); "
            "it is truncated, damaged or not a torch checkpoint"
        ) from e
    if bad is not None:
        raise CheckpointError(
            f"checkpoint {path} is damaged: its part {bad!r} fails the CRC-32 check written with "
            "it (a byte changed since it was saved); use an earlier checkpoint or a fresh copy"
        )


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
