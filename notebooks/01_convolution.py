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
# # 01 · Convolution and transposed convolution
#
# A GAN that *deconstructs* an image shrinks it with convolutions (the discriminator, the U-Net
# encoder); a GAN that *reconstructs* one grows it back with transposed convolutions (the generator,
# the U-Net decoder). The course is built on four source documents, notes 000 to 003; note 003
# describes both operations, and this notebook checks each of its claims with a number.
#
# **You will learn**
# - to compute a convolution by hand, and that `nn.Conv2d` computes exactly that (no kernel flip);
# - the output-size formulas of `Conv2d` and `ConvTranspose2d`, and why `kernel 4, stride 2,
#   padding 1` halves or doubles;
# - why a transposed convolution is *not* an inverse: it is the transpose (adjoint);
# - where the checkerboard artifacts of generators come from, and how resize-then-convolve avoids them;
# - what the note's edge kernel sees in a real photograph.
#
# **Note 003's question:** what are the "?" of the 5×5 ⊛ 3×3 example, and is "deconvolution"
# really "not a true inverse"?
#
# All the code lives in `gan_course.convolution` (the operations, formulas, measurements and figures)
# and `gan_course.widgets` (the explorer); this notebook calls it and shows the results.

# %%
# %matplotlib inline
import inspect

import torch

from gan_course import convolution as conv
from gan_course.data import load_dataset
from gan_course.lessons import convolution_views as views
from gan_course.lessons.code_exercises import check
from gan_course.lessons.report import say
from gan_course.plots import format_table
from gan_course.shipped import load_shipped_dcgan
from gan_course.runtime import (current_profile, describe_runtime, get_device,
                                seed_everything, set_threads)

profile = current_profile()
seed_everything(0)
# nothing here needs a GPU: every computation below is tiny
device = get_device()
# one CPU thread (GAN_COURSE_THREADS to change): it holds up on a busy
# machine, and trained numbers depend on the count; one gives the stored ones
threads = set_threads(device)
print(describe_runtime(profile, device, seed=0, threads=threads))

# %% [markdown]
# **The idea in two pictures.** Left of each: the grid a kernel slides over; right: what comes out.
# A stride-2 convolution halves a 6×6 input to 3×3 (deconstruct); a stride-2 transposed
# convolution spreads 3×3 back out to 6×6 by inserting zeros between the pixels and sliding a
# kernel over the result (reconstruct). Everything below measures what these two do.

# %%
views.plot_conv_geometry(in_size=6, kernel=4, stride=2, padding=1)

# %%
views.plot_conv_geometry(in_size=3, kernel=4, stride=2, padding=1,
                         transposed=True)

# %% [markdown]
# ## 1. A convolution by hand
#
# A convolution slides the kernel over the input; each output pixel is the sum of the element-wise
# products of the kernel with the window under it. A 3×3 kernel fits in a 5×5 input at 3×3
# positions (stride 1, no padding). `conv.conv2d_by_hand` does exactly this with two plain loops:

# %%
print(inspect.getsource(conv.conv2d_by_hand))

# %% [markdown]
# Run on the note's 5×5 input and 3×3 kernel, beside `nn.Conv2d` holding the same kernel:

# %%
by_hand = conv.note_example()  # conv2d_by_hand(NOTE_INPUT, NOTE_KERNEL): (3, 3)
# nn.Conv2d(1, 1, 3, bias=False) holding the same kernel
by_layer = conv.note_example_with_layer()
print("the '?' grid, by hand:")
print(by_hand.int().numpy())
print("nn.Conv2d gives the identical grid:", bool((by_hand == by_layer).all()))

# %%
views.plot_note_example()

# %% [markdown]
# The kernel `[1, 0, −1]` in every row answers *left column minus right column* of its window, so it
# is a **vertical-edge detector**. The top-left −4 = (1 + 0 + 1) − (3 + 2 + 1): the window's right
# side is brighter. `nn.Conv2d` agrees exactly, which also shows that PyTorch's "convolution" is a
# cross-correlation: the kernel is used as written, not flipped.
#
# In the figure, and in every signed figure of this notebook, red is positive and blue negative.
#
# On a step edge the kernel answers only to vertical edges, and its transpose only to horizontal ones
# (peak |response| on a 6×6 image that is 0 on one side and 1 on the other):

