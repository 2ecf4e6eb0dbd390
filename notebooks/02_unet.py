# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 02 · U-Net and skip connections
#
# A U-Net *deconstructs* an image down to a small bottleneck and *reconstructs* it back up. Note 003
# claims that without the horizontal skip connections "fine details are lost … result: blurry output",
# and with them "sharp output images with preserved details". Here we train both on the same task,
# with the same data, steps and seeds, and measure.
#
# **You will learn**
# - how the U-Net's shapes go 96 → 6 → 96 (note 003's example) and what a skip concatenates;
# - how to run a controlled comparison: same data, same steps, several seeds, spread reported;
# - what PSNR, SSIM, colourfulness, sharpness and edge fidelity measure, and the trivial baselines
#   to beat.
#
# **Task:** gray → colour (pix2pix). The generator sees the gray image A and must produce the RGB
# image B, so it has to carry the image's detail from input to output: exactly where skips should
# help.

# %%
# %matplotlib inline
from gan_course.data import load_dataset
from gan_course.engine import TrainConfig
from gan_course.lessons.colorization import (baseline_colorizations, colorization_metrics,
                                             compare_colorizers)
from gan_course.lessons.experiments import summarize_runs
from gan_course.lessons.report import count_wins, say
from gan_course.metrics import detail_verdict
from gan_course.pix2pix import Pix2PixConfig, colorize
from gan_course.plots import format_table, show_image_rows
from gan_course.runtime import current_profile, describe_runtime, get_device, seed_everything
from gan_course.unet import UNetGenerator, unet_trace

profile = current_profile()
seed_everything(0)
device = get_device()
print(describe_runtime(profile, device, seed=0))

# %% [markdown]
# ## 1. The U, shape by shape
#
# Four 4×4 stride-2 convolutions halve the image; four transposed ones double it back. With skips,
# each decoder level receives the encoder's map of the same size, concatenated on channels (⊕).
# Note 003's 96×96 example:

# %%
for name, shape in unet_trace(UNetGenerator(1, 3, depth=4, width=32, skips=True), 96):
    print(f"{name:<24} {shape}")

# %% [markdown]
# Without skips the decoder gets only the bottleneck. With them, every decoder level also receives
# the encoder's map, so the network is larger: the comparison below is "the architecture with skips
# vs the one without", not "equal parameter counts".

# %%
n_params = {skips: sum(p.numel() for p in UNetGenerator(1, 3, 4, 32, skips=skips).parameters())
            for skips in (True, False)}
trace = dict(unet_trace(UNetGenerator(1, 3, depth=4, width=32, skips=False), 96))
say(f"- Without skips the decoder rebuilds the {trace['output']} output from the "
    f"{trace['down 4']} bottleneck alone.",
    f"- Parameters: {n_params[True]:,} with skips, {n_params[False]:,} without: the skips make "
    f"the network {100 * (n_params[True] / n_params[False] - 1):.0f} % larger.")

# %% [markdown]
# ## 2. The experiment
#
# Photo patches (embedded data: crops of the photos shipped with scikit-image, scikit-learn and
# matplotlib; the test patches come from *other* photos). Same steps, batch and seeds for both
# variants; the full pix2pix loss (BCE + 100·L1) with a PatchGAN discriminator.

# %%
knobs = dict(fast=dict(image_size=32, n_train=2048, n_test=256, steps=100, seeds=(0, 1, 2),
                       width=16),
             full=dict(image_size=96, n_train=None, n_test=1000, steps=20_000, seeds=(0, 1, 2),
                       width=64))[profile]
dataset = "photos" if profile == "fast" else "stl10"
train_data = load_dataset(dataset, knobs["image_size"], n=knobs["n_train"], seed=0)
test_data = load_dataset(dataset, knobs["image_size"], split="test", n=knobs["n_test"], seed=0)
x_test = test_data.float()
train = TrainConfig(steps=knobs["steps"], batch_size=16, sample_every=0, checkpoint_every=0)
variants = {name: Pix2PixConfig(dataset=dataset, image_size=knobs["image_size"],
                                width_G=knobs["width"], width_D=knobs["width"], skips=skips)
            for name, skips in (("U-Net with skips", True), ("no skips", False))}
