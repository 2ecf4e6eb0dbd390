"""The training engine: history, resume bit-identical on CPU, non-finite stop, atomic checkpoints."""
import json
import math
from dataclasses import replace

import pytest
import torch
from torch import nn

from gan_course.checkpoint import CheckpointError, load_checkpoint, load_state, save_checkpoint
from gan_course.dcgan import DCGANConfig, DCGANGenerator, DCGANObjective
from gan_course.engine import (Callback, GANTrainer, NonFiniteLossError, TrainConfig,
                               latest_checkpoint, trainer_for)
from gan_course.losses import bce_logits, d_loss_bce, g_loss_bce
from gan_course.plots import SampleGrids

from conftest import CUDA, DEVICES

CONFIG = DCGANConfig(image_size=16, width=8, z_dim=16)


def small_trainer(data, out_dir=None, device="cpu", **train):
    train = TrainConfig(**{"steps": 6, "batch_size": 16, "seed": 1, "log_every": 2, "sample_every": 0,
                           "checkpoint_every": 0, **train})
    return trainer_for(CONFIG, train, data, out_dir=out_dir, progress=False, device=device)


def test_losses_on_known_values():
    zero = torch.zeros(4)  # logit 0 = probability 0.5
    assert bce_logits(zero, 1.0).item() == pytest.approx(0.693147, abs=1e-6)
    assert d_loss_bce(zero, zero).item() == pytest.approx(2 * 0.693147, abs=1e-6)
    big = torch.full((3,), 50.0)  # stable where sigmoid + BCELoss saturates
    assert g_loss_bce(big).item() == pytest.approx(0.0, abs=1e-6)
    assert torch.isfinite(g_loss_bce(-big))
    # label 0.9 on a confident "real": BCE = −0.9·log σ(50) − 0.1·log(1 − σ(50)) ≈ 0.1·50
    assert bce_logits(big, 0.9).item() == pytest.approx(5.0, rel=1e-3)
    with torch.autocast("cpu", torch.bfloat16):  # bf16 logits keep an fp32 target: 0.9, not bf16's 0.8984
        assert bce_logits(big.bfloat16(), 0.9).item() == pytest.approx(5.0, rel=1e-4)


def test_history_has_a_row_per_step(tiny_digits):
    history = small_trainer(tiny_digits).fit()
    assert history["step"] == [1, 2, 3, 4, 5, 6]
    assert set(history) == {"step", "loss_D", "loss_G", "d_real", "d_fake", "time"}
    assert all(0 < d < 1 for d in history["d_real"] + history["d_fake"])
    assert history["time"] == sorted(history["time"])


def test_latest_checkpoint_orders_by_step_number_not_by_name(tmp_path):
    folder = tmp_path / "checkpoints"
    folder.mkdir()
    for name in ("step_999999.pt", "step_1000000.pt", "step_000250.pt", "step_best.pt"):
        (folder / name).write_bytes(b"")
    assert latest_checkpoint(tmp_path).name == "step_1000000.pt"  # sorted names would give step_best / 999999
    for name in ("step_1000000.pt", "step_999999.pt", "step_000250.pt"):
        (folder / name).unlink()
    with pytest.raises(FileNotFoundError, match="no step_<number>.pt"):
        latest_checkpoint(tmp_path)  # step_best.pt alone is not a step to resume from


@pytest.mark.parametrize("decay", [0, 4])  # 4: the learning rates fall across the resume point
def test_resume_is_bit_identical_on_cpu(tiny_digits, tmp_path, decay):
    straight = small_trainer(tiny_digits, hflip=True, lr_decay_steps=decay)
    straight.fit()

    first = small_trainer(tiny_digits, tmp_path, checkpoint_every=3, hflip=True, lr_decay_steps=decay)
    first.fit(steps=3)  # interrupted after a checkpoint at step 3
    assert latest_checkpoint(tmp_path).name == "step_000003.pt"
    torch.manual_seed(1234)  # a different process state must not matter
    second = small_trainer(tiny_digits, tmp_path, checkpoint_every=3, hflip=True, lr_decay_steps=decay)
    second.resume()
    assert second.step == 3
    second.fit()

    for name in ("G", "D", "opt_G", "opt_D"):
        a, b = getattr(straight, name).state_dict(), getattr(second, name).state_dict()
        flat_a, flat_b = _tensors(a), _tensors(b)
        assert len(flat_a) == len(flat_b) > 0
        assert all(torch.equal(x, y) for x, y in zip(flat_a, flat_b)), name
    for key in ("loss_D", "loss_G", "d_real", "d_fake"):
        assert straight.history[key] == second.history[key]