# %%
steps = views.step_edge_responses()
print(format_table([dict(image=name, **resp) for name, resp in steps.items()],
                   ["image", "note kernel", "note kernel transposed"],
                   decimals=1))

# %% [markdown]
# ## 2. The output-size formulas, checked against real layers
#
# For input size $n$, kernel $k$, stride $s$, padding $p$, dilation $d$ and output padding $o_p$:
#
# $$ n_\text{out}^\text{Conv2d} = \left\lfloor \frac{n + 2p - d(k-1) - 1}{s} \right\rfloor + 1,
# \qquad n_\text{out}^\text{ConvTranspose2d} = (n-1)\,s - 2p + d(k-1) + o_p + 1. $$
#
# `conv.verify_output_sizes` runs a real layer for every combination of a grid and compares. Settings
# that are impossible (kernel larger than the padded input; `output_padding` not smaller than the
# stride or dilation; an empty output) must be rejected by both the formula and the layer.

# %%
grid = dict(ns=[5, 8, 31, 64], kernels=[1, 2, 3, 4, 5], strides=[1, 2, 3],
            paddings=[0, 1, 2], dilations=[1, 2])
conv_checks = conv.verify_output_sizes(**grid)
convt_checks = conv.verify_output_sizes(**grid, output_paddings=[0, 1, 2],
                                        transposed=True)
print("Conv2d:         ", conv.size_summary(conv_checks))
print("ConvTranspose2d:", conv.size_summary(convt_checks))
size_checks = conv_checks + convt_checks

# %% [markdown]
# The settings you meet in GAN code, on a 64×64 input for `Conv2d` and a 32×32 input for
# `ConvTranspose2d`:

# %%
columns = ["kernel", "stride", "padding", "output_padding", "formula", "layer",
           "match"]
print(format_table(conv.size_records(conv.COMMON_CONV, n=64),
                   [c for c in columns if c != "output_padding"]))
print()
print(format_table(conv.size_records(conv.COMMON_CONV_TRANSPOSE, n=32,
                                     transposed=True), columns))

# %% [markdown]
# Two things the table shows. Stride 2 with kernel 3 and padding 1 also halves 64, but the
# transposed `k3 s2 p1` gives 63, not 64: integer division in the forward formula maps both 63 and 64
# to 32, so the transposed layer needs `output_padding=1` to say which one it wants. And the floor
# means some pixels can be **never reached** by any window: below, the last row and column of a 6×6
# input under `k3 s2 p0` (drawn by the same function the explorer in section 7 uses).

# %%
views.plot_conv_geometry(in_size=6, kernel=3, stride=2, padding=0)

# %% [markdown]
# ## 3. `k4 s2 p1`: halve with `Conv2d`, double with `ConvTranspose2d`
#
# The GAN workhorse: $\lfloor(n + 2 - 4)/2\rfloor + 1 = n/2$ for even $n$, and
# $(n-1)\cdot 2 - 2 + 4 = 2n$. Note 003's own examples, run through real layers:

# %%
for name, shape_in, shape_out in conv.halve_double_shapes():
    print(f"{name:<36} {str(shape_in):>16} → {shape_out}")

# %% [markdown]
# A transposed convolution, by hand: spread the input out (`stride − 1` zeros between its
# pixels), pad it, and slide the *flipped* kernel over it with stride 1. The package's version,
# which section 4's checks compare with `nn.ConvTranspose2d`:

# %%
print(inspect.getsource(conv.stretch_and_pad))
print(inspect.getsource(conv.conv_transpose2d_by_hand))
x_small, k_small = torch.arange(4.0).view(2, 2), torch.ones(3, 3)
layer = torch.nn.ConvTranspose2d(1, 1, 3, stride=2, bias=False)
with torch.no_grad():
    layer.weight.copy_(k_small.view(1, 1, 3, 3))
    by_layer_t = layer(x_small.view(1, 1, 2, 2))[0, 0]
