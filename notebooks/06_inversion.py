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
# # 06 · Deconstruct and reconstruct: the encoder–decoder GAN and GAN inversion
#
# Note 000 builds its own GAN that *deconstructs* an image into a feature tensor f ∈ ℝ^(C×H×W) with a
# convolutional encoder and *reconstructs* it with a transposed-convolution decoder, trained with
# adversarial BCE + L1 (+ optional feature matching), "stabilised by reduced discriminator capacity,
# a gradient penalty and a lower generator learning rate", with "skip connections for stability".
# It reports that the GAN "quickly captures coarse structure and colours". This notebook measures it.
#
# **You will learn**
# - how much a learned bottleneck keeps, judged against codecs that learned nothing (bicubic down/up,
#   JPEG) at the *same number of bytes*;
# - whether skip connections from encoder to decoder make the bottleneck meaningless;
# - what a gradient penalty and feature matching change, in stability statistics and quality;
# - three ways to invert a *pretrained* generator (find z with G(z) ≈ x) and what each costs.

# %%
# %matplotlib inline
from dataclasses import replace

import torch

from gan_course.compression import bicubic_roundtrip, jpeg_roundtrip
from gan_course.data import load_dataset
from gan_course.encoder_decoder import EncoderDecoderConfig, reconstruct
from gan_course.engine import TrainConfig, trainer_for
from gan_course.evaluation import stability
from gan_course.lessons.experiments import train_variants
from gan_course.lessons.reconstruction import (codec_rows, compare_inversions, rate_distortion_rows,
                                               reconstruction_metrics)
from gan_course.lessons.report import say
from gan_course.metrics import detail_verdict
from gan_course.plots import format_table, plot_history, plot_rate_distortion, show_image_rows
from gan_course.runtime import current_profile, describe_runtime, get_device, seed_everything
from gan_course.shipped import load_shipped_dcgan, load_shipped_latent_encoder

profile = current_profile()
seed_everything(0)
device = get_device()
print(describe_runtime(profile, device, seed=0))

# %% [markdown]
# ## 1. The model: image → f → image
#
# Note 000's encoder has 4 downsampling blocks (4×4 convolutions of stride 2, BatchNorm, LeakyReLU), so
# a 32×32 image becomes f of C×2×2; a 1×1 convolution sets C. The decoder mirrors it with transposed
# convolutions and ends in Tanh. D is a DCGAN discriminator of half the encoder's width (the note's
# "reduced capacity"). Every number below is computed from the modules.

# %%
config = EncoderDecoderConfig.for_profile(profile)  # fast: 32×32 photo patches; full: CIFAR-10
train_data = load_dataset(config.dataset, config.image_size)
test_data = load_dataset(config.dataset, config.image_size, split="test")
x_test = test_data.float()[:256]
G, D = config.build()
print(f"{train_data}\nheld out: {test_data} (first {len(x_test)} scored)")
with torch.no_grad():
    f, skip_maps = G.encoder(x_test[:2])  # (2, C, H, W) and the 4 blocks' maps
print(f"x {tuple(x_test.shape[1:])} → f {tuple(f.shape[1:])}: {f[0].numel()} numbers for "
      f"{x_test[0].numel()} pixel values")
count = lambda m: f"{sum(p.numel() for p in m.parameters()):,}"  # noqa: E731
print(f"parameters: encoder {count(G.encoder)}, decoder {count(G.decoder)}, D {count(D)}")

# %% [markdown]
# ## 2. How much does the bottleneck keep?
#
# Three sizes of f, all with C = 12 channels: 4, 3 and 2 blocks. To compare with a codec, f is
# stored as 8-bit values (plus 8 bytes for its range) and the decoder works from the rounded f. The
# codecs get the same budgets: bicubic ÷8, ÷4 and ÷2 of a 32×32 RGB image keep exactly as many
# bytes as f has numbers in the 4-, 3- and 2-block models; JPEG gets the highest quality whose
# entropy-coded payload fits (its shared table headers are not counted, in its favour). Bicubic ÷16
# and ÷32 (÷32 is the image's mean colour) show what "coarse structure and colours" is worth.

