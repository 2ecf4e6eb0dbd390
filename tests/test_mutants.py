"""Mistakes a GAN course must not let through, each as a named one-line (or one-block) change to the
package, and the tests that catch it. Each case copies the package into a scratch folder, makes the
change there, runs the named tests against the copy in a fresh Python and expects them to fail; the
unchanged copy must pass the same tests, so a failure is the mutant's doing.

See which test catches which mistake without running anything:

    python tests/test_mutants.py          # the table
    python tests/test_mutants.py --run    # also run every case and say whether it was caught

The changed text must occur exactly once in the named file: when the code moves, this test says so
instead of silently testing nothing.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OBJ = "tests/test_objectives.py"

def _blocks(file: str, *markers: str) -> list[str]:
    """The consecutive blocks of gan_course/``file`` that start at each marker line; the last one ends
    at the first blank line after it."""
    text = (ROOT / "gan_course" / file).read_text()
    starts = [text.index(m) for m in markers]
    ends = starts[1:] + [text.index("\n\n", starts[-1]) + 1]
    return [text[a:b] for a, b in zip(starts, ends)]


# the engine's D update (down to the blank line before G's) and G update, as written in engine.py
_D_STEP, _G_STEP = _blocks("engine.py", "        # D step:", "        # G step:")


@dataclass(frozen=True)
class Mutant:
    name: str
    file: str  # under gan_course/
    old: str
    new: str
    caught_by: tuple[str, ...]  # pytest node ids (a function name selects all its parameters)


MUTANTS = [
    Mutant("DCGAN: G aims for the 'fake' label", "dcgan.py",
           'return {"loss_G": g_loss_bce(D(x_fake), self.g_target)}', 'return {"loss_G": g_loss_bce(D(x_fake), 0.0)}',
           (f"{OBJ}::test_one_D_step_raises_reals_and_lowers_fakes_one_G_step_raises_fakes",
            f"{OBJ}::test_real_DCGAN_one_step_moves_the_scores_the_right_way")),
    Mutant("D's target for fakes set to 'real'", "losses.py",
           "return bce_logits(d_real, real_label) + bce_logits(d_fake, 0.0)",
           "return bce_logits(d_real, real_label) + bce_logits(d_fake, 1.0)",
           (f"{OBJ}::test_one_D_step_raises_reals_and_lowers_fakes_one_G_step_raises_fakes",
            f"{OBJ}::test_loss_values_are_the_formulas")),
    Mutant("pix2pix: G's adversarial target flipped", "pix2pix.py",
           "adv = bce_logits(D(A, x_fake), 1.0) if", "adv = bce_logits(D(A, x_fake), 0.0) if",
           (f"{OBJ}::test_one_D_step_raises_reals_and_lowers_fakes_one_G_step_raises_fakes",
            f"{OBJ}::test_pix2pix_loss_G_is_adversarial_plus_lambda_l1")),
    Mutant("pix2pix: D labels the fakes 'real'", "pix2pix.py",
           "0.5 * (bce_logits(d_real, 1.0) + bce_logits(d_fake, 0.0))",
           "0.5 * (bce_logits(d_real, 1.0) + bce_logits(d_fake, 1.0))",
           (f"{OBJ}::test_one_D_step_raises_reals_and_lowers_fakes_one_G_step_raises_fakes",
            f"{OBJ}::test_pix2pix_loss_G_is_adversarial_plus_lambda_l1")),
    Mutant("encoder–decoder GAN: G aims for the 'fake' label", "encoder_decoder.py",
           'adv = bce_logits(D(x_fake), 1.0) if self.adversarial', 'adv = bce_logits(D(x_fake), 0.0) if self.adversarial',
           (f"{OBJ}::test_one_D_step_raises_reals_and_lowers_fakes_one_G_step_raises_fakes",)),
    Mutant("R1 penalty subtracted from loss_D", "encoder_decoder.py",
           'loss = loss + 0.5 * self.r1_gamma * out["r1"]', 'loss = loss - 0.5 * self.r1_gamma * out["r1"]',
           (f"{OBJ}::test_r1_penalty_pulls_D_towards_a_flat_score_on_reals",)),
    Mutant("feature matching pushes G away from the real features", "encoder_decoder.py",
           'loss = loss + self.feature_matching * out["fm"]', 'loss = loss - self.feature_matching * out["fm"]',
           (f"{OBJ}::test_feature_matching_pulls_G_towards_the_real_features",)),
    Mutant("inpainting: λ·perceptual subtracted instead of added", "inpainting.py",
           "contextual_loss(x_gen, y, weights) + config.lambda_perceptual * perceptual",
           "contextual_loss(x_gen, y, weights) - config.lambda_perceptual * perceptual",
           (f"{OBJ}::test_inpainting_with_lambda_ends_more_real_to_D_than_without",)),
    Mutant("D's optimiser step deleted", "engine.py", "        self.opt_D.step()\n", "",
           (f"{OBJ}::test_one_D_step_raises_reals_and_lowers_fakes_one_G_step_raises_fakes",
            f"{OBJ}::test_engine_step_is_the_alternating_update_written_by_hand")),
    Mutant("G's optimiser step deleted", "engine.py", "        self.opt_G.step()\n", "",
           (f"{OBJ}::test_one_D_step_raises_reals_and_lowers_fakes_one_G_step_raises_fakes",
            f"{OBJ}::test_engine_step_is_the_alternating_update_written_by_hand")),
    Mutant("D's gradients never zeroed (they pile up over steps)", "engine.py",
           "        self.opt_D.zero_grad(set_to_none=True)\n", "",
           (f"{OBJ}::test_engine_step_is_the_alternating_update_written_by_hand",)),
    Mutant("update order swapped: G steps against the old D", "engine.py",
           _D_STEP + _G_STEP, _G_STEP.rstrip("\n") + "\n\n" + _D_STEP.rstrip("\n") + "\n",
           (f"{OBJ}::test_engine_step_is_the_alternating_update_written_by_hand",)),
    Mutant("resume picks the latest checkpoint by name, not by step", "engine.py",
           "return found[max(found)]", "return found[max(found, key=lambda step: f'step_{step:06d}.pt')]",
           ("tests/test_engine.py::test_latest_checkpoint_orders_by_step_number_not_by_name",)),
]


def make_copy(dest: Path, mutant: Mutant | None = None) -> Path:
    """The package, its tests and shipped data under ``dest``, with ``mutant`` applied."""
    for name in ("gan_course", "tests", "data"):
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__", "cache", "datasets"))
    shutil.copy(ROOT / "pyproject.toml", dest)
    if mutant is not None:
        path = dest / "gan_course" / mutant.file
        text = path.read_text()
        if text.count(mutant.old) != 1:
            raise AssertionError(f"mutant {mutant.name!r}: its text occurs {text.count(mutant.old)} times in "
                                 f"gan_course/{mutant.file}, not once; update the mutant to the code")
        path.write_text(text.replace(mutant.old, mutant.new))
    return dest


def run_tests(copy: Path, node_ids: tuple[str, ...]) -> subprocess.CompletedProcess:
    """pytest on ``node_ids`` in a fresh Python that imports the copy's package (checked, not assumed)."""
    env = {**os.environ, "PYTHONPATH": str(copy), "OMP_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    code = ("import sys; from pathlib import Path; import gan_course, pytest\n"
            f"if Path(gan_course.__file__).resolve() != Path({str(copy / 'gan_course' / '__init__.py')!r}).resolve():\n"
            "    print('imported', gan_course.__file__, 'instead of the copy'); sys.exit(7)\n"
            f"sys.exit(pytest.main(['-x', '-q', '-p', 'no:cacheprovider', '-p', 'no:nbval', '-p', 'no:xdist', "
            f"*{list(node_ids)!r}]))")
    return subprocess.run([sys.executable, "-c", code], cwd=copy, env=env, capture_output=True, text=True, timeout=600)


def every_catching_test() -> tuple[str, ...]:
    return tuple(dict.fromkeys(t for m in MUTANTS for t in m.caught_by))


def test_unchanged_copy_passes_every_catching_test(tmp_path):
    result = run_tests(make_copy(tmp_path), every_catching_test())
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_mutant_is_caught(mutant, tmp_path):
    result = run_tests(make_copy(tmp_path, mutant), mutant.caught_by)
    assert result.returncode == 1, (f"mutant {mutant.name!r} was not caught by {mutant.caught_by} "
                                    f"(pytest exit {result.returncode}):\n{result.stdout[-3000:]}{result.stderr[-3000:]}")


def main(argv: list[str]) -> int:
    import tempfile

    for m in MUTANTS:
        line = f"{m.name:<58} gan_course/{m.file:<19} " + ", ".join(t.split("::")[-1] for t in m.caught_by)
        if "--run" in argv:
            with tempfile.TemporaryDirectory() as tmp:
                caught = run_tests(make_copy(Path(tmp), m), m.caught_by).returncode == 1
            line = f"{'caught' if caught else 'MISSED':<7} {line}"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