print("by hand equals nn.ConvTranspose2d:",
      torch.equal(conv.conv_transpose2d_by_hand(x_small, k_small, stride=2),
                  by_layer_t))

# %% [markdown]
# ## 4. "Deconvolution" is not an inverse
#
# Take a `k4 s2 p1` convolution $C$ (3 → 8 channels, 8×8 → 4×4) and a transposed convolution that
# uses **the same weight tensor**. A convolution is linear, so it is a matrix; the transposed
# convolution is that matrix's transpose $C^\top$ — the *adjoint*: $\langle Cx, y\rangle =
# \langle x, C^\top y\rangle$ for all $x, y$. An inverse would need $C^\top C x = x$.

# %%
r = conv.adjoint_report(in_size=8, channels=(3, 8), kernel=4, stride=2,
                        padding=1, seed=0)
print(f"shapes: x {r.in_shape} → Cx {r.down_shape} → Cᵀ(Cx) {r.up_shape}")
print(f"<Cx, y> = {r.inner_down:.4f}   <x, Cᵀy> = {r.inner_up:.4f}   "
      f"relative gap < 1e-12: {r.adjoint_rel_gap < 1e-12}")
print("matrix of ConvTranspose2d == transpose of the matrix of Conv2d "
      f"(1 channel): {r.matrix_is_transpose}")
print(f"1-channel Conv2d matrix: {r.matrix_shape[0]}×{r.matrix_shape[1]}, "
      f"rank {r.rank}")
print(f"round trip  ‖Cᵀ(Cx) − x‖ / ‖x‖               = {r.recon_rel_error:.4f}")
print("even with the best scale α, ‖αCᵀ(Cx) − x‖ / ‖x‖ = "
      f"{r.best_scale_rel_error:.4f}")

# %% [markdown]
# The adjoint identity holds to rounding, and the matrices are exact transposes — that is where the
# name *transposed* convolution comes from. But the round trip is far from $x$: the one-channel
# convolution maps 64 numbers to 16 (rank 16), so 48 dimensions of every input are lost and no
# layer can bring them back; the 3 → 8-channel layer measured above maps 192 numbers to 128, and
# loses at least 64 of them the same way. The shapes come back (8×8 → 4×4 → 8×8); the values do not. A generator's
# `ConvTranspose2d` undoes nothing: it is an upsampling layer whose weights are learned.

# %% [markdown]
# ## 5. Checkerboard artifacts
#
# A transposed convolution with stride $s$ pastes a $k\times k$ copy of the kernel, scaled by each
# input pixel, every $s$ output pixels. When $k$ is not divisible by $s$ the copies **overlap
# unevenly** (Odena, Dumoulin & Olah, *Deconvolution and Checkerboard Artifacts*, Distill 2016).
# Count the copies landing on each output pixel (all-ones input and weights):

# %%
views.plot_overlap_counts({
    "ConvT k3 s2: 1, 2, 4 copies": views.overlap_counts(3, stride=2),
    "ConvT k4 s2: 4 copies inside": views.overlap_counts(4, stride=2)})

# %% [markdown]
# To measure the artifact we use a **checkerboard score**: the share of an image's energy at the
# highest frequency the pixel grid holds (a pattern flipping every pixel), after cropping a 2-pixel
# border — 0 for a flat image, 1 for a pure checkerboard, and for white noise of this size the
# formula (h + w − 1) / (h·w), printed below (its energy spreads evenly over all frequencies).
# The score counts only the energy *exactly* at that frequency: stripes that repeat every two
# pixels in one direction only, or more slowly, count less or not at all.
# Four ways to upsample 16×16 to 32×32, on an all-ones input with all-ones weights, with 200 random
# positive kernels (smooth, blur-like), with 200 random signed kernels (like PyTorch's uniform
# initialisation), and on white-noise input with the signed kernels:

