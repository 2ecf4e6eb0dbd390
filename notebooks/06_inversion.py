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
# **The question.** Can a network squeeze a photo into a small feature tensor f and rebuild the
# photo from it, and does training it against a discriminator make the rebuilt photo better? And
# from the other side: given a generator that has already learned to draw, can we find the z it
# would need to draw a given image?
#
# > **Claim** (note 000): a GAN of its own *deconstructs* an image into a feature tensor
# > f ∈ ℝ^(C×H×W) with a convolutional encoder and *reconstructs* it with a transposed-convolution
# > decoder, trained with adversarial BCE + L1 (+ optional feature matching), "stabilised by
# > reduced discriminator capacity, a gradient penalty and a lower generator learning rate", with
# > "skip connections for stability". It "quickly captures coarse structure and colours", with
# > "some blurring".
#
# This notebook measures that on models trained to convergence, beside an **L1-only autoencoder**
# of the same shape (the same network without D): whatever the GAN does better or worse than that
# control is the adversarial loss's doing. Of the three stabilisers it tests two, the gradient
# penalty and feature matching; section 1 says why not the third.
#
# **You will learn**
# - how much a learned bottleneck keeps, judged against codecs that learned nothing (bicubic
#   down/up, JPEG) at the *same number of bytes*;
# - whether the GAN's output is blurred, as the note says, or something else;
# - whether skip connections from encoder to decoder make the bottleneck meaningless;
# - what a gradient penalty and feature matching change, in stability statistics and quality;
# - three ways to invert a *pretrained* generator (find z with G(z) ≈ x) and what each costs.

# %%
# %matplotlib inline
import inspect

import torch

from gan_course.compression import bicubic_roundtrip
from gan_course.data import load_dataset
from gan_course.encoder_decoder import (
    EncoderDecoder, EncoderDecoderObjective, FeatureDecoder, FeatureEncoder,
    encoder_decoder_trace, reconstruct)
from gan_course.engine import TrainConfig, trainer_for
from gan_course.inversion import invert_by_optimization
from gan_course.lessons.code_exercises import check
from gan_course.lessons.experiments import shipped_runs
from gan_course.lessons.reconstruction import (
    codec_rows, compare_inversions, plot_codec_histories, plot_codec_idea,
    plot_codec_shapes, plot_inversion_losses, rate_distortion_rows,
    reconstruction_metrics)
from gan_course.lessons.report import say
from gan_course.metrics import detail_verdict
from gan_course.plots import format_table, plot_rate_distortion, show_image_rows
from gan_course.runtime import (
    current_profile, describe_runtime, get_device, seed_everything,
    set_threads)
from gan_course.shipped import (
    load_shipped_dcgan, load_shipped_latent_encoder,
    load_shipped_references, load_shipped_variants, read_manifest)

profile = current_profile()
seed_everything(0)
device = get_device()
# one CPU thread (GAN_COURSE_THREADS to change): it holds up on a busy
# machine, and trained numbers depend on the count; one gives the stored ones
threads = set_threads(device)
print(describe_runtime(profile, device, seed=0, threads=threads))

# %% [markdown]
# **The idea in one picture**, computed by the shipped models on three held-out photos: the
# encoder turns each 32×32 photo (3,072 numbers) into f, 12 channels of 2×2 (48 numbers; blue
# below zero, red above), and the decoder has to rebuild the photo from those 48 numbers alone.
# Beside it: the same network trained with L1 only, and bicubic down/up, which keeps 48 bytes of
# the photo and learned nothing.

# %%
codecs = load_shipped_variants("codecs-cifar10-32")
x_test = load_dataset("photos", 32, split="test").float()
plot_codec_idea({name: codecs[name].G
                 for name in ("GAN, C 12", "L1 only, C 12")}, x_test[[1, 6, 8]])

# %% [markdown]
# ## 1. The model: image → f → image, in code
#
# Note 000's encoder has 4 downsampling blocks (4×4 convolutions of stride 2, BatchNorm,
# LeakyReLU), so a 32×32 image becomes a 2×2 map; a 1×1 convolution then sets f's channels C. The
# decoder mirrors it with transposed convolutions and ends in Tanh. D is a DCGAN discriminator of
# half the encoder's width (the note's "reduced capacity"). The shapes, traced through the shipped
# C = 12 model:

# %%
G = codecs["GAN, C 12"].G
for name, shape in encoder_decoder_trace(G, 32):
    print(f"{name:10} {' × '.join(map(str, shape))}")
