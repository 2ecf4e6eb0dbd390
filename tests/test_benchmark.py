"""The training benchmarks: both paths measured, the ratio, the FLOP count, the scripts in benchmarks/."""
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from gan_course.benchmark import _EagerImages, bench_training, format_training_bench
from gan_course.dcgan import DCGANConfig

from conftest import DEVICES

ROOT = Path(__file__).resolve().parents[1]


def forward_flops(module, x):
    with FlopCounterMode(display=False) as counter:
        module(x)
    return counter.get_total_flops()


@pytest.mark.parametrize("device", DEVICES)
def test_dcgan_benchmark_measures_both_paths_and_counts_the_step(device):
    r = bench_training("dcgan", 2, device, batch_size=8, warmup=0, profile="fast", n_images=32, peak_tflops=1.0)
    assert r["baseline_images_per_s"] > 0 and r["optimised_images_per_s"] > 0
    assert r["speedup"] == pytest.approx(r["baseline_s"] / r["optimised_s"])
    assert r["baseline_images_per_s"] == pytest.approx(2 * 8 / r["baseline_s"])
    assert r["roofline_fraction"] == pytest.approx(r["achieved_tflops"] / 1.0)
    # one step = G forward + 2 D forwards (D step) + their backward + D forward and backward (G step,
    # D frozen: no weight gradients) + G backward: between 3 F_G + 7 F_D and 3 F_G + 8 F_D per image
    G, D = (DCGANConfig(image_size=32, width=32, channels=3)).build()
    f_G, f_D = forward_flops(G, torch.randn(1, 100)), forward_flops(D, torch.randn(1, 3, 32, 32))
    assert 3 * f_G + 7 * f_D < r["gflop_per_image_step"] * 1e9 <= 3 * f_G + 8 * f_D
    # "auto": every switch on with CUDA, off on a CPU (where the gap is the data path and the syncs)
    on = device == "cuda"
    assert r["switches"] == {"bf16": on, "channels_last": on, "fused_adam": on, "data_on_device": on,
                             "compile": {"G": "eager", "D": "eager"}}
    text = format_training_bench(r)
    assert "baseline" in text and "optimised" in text and "speed-up" in text and "% of the 1 TFLOP/s" in text


def test_pix2pix_benchmark_and_compile_switch():
    r = bench_training("pix2pix", 1, "cpu", batch_size=4, warmup=0, profile="fast", n_images=16, compile="aot_eager")
    assert r["image_size"] == 32 and r["switches"]["compile"] == {"G": "aot_eager", "D": "aot_eager"}
    assert r["optimised_images_per_s"] > 0 and "roofline_fraction" not in r  # no peak known for a CPU
    with pytest.raises(ValueError, match="unknown training benchmark 'vae'; valid: dcgan, pix2pix"):
        bench_training("vae")


def test_baseline_dataset_converts_and_flips_one_image_at_a_time():
    images = torch.arange(2 * 1 * 2 * 3, dtype=torch.uint8).view(2, 1, 2, 3) * 10  # (N, C, H, W)
    ds = _EagerImages(images)
    torch.manual_seed(0)
    seen = [ds[0] for _ in range(40)]
    plain = images[0].float() / 127.5 - 1
    assert all(torch.equal(x, plain) or torch.equal(x, plain.flip(-1)) for x in seen)
    assert 5 < sum(torch.equal(x, plain) for x in seen) < 35  # both orientations occur


def test_benchmark_scripts_run(tmp_path):
    for script, what in (("train_dcgan.py", "dcgan"), ("inpainting.py", "inpainting")):
        sizes = (["--profile", "fast", "--batch-size", "8", "--warmup", "0"] if what == "dcgan"
                 else ["--n", "2", "--restarts", "1"])
        args = ["--steps", "1", "--device", "cpu", *sizes]
        out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args], capture_output=True, text=True,
                             cwd=tmp_path, env={"OMP_NUM_THREADS": "1", "PATH": ""}, timeout=300)
        assert out.returncode == 0, out.stderr
        assert "speed-up" in out.stdout
    assert sorted(p.name for p in (ROOT / "benchmarks").glob("*.py")) == ["inpainting.py", "train_dcgan.py",
                                                                          "train_pix2pix.py"]


def test_gpu_check_script_parses_and_names_real_scripts_and_tests():
    script = ROOT / "benchmarks" / "gpu_check.sh"
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0
    text = script.read_text()
    named = set(re.findall(r"(benchmarks/\w+\.py|tests/\w+\.py)", text))
    assert {"benchmarks/train_dcgan.py", "benchmarks/train_pix2pix.py", "benchmarks/inpainting.py"} <= named
    assert all((ROOT / path).exists() for path in named), named