# %%
study = views.checkerboard_study(n=16, trials=200, seed=0)
print(format_table(views.checkerboard_rows(study),
                   ["name", "ones", "positive", "signed", "noise"],
                   ["upsampler", "w = 1", "w ~ U(0,1)", "w ~ U(-1,1)",
                    "noise in, w ~ U(-1,1)"]))

# %%
views.plot_checkerboard(study)

# %%
cb = {res.name: res for res in study}
k3, k4 = cb["ConvT k3 s2"], cb["ConvT k4 s2"]
resized = [res for res in study if not views.UPSAMPLERS[res.name].transposed]
side = k3.example_constant.shape[0] - 2 * 2  # the scored interior, h = w
chance = (2 * side - 1) / side**2  # white noise: (h + w − 1) / (h·w)
at_chance = all(abs(res.noise_input_mean - chance) < 0.2 * chance
                for res in (k3, k4))
say(f"- With uniform weights `k3 s2` is uneven (score "
    f"{k3.constant_weights:.2f}) and `k4 s2` scores "
    f"{k4.constant_weights:.2f}: \"use a kernel size divisible by the "
    "stride\" is right *for this case*.",
    f"- With random positive kernels `k4 s2` is still "
    f"{k3.positive_mean / k4.positive_mean:.0f}× better than `k3 s2` "
    f"({k4.positive_mean:.2f} against {k3.positive_mean:.2f}), but not 0.",
    "- With signed random kernels, what a network starts from, both "
    f"transposed convolutions score {k3.signed_mean:.2f} and "
    f"{k4.signed_mean:.2f} on average (the median draws, shown in the "
    f"figure's second row: {k3.signed_median:.2f} and "
    f"{k4.signed_median:.2f}): each of the s² = 4 output phases sums a "
    "different subset of the kernel, so a constant input already comes out "
    "as a checkerboard. Divisibility alone does not save you; the network "
    "has to *learn* it away.",
    "- Resize-then-convolve scores "
    f"{max(res.signed_mean for res in resized):.0f} on a constant input "
    "with any kernel: every output pixel sees the same weights. This is "
    "Odena et al.'s recommendation.",
    f"- On white noise the transposed convolutions score "
    f"{k3.noise_input_mean:.3f} and {k4.noise_input_mean:.3f}, "
    + (f"the chance level of noise ({chance:.3f}): they add no checkerboard "
       "to noise, they pass its top frequency through. "
       if at_chance else f"against the chance level {chance:.3f}. ")
    + "Resize-then-convolve scores "
    + " and ".join(f"{res.noise_input_mean:.3f}" for res in resized)
    + ": the resize is a low-pass filter that removes most of the top "
    "frequency the noise had. That is blurring, not a cure"
    + (": there was no artifact to cure here." if at_chance else "."))

# %% [markdown]
# **And after training?** The shipped digits DCGAN upsamples with three `k4 s2` transposed
# convolutions: divisible, so uniform weights would be flat. Feed each of its layers a flat input
# (all ones) with the weights it learned, and with fresh weights of the same shape as it started
# from; 0 = flat, 1 = all checkerboard.

# %%
G_dcgan, _, _ = load_shipped_dcgan()
up_rows = views.trained_upsampler_rows(G_dcgan)
print(format_table(up_rows, ["layer", "weights", "mean", "max"], decimals=3))
with torch.no_grad():
    samples = G_dcgan(torch.randn(500, 100,
                                  generator=torch.Generator().manual_seed(0)))
digits = load_dataset("digits", 32).float()[:500]
on_samples = float(views.checkerboard_scores(samples[:, 0]).mean())
on_digits = float(views.checkerboard_scores(digits[:, 0]).mean())
trained = [r for r in up_rows if r["weights"] == "trained"]
fresh = min(r["mean"] for r in up_rows if r["weights"] != "trained")
say(f"- Fresh weights make a checkerboard of a flat input in every layer (mean "
    f"{fresh:.2f} or more), k divisible by s or not.",
    f"- Trained, the hidden layers still do ({trained[0]['mean']:.2f}, "
    f"{trained[1]['mean']:.2f}); the output layer scores "
    f"{trained[-1]['mean']:.3f}, the odd row (read on).",
    f"- So G's samples carry as little checkerboard energy as real digits "
    f"({on_samples:.4f} vs {on_digits:.4f}): training removed it where it "
    "shows, not the kernel size.")