count = lambda m: f"{sum(p.numel() for p in m.parameters()):,}"  # noqa: E731
print(f"parameters: encoder {count(G.encoder)}, decoder {count(G.decoder)}")
plot_codec_shapes(G, 32)

# %% [markdown]
# The encoder and decoder's forward passes, and G's forward pass that joins them (with the two
# switches section 3 and the byte count use: `zero_bottleneck` and `quantize`). Without skips the
# decoder sees nothing of the image but f.

# %%
print(inspect.getsource(FeatureEncoder.forward))
print(inspect.getsource(FeatureDecoder.forward))
print(inspect.getsource(EncoderDecoder.forward))

# %% [markdown]
# The losses every model below was trained with. D sees the real image x and G's reconstruction
# x̂ = G(x) and learns to tell them apart (plus, with `r1_gamma`, a gradient penalty on reals);
# G minimises `adv + λ·L1`, where `adv` is "D should call my reconstruction real".
# `adversarial=False` drops `adv`: that is the L1-only control.

# %%
print(inspect.getsource(EncoderDecoderObjective.loss_D))
print(inspect.getsource(EncoderDecoderObjective.loss_G))

# %% [markdown]
# The models that ship with the course (`gan-course ship codecs-cifar10-32`) were trained on
# CIFAR-10's 50,000 photos (the weights ship, the images do not): the GAN and the L1-only control
# at three sizes of f, C = 3, 12 and 48 channels, and at C = 12 the skip model and the two
# stabilisers. They are scored on 512 crops of three photos none of them saw (scikit-image's
# coffee, flower and Grace Hopper).

# %%
entry = read_manifest()["codecs-cifar10-32"]
train = entry["recipe"]["train"]
print(f"{len(codecs)} models, {train['steps']:,} steps of batch "
      f"{train['batch_size']} each (lr_G {train['lr_G']:g}, "
      f"lr_D {train['lr_D']:g}), {entry['wall_time_s'] / 60:.0f} min in all "
      f"on {entry['machine']['device']}")
with torch.no_grad():
    f, skip_maps = G.encoder(x_test[:2])  # (2, C, H, W) and the 4 blocks' maps
print(f"{len(x_test)} test crops; x {tuple(x_test.shape[1:])} → "
      f"f {tuple(f.shape[1:])}: {f[0].numel()} numbers for "
      f"{x_test[0].numel()} pixel values")
lr_ratio = train["lr_G"] / train["lr_D"]
print(f"Note 000's \"lower generator learning rate\": the shipped recipe's "
      f"lr_G is {lr_ratio:g}× lr_D, so G learns "
      + ("more slowly than D, as the note says; no model without it ships,"
         if lr_ratio < 1 else "faster than D, the opposite of the note;")
      + " this stabiliser is not measured here.")

# %% [markdown]
# ## 2. How much does the bottleneck keep?
#
# To compare with a codec, f is stored as 8-bit values (plus 8 bytes for its range) and the
# decoder works from the rounded f. The codecs get the same budgets: bicubic ÷16, ÷8 and ÷4 of a
# 32×32 RGB image keep 12, 48 and 192 bytes, exactly as many as f has numbers at C = 3, 12 and
# 48 (f pays 8 bytes more, for its range); JPEG gets the highest quality whose entropy-coded
# payload fits (its shared table headers are not counted, in its favour). Bicubic ÷32 is the
# image's mean colour: 3 bytes. And one *learned* code that is not a network: PCA, the best linear
# code, fitted on crops of the other embedded photos and stored like f (8 bits per coefficient and
# 8 bytes of range).

# %%
sizes = [f"C {c}" for c in (3, 12, 48)]


def learned_rows(kind, family):
    runs = shipped_runs(codecs, [f"{kind}, {c}" for c in sizes], "photos test")
    return rate_distortion_rows(runs, x_test, family)


rd_rows = (learned_rows("GAN", "GAN")
           + learned_rows("L1 only", "L1 autoencoder")
           + codec_rows(x_test, jpeg_budgets=(56, 200, 768),
                        bicubic_factors=(2, 4, 8, 16, 32),
                        pca_train=load_dataset("photos", 32).float(),
                        pca_components=(12, 48, 192)))
print(format_table(rd_rows, ["family", "method", "bytes", "PSNR", "SSIM"],
                   decimals=2))
plot_rate_distortion(rd_rows)

