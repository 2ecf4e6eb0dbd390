"""The ``gan-course`` command: help, a short run, resume, and clear errors."""
import json
import subprocess
import sys

import pytest
import torch

from gan_course.cli import main

SMALL = ["--image-size", "16", "--width", "8", "--batch-size", "16", "--sample-every", "2",
         "--checkpoint-every", "2", "--no-progress", "--profile", "fast"]


def test_help_lists_every_config_option(capsys):
    with pytest.raises(SystemExit) as e:
        main(["train", "dcgan", "--help"])
    assert e.value.code == 0
    text = capsys.readouterr().out
    for flag in ("--dataset", "--image-size", "--batch-size", "--z-dim", "--steps", "--profile", "--resume",
                 "--lr-g", "--real-label", "--hflip", "--data-root", "--download"):
        assert flag in text


def test_train_writes_a_run_folder_and_resumes(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "dcgan", *SMALL, "--steps", "4", "--out", str(out)]) == 0
    config = json.loads((out / "config.json").read_text())
    assert config["dcgan"]["image_size"] == 16 and config["train"]["steps"] == 4 and config["profile"] == "fast"
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == ["step_000002.pt", "step_000004.pt"]
    assert (out / "samples" / "step_000004.png").exists() and (out / "loss_curves.png").exists()
    assert json.loads((out / "metrics.json").read_text())["steps"] == 4

    # An existing run is never overwritten by accident.
    assert main(["train", "dcgan", *SMALL, "--steps", "4", "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert "already holds checkpoints; pass --resume" in captured.err
    assert "speed switches: none (exact fp32); torch.compile: off" in captured.out  # CPU defaults
    assert main(["train", "dcgan", *SMALL, "--steps", "6", "--out", str(out), "--resume", "--data-on-device", "on"]) == 0
    text = capsys.readouterr().out
    assert "resuming from" in text and "speed switches: data_on_device;" in text
    assert json.loads((out / "metrics.json").read_text())["steps"] == 6


@pytest.mark.parametrize("argv,message", [
    (["--image-size", "48"], "power of two"),
    (["--batch-size", "0"], "batch_size must be >= 1"),
    (["--dataset", "cifar10", "--image-size", "32"], "download=True"),
])
def test_bad_options_give_one_clear_line(tmp_path, capsys, argv, message):
    code = main(["train", "dcgan", "--no-progress", "--profile", "fast", "--out", str(tmp_path / "r"),
                 "--data-root", str(tmp_path / "nothing"), *argv])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("gan-course: error:") and message in err


def test_an_unknown_dataset_is_refused_with_the_valid_names(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["train", "dcgan", "--dataset", "mnist"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'mnist'" in err and "digits" in err and "cifar10" in err


def test_overwrite_starts_again_and_resume_finds_only_the_new_run(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "dcgan", *SMALL, "--steps", "4", "--out", str(out)]) == 0
    assert main(["train", "dcgan", *SMALL, "--steps", "2", "--out", str(out), "--overwrite"]) == 0
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == ["step_000002.pt"]
    assert sorted(p.name for p in (out / "samples").iterdir()) == ["step_000002.png"]
    capsys.readouterr()
    assert main(["train", "dcgan", *SMALL, "--steps", "4", "--out", str(out), "--resume"]) == 0
    assert f"resuming from {out / 'checkpoints' / 'step_000002.pt'} (step 2)" in capsys.readouterr().out
    assert main(["train", "dcgan", *SMALL, "--out", str(out), "--resume", "--overwrite"]) == 2
    assert "pass one of them" in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["bench", "inpainting", "--steps", "0", "--n", "2"], "steps must be in [1, 1000000], got 0"),
    (["bench", "inpainting", "--loop-images", "0", "--n", "2"], "1 <= loop_images <= n=2"),
    (["bench", "dcgan", "--steps", "0", "--device", "cpu"], "need steps >= 1"),
    (["bench", "dcgan", "--device", "mps"], "MPS (Apple GPU) is not available"),
    (["bench", "dcgan", "--device", "xla"], "is not supported here"),
])
def test_bench_refuses_zero_and_missing_devices_in_one_line(capsys, argv, message):
    if "mps" in argv and torch.backends.mps.is_available():
        pytest.skip("this machine has MPS")
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_dataset_keeps_its_own_channels(tmp_path):
    out = tmp_path / "photos"
    assert main(["train", "dcgan", *SMALL, "--steps", "1", "--dataset", "photos", "--out", str(out)]) == 0
    assert json.loads((out / "config.json").read_text())["dcgan"]["channels"] == 3


def test_resume_without_checkpoints_is_an_error(tmp_path, capsys):
    assert main(["train", "dcgan", *SMALL, "--out", str(tmp_path / "empty"), "--resume"]) == 2
    assert "holds no step_" in capsys.readouterr().err
    assert not (tmp_path / "empty").exists()  # refused before anything was created