# %%
knobs = dict(fast=dict(steps=150, batch_size=16, lr_G=1e-3, lr_D=2e-4),
             full=dict(steps=30_000, batch_size=64, lr_G=1e-4, lr_D=2e-4))[profile]
train = TrainConfig.for_profile(profile, sample_every=0, checkpoint_every=0, log_every=10, **knobs)
sizes = {f"{4 - i} blocks": replace(config, depth=4 - i) for i in range(3)}  # f: 12×2×2 … 12×8×8
make_trainer = lambda c, t: trainer_for(c, t, train_data, device=device,  # noqa: E731
                                                   progress=False)
score = lambda c, G: reconstruction_metrics(reconstruct(G, x_test), x_test)  # noqa: E731
print(f"{train.steps} steps of batch {train.batch_size}, lr_G {train.lr_G}, lr_D {train.lr_D}, "
      f"λ_L1 {config.lambda_l1}")

# %% tags=["nbval-ignore-output"]
size_runs = train_variants(sizes, make_trainer, score, train)
for r in size_runs:
    print(f"{r.name}: {r.seconds:.1f} s")

# %% tags=["nbval-ignore-output"]
rd_rows = rate_distortion_rows(size_runs, x_test) + codec_rows(
    x_test, jpeg_budgets=(48, 192, 768), bicubic_factors=(2, 4, 8, 16, 32))
print(format_table(rd_rows, ["family", "method", "bytes", "PSNR", "SSIM"], decimals=3))
plot_rate_distortion(rd_rows)

# %%
show_image_rows({"original": x_test[:10],
                 **{f"GAN, {r.name}": reconstruct(r.G, x_test[:10]) for r in size_runs},
                 "bicubic ÷4 (192 B)": bicubic_roundtrip(x_test[:10], 4)[0],
                 "JPEG ≤ 192 B": jpeg_roundtrip(x_test[:10], 192)[0]})

# %% tags=["nbval-ignore-output"]
family = lambda name: sorted((r["bytes"], r["PSNR"]) for r in rd_rows  # noqa: E731
                             if r["family"].startswith(name))
gan, bicubic, jpeg = family("GAN"), family("bicubic")[2:], family("JPEG")  # bicubic: 48, 192, 768 B
rises = all(a[1] < b[1] for a, b in zip(gan, gan[1:]))
margins = [b[1] - g[1] for g, b in zip(gan, bicubic)]  # bicubic's lead at the same bytes, dB
mean_colour = next(r["PSNR"] for r in rd_rows if r["method"] == "bicubic ÷32")
above_mean = [f"{g[0]:.0f} B" for g in gan if g[1] > mean_colour]
smallest = size_runs[0]
say(f"- GAN PSNR {'rises' if rises else 'does not rise steadily'} with the size of f: "
    + " → ".join(f"{p:.2f}" for _, p in gan) + " dB.",
    (f"- At every size, bicubic down/up with the same bytes is better, by "
     f"{min(margins):.1f}–{max(margins):.1f} dB" if min(margins) > 0 else
     f"- Bicubic with the same bytes is better at {sum(m > 0 for m in margins)} of {len(gan)} "
     "sizes")
    + f"; JPEG reaches {', '.join(f'{p:.1f}' for _, p in jpeg)} dB within the same budgets.",
    f"- The 3-byte mean colour scores {mean_colour:.2f} dB; the GAN sizes above it: "
    f"{', '.join(above_mean) or 'none'}."
    + ("" if f"{gan[0][0]:.0f} B" in above_mean else
       f" The model with {smallest.name} (note 000's f) does not even beat it."),
    (f"- After {train.steps} steps the learned bottleneck loses to codecs that learned nothing: "
     "it is not converged, and \"captures coarse structure and colours\" holds only in the "
     "weakest sense." if min(margins) > 0 else ""))

# %% [markdown]
# ## 3. Do skip connections bypass the bottleneck?
#
# Note 000 adds skip connections "for stability". In a U-Net (notebook 02) skips carry the input's
# detail to the output — which is exactly what an image → f → image model must *not* do if f is to be
# the representation. Test: train the 4-block model with skips, then replace f by zeros at test time.
# Without skips the output cannot depend on the image any more; with skips it may survive.