# %% [markdown]
# Ten test crops through the two C = 12 codecs and bicubic at about the same bytes (48 B), then
# the C = 48 GAN beside bicubic at 192 B:

# %%
show_image_rows({
    "original": x_test[:10],
    **{name: reconstruct(codecs[name].G, x_test[:10])
       for name in ("GAN, C 12", "L1 only, C 12")},
    "bicubic ÷8 (48 B)": bicubic_roundtrip(x_test[:10], 8)[0],
    "GAN, C 48": reconstruct(codecs["GAN, C 48"].G, x_test[:10]),
    "bicubic ÷4 (192 B)": bicubic_roundtrip(x_test[:10], 4)[0]})

# %%
def family(name):
    return sorted((r["bytes"], r["PSNR"]) for r in rd_rows
                  if r["family"] == name)


def dbs(points):
    return ", ".join(f"{p:.2f}" for _, p in points)


gan, l1, jpeg = family("GAN"), family("L1 autoencoder"), family("JPEG")
pca = family("PCA")
bicubic = [p for p in family("bicubic") if p[0] in (12, 48, 192)]
lead = [(b[1] - g[1], b[1] - a[1]) for g, a, b in zip(gan, l1, bicubic)]
mean_colour = next(r["PSNR"] for r in rd_rows if r["method"] == "bicubic ÷32")
gan_wins = [f"{g[0]:.0f} B" for g, (d, _) in zip(gan, lead) if d < 0]
l1_wins = [f"{a[0]:.0f} B" for a, (_, d) in zip(l1, lead) if d < 0]
below = [f"{name} at {b:.0f} B" for name, points in (("the GAN", gan),
                                                     ("L1", l1))
         for b, p in points if p < mean_colour]
l1_always = all(a[1] > g[1] for g, a in zip(gan, l1))
say(f"- **GAN** at {', '.join(f'{b:.0f}' for b, _ in gan)} bytes: {dbs(gan)} "
    f"dB; **L1 autoencoder**: {dbs(l1)} dB; **bicubic** at 12, 48, 192 "
    f"bytes: {dbs(bicubic)} dB.",
    f"- The GAN codec beats bicubic at {', '.join(gan_wins) or 'no budget'}; "
    f"the L1 autoencoder at {', '.join(l1_wins) or 'no budget'}. JPEG, at "
    f"{jpeg[0][0]:.0f} bytes, reaches {jpeg[0][1]:.2f} dB. Below the 3-byte "
    f"mean colour ({mean_colour:.2f} dB): {', '.join(below) or 'nothing'}.",
    f"- PCA, learned from other photos, scores {dbs(pca)} dB with the same "
    "bytes as f: "
    + ("a learned code *can* beat bicubic on these photos"
       if any(p[1] > b[1] for p, b in zip(pca, bicubic))
       else "even it loses to bicubic") + ". But PCA was fitted on crops of "
    "photos like the test crops, the autoencoders on CIFAR-10: in-domain "
    "against out-of-domain, so this does not rank PCA above them.",
    "- At every size the L1 control scores "
    f"{'higher' if l1_always else 'not always higher'} than the GAN on PSNR: "
    "the adversarial term trades pixel accuracy for something else. "
    "Section 2b says what.")

# %% [markdown]
# The crops above come from three photos; CIFAR-10's held-out test images come from the same
# distribution as the training set. They do not ship, so here are the scores the package recorded
# on 1,000 of them when the models were built, beside bicubic on the same images:

# %%
refs = load_shipped_references("codecs-cifar10-32")["cifar10 test"]
n_bytes = {r.get("model", r["method"]): int(r["bytes"]) for r in rd_rows}
cifar_rows = [
    {"method": f"{kind}, {c}", "bytes": n_bytes[f"{kind}, {c}"],
     "PSNR": codecs[f"{kind}, {c}"].scores["cifar10 test"]["PSNR"]}
    for kind in ("GAN", "L1 only") for c in sizes]
cifar_rows += [{"method": m, "bytes": n_bytes[m], "PSNR": refs[m]["PSNR"]}
               for m in ("bicubic ÷16", "bicubic ÷8", "bicubic ÷4",
                         "bicubic ÷32")]
print(format_table(cifar_rows, ["method", "bytes", "PSNR"], decimals=2))

