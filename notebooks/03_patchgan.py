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
# # 03 · PatchGAN: what one output cell really judges
#
# pix2pix (Isola et al., CVPR 2017) does not ask its discriminator "is this whole image real?" but
# "is *each patch* real?": a fully convolutional D returns a grid of logits, one per patch, and the
# loss averages over the grid. This notebook measures what that grid is, how large the patches really
# are, and whether judging patches helps a small colorizer.
#
# **You will learn**
# - the output grid of a PatchGAN for a given input size, from real forward passes;
# - the receptive field of one output cell — computed layer by layer, then found empirically by
#   backpropagating that one cell to the input;
# - why seed 003's `nn.ReLU(0.2)` is a plain ReLU;
# - what a trained D's per-patch score maps look like on real and generated colorizations;
# - how a PatchGAN and a global discriminator compare in the same pix2pix run.
#
# **Seed question (003):** a PatchGAN turns a 64×64 input into a 4×4 grid and "each cell judges a
# 16×16 patch". Does it?
#
# The code lives in `gan_course.patchgan` (the discriminators, `receptive_field`),
# `gan_course.patchgan_views` (measurements and figures of a D) and `gan_course.pix2pix` (training
# and scoring colorizers); this notebook calls them and shows the results.

# %%
# %matplotlib inline
import torch
from torch import nn

from gan_course import patchgan_views as pv
from gan_course.color import colorization_pair
from gan_course.data import load_dataset
from gan_course.engine import TrainConfig
from gan_course.patchgan import GlobalDiscriminator, PatchDiscriminator, receptive_field, seed_patch_discriminator
from gan_course.experiments import summarize_runs
from gan_course.pix2pix import (Pix2PixConfig, baseline_colorizations, build_pix2pix, colorization_metrics,
                                colorize, compare_colorizers)
from gan_course.plots import format_table, show_image_rows
from gan_course.runtime import current_profile, describe_runtime, get_device, seed_everything

profile = current_profile()
seed_everything(0)
device = get_device()
torch.set_num_threads(1)  # trained numbers depend on the CPU thread count: one thread gives the stored outputs
print(describe_runtime(profile, device, seed=0))

# %% [markdown]
# ## 1. The output grid, from real forward passes
#
# Every D below is fed a real input of the given size (`pv.output_grid` runs one forward pass). The
# candidates: seed 003's 4-layer net (`seed_patch_discriminator()`, with `LeakyReLU(0.2)` where the
# seed wrote `nn.ReLU(0.2)`: section 3 shows why), pix2pix's 70×70 PatchGAN
# (`PatchDiscriminator(4, 64, n_layers=3)`), the D this notebook trains later (this profile's
# `Pix2PixConfig`: in the `lab` space its input is L plus ab = 3 channels), and the global D that
# pools the same trunk to one logit.

# %%
model = Pix2PixConfig.for_profile(profile, space="lab")  # the colorizer trained in sections 4–5
seed_everything(0)
D_seed = seed_patch_discriminator()
D_70 = PatchDiscriminator(4, 64, n_layers=3)
D_ours = build_pix2pix(model)[1]
D_global = GlobalDiscriminator(1 + model.target_channels, model.width_D, model.n_layers_D)
nets = {"seed 003's net": (D_seed, 64),
        "pix2pix 70×70 (n_layers=3)": (D_70, 64),
        "pix2pix 70×70 at 256": (D_70, 256),
        f"ours: n_layers={model.n_layers_D}, width {model.width_D}": (D_ours, model.image_size),
        "ours, global": (D_global, model.image_size)}
print(format_table(pv.grid_table_rows(nets), ["D", "input", "grid", "window", "stride"]))

# %% [markdown]
# The seed's 4×4 is right for its net: four stride-2 convolutions take 64 to 4. pix2pix's own net
# gives 6×6 on the same input (three stride-2 layers and two stride-1 ones: 64 → 32 → 16 → 8 → 7 → 6)
# and the paper's 30×30 on 256×256. The grid size depends on the input; the *window* one cell sees
# does not — that is the next column, and the next section.

# %% [markdown]
# ## 2. The receptive field: the window is not the stride
#
# One output cell depends on a square window of the input. Going through the layers with $r$ the
# window side and $j$ the jump (input pixels between neighbouring units), each layer with kernel $k$
# and stride $s$ does
#
# $$ r \leftarrow r + (k-1)\,j, \qquad j \leftarrow j\,s, $$
#
# starting from $r = j = 1$. For seed 003's net (four layers of $k = 4$, $s = 2$):
# $r = 1 + 3 + 6 + 12 + 24 = 46$ and $j = 16$. `receptive_field` computes this for any conv stack:

