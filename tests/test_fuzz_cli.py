"""A seeded fuzz of the two entry points ``tests/test_fuzz.py`` leaves out: the command line and
checkpoint files. Every outcome is asserted.

- **CLI**: ``gan-course train …`` with one option drawn bad (NaN, inf, 0, negative, out of range,
  not a number, empty, an unknown device or dataset). Outcome *clear error*: exit code 2 and
  stderr holding one ``error:`` line, no traceback; *raw*: anything raised or printed as a
  traceback; *silent*: a run that started training although an option was bad. A few cases draw
  every option good and must train their one step and exit 0.
- **Checkpoints**: a real checkpoint mutated — a flipped bit, truncated, garbage appended, random
  bytes, empty, a directory, a text file, another kind, a pickle that would run code. Outcome
  *clear error*: a ``CheckpointError`` naming the file; *valid*: the state loads unchanged (a flip
  in the archive's padding); *silent*: anything else that loads; *code executed*: the pickle's
  payload ran (must be 0).
"""

from __future__ import annotations

import io
import pickle
import random
import zipfile
from collections import Counter
from pathlib import Path

import pytest
import torch

from gan_course.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from gan_course.cli import main

CLI_CASES = 120
CHECKPOINT_CASES = 300

BAD_VALUES = {  # option → values that must be refused
    "--steps": ["0", "-1", "nan", "1.5", "abc", "", "1e99"],
    "--batch-size": ["0", "-4", "nan", "two", ""],
    "--lr-g": ["0", "-1e-4", "nan", "inf", "fast", ""],
    "--lr-d": ["0", "-2e-4", "nan", "-inf"],
    "--beta1": ["1.5", "-0.1", "nan", "1", "x"],
    "--beta2": ["1.0", "2", "nan", "-1"],
    "--seed": ["-1", "nan", "0.5", "s"],
    "--image-size": ["0", "33", "-32", "abc", "100000"],
    "--z-dim": ["0", "-3", "nan", "z"],
    "--width": ["0", "-8", "1.5"],
    "--device": ["gpu", "cuda:x", "", "tpu", "CPU:0:1"],
    "--dataset": ["nope", "", "digits!", "../digits"],
    "--out": ["", "   "],
}


def _argv(rng: random.Random, out: Path) -> tuple[list[str], str | None]:
    """(argv, the option drawn bad or None)."""
    argv = ["train", "dcgan", "--dataset", "digits", "--image-size", "16", "--steps", "1",
            "--batch-size", "4", "--device", "cpu", "--out", str(out)]
    if rng.random() < 0.08:
        return argv, None
    option = rng.choice(sorted(BAD_VALUES))
    value = rng.choice(BAD_VALUES[option])
    i = argv.index(option) if option in argv else None
    if i is None:
        argv += [option, value]
    else:
        argv[i + 1] = value
    return argv, option


def test_fuzz_the_command_line(tmp_path, capsys):
    rng, counts, failures = random.Random("fuzz-cli"), Counter(), []
    for k in range(CLI_CASES):
        out = tmp_path / f"run{k}"
        argv, bad = _argv(rng, out)
        try:
            code = main(argv)
        except SystemExit as e:  # argparse refuses with exit code 2
            code = e.code
        except Exception as e:  # noqa: BLE001 — judged here
            counts["raw"] += 1
            failures.append(f"{argv}: raised {type(e).__name__}: {e}")
            continue
        captured = capsys.readouterr()
        err = captured.err.strip()
        trained = (out / "checkpoints").is_dir()
        if "Traceback" in captured.err or "Traceback" in captured.out:
            counts["raw"] += 1
            failures.append(f"{argv}: a traceback")
        elif bad is None:
            ok = code in (0, None) and trained
            counts["valid" if ok else "silent"] += 1
            if not ok:
                failures.append(f"{argv}: all good but exit {code}, trained {trained}: {err}")
        elif code == 2 and "error:" in err.splitlines()[-1] and not trained:
            counts["error"] += 1
        else:
            counts["silent"] += 1
            failures.append(f"{argv}: {bad} bad but exit {code}, trained {trained}: {err[-200:]}")
    counts["inputs"] = CLI_CASES
    print(f"\nfuzz cli: {dict(counts)}")
    assert not failures, "\n".join(failures[:20])
    assert counts["error"] > 0 and counts["valid"] > 0