# %% [markdown]
# **The odd row: the output layer scores almost 0.** Did it really learn a flat kernel? The score
# divides the checkerboard energy by *all* the energy of the response, its average level
# included. Look at what the output layer makes of a flat input, one pixel of each of the four
# phases (the $2\times2$ positions a stride-2 transposed convolution cycles through), before and
# after G's final `tanh`:

# %%
last = [m for m in G_dcgan.modules()
        if isinstance(m, torch.nn.ConvTranspose2d)][-1]
with torch.no_grad():  # a flat input, as in the table; interior pixels
    phases = last(torch.ones(1, last.in_channels, 8, 8))[0, 0, 4:6, 4:6]
level, spread = phases.mean(), phases.max() - phases.min()
print("the four phases:", phases.flatten().numpy().round(3))
print("after tanh:     ", phases.tanh().flatten().numpy().round(3))
say(f"The four phases are *not* equal: they differ by {spread:.3f}. But "
    f"they sit on a level of {level:.2f} (black after `tanh`: the digits' "
    f"background), so the ripple is {spread / level.abs():.1%} of the "
    f"level and {trained[-1]['mean']:.4f} of the energy, and after `tanh` "
    "the phases "
    f"differ by {float(phases.tanh().max() - phases.tanh().min()):.3f} on "
    "a scale of 2. The output layer did not learn a flat kernel; it "
    "learned a strong dark offset that drowns what is left of the "
    "checkerboard. The score is a share, so read it with the level.")

# %% [markdown]
# ## 6. An edge kernel on a real photograph
#
# The camera-man photo shipped with scikit-image (no download), area-averaged to 128×128 so that a
# 3×3 window spans a visible part of the picture. The note's kernel `[1, 0, −1]`: red (positive)
# where the window gets darker from left to right, blue where it gets brighter, white where flat. The transposed kernel (`[1, 1, 1]`, `[0, 0, 0]`, `[−1, −1, −1]`)
# finds horizontal edges instead.

# %%
photo = views.load_gray_photo("camera", size=128)  # (128, 128) in [0, 1]
responses = {"note 003's kernel: vertical edges":
             views.apply_kernel_to_image(photo, conv.NOTE_KERNEL),  # (126, 126)
             "transposed kernel: horizontal edges":
             views.apply_kernel_to_image(photo, conv.NOTE_KERNEL.T)}
for name, resp in responses.items():
    print(f"{name:<36} mean |response| = {resp.abs().mean():.4f}   "
          f"max |response| = {resp.abs().max():.4f}")
print("apply_kernel_to_image == conv2d_by_hand on a 20×20 crop:",
      bool(views.apply_kernel_to_image(photo[:20, :20],
                                       conv.NOTE_KERNEL).allclose(
          conv.conv2d_by_hand(photo[:20, :20], conv.NOTE_KERNEL.double()))))

# %%
views.plot_edge_response(photo, responses)

# %% [markdown]
# The tripod legs and the coat's outline are nearly vertical and light up in the first map; the
# horizon and the top of the camera light up in the second. On this photo the vertical-edge kernel
# has the larger mean |response|: it has more vertical than horizontal structure.

# %% [markdown]
# ## 7. Explore the geometry
#
# Move the sliders to redraw the grid a layer slides over and its output. For `ConvTranspose2d` the
# left grid is what the layer really convolves: the input with `stride − 1` zeros inserted between
# pixels and `kernel − 1 − padding` zeros around (`conv.stretch_and_pad`), slid over with stride 1 and
# the kernel flipped (`conv.conv_transpose2d_by_hand` computes it that way and equals
# `nn.ConvTranspose2d`). Impossible settings print why. The explorer needs a live kernel; the
# figure after it is the same pure function called once, so the static page shows it too.