# %%
for name, D in {"seed 003's net": D_seed, "pix2pix 70×70": D_70, f"ours (n_layers={model.n_layers_D})": D_ours}.items():
    rf = receptive_field(D)
    print(f"{name:<22} window {rf.size}×{rf.size}, stride {rf.stride}: neighbouring windows overlap by {rf.size - rf.stride} pixels")

# %% [markdown]
# So "each cell judges a 16×16 patch" confuses the **stride** with the **window**: the 4×4 cells sit
# 16 pixels apart (4 × 16 = 64), but each one sees a 46×46 window, and neighbours share 30 of those 46
# columns. The paddings also shift the windows: cell 0's window starts 15 pixels *before* the image,
# on the zero padding.
#
# **Measured, not just computed.** Backpropagate one output cell to a random input and look where the
# gradient is nonzero (`pv.gradient_window`; eval mode, so BatchNorm uses running statistics and the
# batch cannot mix pixels; float64, so no gradient underflows). `pv.cell_window` gives where the
# window *should* be, adding the paddings' offset to the size and stride above. Boxes read
# `top,left size`:

# %%
checks = [("seed 003's net", D_seed, 64, (1, 1)),
          ("seed 003's net", D_seed, 64, (1, 2)),
          ("seed 003's net", D_seed, 64, (0, 0)),
          ("seed 003's, ReLU", seed_patch_discriminator(leaky=False), 64, (1, 1)),
          ("pix2pix 70×70", D_70, 128, (3, 3)),
          ("ours", D_ours, model.image_size, (2, 2))]
print(format_table(pv.window_check_rows(checks),
                   ["D", "input", "cell", "window", "inside", "gradient", "match"],
                   ["D", "input", "cell", "computed window", "inside the image", "nonzero gradient", "match"]))

# %% [markdown]
# The nonzero gradient fills exactly the computed window, clipped to the image: 46×46 for the seed's
# net (with either activation), 70×70 for pix2pix's (on a 128×128 input, where cell (3, 3) fits inside). A corner cell's window
# hangs over the border (cell (0, 0) sees only 31×31 real pixels; the rest is padding). And the D we
# train below, on 32×32 photos, has **34×34** windows: every cell sees at least 23×23 of the 32×32
# pixels, a central cell 31×31. At this size our "PatchGAN" is close to a global discriminator — keep
# that in mind in sections 4 and 5.
#
# Could the seed mean that the *centre* of the window is what counts? The gradient is larger near
# the centre (Luo et al. 2016 call this the effective receptive field), so measure it: the 16×16
# square in the middle of cell (1, 1)'s window — exactly the 16×16 block the seed assigns to that
# cell — against the whole window (seed 003's net with its random initial weights):

# %%
grad_11 = pv.gradient_window(D_seed, 64, (1, 1))
seed_patch = pv.Window(16, 16, 16)  # rows and columns 16–31: the seed's "16×16 patch" of cell (1, 1)
print(f"share of |gradient| inside the 16×16 block: {grad_11.share_inside(seed_patch):.3f} "
      f"(its share of the window's area: {16 ** 2 / 46 ** 2:.3f})")

# %% [markdown]
# The block holds more than its area's share, but about four fifths of the gradient comes from
# outside it: at initialisation the cell looks at the whole 46×46 window. (Training can change how
# the weight is spread; the window itself cannot grow or shrink.) The windows on a real 64×64 photo
# patch, with the gradient of cell (1, 1):

# %%
photo64 = load_dataset("photos", 64, split="test", n=16, seed=0).float()[6]  # (3, 64, 64) in [-1, 1]
pv.plot_receptive_field(
    photo64,
    {"cell (1,1): its real 46×46 window": pv.cell_window(D_seed, (1, 1)),
     "cell (1,2): its neighbour's window": pv.cell_window(D_seed, (1, 2)),
     "the seed's '16×16 patch' of cell (1,1)": seed_patch},
    gradient=grad_11, title="seed 003's net on a 64×64 photo")

# %% [markdown]
# pix2pix's 70×70 window on a 128×128 patch (its 14×14 grid; cells (3, 3) and (3, 4) are 8 pixels
# apart):

# %%
photo128 = load_dataset("photos", 128, split="test", n=8, seed=0).float()[4]  # (3, 128, 128)
pv.plot_receptive_field(
    photo128,
    {"cell (3,3): 70×70 window": pv.cell_window(D_70, (3, 3)),
     "cell (3,4): 8 pixels to the right": pv.cell_window(D_70, (3, 4))},
    gradient=pv.gradient_window(D_70, 128, (3, 3)), title="pix2pix 70×70 PatchGAN on a 128×128 photo")

