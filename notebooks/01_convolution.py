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
# GANs that *deconstruct* an image shrink it with convolutions; GANs that *reconstruct* one grow it
# back with transposed convolutions. This notebook checks, with numbers, what seed 003 says about both.
#
# **You will learn**
# - to compute a convolution by hand, and that `nn.Conv2d` computes exactly that;
# - the output-size formula, and why `kernel 4, stride 2, padding 1` halves or doubles;
# - why a transposed convolution is *not* an inverse (it is the adjoint);
# - where the checkerboard artifacts of generators come from;
# - what a hand-made edge kernel sees in a real photo.
#
# **Seed questions (003):** what are the "?" in the 5×5 ⊛ 3×3 example? Is "deconvolution" an inverse?

# %%
import torch
from torch import nn

from gan_course import convolution as conv
from gan_course.runtime import current_profile, describe_runtime, get_device, seed_everything

profile = current_profile()
seed_everything(0)
device = get_device()
print(describe_runtime(profile, device, seed=0))

# %% [markdown]
# ## 1. The seed's example, solved
#
# A convolution slides the kernel over the input; each output pixel is the sum of the products of the
# kernel with the window under it. With a 5×5 input, a 3×3 kernel, stride 1 and no padding, the
# kernel fits in 3×3 positions. `conv2d_by_hand` does this with two plain loops:

# %%
by_hand = conv.conv2d_by_hand(conv.SEED_INPUT, conv.SEED_KERNEL)
print(by_hand.int())

# %% [markdown]
# `nn.Conv2d` with the same kernel (and no bias) must give the same grid. Note that PyTorch computes a
# *cross-correlation*: the kernel is not flipped, exactly as in the seed's description.

# %%
layer = nn.Conv2d(1, 1, kernel_size=3, bias=False)
with torch.no_grad():
    layer.weight.copy_(conv.SEED_KERNEL[None, None])
    by_layer = layer(conv.SEED_INPUT[None, None])[0, 0]
print("nn.Conv2d agrees with the loops:", torch.equal(by_layer, by_hand))

# %% [markdown]
# The kernel `[1, 0, −1]` in every row is a vertical-edge detector: it answers *left minus right*.
# The top-left answer −4 says the window's right column (3, 2, 1) is brighter than its left (1, 0, 1).

# %% [markdown]
# ## 2. The output-size formula
#
# For input size $n$, kernel $k$, stride $s$, padding $p$:
#
# $$ n_\text{out} = \left\lfloor \frac{n + 2p - k}{s} \right\rfloor + 1
# \qquad\text{and for the transposed layer}\qquad n_\text{out} = (n-1)\,s - 2p + k + \text{output\_padding}. $$
#
# We check both formulas against real layers over every combination below.

# %%
checked, mismatches = 0, []
for n in (5, 8, 31, 64):
    for k in (1, 3, 4, 5):
        for s in (1, 2, 3):
            for p in (0, 1, 2):
                x = torch.zeros(1, 1, n, n)
                if n + 2 * p >= k:
                    got = nn.Conv2d(1, 1, k, s, p)(x).shape[-1]
                    mismatches += [(n, k, s, p)] if got != conv.conv_output_size(n, k, s, p) else []
                    checked += 1
                for op in range(s):
                    want = (n - 1) * s - 2 * p + k + op
                    if want > 0:
                        got = nn.ConvTranspose2d(1, 1, k, s, p, output_padding=op)(x).shape[-1]
                        mismatches += [(n, k, s, p, op)] if got != conv.conv_transpose_output_size(n, k, s, p, op) else []
                        checked += 1
print(f"{checked} layer shapes checked, {len(mismatches)} disagree with the formulas")

# %% [markdown]
# ## 3. `k4 s2 p1`: halve with Conv2d, double with ConvTranspose2d
#
# The GAN workhorse: $(n + 2 - 4)/2 + 1 = n/2$ and $(n-1)\cdot 2 - 2 + 4 = 2n$.

# %%
down = nn.Conv2d(16, 32, kernel_size=4, stride=2, padding=1)
up = nn.ConvTranspose2d(16, 8, kernel_size=4, stride=2, padding=1)
print("Conv2d          64×64 →", tuple(down(torch.zeros(1, 16, 64, 64)).shape))
print("ConvTranspose2d  8×8  →", tuple(up(torch.zeros(1, 16, 8, 8)).shape), "(the seed's example)")
print("ConvTranspose2d 32×32 →", tuple(up(torch.zeros(1, 16, 32, 32)).shape))
print("same-size Conv2d k3 s1 p1: 64 →", conv.conv_output_size(64, 3, 1, 1))

# %% [markdown]
# ## 4. "Deconvolution" is not an inverse
#
# Take a `k4 s2 p1` convolution $C$ and a transposed convolution that uses **the same weights**.
# The transposed layer computes $C^\top$, the adjoint: $\langle Cx, y\rangle = \langle x, C^\top y\rangle$
# for every $x, y$. An inverse would give $C^\top C x = x$. The numbers:

# %%
gap = conv.adjoint_gap(channels=4, size=16, seed=0)
print(f"adjoint identity  |<Cx,y> - <x,Cᵀy>| / |<Cx,y>| < 1e-12: {gap['adjoint_gap'] < 1e-12}")
print(f"not an inverse    ‖CᵀCx − x‖ / ‖x‖               = {gap['inverse_error']:.3f}")
print(f"even after the best rescaling of CᵀCx            = {gap['inverse_error_rescaled']:.3f}")

# %% [markdown]
# The adjoint identity holds to floating-point precision, and $C^\top C x$ is ~90 % wrong: a stride-2
# convolution throws away three quarters of the positions, and nothing can bring them back. A generator's
# `ConvTranspose2d` does not undo anything; it is an upsampling layer with learned weights.

