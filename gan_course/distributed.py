"""Multi-process training with torch DistributedDataParallel, started by ``torchrun``:

    # 4 GPUs (NCCL), or 4 CPU processes (gloo)
    torchrun --nproc_per_node=4 -m gan_course.cli train dcgan

``setup()`` reads torchrun's ``RANK`` / ``WORLD_SIZE`` / ``LOCAL_RANK``, joins the process group
(with one process too: the same code path) and picks this rank's device; without them it does
nothing (one plain process). The engine then

- wraps G and D in ``DistributedDataParallel`` for their own updates (gradients averaged across
  ranks; G's step calls the bare D, whose weights are frozen there, so D's reducer never waits for
  them);
- gives each rank a disjoint slice of one global permutation (``data.iterate_batches(rank=,
  world_size=)``): ``batch_size`` is per rank, the global batch is ``batch_size × world_size``;
- draws each rank's z, dropout and other noise from its own streams, and writes checkpoints, samples
  and logs on rank 0 only (every rank loads the same checkpoint to resume);
- converts BatchNorm to ``SyncBatchNorm`` on CUDA with ``TrainConfig.sync_bn`` (G only when the
  objective differentiates D twice: SyncBatchNorm's backward has no derivative).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class DistInfo:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    active: bool = False  # a process group is up (torchrun), even with one process

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def info() -> DistInfo:
    """This process's place: (0, 1, 0) unless a process group is initialised."""
    if dist.is_available() and dist.is_initialized():
        return DistInfo(
            dist.get_rank(),
            dist.get_world_size(),
            int(os.environ.get("LOCAL_RANK", 0)),
            active=True,
        )
    return DistInfo()


def setup(device: str | None = None) -> tuple[DistInfo, torch.device | None]:
    """Join torchrun's process group if launched by it, even as its only process (NCCL with CUDA,
    else gloo), so that one GPU runs the same DDP code as many. Returns this rank's
    place and its device (``cuda:LOCAL_RANK`` with CUDA; None = let the caller choose)."""
    if "WORLD_SIZE" not in os.environ or "RANK" not in os.environ:  # not started by torchrun
        return DistInfo(), None
    local = int(os.environ.get("LOCAL_RANK", "0"))
    use_cuda = torch.cuda.is_available() and (device is None or str(device).startswith("cuda"))
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if use_cuda else "gloo")
    if use_cuda:
        torch.cuda.set_device(local)
        return info(), torch.device("cuda", local)
    return info(), torch.device("cpu")


def any_rank(flag: bool, device: torch.device) -> bool:
    """True on every rank if ``flag`` is true on any (one all-reduce; just ``flag`` without a
    group). ``device``: where the backend communicates (this rank's GPU for NCCL, the CPU for
    gloo)."""
    if not (dist.is_available() and dist.is_initialized()):
        return flag
    t = torch.tensor([float(flag)], device=device)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return bool(t.item())


def barrier() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.barrier()


def teardown() -> None:
    """Leave the process group (end of a torchrun job)."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