# %% [markdown]
# ## 3. Seed 003's `nn.ReLU(0.2)` is not a leaky ReLU
#
# `nn.ReLU`'s only argument is `inplace`. `nn.ReLU(0.2)` therefore means `ReLU(inplace=0.2)`: a plain
# ReLU that also overwrites its input (0.2 is truthy). A leaky ReLU with slope 0.2 is `nn.LeakyReLU(0.2)`.

# %%
x = torch.tensor([-1.0, -0.2, 0.0, 0.5])
print("the seed's layer:     ", nn.ReLU(0.2))
print("nn.ReLU(0.2)(x)      =", nn.ReLU(0.2)(x.clone()))
print("nn.LeakyReLU(0.2)(x) =", nn.LeakyReLU(0.2)(x))
y = x.clone()
nn.ReLU(0.2)(y)
print("and the input itself is now", y)

# %% [markdown]
# In the seed's net (kept as written with `leaky=False`) about half of all activations are exactly 0,
# so no gradient flows back through them; `LeakyReLU(0.2)` passes a fifth of every negative value.
# Share of exact zeros after each of the three activations, on one random 64×64 input, for two nets
# with the same weights that differ only in the activation:

# %%
for leaky in (False, True):
    seed_everything(0)
    shares = pv.zero_activation_share(seed_patch_discriminator(leaky=leaky), 64)
    print(f"leaky={leaky!s:<5}  zeros after each activation: {', '.join(f'{s:.3f}' for s in shares)}")

# %% [markdown]
# Dead units do not shrink the window (the gradient check in section 2 gives 46×46 for the ReLU
# version too), but they halve the paths a gradient can take. `gan_course` uses `LeakyReLU(0.2)`,
# as pix2pix and DCGAN do.

# %% [markdown]
# ## 4. Per-patch score maps of a trained D
#
# Now train two small pix2pix colorizers (gray L → colour ab, 32×32 photo patches, λ = 100) that
# differ **only** in the discriminator: the PatchGAN above and the global D (same trunk, average-
# pooled to one logit). Same data, same steps, same seed. The steps are few so that this notebook
# runs in about a minute on a laptop CPU: these are colorizers at the very start of training.

# %%
KNOBS = {"fast": dict(steps=100, batch_size=16, n_train=1024, n_test=256),
         "full": dict(steps=20_000, batch_size=64, n_train=None, n_test=1000)}[profile]
train_cfg = TrainConfig.for_profile(profile, steps=KNOBS["steps"], batch_size=KNOBS["batch_size"],
                                    sample_every=0, checkpoint_every=0, log_every=20)
train_data = load_dataset(model.dataset, model.image_size, split="train", n=KNOBS["n_train"], seed=0)
test_data = load_dataset(model.dataset, model.image_size, split="test", n=KNOBS["n_test"], seed=0)
variants = {"global D": Pix2PixConfig.for_profile(profile, space="lab", discriminator="global"),
            "PatchGAN": Pix2PixConfig.for_profile(profile, space="lab", discriminator="patch")}
print(f"{len(train_data)} training and {len(test_data)} test images, {train_cfg.steps} steps of batch "
      f"{train_cfg.batch_size} per variant")

# %% tags=["nbval-ignore-output"]
runs = {run.name: run for run in compare_colorizers(variants, train_cfg, train_data, test_data, device=device)}
for run in runs.values():
    print(f"{run.name:<9} trained in {run.seconds:.1f} s")

# %% [markdown]
# The PatchGAN's per-patch probability sigmoid(D(A, B)) on six held-out images: the real pairs
# (A, B), then the same conditions with G's colours (G in eval mode, as it is used; in training it ran
# in train mode, with its own batch statistics, so its fakes there differed slightly). Green = "real",
# red = "fake". D scores them as it did in training: BatchNorm normalises each batch of 16 with that
# batch's own statistics, and every batch is all real or all fake (`loss_D` calls D once on the reals
# and once on the fakes), the way G's loss was computed too.

