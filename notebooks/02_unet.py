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
# # 02 · Why skips keep detail: the U-Net
#
# A U-Net *deconstructs* an image down to a small bottleneck and *reconstructs* it back up. A
# 32×32 image squeezed into 2×2 cells cannot come back with its edges: every decoder level has to
# guess the detail the encoder threw away. Skip connections hand each decoder level the encoder's
# map of the same size, so the detail never has to pass through the bottleneck.
#
# > **Claim** (note 003): without the skip connections "fine details are lost … result: blurry
# > output"; with them, "sharp output images with preserved details".
#
# **You will learn**
# - how the U-Net's shapes go 96 → 6 → 96 and what a skip concatenates, in the package's code;
# - to tell *blurry* from *noisy* from *right* with two measures read together: sharpness and edge
#   fidelity;
# - how much of the output the skips carry on their own (the bottleneck set to zero), and when
#   skips do not matter.

# %%
# %matplotlib inline
import inspect

from gan_course.data import load_dataset
from gan_course.engine import TrainConfig, trainer_for
from gan_course.lessons.code_exercises import check
from gan_course.lessons.colorization import (
    baseline_colorizations, colorizer_rows, shipped_colorizations)
from gan_course.lessons.report import say
from gan_course.metrics import detail_verdict
from gan_course.pix2pix import colorize
from gan_course.plots import format_table, plot_unet, show_image_rows
from gan_course.runtime import (
    current_profile, describe_runtime, get_device, seed_everything,
    set_threads)
from gan_course.shipped import load_shipped_variants
from gan_course.unet import UNetGenerator, unet_trace

profile = current_profile()
seed_everything(0)
device = get_device()
# one CPU thread (GAN_COURSE_THREADS to change): it holds up on a busy
# machine, and trained numbers depend on the count; one gives the stored ones
threads = set_threads(device)
print(describe_runtime(profile, device, seed=0, threads=threads))

# %% [markdown]
# **The idea in one picture**, drawn from the package's U-Net (the shapes come from a real
# forward pass): the image goes down to a 6×6 bottleneck and back up; the dashed arrows are the
# skips, which carry each encoder map straight across to the decoder level of the same size.

# %%
plot_unet(unet_trace(UNetGenerator(1, 3, depth=4, width=32), 96))

# %% [markdown]
# ## 1. The U, shape by shape
#
# Four 4×4 stride-2 convolutions halve the image; four transposed ones double it back. With skips,
# each decoder level receives the encoder's map of the same size, concatenated on channels (⊕).
# Note 003's 96×96 example:

# %%
for name, shape in unet_trace(UNetGenerator(1, 3, depth=4, width=32), 96):
    print(f"{name:<24} {shape}")

# %% [markdown]
# The package's forward pass. `feats` keeps every encoder output; on the way up, `torch.cat`
# joins the decoder's map with the encoder's map of the same size (`feats[-1 - j]`). The
# `zero_bottleneck` switch is used in section 5.

# %%
print(inspect.getsource(UNetGenerator.forward))

# %%
n_params = {skips: sum(p.numel() for p in
                       UNetGenerator(1, 3, 4, 32, skips=skips).parameters())
            for skips in (True, False)}
trace = dict(unet_trace(UNetGenerator(1, 3, depth=4, width=32, skips=False),
                        96))
say(f"- Without skips the decoder rebuilds the {trace['output']} output "
    f"from the {trace['down 4']} bottleneck alone.",
    f"- Parameters: {n_params[True]:,} with skips, {n_params[False]:,} "
    "without: the skips make the network "
    f"{100 * (n_params[True] / n_params[False] - 1):.0f} % "
    "larger, so the comparison is \"the architecture with skips vs without\".")

# %% [markdown]
# ## 2. The task and the data
#
# Gray → colour, where the network must output all three RGB channels: it sees the gray image and
# has to carry the whole picture, edges included, from input to output. The models were trained
# on CIFAR-10's 50,000 photos (`gan-course ship colorizers-cifar10-32`: L1 loss, 2,500 steps of
# batch 32, U-Net width 16; the weights ship, the images do not) and are tested on crops of three
# photos none of them saw.

# %%
photos = load_dataset("photos", 32, split="test").float()
# other photos: the mean colour
train_photos = load_dataset("photos", 32).float()
gray = baseline_colorizations(photos, train_photos)["gray copy"]
print(f"{len(photos)} held-out 32×32 crops of scikit-image's coffee, flower, "
      "Grace Hopper")