# %%
up_hand, up_layer = conv.note_example_transposed(stride=2, padding=1,
                                                 output_padding=1)
print("note 003's input through ConvTranspose2d(k3, s2, p1, op1): "
      f"{tuple(up_hand.shape)}; "
      "by hand (stretch, pad, flipped kernel) == nn.ConvTranspose2d: "
      f"{bool((up_hand == up_layer).all())}")

# %% tags=["nbval-ignore-output"]
from gan_course.lessons.widgets import conv_explorer

conv_explorer()

# %%
views.plot_conv_geometry(in_size=4, kernel=4, stride=2, padding=1,
                         transposed=True)

# %% [markdown]
# ## 8. Exercises
#
# Write each function in its cell and run the cell: the check under it prints ✓ when every case
# is right, or ✗ with the first case it got wrong and a hint. The cases come from the package and
# PyTorch themselves; reference solutions are in `gan_course/lessons/solutions.py` (try first).
#
# 1. `conv_output_size(n, k, s, p)`: the output length of a convolution with kernel k, stride s and
#    padding p on an input of length n (the formula of section 2).
# 2. `transposed_output_size(n, k, s, p)`: the same for a transposed convolution.
# 3. `conv2d_by_hand(x, w)`: the sliding sum of section 1 for a 2-D tensor x and a k×k kernel w,
#    no padding, stride 1, as `nn.Conv2d` computes it. Section 1 printed the package's version:
#    this one is a recall exercise, so write it without scrolling back.

# %%
def conv_output_size(n, k, s, p):
    return ...  # your code


check("conv_output_size", conv_output_size)

# %%
def transposed_output_size(n, k, s, p):
    return ...  # your code


check("transposed_output_size", transposed_output_size)

# %%
def conv2d_by_hand(x, w):
    return ...  # your code


check("conv2d_by_hand", conv2d_by_hand)

# %% [markdown]
# ## Summary: what the numbers showed
#
# Written by code from the results above.

# %%
agree = sum(rec["match"] for rec in size_checks)
say("- **The note's \"?\"** is "
    f"`{by_hand.int().tolist()}`; `nn.Conv2d` gives "
    + ("the same grid exactly, because it computes the unflipped sliding "
       "sum the note describes." if bool((by_hand == by_layer).all())
       else "a different grid."),
    f"- **The output-size formulas** agreed with the real layers in {agree:,} "
    f"of the {len(size_checks):,} settings checked (including dilation 2), "
    "and the impossible settings are rejected by both.",
    "- **`k4 s2 p1`** halves with `Conv2d` and doubles with "
    "`ConvTranspose2d`, as the note says; `k3 s2 p1` halves too but needs "
    "`output_padding=1` to double.",
    "- **Not an inverse:** the transposed convolution is the exact transpose "
    "of the convolution's matrix (adjoint gap at rounding level), yet the "
    f"round trip misses the input by {100 * r.recon_rel_error:.0f} % "
    f"({100 * r.best_scale_rel_error:.0f} % after the best rescaling): "
    "a one-channel "
    f"stride-2 convolution has rank {r.rank} on {r.matrix_shape[1]} inputs. "
    "The note's \"not a true inverse\" holds.",
    "- **Checkerboards:** uneven overlap (`k3 s2`) makes them even with "
    "uniform weights, but with signed random weights `k4 s2` scores "
    f"{k4.signed_mean:.2f} against `k3 s2`'s {k3.signed_mean:.2f}: "
    "divisibility is not a cure, which is where the numbers disagree with "
    "the common rule of thumb. Resize-then-convolve is flat on constant "
    "input for every kernel; on noise it blurs.",
    "- **The edge kernel** responds to vertical edges only "
    f"({steps['vertical edge']['note kernel']:.0f} vs "
    f"{steps['horizontal edge']['note kernel']:.0f} on a step), and on the "
    "photo it outlines the tripod and the coat; its transpose finds the "
    "horizontal ones.")