# %%
x_test = test_data.float()  # (N, 3, 32, 32) in [-1, 1]
A, B = colorization_pair(x_test, model.space)  # L (N, 1, H, W), ab (N, 2, H, W)
patch = runs["PatchGAN"]
batch = slice(0, train_cfg.batch_size)  # the first batch of test images; six of them are shown
B_fake = pv.generate(patch.G, A[batch])  # G's ab, what D judges
maps_real = pv.score_maps(patch.D, A[batch], B[batch], batch_stats=True)  # (16, 6, 6)
maps_fake = pv.score_maps(patch.D, A[batch], B_fake, batch_stats=True)
show = slice(0, 6)
G_colours = colorize(patch.G, x_test[show], model.space)  # (6, 3, 32, 32)
pv.plot_score_maps({"real": (x_test[show], maps_real[show]), "G's colours": (G_colours, maps_fake[show])})

# %% [markdown]
# A clean split: every real image mostly green, every colorization mostly red — even the second
# image, which is almost black in both rows. That is suspicious. A D that sees only all-real or
# all-fake batches can answer from the **batch statistics** BatchNorm computes (the batch's mean and
# spread of each feature) instead of from the image in front of it. The test: score the same pairs in
# batches that hold 8 real and 8 fake pairs (`pv.mixed_batch_scores`), where the statistics no longer
# give the answer away.

# %%
mixed_real, mixed_fake = pv.mixed_batch_scores(patch.D, A[batch], B[batch], B_fake,
                                               batch_size=train_cfg.batch_size)  # each (16, 6, 6)
pv.plot_score_maps({"real, mixed batch": (x_test[show], mixed_real[show]),
                    "G's colours, mixed": (G_colours, mixed_fake[show])})

# %% [markdown]
# Mean probability "real" over all 256 test images, for both discriminators: `all-real / all-fake`
# as in training, `mixed` as just above, `eval` with BatchNorm's running statistics (what a deployed
# D would use), and `share > 0.5` the share of patches (eval mode) called real.

# %% tags=["nbval-ignore-output"]
rows = pv.score_rows({name: (run.G, run.D) for name, run in runs.items()}, A, B, batch_size=train_cfg.batch_size)
print(format_table(rows, ["D", "pairs", "batch", "mixed", "eval", "share"],
                   ["D", "pairs", "all-real / all-fake", "mixed", "eval", "share > 0.5"], decimals=3))

# %% [markdown]
# In the batches it was trained on, the PatchGAN separates well: 0.613 on real pairs, 0.311 on G's, a
# gap of 0.302. In mixed batches the gap shrinks to 0.011 (0.518 vs 0.507: in the figure above, the
# images that were green are now as orange as G's), and in eval mode it is gone (0.414 vs 0.423).
# So after 100 steps nearly all of what this D "knows" is how to recognise *a batch of fakes*, not
# a fake patch; the per-patch variation inside its score maps is small next to that. The global D
# barely separates as trained (0.502 vs 0.482), and in eval mode it rates G's pairs slightly *more*
# real than the real ones (0.490 vs 0.467).
#
# This is not a PatchGAN property but a BatchNorm one, and pix2pix's reference code trains D the same
# way (real and fake in separate calls), where its batch size of 1 makes BatchNorm act like instance
# normalisation. Remedies are a D without batch statistics (instance norm or none) or one batch with
# both kinds; the seed's architecture, with BatchNorm and separate calls, has the same shortcut.

# %% [markdown]
# ## 5. Global vs PatchGAN in the same pix2pix run
#
# Test metrics of both colorizers beside the trivial baselines (`gray copy`: no colour at all;
# `mean colour`: each pixel keeps its lightness and gets the training set's mean chroma). PSNR and
# SSIM against the true colours (higher is closer), colourfulness (Hasler–Süsstrunk; the true test
# images' value is printed below the table) and sharpness (high-frequency energy relative to the
# truth: 1 = as detailed, > 1 = noisier).

# %% tags=["nbval-ignore-output"]
baselines = {name: colorization_metrics(y, x_test)
             for name, y in baseline_colorizations(x_test, train_data.float()).items()}
print(format_table(summarize_runs(list(runs.values()), baselines),
                   ["method", "seeds", "PSNR", "SSIM", "colourfulness", "sharpness"]))
print(f"\ncolourfulness of the true test images: {colorization_metrics(x_test, x_test)['colourfulness']:.3f}")

# %%
show = slice(0, 8)
show_image_rows({"gray input": baseline_colorizations(x_test[show], train_data.float())["gray copy"],
                 "global D": colorize(runs["global D"].G, x_test[show], model.space),
                 "PatchGAN": colorize(patch.G, x_test[show], model.space),
                 "truth": x_test[show]})

