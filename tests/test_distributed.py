"""DDP through torchrun: two CPU processes (gloo) keep identical weights, split the data, and resume.

Weights = parameters: BatchNorm running statistics are each rank's own until DDP broadcasts rank 0's
at the next forward (and checkpoints hold rank 0's)."""
import os
import subprocess
import sys
import textwrap

import torch

SCRIPT = textwrap.dedent('''
    import sys
    from pathlib import Path

    import torch

    from gan_course import distributed
    from gan_course.data import load_dataset
    from gan_course.dcgan import DCGANConfig
    from gan_course.engine import TrainConfig, trainer_for

    torch.set_num_threads(1)
    out, phase = Path(sys.argv[1]), sys.argv[2]
    place, device = distributed.setup("cpu")
    config = DCGANConfig(dataset="digits", image_size=16, width=8, channels=1)
    train = TrainConfig(steps=6, batch_size=8, sample_every=0, checkpoint_every=3, log_every=1)
    if phase == "compiled":  # torch.compile (no codegen) of the DDP-wrapped G and D, batches held on the device
        train = TrainConfig(**{**vars(train), "compile": "aot_eager", "data_on_device": "on"})
    trainer = trainer_for(config, train, load_dataset("digits", 16), device=device, out_dir=out / phase,
                            progress=False)
    params = lambda m: {k: p.detach().clone() for k, p in m.named_parameters()}  # BN buffers follow rank 0
    start = {}
    if phase == "resume":
        trainer.resume(out / "first" / "checkpoints" / "step_000003.pt")
        start = params(trainer.G)
    if phase == "nan":  # only rank 1 sees a non-finite loss (at step 2): both ranks must stop there, none hang
        from gan_course.engine import NonFiniteLossError
        step = trainer._train_step
        def nan_on_rank_1(batch):
            stats = step(batch)
            if place.rank == 1 and trainer.step == 1:
                stats["loss_G"] = stats["loss_G"] * float("nan")
            return stats
        trainer._train_step = nan_on_rank_1
        try:
            trainer.fit(3)
        except NonFiniteLossError as e:
            (out / f"nan-rank{place.rank}.txt").write_text(f"{trainer.step} {e}")
        distributed.teardown()
        sys.exit(0)
    seen, draws = [], []  # the images each rank's trainer really trained on; global-RNG draws inside a step
    step = trainer._train_step
    trainer._train_step = lambda batch: seen.append(batch[0].clone()) or draws.append(torch.rand(4)) or step(batch)
    trainer.fit(6 if phase == "resume" else 3)
    torch.save({"G": params(trainer.G), "D": params(trainer.D), "step": trainer.step, "start": start,
                "loss_D": trainer.history["loss_D"], "world": place.world_size, "batch": seen[0],
                "draw": draws[0]}, out / f"{phase}-rank{place.rank}.pt")
    distributed.teardown()
''')


def _torchrun(tmp_path, phase):
    script = tmp_path / "ddp_script.py"
    script.write_text(SCRIPT)
    subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                    str(script), str(tmp_path), phase], check=True, timeout=240,
                   env={**os.environ, "OMP_NUM_THREADS": "1"})
    return [torch.load(tmp_path / f"{phase}-rank{r}.pt", weights_only=True) for r in range(2)]


def _same(a, b):
    return all(torch.equal(a[k], b[k]) for k in a)


def test_two_ranks_train_identically_on_disjoint_data_and_resume(tmp_path):
    first = _torchrun(tmp_path, "first")
    assert [s["world"] for s in first] == [2, 2] and [s["step"] for s in first] == [3, 3]
    assert _same(first[0]["G"], first[1]["G"]) and _same(first[0]["D"], first[1]["D"])  # DDP kept them equal
    assert not torch.equal(first[0]["batch"], first[1]["batch"])  # each rank saw its own images
    assert not torch.equal(first[0]["draw"], first[1]["draw"])  # and draws its own noise while training (dropout, …)
    assert (tmp_path / "first" / "checkpoints" / "step_000003.pt").exists()  # written once, by rank 0
    resumed = _torchrun(tmp_path, "resume")
    assert [s["step"] for s in resumed] == [6, 6]
    assert all(_same(r["start"], first[0]["G"]) for r in resumed)  # every rank started from the step-3 weights
    assert resumed[0]["loss_D"][:3] == first[0]["loss_D"] and len(resumed[0]["loss_D"]) == 6  # and its history
    assert _same(resumed[0]["G"], resumed[1]["G"]) and _same(resumed[0]["D"], resumed[1]["D"])
    assert not _same(resumed[0]["G"], first[0]["G"])  # training went on from the checkpoint