def test_the_learning_rates_decay_linearly_over_the_last_steps(tiny_digits):
    config = TrainConfig(steps=10, lr_G=4e-4, lr_D=2e-4, lr_decay_steps=4)
    assert [config.lr_factor(s) for s in range(12)] == [1] * 7 + [0.75, 0.5, 0.25, 0.25, 0.25]
    assert TrainConfig(steps=10).lr_factor(9) == 1  # off by default

    class Seen(Callback):
        def __init__(self):
            self.lr = []

        def on_step_end(self, trainer):
            self.lr.append((trainer.opt_G.param_groups[0]["lr"], trainer.opt_D.param_groups[0]["lr"]))

    seen = Seen()
    train = TrainConfig(steps=6, batch_size=16, seed=1, lr_G=4e-4, lr_D=2e-4, lr_decay_steps=3,
                        sample_every=0, checkpoint_every=0)
    decayed = trainer_for(CONFIG, train, tiny_digits, callbacks=[seen], progress=False)
    decayed.fit()
    assert seen.lr == [(4e-4 * f, 2e-4 * f) for f in (1, 1, 1, 1, 2 / 3, 1 / 3)]
    constant = trainer_for(CONFIG, replace(train, lr_decay_steps=0), tiny_digits, progress=False)
    constant.fit()
    assert decayed.history["loss_D"][:4] == constant.history["loss_D"][:4]  # the same until step 4
    assert not torch.equal(_tensors(decayed.G.state_dict())[0], _tensors(constant.G.state_dict())[0])
    for bad in (-1, 7):
        with pytest.raises(ValueError, match="lr_decay_steps"):
            replace(train, lr_decay_steps=bad)


@pytest.mark.parametrize("device", DEVICES)
def test_resume_reads_the_checkpoint_on_the_cpu_and_moves_only_what_trains(tiny_digits, tmp_path, device):
    """RNG states must stay on the CPU (a generator refuses a CUDA state); weights and Adam moments go to
    the parameters' device, Adam's step counts stay on the CPU unless Adam is fused; only this device's
    CUDA stream is saved, so any number of GPUs can resume."""
    first = small_trainer(tiny_digits, tmp_path, device=device, checkpoint_every=3, fused_adam="off")
    first.fit(steps=3)
    state = load_checkpoint(latest_checkpoint(tmp_path))
    assert ("cuda_rng" in state) == (device == "cuda") and not isinstance(state.get("cuda_rng"), list)
    for fused in ("off", "on"):
        second = small_trainer(tiny_digits, tmp_path, device=device, checkpoint_every=3, fused_adam=fused)
        second.resume()
        moments = second.opt_G.state[next(second.G.parameters())]
        assert moments["exp_avg"].device.type == torch.device(device).type
        assert moments["step"].device.type == (torch.device(device).type if fused == "on" else "cpu")
        assert second.switches["fused_adam"] is (fused == "on")  # this run's setting, not the checkpoint's
        assert all(g["fused"] is (True if fused == "on" else None) for g in second.opt_D.param_groups)
        assert second.fit()["step"][-1] == 6 and all(map(math.isfinite, second.history["loss_G"]))