show_image_rows({"truth": photos[:8], "what G sees": gray[:8]})

# %% [markdown]
# ## 3. The converged result
#
# PSNR and SSIM: closeness to the truth. **Sharpness**: the high-frequency energy (squared
# Laplacian) of all outputs together over that of the truth: 1 = as detailed, below 1 blurrier,
# above 1 noisier. **Edge fidelity**: the correlation between the outputs' and the truth's
# gradients over every pixel: 1 = the truth's edges, 0 = edges unrelated to the truth. Sharpness
# alone cannot tell detail from noise; the two together can. Baselines: the gray image, and the
# gray image's lightness with the mean colour of other photos.

# %%
cifar = load_shipped_variants("colorizers-cifar10-32")
unets = {"with skips": "L1, RGB from gray",
         "no skips": "L1, RGB from gray, no skips"}
outputs = {label: y for label, y in zip(
    unets, shipped_colorizations(cifar, list(unets.values()), photos).values())}
outputs |= baseline_colorizations(photos, train_photos)
rows = colorizer_rows(outputs, photos)
columns = ["method", "PSNR", "SSIM", "sharpness", "edge fidelity"]
print(format_table(rows, columns, decimals=3))
show_image_rows({"truth": photos[:8],
                 **{label: outputs[label][:8] for label in unets}})

# %%
by = {r["method"]: r for r in rows}
skip, noskip = by["with skips"], by["no skips"]
claim = ("**holds**" if noskip["sharpness"] < 0.9 and
         noskip["sharpness"] < skip["sharpness"] else "**does not hold**")
say(f"- With skips the output is "
    f"{detail_verdict(skip['sharpness'], skip['edge fidelity'])} (sharpness "
    f"**{skip['sharpness']:.2f}**, edge fidelity "
    f"**{skip['edge fidelity']:.2f}**, "
    f"PSNR {skip['PSNR']:.2f} dB).",
    f"- Without skips it is "
    f"{detail_verdict(noskip['sharpness'], noskip['edge fidelity'])} "
    f"(sharpness **{noskip['sharpness']:.2f}**, edge fidelity "
    f"**{noskip['edge fidelity']:.2f}**, "
    f"PSNR {noskip['PSNR']:.2f} dB).",
    f"- So \"without skips → blurry\" {claim} on converged models. "
    "The gray copy "
    f"scores {by['gray copy']['PSNR']:.2f} dB: "
    + ("the U-Net with skips beats it."
       if skip["PSNR"] > by["gray copy"]["PSNR"] else
       "even the U-Net with skips does not beat it on PSNR."))

# %% [markdown]
# ## 4. When the input already carries the detail
#
# On the palette digits of notebook 04 (gray digits painted in one of five colours of equal
# lightness) the colorizers work in Lab: they predict only the colour channels a, b, and the
# lightness L, with all the edges, is copied from the input. Do skips still matter there?

# %%
palette = load_shipped_variants("colorizers-palette-32")
digits = load_dataset("palette", 32, split="test").float()
pairs = ["L1", "L1, no skips", "BCE + 100·L1", "BCE + 100·L1, no skips"]
painted = shipped_colorizations(palette, pairs, digits)
palette_rows = colorizer_rows(painted, digits, palette=True)
print(format_table(palette_rows, ["method", "PSNR", "sharpness",
                                  "edge fidelity", "on palette"], decimals=2))
show = list(range(0, 40, 5))
show_image_rows({"truth": digits[show],
                 **{name: y[show] for name, y in painted.items()}})

# %%
pby = {r["method"]: r for r in palette_rows}
gaps = {name: (pby[name]["PSNR"] - pby[name + ", no skips"]["PSNR"],
               pby[name]["on palette"] - pby[name + ", no skips"]["on palette"])
        for name in ("L1", "BCE + 100·L1")}
small = all(abs(dp) < 0.5 and abs(do) < 0.1 for dp, do in gaps.values())
say(*(f"- **{name}**: skips change PSNR by {dp:+.2f} dB and the share on "
      f"the palette by {100 * do:+.0f} points."
      for name, (dp, do) in gaps.items()),
    "- So skips matter when the network must carry the image through the U; "
    + ("when the input hands the detail over (L copied in Lab), the U-Net "
       "without skips does about as well." if small
       else "here they matter even with L copied."))