# %%
# each f beside the bicubic that keeps as many bytes as f has values
partner = dict(zip(sizes, ("bicubic ÷16", "bicubic ÷8", "bicubic ÷4")))
c_psnr = {r["method"]: r["PSNR"] for r in cifar_rows}
margin = {(kind, c): c_psnr[f"{kind}, {c}"] - c_psnr[partner[c]]
          for kind in ("GAN", "L1 only") for c in sizes}
cifar_wins = {kind: [f"{n_bytes[f'{kind}, {c}']} B" for c in sizes
                     if margin[kind, c] > 0]
              for kind in ("GAN", "L1 only")}
extra = {c: n_bytes[f"GAN, {c}"] / n_bytes[partner[c]] - 1 for c in sizes}
photo_psnr = {r["method"]: r["PSNR"] for r in rd_rows}
say(f"- On held-out **CIFAR-10** images the GAN codec beats bicubic at "
    f"{', '.join(cifar_wins['GAN']) or 'no budget'}, the L1 autoencoder at "
    f"{', '.join(cifar_wins['L1 only']) or 'no budget'}; on the embedded "
    f"**photos** the GAN at {', '.join(gan_wins) or 'no budget'}, the L1 "
    f"autoencoder at {', '.join(l1_wins) or 'no budget'}.",
    "- Not quite equal bytes: " + ", ".join(
        f"{partner[c]} keeps {n_bytes[partner[c]]} B where f takes "
        f"{n_bytes['GAN, ' + c]} B ({extra[c]:.0%} more)" for c in sizes)
    + ". The GAN's margins over bicubic on CIFAR-10: " + ", ".join(
        f"{margin['GAN', c]:+.2f} dB at {n_bytes['GAN, ' + c]} B"
        for c in sizes) + ".",
    "- The photo crops are "
    + ("easier" if all(photo_psnr[m] > c_psnr[m] for m in partner.values())
       else "not always easier") + " for bicubic than CIFAR-10: "
    + ", ".join(f"{m} scores {photo_psnr[m]:.2f} dB on them against "
                f"{c_psnr[m]:.2f} on CIFAR-10" for m in partner.values())
    + ".",
    "- A learned code is worth its bytes on the kind of image it learned"
    + (" and loses that edge on other photos (which are also easier for "
       "bicubic): it learned CIFAR-10, not images."
       if len(cifar_wins["L1 only"]) > len(l1_wins) else "."))

# %% [markdown]
# ### 2b. Blurred, or something else?
#
# PSNR cannot tell a blurred reconstruction from a noisy one: both miss the truth. Two more
# measures can (`gan_course.metrics`): **sharpness**, the output's high-frequency energy over the
# truth's (1 = as detailed, below 0.9 blurred, above 1.1 more detail than the truth has), and
# **edge fidelity**, how well the output's edges line up with the truth's (1 = the same edges,
# ≈ 0 unrelated ones; a blur keeps it positive). `detail_verdict` puts the pair into words.

# %%
dby = {r["model"]: r for r in rd_rows if "model" in r}  # section 2's scores
detail_rows = [dby[f"{kind}, {c}"]
               for c in sizes for kind in ("GAN", "L1 only")]
print(format_table(detail_rows, ["model", "PSNR", "sharpness",
                                 "edge fidelity"], decimals=2))

# %%


def looks(name):
    return detail_verdict(dby[name]["sharpness"], dby[name]["edge fidelity"])


blurred = {kind: [c for c in sizes if looks(f"{kind}, {c}").startswith("blur")]
           for kind in ("GAN", "L1 only")}


def where(kind):
    if len(blurred[kind]) == len(sizes):
        return "at every size"
    return "at " + ", ".join(blurred[kind]) if blurred[kind] else "at no size"


say(*(f"- **{c}**: the GAN's output is {looks('GAN, ' + c)} (sharpness "
      f"{dby['GAN, ' + c]['sharpness']:.2f}), the L1 control's "
      f"{looks('L1 only, ' + c)} ({dby['L1 only, ' + c]['sharpness']:.2f})."
      for c in sizes),
    f"- Note 000's \"some blurring\": the GAN's output is blurred "
    f"{where('GAN')}, the L1 control's {where('L1 only')}. "
    + ("The blur is the L1 loss's; the adversarial term replaces it with "
       "high-frequency detail of its own."
       if not blurred["GAN"] and blurred["L1 only"] else
       "The GAN blurs too, so the note's description holds for it."
       if blurred["GAN"] else
       "Neither model blurs at this budget."))