# %% tags=["nbval-ignore-output"]
skip_runs = train_variants({"4 blocks + skips": replace(config, skips=True)}, make_trainer, score,
                           train)
rows = []
for r in [size_runs[0], skip_runs[0]]:
    counts = r.G.values_to_decoder(config.image_size)
    zeroed = reconstruction_metrics(reconstruct(r.G, x_test, zero_bottleneck=True), x_test)
    rows.append({"model": r.name, "numbers via f": counts["f"], "via skips": counts["skips"],
                 "PSNR": r.metrics["PSNR"], "PSNR, f = 0": zeroed["PSNR"],
                 "SSIM, f = 0": zeroed["SSIM"]})
print(format_table(rows, list(rows[0]), decimals=3))
print(f"(the image itself is {x_test[0].numel()} numbers)")

# %% tags=["nbval-ignore-output"]
plain, skipped = rows
unchanged = abs(skipped["PSNR, f = 0"] - skipped["PSNR"]) < 0.5
destroyed = plain["PSNR"] - plain["PSNR, f = 0"] > 3
say(f"- With skips the model reconstructs at {skipped['PSNR']:.1f} dB, against {plain['PSNR']:.1f} "
    f"without — and at {skipped['PSNR, f = 0']:.1f} dB with f replaced by zeros "
    f"({'unchanged' if unchanged else 'a change'}): {skipped['via skips']:,} numbers flow through "
    f"the skips, {'more' if skipped['via skips'] > x_test[0].numel() else 'fewer'} than the "
    f"image's own {x_test[0].numel():,}.",
    f"- Without skips, zeroing f takes PSNR from {plain['PSNR']:.1f} to {plain['PSNR, f = 0']:.1f} "
    f"dB{': it destroys the output' if destroyed else ''}.",
    "- So note 000's \"skip connections for stability\" undo its \"deconstruction\": the image "
    "never has to pass through f." if unchanged and destroyed else
    "- The skips do not bypass f entirely in this run.")

# %%
show_image_rows({"original": x_test[:10],
                 "no skips, f = 0": reconstruct(size_runs[0].G, x_test[:10], zero_bottleneck=True),
                 "skips": reconstruct(skip_runs[0].G, x_test[:10]),
                 "skips, f = 0": reconstruct(skip_runs[0].G, x_test[:10], zero_bottleneck=True)})

# %% [markdown]
# ## 4. Gradient penalty and feature matching
#
# The note's stabilisers, each switched on and off on the 4-block model (the run without any is
# section 2's). The fast profile trains G with a *higher* learning rate than D (1e-3 vs 2e-4: 150
# steps leave no time otherwise); the last row tries the note's "lower learning rate for the
# generator". The penalty is R1 (Mescheder et al. 2018): γ/2 · E‖∇ₓD(x)‖² on real images, the
# zero-centred penalty that suits the BCE loss. Feature matching adds ‖mean D-features(x) − mean
# D-features(x̂)‖² to G's loss. Stability statistics come from the loss history (second half of
# training): loss variances, loss_G spikes (> 3 running standard deviations) and the gap D(x) − D(x̂).

# %% tags=["nbval-ignore-output"]
stabilisers = {"R1 γ=1": replace(config, r1_gamma=1.0),
               "feature matching": replace(config, feature_matching=1.0),
               "R1 + feature matching": replace(config, r1_gamma=1.0, feature_matching=1.0)}
stab_runs = [replace(size_runs[0], name="neither")]
stab_runs += train_variants(stabilisers, make_trainer, score, train)
stab_runs += train_variants({f"lower lr_G ({train.lr_D / 2:g})": config}, make_trainer, score,
                            replace(train, lr_G=train.lr_D / 2))
stab_rows = [{"stabiliser": r.name, **r.metrics, **stability(r.history)} for r in stab_runs]
print(format_table(stab_rows, ["stabiliser", "PSNR", "SSIM", "sharpness", "edge fidelity",
                               "var_loss_D", "var_loss_G", "spikes", "gap_D"], decimals=3))