# %% [markdown]
# ## 5. What do the skips carry on their own?
#
# Set the bottleneck to zero and run the same networks. Without skips nothing is left of the
# input: every image gets the same output. With skips, whatever survives came through them alone.

# %%
zeroed = {label + ", bottleneck = 0":
          colorize(cifar[name].G, photos, "gray", zero_bottleneck=True)
          for label, name in unets.items()}
zero_rows = colorizer_rows({"with skips": outputs["with skips"], **zeroed},
                           photos)
print(format_table(zero_rows, columns, decimals=3))
show_image_rows({"truth": photos[:8], **{k: y[:8] for k, y in zeroed.items()}})

# %%
zby = {r["method"]: r for r in zero_rows}
cut = zby["with skips, bottleneck = 0"]
if cut["PSNR"] >= skip["PSNR"]:
    carried = ("the skips carry the whole picture; the bottleneck adds "
               "nothing measurable.")
elif cut["PSNR"] > by["gray copy"]["PSNR"] - 3:
    carried = ("the skips carry most of the picture, the bottleneck adds "
               "the rest.")
else:
    carried = ("the network relies on its bottleneck too; the skips alone "
               "are not enough.")
say(f"- With the bottleneck zeroed the U-Net with skips still scores "
    f"{cut['PSNR']:.2f} dB (edge fidelity {cut['edge fidelity']:.2f}), against "
    f"{skip['PSNR']:.2f} dB intact: {carried}",
    f"- Without skips the zeroed network scores "
    f"{zby['no skips, bottleneck = 0']['PSNR']:.2f} dB: "
    "one output for every input.")

# %% [markdown]
# ## 6. A short live run
#
# The shipped models trained for minutes on 50,000 photos. Here both variants train for 100 steps
# on crops of the embedded photos, so you can watch the difference appear (and change a knob:
# `steps`, `skips`). These numbers depend on the machine.

# %% tags=["nbval-ignore-output"]
live_train = TrainConfig(steps=100, batch_size=32, sample_every=0,
                         checkpoint_every=0)
live = {}
for label, name in unets.items():
    config = cifar[name].config
    trainer = trainer_for(config, live_train, load_dataset("photos", 32),
                          device=device, progress=False)
    trainer.fit()
    live[label + ", 100 steps"] = colorize(trainer.G, photos, "gray")
print(format_table(colorizer_rows(live, photos), columns, decimals=3))
show_image_rows({"truth": photos[:8], **{k: y[:8] for k, y in live.items()}})

# %% [markdown]
# ## 7. Exercises
#
# Write each function in its cell and run the cell: the check under it prints ✓ when every case
# is right, or ✗ with the first case it got wrong and a hint. The cases come from the package and
# PyTorch themselves; reference solutions are in `gan_course/lessons/solutions.py` (try first).
#
# 1. `bottleneck_numbers(size, depth, width)`: how many numbers the U-Net's bottleneck holds for a
#    size×size input (read the trace of section 1: channels and side at `down {depth}`).
# 2. `psnr(y, x)`: the PSNR in dB of every image of y against x, both (N, C, H, W) in [-1, 1], as a
#    tensor of N values (the tables' PSNR).

# %%
def bottleneck_numbers(size, depth, width):
    return ...  # your code


check("bottleneck_numbers", bottleneck_numbers)

# %%
def psnr(y, x):
    return ...  # your code


check("psnr", psnr)

# %% [markdown]
# ## Summary
#
# Written by code from the tables above. Notebook 06 returns to skips from the other side: in an
# encoder–decoder meant to *compress*, they let the network bypass its bottleneck entirely.

# %%
say("- On converged colorizers that must carry the whole image "
    "(RGB from gray), the U-Net without skips is "
    f"{detail_verdict(noskip['sharpness'], noskip['edge fidelity'])}"
    f" (sharpness {noskip['sharpness']:.2f}) and the one with skips "
    f"{detail_verdict(skip['sharpness'], skip['edge fidelity'])} "
    f"({skip['sharpness']:.2f}): note 003's claim {claim}.",
    "- With the bottleneck zeroed, the skips alone still give "
    f"{cut['PSNR']:.2f} dB ({skip['PSNR']:.2f} intact).",
    "- Where the input already carries the detail (Lab: L copied), "
    "skips change PSNR by "
    + " and ".join(f"{dp:+.2f} dB ({name})"
                   for name, (dp, _) in gaps.items()) + ".")