# %% [markdown]
# ## 5. Checkerboard artifacts
#
# When the kernel size is not a multiple of the stride, a transposed convolution's windows overlap
# unevenly: some output pixels receive contributions from more input pixels than their neighbours
# (Odena et al., 2016). Upsampling a **constant** image shows it. The score is the interior's
# std / mean (0 = flat); "random" averages 20 random positive kernels.

# %%
rows = conv.checkerboard_table(kernels=(3, 4), size=16, trials=20, seed=0)
print(f"{'method':<12} {'k':>2} {'s':>2} {'score (ones)':>13} {'score (random)':>15}")
for r in rows:
    print(f"{r['method']:<12} {r['kernel']:>2} {r['stride']:>2} {r['score (ones)']:>13.3f} {r['score (random, mean)']:>15.3f}")

# %%
import matplotlib.pyplot as plt  # noqa: E402

flat = torch.ones(1, 1, 8, 8)
fig, axes = plt.subplots(1, 3, figsize=(10, 3.4))
for ax, (title, y) in zip(axes, [("ConvTranspose2d k3 s2", conv.upsample(flat, "transposed", 3)),
                                 ("ConvTranspose2d k4 s2, random kernel",
                                  conv.upsample(flat, "transposed", 4, torch.rand(1, 1, 4, 4, generator=torch.Generator().manual_seed(0)))),
                                 ("resize ×2 then Conv2d k3", conv.upsample(flat, "resize-conv", 3))]):
    ax.imshow(y[0, 0], cmap="magma")
    ax.set_title(title, fontsize=10)
    ax.set_axis_off()
fig.suptitle("Upsampling a constant 8×8 image: only resize-then-convolve stays flat")
plt.show()

# %% [markdown]
# With all-ones weights `k4 s2` overlaps evenly (score 0), but any non-uniform kernel — which is what
# training produces — brings the pattern back (score ≈ 0.24); `k3 s2` is uneven even with uniform
# weights. Resize-then-convolve is flat for every kernel, because every output pixel sees the same
# number of inputs. DCGAN uses `k4 s2` transposed convolutions anyway; notebook 05 shows its samples.

# %% [markdown]
# ## 6. The seed's edge kernel on a real photo
#
# The same 3×3 kernel on the camera-man photo shipped with scikit-image: bright where the image gets
# darker from left to right, dark where it gets brighter, near zero on flat regions.

# %%
from skimage import data as skdata  # noqa: E402

photo = torch.tensor(skdata.camera(), dtype=torch.float32) / 255  # (512, 512) gray in [0, 1]
edges = conv.edge_response(photo)
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(9, 4.5))
ax0.imshow(photo, cmap="gray")
ax0.set_title("input (scikit-image camera)")
ax1.imshow(edges, cmap="RdBu", vmin=-1.5, vmax=1.5)
ax1.set_title("seed kernel [1, 0, −1] per row")
for ax in (ax0, ax1):
    ax.set_axis_off()
plt.show()
print(f"response on the flat sky (rows 20–80, cols 20–200): mean |r| = {edges[20:80, 20:200].abs().mean():.3f}")
print(f"strongest response anywhere:                         max |r| = {edges.abs().max():.3f}")

# %% [markdown]
# ## 7. Explore the geometry
#
# The explorer below redraws the input (padding in gray), the first kernel window and the output for
# any setting; impossible ones are explained instead of drawn. It needs a live kernel. The static
# figure after it is the same pure function called once, so the book shows it too.

# %% tags=["nbval-ignore-output"]
from gan_course.widgets import conv_explorer  # noqa: E402

conv_explorer()

# %%
conv.plot_conv_geometry(in_size=5, kernel=3, stride=2, padding=1)

# %% [markdown]
# ## 8. Exercises
#
# Fill in your answers, then run the check cell. (They are filled in here so the notebook runs
# top to bottom; change them and see the checks fail.)
#
# 1. Output size of `Conv2d(kernel_size=5, stride=2, padding=2)` on a 64×64 image?
# 2. Output size of `ConvTranspose2d(kernel_size=4, stride=2, padding=1)` on 4×4?
# 3. The middle value of the seed's 3×3 output grid (row 1, column 1)?

# %%
answer_1 = 32
answer_2 = 8
answer_3 = -2


# %%
def check(name: str, yours: int, truth: int) -> None:
    print(f"{name}: {'✓' if yours == truth else f'✗ (you said {yours}, it is {truth})'}")


check("exercise 1", answer_1, conv.conv_output_size(64, 5, 2, 2))
check("exercise 2", answer_2, conv.conv_transpose_output_size(4, 4, 2, 1))
check("exercise 3", answer_3, int(conv.conv2d_by_hand(conv.SEED_INPUT, conv.SEED_KERNEL)[1, 1]))

# %% [markdown]
# ## Summary: what the numbers showed
#
# - The seed's "?" grid is `[[-4, 0, 4], [0, -2, 2], [0, -1, 1]]`; `nn.Conv2d` agrees exactly.
# - The output-size formulas held for every one of the layer shapes checked.
# - `k4 s2 p1` halves (Conv2d) and doubles (ConvTranspose2d), as the seed says.
# - A transposed convolution is the adjoint of the convolution (gap below 1e-12), not its inverse
#   (~90 % reconstruction error): the seed's warning that "deconvolution" is a misleading name holds.
# - Transposed convolutions make checkerboards whenever overlap is uneven — for `k3 s2` always, and for
#   `k4 s2` as soon as the kernel is not uniform; resize-then-convolve does not.