print(f"{dataset}: {len(train_data)} train / {len(test_data)} test images at "
      f"{knobs['image_size']}², {train.steps} steps of batch {train.batch_size}, "
      f"seeds {knobs['seeds']}")

# %% tags=["nbval-ignore-output"]
runs = compare_colorizers(variants, train, train_data, test_data, seeds=knobs["seeds"],
                          device=device)
for r in runs:
    print(f"{r.name:<18} seed {r.seed}: {r.seconds:.1f} s")

# %% [markdown]
# ## 3. Results
#
# PSNR (dB) and SSIM: closeness to the true colours (higher is better). Colourfulness (Hasler &
# Süsstrunk): how vivid (the truth's value is in the last row). **Sharpness**: the high-frequency
# energy (squared Laplacian) of all test outputs together divided by that of the true images
# together: 1 = as detailed as the truth, below 1 blurrier, above 1 noisier. **Edge fidelity**: do
# those edges sit where the truth's are? The correlation between the outputs' and the truth's
# gradients over every pixel of the test set: 1 = the truth's edges, 0 = edges unrelated to the
# truth (sharp but wrong). Sharpness alone cannot tell detail from noise; the two together can.
# Mean ± std over the seeds.

# %% tags=["nbval-ignore-output"]
baselines = {name: colorization_metrics(y, x_test)
             for name, y in baseline_colorizations(x_test, train_data.float()).items()}
columns = ["method", "seeds", "PSNR", "SSIM", "colourfulness", "sharpness", "edge fidelity"]
rows = summarize_runs(runs, baselines)
truth = colorization_metrics(x_test, x_test)
rows.append({"method": "truth", "seeds": "-", "PSNR": "inf",
             **{m: f"{truth[m]:.3f}" for m in columns[3:]}})
print(format_table(rows, columns))

# %%
show = slice(0, 8)
by_name = {r.name: r for r in runs if r.seed == knobs["seeds"][0]}
show_image_rows({"gray input": baseline_colorizations(x_test[show], x_test[show])["gray copy"],
                 "truth": x_test[show],
                 **{name: colorize(r.G, x_test[show]) for name, r in by_name.items()}})

# %% [markdown]
# ## 4. Does "without skips → blurry" hold?
#
# The claim has two parts: the output without skips is blurrier than the truth (sharpness below 1),
# and blurrier than the output with skips. Edge fidelity says whether the detail that is there is
# the truth's. The verdict below is written by code from the runs above, seed by seed.

# %% tags=["nbval-ignore-output"]
n = len(knobs["seeds"])
skip, noskip = ([r for r in runs if r.name == name] for name in variants)
mean = {(r.name, m): sum(s.metrics[m] for s in runs if s.name == r.name) / n
        for r in runs for m in r.metrics}
wins = {m: count_wins([r.metrics[m] for r in skip], [r.metrics[m] for r in noskip])[0]
        for m in skip[0].metrics}  # seeds on which the U-Net with skips scores higher
sharp_s, sharp_n = mean["U-Net with skips", "sharpness"], mean["no skips", "sharpness"]
edges_s, edges_n = mean["U-Net with skips", "edge fidelity"], mean["no skips", "edge fidelity"]
if sharp_n < 1 and wins["sharpness"] == n:
    claim = ("**holds**: the output without skips is blurrier than the truth and, in every seed, "
             "than the output with skips")
elif sharp_n < 1:
    claim = ("**holds only in part**: the output without skips is blurrier than the truth, but it "
             f"has less detail than the output with skips (sharpness {sharp_s:.2f}) in only "
             f"{wins['sharpness']} of {n} seeds")
else:
    claim = "**does not hold**: the output without skips is not blurrier than the truth"
if wins["edge fidelity"] == n:
    kept = (f"What the skips keep is the *right* detail: edge fidelity is higher with skips in "
            f"every seed ({edges_s:.2f} vs {edges_n:.2f}).")