# %% [markdown]
# ## 3. Do skip connections bypass the bottleneck?
#
# Note 000 adds skip connections "for stability". In a U-Net (notebook 02) skips carry the input's
# detail to the output — which is exactly what an image → f → image model must *not* do if f is to
# be the representation. The skip model's shapes: before each decoder block, the encoder map of
# the same size is concatenated (⊕) to what the decoder has so far, starting with f itself.

# %%
for name, shape in encoder_decoder_trace(codecs["GAN + skips, C 12"].G, 32):
    print(f"{name:22} {' × '.join(map(str, shape))}")

# %% [markdown]
# Test: replace f by zeros at test time. Without skips the output cannot depend on the image any
# more; with skips it may survive.

# %%
rows = []
for name in ("GAN, C 12", "GAN + skips, C 12"):
    G = codecs[name].G
    counts = G.values_to_decoder(32)
    intact = reconstruction_metrics(reconstruct(G, x_test), x_test)
    zeroed = reconstruction_metrics(
        reconstruct(G, x_test, zero_bottleneck=True), x_test)
    rows.append({"model": name, "numbers via f": counts["f"],
                 "via skips": counts["skips"], "PSNR": intact["PSNR"],
                 "PSNR, f = 0": zeroed["PSNR"], "SSIM, f = 0": zeroed["SSIM"]})
print(format_table(rows, list(rows[0]), decimals=2))
print(f"(the image itself is {x_test[0].numel()} numbers)")

# %%
plain, skipped = rows
unchanged = abs(skipped["PSNR, f = 0"] - skipped["PSNR"]) < 0.5
destroyed = plain["PSNR"] - plain["PSNR, f = 0"] > 3
size = x_test[0].numel()
say(f"- With skips the model reconstructs at {skipped['PSNR']:.1f} dB, against "
    f"{plain['PSNR']:.1f} without — and at {skipped['PSNR, f = 0']:.1f} dB "
    f"with f replaced by zeros ({'unchanged' if unchanged else 'a change'}): "
    f"{skipped['via skips']:,} numbers flow through the skips, "
    f"{'more' if skipped['via skips'] > size else 'fewer'} than the "
    f"image's own {size:,}.",
    f"- Without skips, zeroing f takes PSNR from {plain['PSNR']:.1f} to "
    f"{plain['PSNR, f = 0']:.1f} dB"
    f"{': it destroys the output' if destroyed else ''}.",
    "- So note 000's \"skip connections for stability\" undo its "
    "\"deconstruction\": the image never has to pass through f."
    if unchanged and destroyed else "- The skips do not bypass f entirely.")

# %%
skip_G, plain_G = codecs["GAN + skips, C 12"].G, codecs["GAN, C 12"].G
show_image_rows({"original": x_test[:10],
                 "no skips, f = 0": reconstruct(plain_G, x_test[:10],
                                                zero_bottleneck=True),
                 "skips": reconstruct(skip_G, x_test[:10]),
                 "skips, f = 0": reconstruct(skip_G, x_test[:10],
                                             zero_bottleneck=True)})

# %% [markdown]
# ## 4. Gradient penalty and feature matching
#
# Two of the note's three stabilisers, each switched on, at C = 12 (the third, a lower learning
# rate for G, is not tested: section 1). The penalty is R1 (Mescheder et al. 2018):
# γ/2 · E‖∇ₓD(x)‖² on real images, the zero-centred penalty that suits the BCE loss (the `r1`
# branch of `loss_D` above). Feature matching adds ‖mean D-features(x) − mean D-features(x̂)‖² to
# G's loss (the `fm` branch of `loss_G`). Stability statistics come from the shipped loss
# histories (second half of training): loss variances, loss_G spikes (> 3 running standard
# deviations) and the gap D(x) − D(x̂).

# %%
stabilised = {"neither": "GAN, C 12", "R1 γ=1": "GAN + R1, C 12",
              "feature matching": "GAN + feature matching, C 12"}
stab_rows = [{"stabiliser": label,
              **reconstruction_metrics(reconstruct(codecs[name].G, x_test),
                                       x_test),
              **codecs[name].stability}
             for label, name in stabilised.items()]
print(format_table(stab_rows, ["stabiliser", "PSNR", "SSIM", "sharpness",
                               "edge fidelity", "var_loss_D", "var_loss_G",
                               "spikes", "gap_D"], decimals=3,
                   column_decimals={"spikes": 0}))

