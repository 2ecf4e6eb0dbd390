"""Faults a careless user or a crash brings, on CPU in seconds: nothing is lost, nothing is silent.

- ``--overwrite`` moves the old run aside, and only once the new run's options, device and data are
  valid; an empty or foreign ``--out`` is refused; one process writes a run folder at a time;
  leftover temporary files are cleaned; ``--resume`` refuses options the checkpoint fixes.
- Non-finite weights or BatchNorm statistics are never written and a run ending so is not "done".
- A checkpoint with a flipped byte is refused by name.
- ``kill -9`` at several points (inside checkpoint writes too), then resume: bit-identical.
"""

import json
import os
import random
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import torch

from gan_course.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from gan_course.cli import main
from gan_course.dcgan import DCGANConfig
from gan_course.engine import NonFiniteLossError, NonFiniteStateError, TrainConfig, trainer_for

SMALL = ["--image-size", "16", "--width", "8", "--batch-size", "16", "--sample-every", "2",
         "--checkpoint-every", "2", "--no-progress", "--profile", "fast"]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def train(out, *argv, steps=2):
    return main(["train", "dcgan", *SMALL, "--steps", str(steps), "--out", str(out), *argv])


# ------------------------------------------------------------------ --overwrite, --out, the lock
@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("finished") / "run"
    assert train(out) == 0
    return out


@pytest.fixture
def old_run(finished_run, tmp_path):
    """A finished 2-step run (a copy: each test its own) with a user's own files beside the
    trainer's."""
    out = tmp_path / "run"
    shutil.copytree(finished_run, out)
    (out / "checkpoints" / "step_best.pt").write_bytes(b"the user's own best model")
    (out / "notes.txt").write_text("mine")
    return out


@pytest.mark.parametrize("argv, message", [
    (["--device", "gpu"], "unknown device 'gpu': expected one of cpu, cuda"),
    (["--dataset", "cifar10"], "download=True"),  # the data root holds no CIFAR-10
    (["--dataset", "imagefolder"], "nothing"),
    (["--batch-size", "100000"], "larger than the dataset"),
    (["--batch-size", "0"], "batch_size must be >= 1"),
])
def test_a_failing_overwrite_leaves_the_old_run_intact(old_run, tmp_path, capsys, argv, message):
    before = snapshot(old_run)
    code = train(old_run, "--overwrite", "--data-root", str(tmp_path / "nothing"), *argv)
    assert code == 2 and message in capsys.readouterr().err
    assert snapshot(old_run) == before


def test_overwrite_moves_only_the_runs_own_files_aside(old_run, capsys):
    before = snapshot(old_run)
    assert train(old_run, "--overwrite", steps=4) == 0
    assert "moved the old run's 5 files into" in capsys.readouterr().out
    previous = old_run / "previous-1"
    assert snapshot(previous) == {k: v for k, v in before.items() if k not in ("notes.txt", "checkpoints/step_best.pt")}
    assert (old_run / "notes.txt").read_text() == "mine"  # a user's files stay where they were
    assert sorted(p.name for p in (old_run / "checkpoints").iterdir()) == [
        "step_000002.pt", "step_000004.pt", "step_best.pt"]
    assert load_checkpoint(old_run / "checkpoints" / "step_000002.pt")["train_config"]["steps"] == 4  # the new run's
    assert train(old_run, "--overwrite") == 0 and (old_run / "previous-2" / "config.json").exists()


@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_out_is_refused(tmp_path, monkeypatch, capsys, value):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.json").write_text('{"mine": true}')
    with pytest.raises(SystemExit) as stop:
        main(["train", "dcgan", *SMALL, "--out", value])
    assert stop.value.code == 2
    assert "argument --out: expected a folder name, got" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["config.json"]
    assert (tmp_path / "config.json").read_text() == '{"mine": true}'