else:
    kept = (f"Edge fidelity is higher with skips in only {wins['edge fidelity']} of {n} seeds "
            f"({edges_s:.2f} vs {edges_n:.2f}).")
say(f"- With skips the output is {detail_verdict(sharp_s, edges_s)} (sharpness **{sharp_s:.2f}**, "
    f"edge fidelity **{edges_s:.2f}**).",
    f"- Without skips it is {detail_verdict(sharp_n, edges_n)} (sharpness **{sharp_n:.2f}**, "
    f"edge fidelity **{edges_n:.2f}**).",
    f"- So the note's claim {claim}. {kept}")

# %% [markdown]
# ## 5. Exercises
#
# 1. How many numbers does the no-skip decoder receive for a 96×96 image with depth 4, width 32
#    (read the trace above)?
# 2. What PSNR does the "gray copy" baseline reach? (Copy it from the table to 1 decimal.)

# %%
answer_1 = 256 * 6 * 6
answer_2 = round(baselines["gray copy"]["PSNR"], 1)

# %%
bottleneck = dict(unet_trace(UNetGenerator(1, 3, 4, 32, skips=False), 96))["down 4"]
print("exercise 1:", "✓" if answer_1 == bottleneck[0] * bottleneck[1] * bottleneck[2] else "✗")
print("exercise 2:", "✓" if answer_2 == round(baselines["gray copy"]["PSNR"], 1) else "✗")

# %% [markdown]
# ## Summary
#
# What this run measured, written by code from the tables above. The `full` profile (STL-10 at
# 96×96 with note 003's 96 → 6 U-Net, trained for much longer) is where the converged behaviour
# should be judged. Notebook 06 returns to skips from the other side: do they let the network bypass
# its bottleneck entirely?

# %% tags=["nbval-ignore-output"]
best = max(variants, key=lambda name: mean[name, "PSNR"])
beaten = [name for name, b in baselines.items() if mean[best, "PSNR"] > b["PSNR"]]
if wins["PSNR"] == wins["SSIM"] == n:
    accuracy = "Skips help accuracy in every seed"
elif min(wins["PSNR"], wins["SSIM"]) > n / 2:
    accuracy = "Skips help accuracy in most seeds"
else:
    accuracy = "Skips do not help accuracy consistently"
if not beaten:
    against = "Neither network beats the trivial baselines yet"
elif len(beaten) < len(baselines):
    against = f"The better network beats only the {' and the '.join(beaten)} baseline on PSNR"
else:
    against = "Both baselines are beaten on PSNR"
gray, mean_colour = baselines["gray copy"], baselines["mean colour"]
short = (f" The networks are not converged after {train.steps} steps: the comparison between the "
         "two variants is fair, but neither is a good colorizer yet, so this is a statement about "
         "early training." if len(beaten) < len(baselines) else "")
say(f"Measured with {train.steps} steps of batch {train.batch_size} on "
    f"{knobs['image_size']}×{knobs['image_size']} patches, width {knobs['width']}, {n} seeds:",
    "",
    f"- **{accuracy}**: PSNR is higher with skips in {wins['PSNR']} of {n} seeds "
    f"({mean['U-Net with skips', 'PSNR']:.2f} vs {mean['no skips', 'PSNR']:.2f} dB), SSIM in "
    f"{wins['SSIM']} of {n} ({mean['U-Net with skips', 'SSIM']:.3f} vs "
    f"{mean['no skips', 'SSIM']:.3f}).",
    f"- **Blur**: \"without skips → blurry\" {claim}. {kept}",
    f"- **{against}**: the better one, {best}, scores {mean[best, 'PSNR']:.2f} dB PSNR / "
    f"{mean[best, 'SSIM']:.3f} SSIM / edge fidelity {mean[best, 'edge fidelity']:.2f}, against "
    f"{mean_colour['PSNR']:.2f} / {mean_colour['SSIM']:.3f} / {mean_colour['edge fidelity']:.2f} "
    f"for the mean colour and {gray['PSNR']:.2f} / {gray['SSIM']:.3f} / "
    f"{gray['edge fidelity']:.2f} for the gray copy, whose structure is the truth's own gray "
    f"image.{short}")