# %%
by = {r["stabiliser"]: r for r in stab_rows}
none, r1, fm = by["neither"], by["R1 γ=1"], by["feature matching"]
psnr_change = max(abs(r["PSNR"] - none["PSNR"]) for r in stab_rows[1:])
lowers = r1["var_loss_D"] < none["var_loss_D"]
narrows = r1["gap_D"] < none["gap_D"]
fm_looks = detail_verdict(fm["sharpness"], fm["edge fidelity"])
stab_seeds = sorted({codecs[name].seed for name in stabilised.values()})
more_spikes = [r["stabiliser"] for r in stab_rows[1:]
               if r["spikes"] > none["spikes"]]
say(f"- **R1** {'lowers' if lowers else 'does not lower'} the variance of "
    f"loss_D ({none['var_loss_D']:.3f} → {r1['var_loss_D']:.3f}) and "
    f"{'narrows' if narrows else 'does not narrow'} D's real-vs-reconstructed "
    f"gap ({none['gap_D']:.2f} → {r1['gap_D']:.2f}).",
    f"- **Spikes** in loss_G: {none['spikes']:.0f} with neither, "
    f"{r1['spikes']:.0f} with R1, {fm['spikes']:.0f} with feature matching"
    + (f": {' and '.join(more_spikes)} add spikes rather than remove them."
       if more_spikes else "."),
    f"- **Feature matching** adds its own term to loss_G, so its var_loss_G "
    f"({fm['var_loss_G']:.3f} against {none['var_loss_G']:.3f}) measures a "
    "different loss and does not compare with the other rows'. Its output is "
    f"{fm_looks} (sharpness {fm['sharpness']:.2f}, edge fidelity "
    f"{fm['edge fidelity']:.2f}).",
    f"- Either stabiliser moves PSNR by at most {psnr_change:.2f} dB.",
    f"- Each row is **one training run** (seed "
    f"{', '.join(map(str, stab_seeds))}): "
    "another seed could move every number here, so read these as one "
    "sample, not a measured effect.")

# %% [markdown]
# The training curves of the plain GAN and the R1 model. loss_D has its own axis, the same for
# both, so R1's smaller spread shows. G's loss is adv + λ·L1, and the middle panels draw λ·L1
# beside it: most of loss_G is the L1 term.

# %%
lambda_l1 = codecs["GAN, C 12"].config.lambda_l1
l1_share = (lambda_l1 * torch.tensor(codecs["GAN, C 12"].history["l1"]).mean()
            / torch.tensor(codecs["GAN, C 12"].history["loss_G"]).mean())
print(f"λ = {lambda_l1:g}: λ·L1 is {float(l1_share):.0%} of the plain "
      "GAN's mean loss_G")
plot_codec_histories({name: codecs[name].history
                      for name in ("GAN, C 12", "GAN + R1, C 12")},
                     lambda_l1, smooth=5)

# %% [markdown]
# ### A short live run
#
# The shipped models trained for minutes on 50,000 photos. Here the C = 12 GAN trains for 100
# steps of batch 32 on crops of the embedded photos, with the shipped learning rates, so you can
# see the loop work; try the note's "lower learning rate for the generator" (`lr_G=1e-4`, below
# lr_D) or `r1_gamma=1.0`. Its numbers depend on the machine.

# %% tags=["nbval-ignore-output"]
live = trainer_for(codecs["GAN, C 12"].config,
                   TrainConfig(steps=100, batch_size=32, lr_G=train["lr_G"],
                               lr_D=train["lr_D"], sample_every=0,
                               checkpoint_every=0),
                   load_dataset("photos", 32), device=device, progress=False)
live_history = live.fit()
live_scores = reconstruction_metrics(reconstruct(live.G, x_test), x_test)
print(f"after 100 steps: {live_scores['PSNR']:.2f} dB "
      f"(shipped, {train['steps']:,} steps: {none['PSNR']:.2f} dB)")
plot_codec_histories({"live GAN, C 12": live_history}, lambda_l1, smooth=10)

# %% [markdown]
# ## 5. Inverting a pretrained generator
#
# The other road from an image to a representation: take a trained unconditional G (the shipped
# digits DCGAN of notebook 05) and search for the z with G(z) ≈ x. Three ways, on the same images:
#
# - **optimise z**: Adam on z for the pixel MSE, from a random start;
# - **encoder**: a network E: x → z trained on G's own samples (shipped in `data/`; its training is
#   a one-off cost, paid by `gan-course ship`), one forward pass;
# - **hybrid**: start from E(x), then optimise.
#
# The optimisation is the whole method: G's weights are frozen and only z moves.