# ------------------------------------------------------------------------------------ checkpoints
MARKER = "gan_course_fuzz_code_ran"


class _RunsCode:
    """A pickle payload that would create a marker file if unpickled without weights_only."""

    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return (Path.touch, (self.path,))


def _valid(tmp: Path) -> tuple[bytes, dict]:
    state = {"kind": "fuzz", "step": 3, "G": {"w": torch.arange(12.0).reshape(3, 4)},
             "history": {"loss": [0.5, 0.25]}}
    path = save_checkpoint(tmp / "valid.pt", state)
    return path.read_bytes(), load_checkpoint(path, kind="fuzz")


def _mutant(rng: random.Random, data: bytes, tmp: Path, k: int) -> tuple[Path, str]:
    """A damaged or foreign checkpoint file and what was done to it."""
    path = tmp / f"case{k}.pt"
    how = rng.choice(["flip", "flip", "flip", "truncate", "append", "random", "empty", "dir",
                      "text", "other kind", "code", "zip without data"])
    if how == "flip":
        i = rng.randrange(len(data))
        path.write_bytes(data[:i] + bytes([data[i] ^ (1 << rng.randrange(8))]) + data[i + 1:])
    elif how == "truncate":
        path.write_bytes(data[: rng.randrange(len(data))])
    elif how == "append":
        path.write_bytes(data + bytes(rng.randrange(256) for _ in range(rng.randint(1, 64))))
    elif how == "random":
        path.write_bytes(bytes(rng.randrange(256) for _ in range(rng.randint(1, 2048))))
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "dir":
        path.mkdir()
    elif how == "text":
        path.write_text("this is not a checkpoint\n")
    elif how == "other kind":
        save_checkpoint(path, {"kind": "something else", "G": {}})
    elif how == "code":
        buffer = io.BytesIO()
        torch.save({"kind": "fuzz", "G": _RunsCode(tmp / MARKER)}, buffer,
                   pickle_protocol=pickle.DEFAULT_PROTOCOL)
        path.write_bytes(buffer.getvalue())
    else:  # a zip archive holding no data.pkl
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("archive/version", "3\n")
    return path, how


def _same(a, b) -> bool:
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and torch.equal(a, b)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


def test_fuzz_checkpoint_files(tmp_path):
    rng, counts, failures = random.Random("fuzz-checkpoints"), Counter(), []
    data, expected = _valid(tmp_path)
    for k in range(CHECKPOINT_CASES):
        path, how = _mutant(rng, data, tmp_path, k)
        try:
            state = load_checkpoint(path, kind="fuzz")
        except CheckpointError as e:
            ok = path.name in str(e)
            counts["error" if ok else "raw"] += 1
            if not ok:
                failures.append(f"{how}: the message does not name the file: {e}")
            continue
        except Exception as e:  # noqa: BLE001 — judged here
            counts["raw"] += 1
            failures.append(f"{how}: raised {type(e).__name__}: {e}")
            continue
        if _same(state, expected):
            counts["valid"] += 1
        else:
            counts["silent"] += 1
            failures.append(f"{how}: loaded a different state")
    counts["code executed"] = int((tmp_path / MARKER).exists())
    counts["inputs"] = CHECKPOINT_CASES
    print(f"\nfuzz checkpoints: {dict(counts)}")
    assert counts["code executed"] == 0
    assert not failures, "\n".join(failures[:20])
    assert counts["error"] > 0


@pytest.mark.parametrize("kind", ["fuzz", None])
def test_a_pickle_that_would_run_code_is_refused_by_name(tmp_path, kind):
    buffer = io.BytesIO()
    torch.save({"kind": "fuzz", "G": _RunsCode(tmp_path / MARKER)}, buffer)
    path = tmp_path / "evil.pt"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(CheckpointError, match="evil.pt"):
        load_checkpoint(path, kind=kind)
    assert not (tmp_path / MARKER).exists()
