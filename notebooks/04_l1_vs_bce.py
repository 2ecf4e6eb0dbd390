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
# # 04 · L1 vs BCE for gray → colour (pix2pix)
#
# Note 003's pix2pix generator minimises `BCE + 100·L1` and claims: **BCE alone** gives realistic but
# wrong images, **L1 alone** gives correct but blurry ones, **both** give correct and realistic ones.
# We train the three, and a fourth with a small L1 weight between them, identically and measure all
# three properties.
#
# **You will learn**
# - what each loss term pulls the generator towards, measured: accuracy (PSNR, SSIM), vividness
#   (colourfulness), detail (sharpness, edge fidelity), realism (a held-out discriminator that never
#   played the game);
# - how the weight λ trades them off (a slider over a precomputed gallery);
# - to compare against trivial baselines before believing any number.
#
# **Task:** colorization in Lab space: the network sees the lightness L and predicts the colour
# channels a, b, so every output has the right structure and only its colours can be wrong.

# %%
# %matplotlib inline
from dataclasses import replace

from gan_course.data import load_dataset
from gan_course.engine import TrainConfig
from gan_course.lessons.colorization import (baseline_colorizations, colorization_metrics,
                                             compare_colorizers)
from gan_course.lessons.report import say
from gan_course.lessons.widgets import gallery_slider
from gan_course.metrics import detail_verdict, realism_accuracy
from gan_course.pix2pix import Pix2PixConfig, colorize
from gan_course.plots import format_table, show_image_rows
from gan_course.runtime import current_profile, describe_runtime, get_device, seed_everything

profile = current_profile()
seed_everything(0)
device = get_device()
print(describe_runtime(profile, device, seed=0))

# %% [markdown]
# ## 1. Four generators, trained identically
#
# Same data, steps, batch, seed and networks (U-Net width 16, 2-layer PatchGAN). Only the
# generator's loss differs: `adversarial` switches the BCE term, `lambda_l1` weighs the L1 term.

# %%
knobs = dict(fast=dict(dataset="photos", image_size=32, n_train=2048, n_test=256, steps=100,
                       width=16),
             full=dict(dataset="stl10", image_size=96, n_train=None, n_test=1000, steps=20_000,
                       width=64))[profile]
train_data = load_dataset(knobs["dataset"], knobs["image_size"], n=knobs["n_train"], seed=0)
test_data = load_dataset(knobs["dataset"], knobs["image_size"], split="test", n=knobs["n_test"],
                         seed=0)
x_test = test_data.float()
base = Pix2PixConfig(dataset=knobs["dataset"], image_size=knobs["image_size"], space="lab",
                     width_G=knobs["width"], width_D=knobs["width"])
variants = {
    "BCE only (λ=0)": replace(base, lambda_l1=0.0),
    "BCE + 1·L1": replace(base, lambda_l1=1.0),
    "BCE + 100·L1": base,
    "L1 only": replace(base, adversarial=False),
}
train = TrainConfig(steps=knobs["steps"], batch_size=16, sample_every=0, checkpoint_every=0)
print(f"{knobs['dataset']}: {len(train_data)} train / {len(test_data)} test at "
      f"{knobs['image_size']}², {train.steps} steps of batch {train.batch_size}")

# %% tags=["nbval-ignore-output"]
runs = compare_colorizers(variants, train, train_data, test_data, seeds=(0,), device=device)
for r in runs:
    print(f"{r.name:<16} {r.seconds:.1f} s")

# %% [markdown]
# ## 2. Accuracy, vividness, detail, realism
#
# **Sharpness** is the high-frequency energy of all outputs together relative to the true images
# (1 = as detailed, below 1 blurrier, above 1 noisier); **edge fidelity** is the correlation of the
# outputs' gradients with the truth's (1 = the truth's edges, 0 = unrelated ones): together they
# tell "blurry" from "noisy" from "right". **Realism** is the held-out accuracy of a fresh small CNN
# trained to tell these outputs from real test images (half the images to train it, the other half
# to score it): 0.5 means it cannot tell, 1.0 means the fakes are obvious. It never took part in
# training, so the generator could not learn to fool *it* in particular. (The truth row's realism is
# 0.5 by definition: real against real.)