def test_a_divergence_on_one_rank_stops_every_rank(tmp_path):
    script = tmp_path / "ddp_script.py"
    script.write_text(SCRIPT)
    subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                    str(script), str(tmp_path), "nan"], check=True, timeout=240, env={**os.environ, "OMP_NUM_THREADS": "1"})
    said = [(tmp_path / f"nan-rank{r}.txt").read_text() for r in range(2)]
    assert said[1].startswith("2 non-finite loss at step 2 (loss_G=nan)")
    assert said[0].startswith("2 non-finite loss by step 2 on another rank")


def test_one_torchrun_process_runs_the_ddp_path(tiny_digits, monkeypatch):
    """`torchrun --nproc_per_node=1` joins a process group of one and trains through DDP, the same code
    as with many GPUs (and what a one-GPU smoke test of the NCCL path needs)."""
    import socket

    from torch.nn.parallel import DistributedDataParallel

    from gan_course import distributed
    from gan_course.dcgan import DCGANConfig
    from gan_course.engine import TrainConfig, trainer_for

    assert distributed.setup("cpu") == (distributed.DistInfo(), None)  # not started by torchrun
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    for key, value in {"RANK": "0", "WORLD_SIZE": "1", "LOCAL_RANK": "0", "MASTER_ADDR": "127.0.0.1",
                       "MASTER_PORT": str(port)}.items():
        monkeypatch.setenv(key, value)
    place, device = distributed.setup("cpu")
    try:
        assert place == distributed.DistInfo(0, 1, 0, active=True) and device == torch.device("cpu")
        train = TrainConfig(steps=2, batch_size=8, sample_every=0, checkpoint_every=0, log_every=1)
        trainer = trainer_for(DCGANConfig(image_size=16, width=8, z_dim=16), train, tiny_digits, progress=False)
        assert isinstance(trainer._G_ddp, DistributedDataParallel) and isinstance(trainer._D_ddp, DistributedDataParallel)
        assert trainer.fit()["step"] == [1, 2]
    finally:
        distributed.teardown()


def test_compiled_ranks_stay_identical_and_match_eager(tmp_path):
    eager, compiled = _torchrun(tmp_path, "first"), _torchrun(tmp_path, "compiled")
    assert _same(compiled[0]["G"], compiled[1]["G"]) and _same(compiled[0]["D"], compiled[1]["D"])
    for net in ("G", "D"):
        for name, p in eager[0][net].items():
            torch.testing.assert_close(compiled[0][net][name], p, rtol=1e-4, atol=1e-5, msg=f"{net}.{name}")


def test_torchrun_cli_with_gradient_penalty_writes_one_run_folder(tmp_path):
    """`torchrun --no-python gan-course train …`: R1's double backward and feature matching under DDP, rank 0 writes."""
    out = tmp_path / "run"
    bin_dir = os.path.dirname(sys.executable)  # where pip put the gan-course console script
    done = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                           "--no-python", os.path.join(bin_dir, "gan-course"), "train", "encoder-decoder",
                           "--width", "8", "--width-d", "8",
                           "--r1-gamma", "1", "--feature-matching", "1", "--steps", "4", "--batch-size", "8",
                           "--sample-every", "2", "--checkpoint-every", "2", "--no-progress", "--profile", "fast",
                           "--out", str(out)], capture_output=True, text=True, timeout=240,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("training encoder-decoder") == 1 and "on 2 ranks (batch 8 each)" in done.stdout
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == ["step_000002.pt", "step_000004.pt"]
    assert '"world_size": 2' in (out / "config.json").read_text()