# %%
print(inspect.getsource(invert_by_optimization))

# %% [markdown]
# Targets are G's own samples (a z that reproduces them exactly exists), real held-out digits (it
# may not) and, as a control G surely cannot draw, gray crops of the held-out photos. Times are
# wall-clock per image with the whole batch processed at once.

# %%
G_dcgan, _, dcgan_config = load_shipped_dcgan()
E = load_shipped_latent_encoder()
inv_knobs = dict(fast=dict(n=16, steps=100, hybrid_steps=50),
                 full=dict(n=256, steps=1000, hybrid_steps=300))[profile]
n = inv_knobs["n"]
with torch.no_grad():
    z = torch.randn(n, dcgan_config.z_dim,
                    generator=torch.Generator().manual_seed(7))
    samples = G_dcgan(z)
digits = load_dataset("digits", dcgan_config.image_size, split="test",
                      channels=1).float()[:n]
photos = x_test[:n].mean(1, keepdim=True)  # gray (n, 1, 32, 32): not digits
targets = {"G's samples": samples, "real digits": digits,
           "gray photos": photos}
print(f"{n} targets of each kind; optimise z: {inv_knobs['steps']} steps, "
      f"hybrid: {inv_knobs['hybrid_steps']}")

# %% tags=["nbval-ignore-output"]
inversions, inversion_rows = {}, []
for target, x in targets.items():
    rows, inversions[target] = compare_inversions(
        G_dcgan, E, x, steps=inv_knobs["steps"],
        hybrid_steps=inv_knobs["hybrid_steps"])
    inversion_rows += [{"target": target, **row} for row in rows]
print(format_table(inversion_rows, ["target", "method", "steps", "PSNR",
                                    "MSE", "ms/image"], decimals=4,
                   column_decimals={"PSNR": 2, "ms/image": 1}))

# %% [markdown]
# The optimisation loop at work: the mean error per Adam step, from a random z and from the
# encoder's guess (the dashed line is the encoder alone).

# %%
plot_inversion_losses(inversions)

# %% [markdown]
# What the three methods make of the first eight targets, G's own samples first (each row's PSNR
# is over all the targets):

# %%
psnr_of = {(r["target"], r["method"]): r["PSNR"] for r in inversion_rows}


def inversion_gallery(target):
    return {target: targets[target][:8],
            **{f"{method} ({psnr_of[target, method]:.1f} dB)": inv.x_hat[:8]
               for method, inv in inversions[target].items()}}


show_image_rows(inversion_gallery("G's samples"))

# %%
show_image_rows(inversion_gallery("real digits"))

# %%
show_image_rows(inversion_gallery("gray photos"))

# %%
methods = ("optimise z", "encoder", "hybrid")
ranking = {t: sorted(methods, key=lambda m: -psnr_of[t, m]) for t in targets}
harder = [m for m in methods
          if psnr_of["real digits", m] < psnr_of["G's samples", m]]
budget = {"optimise z": inv_knobs["steps"],
          "hybrid": inv_knobs["hybrid_steps"]}


def last_fall(method, share=0.1):
    """How much the mean error fell over the last `share` of the steps."""
    h = inversions["real digits"][method].history
    k = max(1, int(len(h) * share))
    return k, 1 - h[-1] / h[-1 - k]


falls = {m: last_fall(m) for m in budget}
best = ranking["real digits"][0]
say([f"- {t}: best PSNR **{ranking[t][0]}** ({psnr_of[t, ranking[t][0]]:.1f} "
     f"dB), worst **{ranking[t][-1]}** ({psnr_of[t, ranking[t][-1]]:.1f} dB)."
     for t in targets],
    f"- Real digits are harder to reach than G's own samples for "
    f"{len(harder)} of {len(methods)} methods **in these budgets** ("
    + ", ".join(f"{m} {k} steps" for m, k in budget.items())
    + f", {n} targets each). That does not show G cannot make them: on real "
    "digits the error was still falling at the last step ("
    + ", ".join(f"{m} by {f:.0%} over its last {k}"
                for m, (k, f) in falls.items())
    + f"), and {best}'s {psnr_of['real digits', best]:.1f} dB fills are "
    "hard to tell from the targets in the gallery.",
    f"- What G cannot make: gray photo crops reach at best "
    f"{psnr_of['gray photos', ranking['gray photos'][0]]:.1f} dB "
    f"({ranking['gray photos'][0]}), against "
    f"{psnr_of['real digits', best]:.1f} dB on real digits in the same "
    "steps; G answers them with digit-like blobs.")