# %% tags=["nbval-ignore-output"]
outputs = {r.name: colorize(r.G, x_test, "lab") for r in runs}
outputs.update(baseline_colorizations(x_test, train_data.float()))
columns = ["method", "PSNR", "SSIM", "colourfulness", "sharpness", "edge fidelity", "realism acc."]
rows = [{"method": name, **colorization_metrics(y, x_test),
         "realism acc.": realism_accuracy(x_test, y, seed=0)} for name, y in outputs.items()]
rows.append({"method": "truth", **colorization_metrics(x_test, x_test), "PSNR": float("inf"),
             "realism acc.": 0.5})
print(format_table(rows, columns, decimals=3))

# %%
show = slice(0, 8)
show_image_rows({"truth": x_test[show], **{name: y[show] for name, y in outputs.items()}})

# %% [markdown]
# ## 3. λ, live and precomputed
#
# The slider picks one of the generators trained above (nothing is retrained; in the static book it
# shows its saved position). The gallery below it shows all of them at once, kernel or not.

# %%
gallery = {name: show_image_rows({"truth": x_test[show], name: outputs[name][show]})
           for name in variants}

# %% tags=["nbval-ignore-output"]
gallery_slider(gallery, description="G's loss")

# %%
show_image_rows({name: outputs[name][show] for name in variants})

# %% [markdown]
# ## 4. Does the note's claim hold?
#
# Each part of the claim, checked against the table: "wrong" and "correct" by PSNR, "realistic" by
# the held-out realism accuracy (lower is more realistic), "blurry" by sharpness and edge fidelity.

# %% tags=["nbval-ignore-output"]
by = {r["method"]: r for r in rows}
nets = list(variants)
bce, l1, both = by["BCE only (λ=0)"], by["L1 only"], by["BCE + 100·L1"]
rank = {m: sorted(nets, key=lambda n: by[n][m], reverse=m != "realism acc.")
        for m in ("PSNR", "realism acc.")}  # best first: highest PSNR, lowest realism accuracy
place = {(m, n): f"{rank[m].index(n) + 1} of {len(nets)}" for m in rank for n in nets}
wrong, realistic = bce["PSNR"] < l1["PSNR"], bce["realism acc."] < l1["realism acc."]
correct, blurry = rank["PSNR"][0] == "L1 only", l1["sharpness"] < 0.9
best_both = [rank[m][0] == "BCE + 100·L1" for m in rank]
holds = {0: "**does not hold**", 1: "**holds in part**", 2: "**holds**"}
most_real = rank["realism acc."][0]
say(f"- **BCE alone, \"realistic but wrong\"** {holds[realistic + wrong]}: its PSNR is "
    f"{bce['PSNR']:.2f} dB against {l1['PSNR']:.2f} for L1 alone (rank "
    f"{place['PSNR', 'BCE only (λ=0)']}), and the held-out classifier tells it from real photos "
    f"with accuracy {bce['realism acc.']:.3f} against {l1['realism acc.']:.3f} for L1 alone "
    f"({'more' if realistic else 'less'} realistic; rank "
    f"{place['realism acc.', 'BCE only (λ=0)']} on realism).",
    f"- **L1 alone, \"correct but blurry\"** {holds[correct + blurry]}: it ranks "
    f"{place['PSNR', 'L1 only']} on PSNR ({l1['PSNR']:.2f} dB), and its output is "
    f"{detail_verdict(l1['sharpness'], l1['edge fidelity'])} (sharpness {l1['sharpness']:.2f}, "
    f"edge fidelity {l1['edge fidelity']:.2f}; with BCE + 100·L1: {both['sharpness']:.2f} and "
    f"{both['edge fidelity']:.2f}). Its colourfulness is {l1['colourfulness']:.1f}: "
    f"{'duller' if l1['colourfulness'] < both['colourfulness'] else 'no duller'} than with the "
    f"BCE term ({both['colourfulness']:.1f}; the truth: {by['truth']['colourfulness']:.1f}).",
    f"- **Both, \"correct and realistic\"** {holds[sum(best_both)]}: BCE + 100·L1 ranks "
    f"{place['PSNR', 'BCE + 100·L1']} on PSNR and {place['realism acc.', 'BCE + 100·L1']} on "
    f"realism; the most accurate generator is {rank['PSNR'][0]}, the most realistic {most_real} "
    f"(realism accuracy {by[most_real]['realism acc.']:.3f}).")