def test_a_checkpoint_from_another_kind_of_device_resumes_with_a_reseeded_stream(tiny_digits, tmp_path):
    """A CUDA generator's state (16 bytes) cannot be loaded into a CPU generator (5056) or the other way
    round: the z stream is reseeded with a warning and training goes on."""
    first = small_trainer(tiny_digits, tmp_path, checkpoint_every=3)
    first.fit(steps=3)
    path = latest_checkpoint(tmp_path)
    state = load_checkpoint(path)
    state["rng"] = torch.zeros(16, dtype=torch.uint8)  # what a CUDA generator's get_state() returns
    save_checkpoint(path, state)
    second = small_trainer(tiny_digits, tmp_path, checkpoint_every=3)
    with pytest.warns(UserWarning, match="z stream comes from another kind of device.*reseeded"):
        second.resume()
    for a, b in zip(first.G.state_dict().values(), second.G.state_dict().values()):
        assert torch.equal(a, b)  # the weights at step 3 came back; only the stream differs
    assert second.step == 3 and second.fit()["step"][-1] == 6
    assert second.history["loss_D"][:3] == first.history["loss_D"]


def _tensors(obj):
    if isinstance(obj, torch.Tensor):
        return [obj]
    if isinstance(obj, dict):
        return [t for k in sorted(obj, key=str) for t in _tensors(obj[k])]
    if isinstance(obj, (list, tuple)):
        return [t for v in obj for t in _tensors(v)]
    return []