# %% [markdown]
# ## 6. Exercises
#
# Write each function in its cell and run the cell: the check under it prints ✓ when every case
# is right, or ✗ with the first case it got wrong and a hint. The cases come from the package and
# PyTorch themselves; reference solutions are in `gan_course/lessons/solutions.py` (try first).
#
# 1. `f_bytes(bottleneck, image_size, depth)`: the bytes section 2 charges the codec for one
#    image: f's values at one byte each, plus 8 bytes for f's minimum and maximum. `depth` is the
#    number of stride-2 blocks of section 1's encoder.
# 2. `bicubic_bytes(image_size, channels, factor)`: the bytes bicubic ÷`factor` keeps of one
#    image. Which factor keeps as many bytes as f has values at C = 12 (f's bytes without its 8
#    bytes of range)?
# 3. `optimise_z(G, x, z0, steps, lr)`: section 5's loop, written by you: starting from `z0`
#    (N, z_dim), take `steps` Adam steps on z (learning rate `lr`) for each image's mean squared
#    error ‖G(z) − x‖², and return the final z. G's weights do not move.

# %%
def f_bytes(bottleneck, image_size, depth):
    return ...  # your code


check("f_bytes", f_bytes)

# %%
def bicubic_bytes(image_size, channels, factor):
    return ...  # your code


check("bicubic_bytes", bicubic_bytes)

# %%
def optimise_z(G, x, z0, steps, lr):
    return ...  # your code


check("optimise_z", optimise_z)

# %% [markdown]
# ## Summary
#
# Written by code from the tables above.

# %%
say("- **The learned bottleneck against codecs that learned nothing:** on "
    "held-out CIFAR-10 images the GAN codec beats bicubic at "
    f"{', '.join(cifar_wins['GAN']) or 'no budget'} (f holding "
    f"{min(extra.values()):.0%} to {max(extra.values()):.0%} more bytes; "
    f"{margin['GAN', sizes[-1]]:+.2f} dB at {n_bytes['GAN, ' + sizes[-1]]} "
    f"B), the L1-only control at "
    f"{', '.join(cifar_wins['L1 only']) or 'no budget'}; on other photos the "
    f"GAN at {', '.join(gan_wins) or 'no budget'}, the L1 control at "
    f"{', '.join(l1_wins) or 'no budget'}. "
    + ("At every size the GAN is less accurate than the L1 control."
       if l1_always else "The L1 control is not always more accurate."),
    "- **Blur or noise?** Note 000 reports \"some blurring\": the GAN's "
    f"output is blurred {where('GAN')}, the L1 control's "
    f"{where('L1 only')}. At C = 12 the GAN is {looks('GAN, C 12')}; the "
    f"L1 control {looks('L1 only, C 12')}.",
    f"- **Skips:** {skipped['PSNR']:.1f} dB with skips, "
    f"{skipped['PSNR, f = 0']:.1f} dB with f = 0; without skips "
    f"{plain['PSNR']:.1f} → {plain['PSNR, f = 0']:.1f} dB"
    + (": with skips the bottleneck is decoration." if unchanged and destroyed
       else "."),
    f"- **R1** (one training run each) takes the variance of loss_D from "
    f"{none['var_loss_D']:.3f} to {r1['var_loss_D']:.3f}, and spikes go "
    f"{none['spikes']:.0f} → {r1['spikes']:.0f}; R1 or feature matching "
    "move PSNR by at most "
    f"{psnr_change:.2f} dB. **Feature matching** leaves the output "
    f"{fm_looks}. The note's third stabiliser, a lower lr_G, is not tested "
    f"(the shipped lr_G is {lr_ratio:g}× lr_D).")

# %% tags=["nbval-ignore-output"]
ms = {(r["target"], r["method"]): r["ms/image"] for r in inversion_rows}
speedup = min(ms[t, m] / ms[t, "encoder"]
              for t in targets for m in ("optimise z", "hybrid"))
say(f"- **Inverting a pretrained G:** the encoder is at least {speedup:.0f}× "
    "faster than the optimising methods and ranks "
    f"{ranking['real digits'].index('encoder') + 1} of {len(methods)} on real "
    f"digits; {ranking['real digits'][0]} is the most accurate.")