def test_console_script_is_installed():
    done = subprocess.run([sys.executable, "-m", "gan_course.cli", "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "train" in done.stdout


def test_train_pix2pix(tmp_path):
    out = tmp_path / "p2p"
    assert main(["train", "pix2pix", "--no-progress", "--profile", "fast", "--steps", "2", "--batch-size", "8",
                 "--width-g", "8", "--width-d", "8", "--space", "lab", "--sample-every", "2", "--out", str(out)]) == 0
    config = json.loads((out / "config.json").read_text())
    assert config["model"] == "pix2pix" and config["pix2pix"]["space"] == "lab"
    assert (out / "samples" / "step_000002.png").exists() and (out / "checkpoints" / "step_000002.pt").exists()


def test_train_encoder_decoder_and_bench_commands(tmp_path, capsys):
    out = tmp_path / "rec"
    assert main(["train", "encoder-decoder", "--width", "8", "--width-d", "8", "--r1-gamma", "1", "--steps", "2",
                 "--batch-size", "8", "--sample-every", "0", "--no-progress", "--profile", "fast", "--out", str(out)]) == 0
    config = json.loads((out / "config.json").read_text())
    assert config["encoder-decoder"]["r1_gamma"] == 1.0 and (out / "checkpoints" / "step_000002.pt").exists()
    assert main(["bench", "inpainting", "--n", "2", "--restarts", "2", "--steps", "1", "--device", "cpu"]) == 0
    assert "speed-up:" in capsys.readouterr().out


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message of a machine without CUDA")
def test_asking_for_a_missing_gpu_gives_one_clear_line(capsys):
    assert main(["bench", "dcgan", "--device", "cuda"]) == 2
    assert capsys.readouterr().err.strip() == "gan-course: error: device cuda requested but CUDA is not available; use 'cpu'"


def test_notebooks_command_stores_outputs_and_widgets(tmp_path, capsys, monkeypatch):
    """`gan-course notebooks` runs the .py text in a kernel (from the notebook's folder, fast profile,
    one thread) and writes outputs, widget cells included, into the paired .ipynb."""
    import jupytext

    monkeypatch.setenv("GAN_COURSE_PROFILE", "full")  # the command sets its own; restored afterwards
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    text = tmp_path / "00_tiny.py"
    text.write_text('# %% [markdown]\n# A tiny notebook\n\n# %%\nimport os\nprint(os.environ["GAN_COURSE_PROFILE"], '
                    'os.environ["OMP_NUM_THREADS"], sorted(os.listdir(".")))\n\n# %%\nimport ipywidgets as w\n'
                    'w.interactive(lambda n: print(n * n), n=w.IntSlider(value=3, min=0, max=5))\n')
    assert main(["notebooks", str(tmp_path / "00_tiny.ipynb")]) == 0
    assert "00_tiny.ipynb: executed in" in capsys.readouterr().out
    cells = [c for c in jupytext.read(tmp_path / "00_tiny.ipynb").cells if c.cell_type == "code"]
    assert cells[0].outputs[0]["text"] == "fast 1 ['00_tiny.py']\n"
    assert "application/vnd.jupyter.widget-view+json" in cells[1].outputs[0]["data"]


def test_waiting_for_a_reply_polls_in_slices_and_keeps_the_timeout():
    """nbclient's single long poll can miss the wake-up for a reply that has arrived; the wrapper asks
    again every slice, returns the message as soon as one poll sees it, and still gives up at the
    cell timeout."""
    import asyncio
    from queue import Empty

    from gan_course.cli import _poll_in_slices

    asked = []

    async def get_msg(timeout=None):  # the reply "arrives" on the third poll
        asked.append(timeout)
        await asyncio.sleep(timeout)
        if len(asked) < 3:
            raise Empty
        return {"msg_type": "execute_reply"}

    get = _poll_in_slices(get_msg, slice_s=0.01)
    assert asyncio.run(get(timeout=60))["msg_type"] == "execute_reply"
    assert asked == [0.01, 0.01, 0.01]
    asked.clear()
    assert asyncio.run(get())["msg_type"] == "execute_reply"  # no timeout: poll until it comes
    asked.clear()

    async def never(timeout=None):
        asked.append(timeout)
        await asyncio.sleep(timeout)
        raise Empty

    with pytest.raises(Empty):
        asyncio.run(_poll_in_slices(never, slice_s=0.01)(timeout=0.05))
    assert 4 <= len(asked) <= 7 and max(asked) <= 0.01


def test_every_option_has_help_and_choice_options_show_their_choices(capsys):
    import argparse

    from gan_course.cli import build_parser

    def actions(parser, path):
        for a in parser._actions:
            if isinstance(a, argparse._SubParsersAction):
                for name, sub in a.choices.items():
                    yield from actions(sub, f"{path} {name}")
            elif not isinstance(a, argparse._HelpAction):
                yield path, a

    found = list(actions(build_parser(), "gan-course"))
    assert len(found) > 100
    assert [(path, a.dest) for path, a in found if not a.help] == []
    by_flag = {a.option_strings[0]: a for path, a in found if path == "gan-course train pix2pix" and a.option_strings}
    assert by_flag["--precision"].choices == ("auto", "fp32", "bf16")
    assert by_flag["--space"].choices == ("gray", "lab") and by_flag["--discriminator"].choices == ("patch", "global")
    assert "fast: 500, full: 62500" in by_flag["--steps"].help
    with pytest.raises(SystemExit):
        main(["train", "dcgan", "--precision", "fp16"])
    assert "invalid choice: 'fp16' (choose from auto, fp32, bf16)" in capsys.readouterr().err.replace("'auto', 'fp32', 'bf16'", "auto, fp32, bf16")


def test_ship_passes_its_options_and_lists_the_artefacts(monkeypatch, capsys, tmp_path):
    import gan_course.cli as cli

    calls = []
    monkeypatch.setattr(cli, "ship", lambda names, out, **kw: calls.append((names, out, kw)) or [])
    assert main(["ship", "codecs-cifar10-32", "--jobs", "2", "--cifar10-folder", str(tmp_path),
                 "--download", "--out", str(tmp_path)]) == 0
    (names, out, kw), = calls
    assert names == ["codecs-cifar10-32"] and out == tmp_path
    assert kw == {"force": False, "cifar10_folder": tmp_path, "download": True, "jobs": 2}
    assert main(["ship", "--list"]) == 0
    listed = capsys.readouterr().out
    assert "colorizers-palette-32" in listed and "dcgan-cifar10-32" in listed