def test_a_foreign_folder_is_refused_unless_asked_and_its_files_are_never_written(tmp_path, capsys):
    foreign = tmp_path / "project"
    foreign.mkdir()
    (foreign / "config.json").write_text('{"mine": true}')
    (foreign / "data.csv").write_text("1,2\n")
    before = snapshot(foreign)
    assert train(foreign) == 2
    assert "holds other files but no gan-course run" in capsys.readouterr().err
    assert train(foreign, "--into-existing-folder") == 2  # config.json is a name the run writes
    assert "already holds config.json" in capsys.readouterr().err
    assert snapshot(foreign) == before
    (foreign / "config.json").unlink()
    assert train(foreign, "--into-existing-folder") == 0
    assert (foreign / "data.csv").read_text() == "1,2\n" and (foreign / "checkpoints" / "step_000002.pt").exists()
    (tmp_path / "a-file").write_text("x")
    assert train(tmp_path / "a-file") == 2 and "is a file; expected a folder" in capsys.readouterr().err


def test_a_run_folder_in_use_is_refused_and_a_dead_holders_lock_taken_over(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (out / ".gan-course.lock").write_text(json.dumps({"pid": holder.pid, "host": socket.gethostname()}))
        assert train(out) == 2
        assert f"{out} is in use by process {holder.pid} on {socket.gethostname()}" in capsys.readouterr().err
        assert not (out / "config.json").exists()
    finally:
        holder.kill()
        holder.wait()
    assert train(out) == 0  # the holder is dead: its lock is stale
    assert f"took over the lock of {out} from process {holder.pid}" in capsys.readouterr().out
    assert not (out / ".gan-course.lock").exists()  # released at the end
    (out / ".gan-course.lock").write_text(json.dumps({"pid": 1, "host": "another-machine"}))
    assert train(out, "--resume", steps=4) == 2  # a live-or-not process elsewhere: never taken over
    assert "in use by process 1 on another-machine" in capsys.readouterr().err


def test_temporary_files_of_interrupted_saves_are_removed_on_the_next_start(old_run, capsys):
    leftovers = [old_run / ".config.json.k2j_x9aq.tmp", old_run / "checkpoints" / ".step_000004.pt.a1b2c3d4.tmp",
                 old_run / "samples" / ".step_000004.png.zzzzzzzz.tmp"]
    for p in leftovers:
        p.write_bytes(b"half a file")
    (old_run / "mine.tmp").write_text("not one of ours")
    assert train(old_run, "--resume", steps=4) == 0
    out = capsys.readouterr().out
    assert "removed 3 temporary file(s) an interrupted save left in" in out and out.count("removed") == 1
    assert not any(p.exists() for p in leftovers) and (old_run / "mine.tmp").exists()


def test_resume_with_changed_options_is_refused_listing_each(old_run, capsys):
    before = snapshot(old_run)
    assert train(old_run, "--resume", "--lr-g", "0.05", "--beta1", "0.9", steps=4) == 2
    err = capsys.readouterr().err
    assert "cannot resume with changed options" in err
    assert "lr_G=0.0002 in the checkpoint, 0.05 now" in err and "beta1=0.5 in the checkpoint, 0.9 now" in err
    assert snapshot(old_run) == before  # config.json still says what the optimiser does
    assert train(old_run, "--resume", "--width", "16", steps=4) == 2
    assert "width=8 in the checkpoint, 16 now" in capsys.readouterr().err
    # how long, how often to log and save, the speed switches: these may change
    assert train(old_run, "--resume", "--log-every", "1", "--checkpoint-every", "1", steps=3) == 0
    config = json.loads((old_run / "config.json").read_text())["train"]
    state = load_checkpoint(old_run / "checkpoints" / "step_000003.pt")
    assert config["steps"] == 3 and config["lr_G"] == 2e-4 == state["opt_G"]["param_groups"][0]["lr"]


# ------------------------------------------------------------------ non-finite training
CONFIG = DCGANConfig(image_size=16, width=8, z_dim=16)


def finite(state) -> bool:
    tensors = [*state["G"].values(), *state["D"].values(),
               *(t for opt in ("opt_G", "opt_D") for s in state[opt]["state"].values() for t in s.values())]
    return all(torch.isfinite(t).all() for t in tensors if t.is_floating_point())


@pytest.mark.parametrize("lr", [1e10, 1e14])
@pytest.mark.parametrize("log_every", [1, 100])
def test_huge_learning_rates_stop_before_writing_non_finite_state(tiny_digits, tmp_path, lr, log_every):
    train_config = TrainConfig(steps=8, batch_size=16, lr_G=lr, lr_D=lr, log_every=log_every, sample_every=0,
                               checkpoint_every=1)
    trainer = trainer_for(CONFIG, train_config, tiny_digits, out_dir=tmp_path, progress=False)
    with pytest.raises(NonFiniteLossError, match="non-finite") as stop:
        trainer.fit()
    written = sorted((tmp_path / "checkpoints").glob("step_*.pt"))
    assert all(finite(load_checkpoint(p)) for p in written)  # nothing non-finite is ever saved
    assert not (tmp_path / "metrics.json").exists()  # not "done"
    named = str(written[-1]) if written else "no checkpoint had been written yet"
    assert named in str(stop.value)


def test_the_last_good_checkpoint_named_is_finite(tiny_digits, tmp_path):
    """A run healthy up to step 4, then diverging: BatchNorm statistics go inf while the losses may
    stay finite; the message names step 4's checkpoint, which holds only finite numbers."""
    train_config = TrainConfig(steps=12, batch_size=16, log_every=100, sample_every=0, checkpoint_every=4)
    trainer = trainer_for(CONFIG, train_config, tiny_digits, out_dir=tmp_path, progress=False)
    trainer.fit(steps=4)
    for opt in (trainer.opt_G, trainer.opt_D):
        for group in opt.param_groups:
            group["lr"] = 1e10
    with pytest.raises(NonFiniteLossError, match=r"the last good checkpoint is .*step_000004\.pt") as stop:
        trainer.fit()
    assert isinstance(stop.value, NonFiniteStateError) or "loss" in str(stop.value)
    assert [p.name for p in (tmp_path / "checkpoints").iterdir()] == ["step_000004.pt"]
    assert finite(load_checkpoint(tmp_path / "checkpoints" / "step_000004.pt"))


def test_a_run_ending_non_finite_is_not_done_even_without_checkpoints(tiny_digits):
    """No out_dir, no checkpoint, no log read before the end: the end itself checks the state."""
    trainer = trainer_for(CONFIG, TrainConfig(steps=3, batch_size=16, lr_G=1e10, lr_D=1e10, log_every=100,
                                              sample_every=0, checkpoint_every=0), tiny_digits, progress=False)
    with pytest.raises(NonFiniteLossError, match="non-finite"):
        trainer.fit()


def test_the_cli_reports_a_non_finite_run_in_one_line_and_never_done(tmp_path, capsys):
    assert train(tmp_path / "r", "--lr-g", "1e10", "--lr-d", "1e10", "--log-every", "1", steps=6) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("gan-course: error: non-finite") and "done in" not in captured.out


def test_a_non_finite_checkpoint_is_not_resumed(tiny_digits, tmp_path):
    """One written before the check existed (inf BatchNorm statistics) is refused by name."""
    trainer = trainer_for(CONFIG, TrainConfig(steps=2, batch_size=16, sample_every=0, checkpoint_every=2),
                          tiny_digits, out_dir=tmp_path, progress=False)
    trainer.fit()
    path = tmp_path / "checkpoints" / "step_000002.pt"
    state = load_checkpoint(path)
    state["D"]["features.3.running_var"][0] = float("inf")
    save_checkpoint(path, state)
    again = trainer_for(CONFIG, trainer.config, tiny_digits, out_dir=tmp_path, progress=False)
    with pytest.raises(CheckpointError, match=r"step_000002\.pt holds non-finite values \(D\.features\.3\.running_var"):
        again.resume()


# ------------------------------------------------------------------ checkpoint integrity
def test_a_checkpoint_with_a_flipped_byte_is_refused(old_run, capsys):
    path = old_run / "checkpoints" / "step_000002.pt"
    good = path.read_bytes()
    reference = load_checkpoint(path)
    rng = random.Random(19)
    refused = same = 0
    for _ in range(150):  # one flipped bit anywhere: refused, or (padding) the same checkpoint
        data = bytearray(good)
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        path.write_bytes(data)
        try:
            state = load_checkpoint(path)
        except CheckpointError as e:
            assert str(e).count("\n") == 0 and str(path) in str(e)
            refused += 1
            continue
        assert all(torch.equal(a, b) for a, b in zip(reference["G"].values(), state["G"].values()))
        assert all(torch.equal(a, b) for a, b in zip(reference["D"].values(), state["D"].values()))
        assert state["history"] == reference["history"] and state["step"] == reference["step"]
        same += 1
    assert refused > 0.8 * 150
    # a byte inside the weights: the CRC of that part fails, and --resume refuses it in one line
    with zipfile.ZipFile(path) as archive:  # the biggest tensor's bytes, found by its local header
        part = max((i for i in archive.infolist() if "/data/" in i.filename), key=lambda i: i.file_size)
    name_length, extra_length = struct.unpack("<HH", good[part.header_offset + 26: part.header_offset + 30])
    data = bytearray(good)
    data[part.header_offset + 30 + name_length + extra_length + part.file_size // 2] ^= 0x01
    path.write_bytes(data)
    with pytest.raises(CheckpointError, match=r"is damaged: its part .* fails the CRC-32 check"):
        load_checkpoint(path)
    assert train(old_run, "--resume", steps=4) == 2
    err = capsys.readouterr().err
    assert err.startswith("gan-course: error: checkpoint") and "is damaged" in err and "Traceback" not in err
    path.write_bytes(good[: len(good) // 2])  # a truncated copy
    with pytest.raises(CheckpointError, match="not an intact checkpoint archive"):
        load_checkpoint(path)


# ------------------------------------------------------------------ options and output
@pytest.mark.parametrize("argv, message", [
    (["pix2pix", "--n-layers-d", "0"], "argument --n-layers-d: expected an integer >= 1, got '0'"),
    (["pix2pix", "--depth", "-1"], "argument --depth: expected an integer >= 1"),
    (["pix2pix", "--width-g", "x"], "argument --width-g: expected an integer >= 1"),
    (["dcgan", "--z-dim", "0"], "argument --z-dim: expected an integer >= 1"),
    (["dcgan", "--lr-g", "nan"], "argument --lr-g: expected a finite number, got 'nan'"),
    (["pix2pix", "--dropout", "inf"], "argument --dropout: expected a finite number"),
    (["encoder-decoder", "--bottleneck", "0"], "argument --bottleneck: expected an integer >= 1"),
])
def test_out_of_range_model_options_get_one_clear_line(capsys, argv, message):
    with pytest.raises(SystemExit) as stop:
        main(["train", *argv])
    assert stop.value.code == 2 and message in capsys.readouterr().err


@pytest.mark.parametrize("device", ["gpu", "cuda:x", "GPU0"])
def test_an_unknown_device_lists_the_valid_ones(tmp_path, capsys, device):
    assert train(tmp_path / "r", "--device", device) == 2
    err = capsys.readouterr().err
    assert err == f"gan-course: error: unknown device {device!r}: expected one of cpu, cuda, cuda:N (N = 0, 1, ...), mps\n"
    assert not (tmp_path / "r").exists()


def test_output_piped_into_a_reader_that_goes_away_does_not_crash(tmp_path, monkeypatch, capsys):
    """`gan-course train ... | head -1`: once the reader has left, every print meets a broken pipe
    (EPIPE: Python ignores SIGPIPE); the run goes on and ends well. Here stdout is a real pipe whose
    reader is gone from the start."""
    read, write = os.pipe()
    os.close(read)  # the reader has gone
    pipe = os.fdopen(write, "w")
    monkeypatch.setattr(sys, "stdout", pipe)
    with pytest.raises(BrokenPipeError):  # what any print meets now
        print("x", flush=True)
    assert train(tmp_path / "run") == 0
    assert main(["ship", "--list"]) == 0
    monkeypatch.undo()
    pipe.close()
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["steps"] == 2
    assert capsys.readouterr().err == ""


# ------------------------------------------------------------------ kill -9 and resume
KILL_ARGS = ["train", "dcgan", "--image-size", "16", "--width", "8", "--batch-size", "16", "--sample-every", "0",
             "--checkpoint-every", "2", "--log-every", "1", "--no-progress", "--profile", "fast", "--steps", "12"]


def start(argv, *, block_before_step=0, block_in_write=0, block_before_rename=0):
    """A child process (forked: no second import of torch) running ``main(argv)`` that, if told,
    stops forever before a step, half-way through writing its Nth checkpoint, or with its Nth
    checkpoint fully written to the temporary file but not yet renamed, and says so on its pipe."""
    read, write = os.pipe()
    pid = os.fork()
    if pid:
        os.close(write)
        return pid, read
    code = 70
    try:  # the child: never return into pytest
        os.close(read)
        sys.stdout = sys.stderr = os.fdopen(write, "w", buffering=1)
        code = _child(argv, block_before_step, block_in_write, block_before_rename)
    except BaseException as e:  # noqa: BLE001 - reported to the parent, then the child ends
        print(f"child failed: {e!r}", flush=True)
    finally:
        os._exit(code)


def _child(argv, block_before_step, block_in_write, block_before_rename):
    import io

    from gan_course import checkpoint
    from gan_course.engine import GANTrainer

    def hang(what):
        print(what, flush=True)
        while True:
            time.sleep(60)

    train_step, save, replace, writes = GANTrainer.train_step, torch.save, os.replace, [0]

    def stepping(self, batch):
        if self.step + 1 == block_before_step:
            hang(f"blocked before step {block_before_step}")
        return train_step(self, batch)

    def saving(obj, f, *a, **k):
        if isinstance(obj, dict) and "format_version" in obj:
            writes[0] += 1
            if writes[0] == block_in_write:
                buffer = io.BytesIO()
                save(obj, buffer)
                data = buffer.getvalue()
                f.write(data[: len(data) // 2])
                f.flush()
                hang("blocked inside a checkpoint write")
        return save(obj, f, *a, **k)

    def renaming(src, dst):
        if block_before_rename and Path(dst).parent.name == "checkpoints" and writes[0] == block_before_rename:
            hang("blocked before the rename")
        return replace(src, dst)

    GANTrainer.train_step, torch.save = stepping, saving
    checkpoint.os.replace = renaming  # checkpoint's os is os: the child's own copy of it
    return main(argv)


def wait_for(pid, read, timeout=120):
    """The child's output up to its 'blocked' line (it is then killed) or its end (its exit code);
    a child that does neither in ``timeout`` seconds is killed and the test fails."""
    text, deadline, ended = b"", time.monotonic() + timeout, False
    while b"blocked" not in text and not ended:
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail(f"child {pid} neither blocked nor ended in {timeout} s: {text.decode()}")
        ready, _, _ = select.select([read], [], [], 0.05)
        if ready:
            chunk = os.read(read, 65536)
            ended = not chunk
            text += chunk
    if b"blocked" in text:
        return text.decode(), None
    _, status = os.waitpid(pid, 0)
    return text.decode(), os.waitstatus_to_exitcode(status)


def kill(pid, read):
    """SIGKILL our own blocked, not yet reaped child (so its pid cannot have been reused)."""
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    os.close(read)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_kill_9_at_several_points_then_resume_is_bit_identical(tmp_path, capsys):
    """Four kill -9 of one run, three inside checkpoint writes; every resume starts from an intact
    checkpoint, cleans the torn temporary file, takes over the dead process's lock; the end is
    bit-identical to a run never interrupted. The figures go in the report (runs, kills, inside
    writes, resumed intact, bit-identical)."""
    straight = tmp_path / "straight"
    assert main([*KILL_ARGS, "--out", str(straight)]) == 0
    out = tmp_path / "killed"
    argv = [*KILL_ARGS, "--out", str(out)]
    plan = [  # (resume?, where it is killed)
        (False, {"block_before_step": 4}),  # between steps, after step 2's checkpoint
        (True, {"block_in_write": 2}),  # half of step 6's checkpoint written (step 4's whole)
        (True, {"block_before_rename": 2}),  # step 6's written; step 8's whole but not renamed
        (True, {"block_in_write": 2}),  # step 8's written; half of step 10's
    ]
    figures = {"runs": 0, "kills": 0, "kills_inside_writes": 0, "resumed_intact": 0}
    for i, (resume, block) in enumerate(plan):
        pid, read = start([*argv, "--resume"] if resume else argv, **block)
        text, code = wait_for(pid, read)  # reaps the child unless it blocked (code None)
        try:
            assert code is None, text  # it reached its blocking point
            figures["runs"] += 1
            if i == 1:  # meanwhile a second process asks for the same folder: refused by the lock
                assert main([*argv, "--resume"]) == 2
                assert f"{out} is in use by process {pid}" in capsys.readouterr().err
        finally:
            if code is None:
                kill(pid, read)  # a blocked child never outlives the test
            else:
                os.close(read)
        figures["kills"] += 1
        torn = list((out / "checkpoints").glob(".*.tmp"))
        figures["kills_inside_writes"] += bool(torn)
        assert bool(torn) == ("write" in text or "rename" in text)
        assert (out / ".gan-course.lock").exists()  # a kill -9 releases nothing
        if resume:
            assert "took over the lock" in text and f"(step {2 * i})" in text, text
            assert ("removed 1 temporary file(s)" in text) == (i >= 2)  # the torn one before it
            figures["resumed_intact"] += 1
    pid, read = start([*argv, "--resume"])
    text, code = wait_for(pid, read)
    os.close(read)
    figures["runs"] += 1
    assert code == 0, text
    assert "removed 1 temporary file(s)" in text and "resuming from" in text and "(step 8)" in text
    figures["resumed_intact"] += 1
    a = load_checkpoint(straight / "checkpoints" / "step_000012.pt")
    b = load_checkpoint(out / "checkpoints" / "step_000012.pt")
    identical = all(
        torch.equal(x, y) for part in ("G", "D") for x, y in zip(a[part].values(), b[part].values())
    ) and all(
        torch.equal(x, y)
        for part in ("opt_G", "opt_D")
        for k in a[part]["state"]
        for x, y in zip(a[part]["state"][k].values(), b[part]["state"][k].values())
    ) and all(a["history"][k] == b["history"][k] for k in ("step", "loss_D", "loss_G", "d_real", "d_fake"))
    assert identical and not list(out.rglob("*.tmp")) and not (out / ".gan-course.lock").exists()
    assert figures == {"runs": 5, "kills": 4, "kills_inside_writes": 3, "resumed_intact": 4}
    print(f"kill-and-resume: {figures}, bit-identical: {identical}")


def test_a_trainer_used_from_python_takes_the_run_folders_lock(tiny_digits, tmp_path):
    """Not only the CLI: GANTrainer(out_dir=...) refuses a folder another live process writes, and
    leaves no lock behind when it is done (inside the CLI's own lock it neither takes nor drops it)."""
    import json
    import socket
    import subprocess
    import sys

    from gan_course.checkpoint import LOCK_NAME, FolderInUseError, folder_lock
    from gan_course.engine import TrainConfig, trainer_for

    out = tmp_path / "run"
    out.mkdir()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (out / LOCK_NAME).write_text(json.dumps({"pid": sleeper.pid, "host": socket.gethostname()}))
        config = CONFIG
        train = TrainConfig(steps=2, batch_size=4, sample_every=0, checkpoint_every=0)
        with pytest.raises(FolderInUseError, match=f"in use by process {sleeper.pid}"):
            trainer_for(config, train, tiny_digits, out_dir=out, progress=False).fit()
    finally:
        sleeper.kill()
        sleeper.wait()
    (out / LOCK_NAME).unlink()
    trainer = trainer_for(config, train, tiny_digits, out_dir=out, progress=False)
    with folder_lock(out) as lock:  # as the CLI holds it around the trainer
        trainer.fit()
        assert lock.is_file()
    assert not (out / LOCK_NAME).exists()
    trainer_for(config, train, tiny_digits, out_dir=out / "b", progress=False).fit()
    assert not (out / "b" / LOCK_NAME).exists()