# %% tags=["nbval-ignore-output"]
by = {r["stabiliser"]: r for r in stab_rows}
none, r1, fm = by["neither"], by["R1 γ=1"], by["feature matching"]
low_lr = stab_rows[-1]
psnr_change = max(abs(r["PSNR"] - none["PSNR"]) for r in stab_rows[1:4])
looks = {}  # what sharpness and edge fidelity say → the runs they say it of
for r in stab_rows:
    looks.setdefault(detail_verdict(r["sharpness"], r["edge fidelity"]), []).append(
        f"{r['stabiliser']} ({r['sharpness']:.2f}, {r['edge fidelity']:.2f})")
say(f"- **R1** {'lowers' if r1['var_loss_D'] < none['var_loss_D'] else 'does not lower'} the "
    f"variance of loss_D (÷{none['var_loss_D'] / r1['var_loss_D']:.1f}) and "
    f"{'narrows' if r1['gap_D'] < none['gap_D'] else 'does not narrow'} D's real-vs-reconstructed "
    f"gap ({none['gap_D']:.2f} → {r1['gap_D']:.2f}); R1, feature matching or both change PSNR by "
    f"at most {psnr_change:.2f} dB.",
    f"- **Feature matching** makes G's loss {fm['var_loss_G'] / none['var_loss_G']:.1f}× as "
    f"variable, sharpness {fm['sharpness'] / none['sharpness']:.1f}× that without it, edge "
    f"fidelity {none['edge fidelity']:.2f} → {fm['edge fidelity']:.2f}, SSIM "
    f"{fm['SSIM'] - none['SSIM']:+.3f}.",
    f"- The note's **lower generator learning rate** gives {low_lr['PSNR']:.1f} dB PSNR, against "
    f"{none['PSNR']:.1f} without: at this budget it "
    f"{'only slows G down' if low_lr['PSNR'] < none['PSNR'] else 'does not hurt'}.",
    "- **Detail** (sharpness, edge fidelity): "
    + "; ".join(f"{verdict}: {', '.join(names)}" for verdict, names in looks.items()) + ".")

# %%
plot_history(stab_runs[0].history, smooth=10)

# %%
plot_history(stab_runs[1].history, smooth=10)

# %% [markdown]
# ## 5. Inverting a pretrained generator
#
# The other road from an image to a representation: take a trained unconditional G (the shipped digits
# DCGAN of notebook 05) and search for the z with G(z) ≈ x. Three ways, on the same images:
#
# - **optimise z**: Adam on z for the pixel MSE, from a random start;
# - **encoder**: a network E: x → z trained on G's own samples (shipped in `data/`; its training is a
#   one-off cost, paid by `gan-course ship`), one forward pass;
# - **hybrid**: start from E(x), then optimise.
#
# Targets are G's own samples (a z that reproduces them exactly exists) and real held-out digits (it
# may not). Times are wall-clock per image with the whole batch processed at once.

# %%
G_dcgan, _, dcgan_config = load_shipped_dcgan()
E = load_shipped_latent_encoder()
inv_knobs = dict(fast=dict(n=32, steps=100, hybrid_steps=50),
                 full=dict(n=256, steps=1000, hybrid_steps=300))[profile]
with torch.no_grad():
    z = torch.randn(inv_knobs["n"], dcgan_config.z_dim, generator=torch.Generator().manual_seed(7))
    samples = G_dcgan(z)
digits = load_dataset("digits", dcgan_config.image_size, split="test", channels=1).float()
digits = digits[:inv_knobs["n"]]
targets = {"G's samples": samples, "real digits": digits}

# %% tags=["nbval-ignore-output"]
inversions, inversion_rows = {}, []
for target, x in targets.items():
    rows, inversions[target] = compare_inversions(G_dcgan, E, x, steps=inv_knobs["steps"],
                                                  hybrid_steps=inv_knobs["hybrid_steps"])
    inversion_rows += [{"target": target, **row} for row in rows]
print(format_table(inversion_rows, ["target", "method", "steps", "PSNR", "MSE", "ms/image"],
                   decimals=4))

# %%
inversion_rows_shown = {}  # one figure, both targets: the target row, then each method's G(z)
for target, x in targets.items():
    inversion_rows_shown[target] = x[:10]
    for method, inv in inversions[target].items():
        inversion_rows_shown[f"{target}: {method}"] = inv.x_hat[:10]
show_image_rows(inversion_rows_shown)