# %% [markdown]
# What the table shows, for this one seed after 100 steps:
#
# - Both colorizers are still sepia: colourfulness 24.8 and 27.5, less than half of the true images'
#   59.4.
# - Both beat both baselines on PSNR (18.487 and 18.096 dB against 17.716 for the mean colour). On
#   SSIM neither does: the global-D run only ties the mean-colour baseline (0.758 vs 0.759), the
#   PatchGAN run is below it (0.722), and the gray copy, whose structure is the truth's own
#   gray image, scores highest of all (0.792).
# - The **PatchGAN** run is a little more colourful than the global-D run (27.5 vs 24.8) but further
#   from the truth (0.39 dB PSNR and 0.036 SSIM lower) and much noisier: a sharpness ratio of 8.4
#   against 2.5 means blotchy chroma, visible in the figure.
# - So at this budget the PatchGAN did **not** give better colorizations; it gave slightly more colour
#   and much more noise. With a discriminator that mostly recognises batches (section 4) and 34×34
#   windows on 32×32 images, this run cannot show the texture advantage pix2pix reports on 256×256
#   images after many epochs. One seed and a short run: another seed may well move these numbers by
#   tenths of a dB (notebook 02's three seeds spread by 0.14–0.30 dB). A fair test needs several seeds, longer training and images larger than the window
#   (the `full` profile: 96×96 images, 70×70 windows).

# %% [markdown]
# ## 6. Exercises
#
# Put your answer in each variable and run the check cell; it prints ✓, or ✗ with the right answer.
# (They are filled in here so the notebook runs top to bottom: change one and watch its check fail.)
#
# 1. The grid side of pix2pix's 70×70 PatchGAN on a 128×128 input?
# 2. By how many pixels do the windows of two horizontally neighbouring cells of seed 003's net overlap?
# 3. The window side of seed 003's net without its last `Conv2d` (three `k4 s2` layers)?
# 4. What does seed 003's `nn.ReLU(0.2)` return for −1.0?
# 5. The largest `n_layers` for which `PatchDiscriminator`'s window is at most 16×16 — half of our 32×32
#    images, so that its cells judge truly local patches? (Then try it: add a variant
#    `Pix2PixConfig.for_profile(profile, space="lab", n_layers_D=...)` to section 4's `variants`.)

# %%
answer_grid_128 = 14
answer_overlap = 30
answer_rf_three_layers = 22
answer_seed_relu = 0.0
answer_local_layers = 1

# %%
pv.check_exercises({"grid_128": answer_grid_128, "overlap": answer_overlap,
                    "rf_three_layers": answer_rf_three_layers, "seed_relu": answer_seed_relu,
                    "local_layers": answer_local_layers})

# %% [markdown]
# ## Summary: what the numbers showed
#
# - **Grid:** seed 003's net does turn 64×64 into 4×4 (four stride-2 layers). pix2pix's 70×70
#   PatchGAN gives 6×6 on 64×64 and the paper's 30×30 on 256×256; the grid follows the input size.
# - **"Each cell judges a 16×16 patch" is wrong.** 16 is the stride between cells; each cell sees a
#   46×46 window, and neighbouring windows share 30 pixels. The gradient of one cell is nonzero on
#   exactly the computed window (46×46, and 70×70 for pix2pix's net), border cells reach 15 pixels
#   into the zero padding, and the seed's 16×16 block holds only 0.186 of the gradient at
#   initialisation (its area share is 0.121).
# - **`nn.ReLU(0.2)` is `ReLU(inplace=True)`:** −1 → 0, not −0.2; about half of the seed net's
#   activations are exactly zero (0.500, 0.482, 0.496) against none with `LeakyReLU(0.2)`.
# - **Our fast-profile "PatchGAN" is nearly global:** 34×34 windows on 32×32 images (31×31 visible for
#   a central cell). `n_layers_D=1` gives truly local 16×16 windows.
# - **Score maps:** the trained PatchGAN separates real (0.613) from fake (0.311) only in the
#   all-real / all-fake batches it was trained on; in mixed batches the gap falls from 0.302 to 0.011
#   and in eval mode it is gone (−0.009: fakes score a hair higher). Its verdict comes mostly from
#   BatchNorm's batch statistics, a shortcut the seed's D (BatchNorm, reals and fakes in separate
#   calls) shares.
# - **Global vs PatchGAN** (one seed, 100 steps of batch 16): global D 18.487 dB PSNR / 0.758 SSIM,
#   PatchGAN 18.096 / 0.722 with a little more colour (27.5 vs 24.8) and far more noise (sharpness 8.4
#   vs 2.5). At this budget the common claim that a PatchGAN gives better images is not borne out;
#   the run is too short and too small to test it fairly, and the numbers say so.