def test_run_folder_has_samples_curves_checkpoints_metrics(tiny_digits, tmp_path):
    trainer = small_trainer(tiny_digits, tmp_path, checkpoint_every=3)
    trainer.callbacks.append(SampleGrids(tmp_path, every=3))  # the trainer draws nothing by itself
    trainer.fit()
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == ["step_000003.pt", "step_000006.pt"]
    assert {p.name for p in (tmp_path / "samples").iterdir()} == {"step_000003.png", "step_000006.png"}
    assert (tmp_path / "loss_curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["steps"] == 6 and metrics["kind"] == "dcgan" and metrics["images_per_s"] > 0
    assert not list(tmp_path.rglob("*.tmp"))


def test_fixed_input_sampling_leaves_training_state_alone(tiny_digits):
    trainer = small_trainer(tiny_digits)
    before = {k: v.clone() for k, v in trainer.G.state_dict().items()}
    a, b = trainer.sample(), trainer.sample()
    assert torch.equal(a, b) and a.shape == (64, 1, 16, 16)
    assert all(torch.equal(before[k], v) for k, v in trainer.G.state_dict().items())


class NaNAfter(DCGANObjective):
    """Returns a NaN generator loss from a given call on, like a diverging run."""

    def __init__(self, z_dim, after):
        super().__init__(z_dim)
        self.calls, self.after = 0, after

    def loss_G(self, D, batch, x_fake):
        self.calls += 1
        out = super().loss_G(D, batch, x_fake)
        if self.calls > self.after:
            out["loss_G"] = out["loss_G"] * float("nan")
        return out


def test_non_finite_loss_stops_and_keeps_last_good_checkpoint(tiny_digits, tmp_path):


    G, D = CONFIG.build()
    train = TrainConfig(steps=10, batch_size=16, log_every=1, sample_every=0, checkpoint_every=4)
    trainer = GANTrainer(G, D, NaNAfter(CONFIG.z_dim, after=5), tiny_digits, train, out_dir=tmp_path,
                         kind="dcgan", progress=False)
    with pytest.raises(NonFiniteLossError, match=r"step 6 \(loss_G=nan\).*step_000004\.pt"):
        trainer.fit()
    assert [p.name for p in (tmp_path / "checkpoints").iterdir()] == ["step_000004.pt"]
    state = load_checkpoint(tmp_path / "checkpoints" / "step_000004.pt", kind="dcgan")
    assert state["step"] == 4 and all(torch.isfinite(t).all() for t in state["G"].values())


def test_checkpoint_write_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "ck.pt"
    save_checkpoint(path, {"kind": "x", "w": torch.ones(3)})

    def crash(obj, f, *a, **k):
        f.write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(path, {"kind": "x", "w": torch.zeros(3)})
    monkeypatch.undo()
    assert torch.equal(load_checkpoint(path)["w"], torch.ones(3))  # the old file survives intact
    assert [p.name for p in tmp_path.iterdir()] == ["ck.pt"]  # no temp file left behind


def test_checkpoint_loading_is_weights_only_and_checked(tmp_path):
    torch.save({"format_version": 1, "evil": nn.Linear(2, 2)}, tmp_path / "pickled.pt")  # a pickled module
    with pytest.raises(CheckpointError, match="cannot read checkpoint"):
        load_checkpoint(tmp_path / "pickled.pt")
    with pytest.raises(CheckpointError, match="no checkpoint at"):
        load_checkpoint(tmp_path / "missing.pt")
    torch.save({"w": torch.ones(1)}, tmp_path / "foreign.pt")
    with pytest.raises(CheckpointError, match="not a gan-course checkpoint"):
        load_checkpoint(tmp_path / "foreign.pt")
    save_checkpoint(tmp_path / "ok.pt", {"kind": "pix2pix"})
    with pytest.raises(CheckpointError, match="holds a 'pix2pix' checkpoint, expected 'dcgan'"):
        load_checkpoint(tmp_path / "ok.pt", kind="dcgan")


def test_checkpoint_from_another_model_is_refused_clearly(tiny_digits, tmp_path):
    wide = DCGANGenerator(z_dim=16, width=16, image_size=16, channels=1)
    narrow = DCGANGenerator(z_dim=16, width=8, image_size=16, channels=1)
    with pytest.raises(CheckpointError, match=r"differ in shape .*Was it saved from another model"):
        load_state(narrow, wide.state_dict(), name="generator")
    trainer = small_trainer(tiny_digits, tmp_path, checkpoint_every=2)
    trainer.fit(steps=2)
    other = trainer_for(DCGANConfig(image_size=16, width=8, z_dim=32), trainer.config, tiny_digits, out_dir=tmp_path,
                          progress=False)
    with pytest.raises(ValueError, match="changed options .*z_dim=16 in the checkpoint, 32 now"):
        other.resume()


def test_engine_is_model_agnostic_and_calls_back(tiny_digits):
    """Any (G, D) pair and objective: here MLPs on flattened digits, with an extra logged term."""

    class MLPObjective(DCGANObjective):
        def loss_G(self, D, batch, x_fake):
            out = super().loss_G(D, batch, x_fake)
            out["mean_abs"] = x_fake.abs().mean()
            return out

    G = nn.Sequential(nn.Linear(8, 256), nn.Tanh(), nn.Unflatten(1, (1, 16, 16)))
    D = nn.Sequential(nn.Flatten(), nn.Linear(256, 1), nn.Flatten(0))

    class Recorder(Callback):
        logged, ends = [], 0

        def on_log(self, trainer, rows):
            self.logged += [r["step"] for r in rows]

        def on_train_end(self, trainer):
            Recorder.ends += 1

    rec = Recorder()
    trainer = GANTrainer(G, D, MLPObjective(8), tiny_digits, TrainConfig(steps=4, batch_size=8, log_every=3),
                         callbacks=[rec], progress=False)
    history = trainer.fit()
    assert rec.logged == [1, 2, 3, 4] and Recorder.ends == 1
    assert len(history["mean_abs"]) == 4


def test_train_config_validates():
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        TrainConfig(batch_size=0)
    with pytest.raises(ValueError, match="unknown profile 'medium'"):
        TrainConfig.for_profile("medium")
    assert TrainConfig.for_profile("full").steps == 62_500


@pytest.mark.parametrize("device", DEVICES)
def test_fast_path_agrees_with_eager_fp32(device):
    """bf16 autocast + channels_last + fused Adam + batches held on the device: forced on the CPU, the
    defaults ("auto") on CUDA. The first losses agree within bf16 precision and every parameter moves
    the same way as in eager fp32 with host batches."""
    from gan_course.data import load_dataset
    from gan_course.dcgan import DCGANConfig
    from gan_course.engine import trainer_for

    data = load_dataset("digits", 16, n=64)
    config = DCGANConfig(dataset="digits", image_size=16, width=8, channels=1)
    eager = TrainConfig(steps=3, batch_size=16, sample_every=0, log_every=1, precision="fp32", channels_last="off",
                        fused_adam="off", data_on_device="off")
    on = "on" if device == "cpu" else "auto"
    fast = replace(eager, precision="bf16" if device == "cpu" else "auto", channels_last=on, fused_adam=on,
                   data_on_device=on)
    torch.manual_seed(eager.seed)
    start = {k: v.clone() for k, v in config.build()[0].state_dict().items()}
    a, b = (trainer_for(config, t, data, progress=False, device=device) for t in (eager, fast))
    assert b.switches == {"bf16": True, "channels_last": True, "fused_adam": True, "data_on_device": True,
                          "compile": {"G": "eager", "D": "eager"}}
    assert b.G.net[0].weight.is_contiguous(memory_format=torch.channels_last)
    seen = []
    hooks = [m.register_forward_hook(lambda module, args, out: seen.append(out.dtype)) for m in (b.G, b.D)]
    ha, hb = a.fit(), b.fit()
    for h in hooks:
        h.remove()
    assert set(seen) == {torch.bfloat16}  # every training forward of G and D ran under bf16 autocast
    assert hb["loss_D"] != ha["loss_D"]
    for key in ("loss_D", "loss_G"):
        assert hb[key][0] == pytest.approx(ha[key][0], rel=0.03)
    for name, p in a.G.named_parameters():
        p0 = start[name].to(device)
        da, db = (p - p0).flatten(), (dict(b.G.named_parameters())[name] - p0).flatten()
        assert torch.nn.functional.cosine_similarity(da, db, dim=0) > 0.9, name
    with pytest.raises(ValueError, match="precision must be one of"):
        TrainConfig(precision="fp16")


def test_data_on_device_trains_exactly_like_host_batches(tiny_digits):
    a, b = (small_trainer(tiny_digits, data_on_device=on, hflip=True) for on in ("off", "on"))
    assert not a.data_on_device and b.data_on_device
    assert a.fit() | {"time": None} == b.fit() | {"time": None}
    with pytest.raises(ValueError, match="data_on_device must be one of auto, on, off"):
        TrainConfig(data_on_device="yes")


@pytest.mark.parametrize("device, backend", [("cpu", "aot_eager"), pytest.param("cuda", "inductor", marks=CUDA)])
def test_compiled_steps_agree_with_eager(tiny_digits, device, backend):
    """torch.compile of G and D separately gives eager's losses and weights (fp32 on both sides). On
    the CPU with aot_eager: the graph capture and AOT autograd of inductor without its C++ codegen, so
    it runs in seconds; on CUDA with inductor and its Triton kernels."""
    kw = dict(steps=3, precision="fp32", device=device)
    eager, compiled = small_trainer(tiny_digits, **kw), small_trainer(tiny_digits, compile=backend, **kw)
    he, hc = eager.fit(), compiled.fit()
    assert compiled.compiled == {"G": backend, "D": backend}
    assert compiled._G_train is not compiled.G  # really went through torch.compile
    tol = dict(rel=1e-4, abs=1e-5) if device == "cpu" else dict(rel=1e-2, abs=1e-3)  # GPU kernels reorder sums
    for key in ("loss_D", "loss_G"):
        assert hc[key] == pytest.approx(he[key], **tol)
    for (name, p), q in zip(eager.G.state_dict().items(), compiled.G.state_dict().values()):
        torch.testing.assert_close(q, p, rtol=tol["rel"], atol=tol["abs"], msg=name)
    with pytest.raises(ValueError, match="compile must be one of off, inductor"):
        TrainConfig(compile="tensorrt")


def test_compile_keeps_D_eager_for_the_R1_double_backward():
    from gan_course.data import load_dataset
    from gan_course.encoder_decoder import EncoderDecoderConfig
    from gan_course.engine import trainer_for

    data = load_dataset("photos", 16, n=32)
    config = EncoderDecoderConfig(image_size=16, width=4, depth=2, width_D=4, r1_gamma=1.0)
    train = TrainConfig(steps=2, batch_size=8, sample_every=0, log_every=1, checkpoint_every=0)
    eager = trainer_for(config, train, data, progress=False)
    with pytest.warns(UserWarning, match="D stays eager"):
        compiled = trainer_for(config, replace(train, compile="aot_eager"), data, progress=False)
        hc = compiled.fit()
    assert compiled.compiled["G"] == "aot_eager" and compiled.compiled["D"].startswith("eager: ")
    assert hc["r1"] == pytest.approx(eager.fit()["r1"], rel=1e-4)


def test_a_failing_compile_falls_back_to_eager_from_the_same_state(tiny_digits, monkeypatch):
    """A backend that fails on the first step: the trainer restores the state from before the step,
    trains eagerly, warns, and ends exactly where an eager run ends."""
    def broken_backend(graph_module, example_inputs):
        raise RuntimeError("no kernel for this op (simulated)")

    real_compile = torch.compile
    monkeypatch.setattr(torch, "compile", lambda module, backend: real_compile(module, backend=broken_backend))
    eager = small_trainer(tiny_digits, steps=3)
    fallback = small_trainer(tiny_digits, steps=3, compile="inductor")
    with pytest.warns(UserWarning, match="torch.compile.*failed on the first step.*training eagerly"):
        hf = fallback.fit()
    assert fallback.compiled["G"].startswith("eager: torch.compile failed") and "simulated" in fallback.compiled["G"]
    assert hf | {"time": None} == eager.fit() | {"time": None}
    for p, q in zip(eager.D.state_dict().values(), fallback.D.state_dict().values()):
        assert torch.equal(p, q)


def test_a_failure_in_G_step_of_the_compiled_first_step_restores_everything():
    """The failure strikes after D's update, with D frozen and dropout's RNG drawn (pix2pix): the
    fallback still ends exactly where an eager run ends."""
    from gan_course.data import load_dataset
    from gan_course.engine import trainer_for
    from gan_course.pix2pix import Pix2PixConfig

    data = load_dataset("photos", 32, n=64)
    config = Pix2PixConfig(width_G=8, width_D=8, dropout=0.5)
    train = TrainConfig(steps=3, batch_size=8, sample_every=0, log_every=1, checkpoint_every=0)
    eager = trainer_for(config, train, data, progress=False)  # seeds the global RNG: fit before the next
    h_eager = eager.fit()
    fallback = trainer_for(config, replace(train, compile="aot_eager"), data, progress=False)
    loss_G = fallback.objective.loss_G
    calls = []

    def fails_once(*args):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("simulated failure in G's step")
        return loss_G(*args)

    fallback.objective.loss_G = fails_once
    with pytest.warns(UserWarning, match="simulated failure in G's step"):
        hf = fallback.fit()
    assert hf | {"time": None} == h_eager | {"time": None}
    for net in ("G", "D"):
        for p, q in zip(getattr(eager, net).state_dict().values(), getattr(fallback, net).state_dict().values()):
            assert torch.equal(p, q), net


def test_an_error_in_G_step_leaves_D_trainable(tiny_digits):
    trainer = small_trainer(tiny_digits, steps=1)

    def broken(D, batch, x_fake):
        raise RuntimeError("a bug in the objective (simulated)")

    trainer.objective.loss_G = broken
    with pytest.raises(RuntimeError, match="simulated"):
        trainer.fit()
    assert all(p.requires_grad for p in trainer.D.parameters())


def test_checkpoints_get_the_usual_file_permissions(tmp_path):
    """Not the 0600 of a temporary file: a run folder shared on a JupyterHub stays readable."""
    import os

    umask = os.umask(0o022)
    try:
        path = save_checkpoint(tmp_path / "c.pt", {"kind": "x"})
    finally:
        os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o644