# %% [markdown]
# ## 5. Exercises
#
# 1. Which generator is the most colourful? (Type its name as in the table.)
# 2. At λ = 100, how many times larger is the L1 term's weight than the BCE term's?

# %%
answer_1 = max(variants, key=lambda n: by[n]["colourfulness"])
answer_2 = 100

# %%
most_colourful = max(variants, key=lambda n: by[n]["colourfulness"])
print("exercise 1:", "✓" if answer_1 == most_colourful else "✗")
print("exercise 2:", "✓" if answer_2 == base.lambda_l1 else "✗")

# %% [markdown]
# ## Summary
#
# Written by code from the table above, on every run. The `full` profile on a GPU (STL-10, many more
# steps) is where the converged trade-off should be judged.

# %% tags=["nbval-ignore-output"]
baselines = ("gray copy", "mean colour")
below = {m: [n for n in nets if by[n][m] < max(by[b][m] for b in baselines)]
         for m in ("PSNR", "SSIM")}  # generators that lose to the better baseline
ssim_best = max([n for n in by if n != "truth"], key=lambda n: by[n]["SSIM"])
unconverged = (f" A generator that loses to a baseline that learned nothing is not converged: "
               f"after {train.steps} steps these are colorizers at the very start of training, "
               "and the verdicts above describe early training, not the converged trade-off."
               if below["PSNR"] or below["SSIM"] else "")
looks = {}  # what sharpness and edge fidelity say → the generators they say it of
for n in nets:
    looks.setdefault(detail_verdict(by[n]["sharpness"], by[n]["edge fidelity"]), []).append(
        f"{n} ({by[n]['sharpness']:.2f}, {by[n]['edge fidelity']:.2f})")
detail = "; ".join(f"{verdict}: {', '.join(names)}" for verdict, names in looks.items())
say(f"Measured with {train.steps} steps of batch {train.batch_size} on "
    f"{knobs['image_size']}×{knobs['image_size']} patches, one seed:",
    "",
    f"- **Against the trivial baselines** (gray copy {by['gray copy']['PSNR']:.2f} dB / "
    f"{by['gray copy']['SSIM']:.3f} SSIM, mean colour {by['mean colour']['PSNR']:.2f} dB / "
    f"{by['mean colour']['SSIM']:.3f}): below the better baseline on PSNR: "
    f"{', '.join(below['PSNR']) or 'none'}; on SSIM: {', '.join(below['SSIM']) or 'none'}. The "
    f"highest SSIM of all is the {ssim_best}'s ({by[ssim_best]['SSIM']:.3f}): SSIM mostly rewards "
    f"the lightness structure every method copies from its input.{unconverged}",
    f"- **Realism**: the most realistic generator, {most_real}, is still told from real photos "
    f"with accuracy {by[most_real]['realism acc.']:.3f}"
    + (": every generator is easy to spot." if by[most_real]["realism acc."] > 0.75 else "."),
    f"- **Detail** (sharpness, edge fidelity): {detail}.")