# %%
methods = ("optimise z", "encoder", "hybrid")
psnr_of = {(r["target"], r["method"]): r["PSNR"] for r in inversion_rows}
ranking = {t: sorted(methods, key=lambda m: -psnr_of[t, m]) for t in targets}
harder = [m for m in methods if psnr_of["real digits", m] < psnr_of["G's samples", m]]
say([f"- {t}: best PSNR **{ranking[t][0]}** ({psnr_of[t, ranking[t][0]]:.1f} dB), worst "
     f"**{ranking[t][-1]}** ({psnr_of[t, ranking[t][-1]]:.1f} dB)." for t in targets],
    f"- Real digits are harder to reach than G's own samples for {len(harder)} of {len(methods)} "
    "methods" + (": G cannot make every real digit." if len(harder) == len(methods) else "."))

# %% [markdown]
# ## 6. Exercises
#
# 1. How many numbers does f hold in the 3-block model?
# 2. With skips, how many numbers reach the decoder in all (through f and the skips)? More or fewer
#    than the image's own 3,072?

# %%
answer_1 = 12 * 4 * 4
answer_2 = 48 + 7680

# %%
print("exercise 1:", "✓" if answer_1 == size_runs[1].G.values_to_decoder(32)["f"] else "✗")
print("exercise 2:", "✓" if answer_2 == sum(skip_runs[0].G.values_to_decoder(32).values()) else "✗")

# %% [markdown]
# ## Summary
#
# Written by code from the tables above, on every run. The `full` profile (CIFAR-10, many more steps
# on a GPU) is where a GAN codec has to prove it is worth its bytes.

# %% tags=["nbval-ignore-output"]
ms = {(r["target"], r["method"]): r["ms/image"] for r in inversion_rows}
speedup = min(ms[t, m] / ms[t, "encoder"] for t in targets for m in ("optimise z", "hybrid"))
noisy = [r["stabiliser"] for r in stab_rows if r["sharpness"] > 1.1 and r["edge fidelity"] < 0.5]
blurred = [r["stabiliser"] for r in stab_rows if r["sharpness"] < 0.9]
say(f"Measured with {train.steps} steps of batch {train.batch_size} on {config.image_size}×"
    f"{config.image_size} photo patches, one seed:",
    "",
    f"- **The learned bottleneck {'keeps less than' if min(margins) > 0 else 'competes with'} a "
    f"codec that learned nothing.** Bicubic with the same bytes leads by "
    f"{min(margins):.1f}–{max(margins):.1f} dB; the model with {smallest.name} "
    f"{'beats' if f'{gan[0][0]:.0f} B' in above_mean else 'does not beat'} the 3-byte mean colour"
    + (". The run is short and the codec not converged." if min(margins) > 0 else "."),
    f"- **Skips:** {skipped['PSNR']:.1f} dB with skips, {skipped['PSNR, f = 0']:.1f} dB with "
    f"f = 0; without skips {plain['PSNR']:.1f} → {plain['PSNR, f = 0']:.1f} dB"
    + (": with skips the bottleneck is decoration." if unchanged and destroyed else "."),
    f"- **R1** divides the variance of loss_D by {none['var_loss_D'] / r1['var_loss_D']:.1f}; R1, "
    f"feature matching or both move PSNR by at most {psnr_change:.2f} dB. **Feature matching** "
    f"makes G's loss {fm['var_loss_G'] / none['var_loss_G']:.1f}× as variable and its output "
    f"{detail_verdict(fm['sharpness'], fm['edge fidelity'])}.",
    "- **Blur or noise?** Note 000 reports \"some blurring\". "
    + (f"Blurrier than the truth: {', '.join(blurred)}. " if blurred else "No run is blurrier than "
       "the truth. ")
    + (f"Noisy (more high-frequency energy than the truth on edges mostly unrelated to it): "
       f"{', '.join(noisy)}." if noisy else "No run is noisy by both measures."),
    f"- **Inverting a pretrained G:** the encoder is at least {speedup:.0f}× faster than the "
    f"optimising methods and ranks {ranking['real digits'].index('encoder') + 1} of "
    f"{len(methods)} on real digits; {ranking['real digits'][0]} is the most accurate.")
