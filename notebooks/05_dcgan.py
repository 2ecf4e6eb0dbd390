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
# # 05 · DCGAN: a generator that learns from a judge
#
# How can a network learn to draw handwritten digits when nobody ever tells it what any one of its
# drawings should have looked like? A GAN's answer: train a second network, the discriminator D,
# to tell real images from the generator's, and train the generator G to fool it. G never sees a
# real image; everything it learns comes through D's verdicts. DCGAN (Radford et al. 2016) is the
# convolutional version every later image GAN builds on.
#
# > **Claim** (note 001): of three configurations — batch 16 / z 50, batch 32 / z 100, batch 64 /
# > z 200 — trained for the same epochs, "medium is best", judged by eye from sample grids.
#
# **You will learn**
# - the GAN objective: D's loss, G's non-saturating loss and why G does not use the original one;
# - the alternating update, in the code every model of the course trains with;
# - G and D layer by layer, and how to read D(x) and D(G(z)) while training;
# - how to judge a generator by numbers (FID, KID, precision, recall, coverage) against a floor,
#   and note 001's sweep on converged runs with three seeds;
# - what failure looks like — D winning, D beaten and collapse, checkerboards, an optimiser set
#   too hot — in samples and in the curves;
# - the latent space: interpolations, directions, and whether G copies its training set.

# %%
# %matplotlib inline
import inspect
import math

import torch
from IPython.display import display

from gan_course.data import load_dataset, to_unit_range
from gan_course.dcgan import DCGANConfig, DCGANObjective
from gan_course.engine import GANTrainer, TrainConfig, trainer_for
from gan_course.evaluation import (
    embed, mode_coverage, real_floor, score_generator)
from gan_course.lessons import gan_views as gv
from gan_course.lessons.code_exercises import check
from gan_course.lessons.convolution_views import checkerboard_scores
from gan_course.lessons.report import say
from gan_course.lessons.sweep import interpolate, run_sweep, sweep_rows
from gan_course.lessons.widgets import latent_explorer
from gan_course.plots import (
    format_table, plot_history, show_image_rows, show_images)
from gan_course.runtime import (
    current_profile, describe_runtime, get_device, seed_everything,
    set_threads)
from gan_course.shipped import (
    DCGAN_STEPS, NOTE_001_GRID, feature_net_for, load_shipped_cifar10_dcgan,
    load_shipped_dcgan, load_shipped_failures, load_shipped_feature_net,
    load_shipped_sweep, read_manifest)

profile = current_profile()
seed_everything(0)
device = get_device()
# one CPU thread (GAN_COURSE_THREADS to change): it holds up on a busy
# machine, and trained numbers depend on the count; one gives the stored ones
threads = set_threads(device)
print(describe_runtime(profile, device, seed=0, threads=threads))

# %% [markdown]
# **The idea in one picture.** Top: digits from the training set (scikit-learn's handwritten
# digits, 8×8 scaled to 32×32). Bottom: digits the course's shipped DCGAN drew from random
# noise z after 2,000 training steps; it never saw a single real digit directly.

# %%
G, D, g_config = load_shipped_dcgan()
train_digits = load_dataset("digits", 32).float()  # (1500, 1, 32, 32)
test_digits = load_dataset("digits", 32, split="test").float()  # (297, ...)
z_show = torch.randn(12, g_config.z_dim,
                     generator=torch.Generator().manual_seed(1))
with torch.no_grad():
    fakes = G.eval()(z_show)
show_image_rows({"real": train_digits[:12], "G(z)": fakes}, size=1.0)

# %% [markdown]
# ## 1. The objective
#
# D outputs a logit $l$; $D(x) = \sigma(l)$ is its probability that $x$ is real. The original GAN
# (Goodfellow et al. 2014) is a game over one value:
#
# $$ \min_G \max_D \; \mathbb{E}_x[\log D(x)] + \mathbb{E}_z[\log(1 - D(G(z)))]. $$
#
# **D's loss** is binary cross-entropy: real images against the label "real", G's images against
# "fake". Note 001 (like many DCGAN scripts) uses 0.9 instead of 1 for "real", one-sided *label
# smoothing*, so that D is never rewarded for unbounded confidence:
#
# $$ L_D = \mathrm{BCE}(D(x), 0.9) + \mathrm{BCE}(D(G(z)), 0). $$
#
# **G's loss.** Minimising $\log(1 - D(G(z)))$ is the game as written, but it *saturates*: at the
# start D rejects G's images easily, $D(G(z)) \approx 0$, and the loss is flat there, so G gets
# almost no gradient (right panel: the gradient into D's logit is $D(G(z))$ itself). G therefore
# maximises $\log D(G(z))$ instead, the *non-saturating* loss: written as BCE against the label
# "real" it is $\mathrm{BCE}(D(G(z)), 1) = -\log D(G(z))$, and its gradient is largest exactly
# when G is worst. Note 001, and this course, write it with the smoothed label instead,
# $\mathrm{BCE}(D(G(z)), 0.9) = -0.9 \log D(G(z)) - 0.1 \log(1 - D(G(z)))$ (dashed): still
# non-saturating, but lowest at $D(G(z)) = 0.9$, not at 1.

# %%
objective = g_config.objective()
gv.plot_generator_losses(g_target=objective.g_target)

# %% [markdown]
# The package's objective, the code every DCGAN of the course trains with; `real_label` is D's
# target for real images, `g_target` the label G aims for:

# %%
print(inspect.getsource(DCGANObjective.loss_D))
print(inspect.getsource(DCGANObjective.loss_G))
t_G = objective.g_target
say(f"Here real_label = {objective.real_label:g} and g_target = {t_G:g}: "
    f"G minimises BCE(D(G(z)), {t_G:g}) = −{t_G:g} log D(G(z)) − "
    f"{1 - t_G:.1g} log(1 − D(G(z))), lowest at D(G(z)) = {t_G:g}"
    + (", not 1" if t_G < 1 else "") + ". Its gradient into D's logit is "
    f"D(G(z)) − {t_G:g}: near {t_G:g} in size when D rejects G's images, "
    "so it does not saturate.")

# %% [markdown]
# **The alternating update.** One training step: draw z, make fakes, take one optimiser step of D
# on real and fake images (the fakes *detached*, so D's step does not move G), then one step of G
# through the D that just moved. `GANTrainer._train_step`:

# %%
print(inspect.getsource(GANTrainer._train_step))

# %% [markdown]
# ## 2. The two networks
#
# G turns z (100 numbers) into a 1×32×32 image with transposed convolutions `k4 s2 p1` that double
# the side (notebook 01), BatchNorm and ReLU, and `tanh` into [−1, 1]. D mirrors it with strided
# convolutions and LeakyReLU(0.2), down to one logit. Every shape below comes from a forward pass:

# %%
g_rows = gv.layer_rows(G, torch.randn(2, g_config.z_dim))
d_rows = gv.layer_rows(D, torch.randn(2, 1, 32, 32))
print(format_table(g_rows, ["layer", "output", "parameters"]))
print()
print(format_table(d_rows, ["layer", "output", "parameters"]))

# %%
n_G = sum(r["parameters"] for r in g_rows)
n_D = sum(r["parameters"] for r in d_rows)
first = g_rows[0]
say(f"- G has **{n_G:,}** parameters, D **{n_D:,}**; "
    f"{first['parameters'] / n_G:.0%} of G's sit in its first layer, which "
    f"turns z into a {first['output']} map.",
    f"- G's output is {g_rows[-1]['output']}, D's {d_rows[-1]['output']}: "
    "one verdict per image.")

# %% [markdown]
# ## 3. Reading a training run
#
# Note 001's medium configuration (batch 32, z 100), one of the converged runs shipped with the
# course (`gan-course ship dcgan-sweep-digits-32`), read from its loss history. Two reference
# values make loss_D readable: if D cannot tell real from fake at all (it answers 0.5 for every
# image), loss_D = BCE(0.5, 0.9) + BCE(0.5, 0) = 2 ln 2; if D is perfect (0.9 on real, 0 on fake),
# loss_D falls to the entropy of the 0.9 label, its floor.

# %%
shipped, shipped_runs = load_shipped_sweep()
medium = next(r for r in shipped_runs
              if r["config"] == "b32 z100" and r["seed"] == 0)
plot_history(medium["history"], smooth=5)

# %%
h = medium["history"]
half = len(h["loss_D"]) // 2
late = {k: sum(h[k][half:]) / (len(h[k]) - half)
        for k in ("loss_D", "loss_G", "d_real", "d_fake")}
p_real = torch.tensor(0.9)
confused = 2 * math.log(2)
perfect = float(-(p_real * p_real.log() + (1 - p_real) * (1 - p_real).log()))
say(f"- Over the second half of its {medium['steps']:,} steps D gives real "
    f"digits {late['d_real']:.2f} and G's {late['d_fake']:.2f}: it still "
    "tells them apart, but far from perfectly.",
    f"- loss_D averages {late['loss_D']:.2f}, between its floor "
    f"{perfect:.2f} (D perfect) and {confused:.2f} (D confused): "
    + ("neither network has won — what a healthy GAN looks like. "
       if perfect + 0.2 < late["loss_D"] < confused + 0.2 else
       "one network dominates. ")
    + "A GAN's losses do not fall to zero as a classifier's do; they "
    "settle where the two players balance.")

# %% [markdown]
# **The same z through training.** Each row: the same eight z through the kept generators of
# each configuration's first seed, at the steps the course kept (100, 400, then equal steps and
# equal epochs).

# %%
progression = sorted((g for g in shipped if g.seed == 0),
                     key=lambda g: (g.config, g.step))
z_fixed = torch.randn(8, 200, generator=torch.Generator().manual_seed(0))
with torch.no_grad():  # each G reads the first z_dim numbers of the same z
    rows = {f"{g.config} @ {g.step}": g.G(z_fixed[:, :g.z_dim])
            for g in progression}
show_image_rows(rows)

# %% [markdown]
# ## 4. Judging a generator by numbers, and note 001's sweep
#
# Every score is computed in the feature space of a small classifier trained on the training
# digits (Inception weights would need a download; it ships in `data/`). Its held-out accuracy
# says how much its features know about digits:
#
# - **FID**: the Fréchet distance between Gaussians fitted to the real and the generated
#   features — 0 for identical distributions, in squared feature units;
# - **KID**: the squared maximum mean discrepancy with a cubic kernel, unbiased (it can dip below
#   0 for equal distributions); its units are arbitrary too and not FID's, so compare a KID only
#   with another KID;
# - **precision**: the share of samples that fall inside the real digits' manifold, within the
#   k-nearest-neighbour radius of some real digit (are they realistic?); **recall** and
#   **coverage**: the share of the real digits' variety the samples reach;
# - **classes**: how many of the 10 digits the classifier finds in the samples, each at ≥ 10 % of
#   a fair share (mode coverage).
#
# FID and KID have no absolute scale: they mean something only beside the **floor**, the same
# score between two sets of *real* digits (training vs held-out), which no generator can be
# expected to beat.

# %%
digits_net = load_shipped_feature_net()
f_test, predicted = embed(digits_net, test_digits)
accuracy = float((predicted == load_dataset("digits", 32, split="test")
                  .labels).double().mean())
floor = real_floor(digits_net, train_digits[:len(test_digits)], test_digits)
print(f"feature net: accuracy {accuracy:.3f} on the {len(test_digits)} "
      "held-out digits")
print(format_table([{"set": "real vs real (floor)", **floor}],
                   ["set", "FID", "KID", "precision", "recall", "coverage",
                    "classes"], decimals=2, column_decimals={"classes": 0}))
say(f"On the floor KID is {floor['KID']:.2f} and FID {floor['FID']:.2f}: "
    f"KID is {'smaller' if floor['KID'] < floor['FID'] else 'larger'} "
    "here. The two scales are unrelated (KID is not a rescaled FID): read "
    "each against its own floor.")

# %% [markdown]
# **Note 001's sweep, converged — on digits at course scale.** The three configurations, each
# trained with three seeds (`gan-course ship dcgan-sweep-digits-32`; command, data hash and time
# in `data/manifest.json`). This is not note 001's setting: note 001 trained on larger CIFAR-10
# photos for many more epochs; here the images are small digits and the runs short (the verdict
# below prints both settings). And batch and z change *together* from one configuration to
# the next, so they are confounded: a difference cannot be blamed on the batch or on z alone.
# Compared two ways: at **equal steps** (1,500 updates each) and at **equal epochs** (32 passes over
# the 1,500 training digits: 3,000 updates at batch 16, 1,500 at 32, 750 at 64). Every score is
# computed now from the shipped generators: 500 samples against the 297 held-out digits; mean ±
# standard deviation over the seeds.

# %%
score_keys = ("FID", "KID", "precision", "recall", "coverage", "classes")


def converged_scores(config_name, comparison):
    """The scores of the three seeds' generators of one configuration at
    equal steps or equal epochs."""
    picked = []
    for g in shipped:
        run = next(r for r in shipped_runs
                   if (r["config"], r["seed"]) == (g.config, g.seed))
        if g.config == config_name and g.step == run[comparison]:
            picked.append(score_generator(g.G, g.z_dim, digits_net, f_test,
                                          500))
    return picked


converged = {(name, comparison): converged_scores(name, comparison)
             for comparison in ("equal_steps", "equal_epochs")
             for name in NOTE_001_GRID}
converged_rows = []
for (name, comparison), scores in converged.items():
    step = next(r[comparison] for r in shipped_runs if r["config"] == name)
    row = {"compared at": comparison.replace("_", " "), "config": name,
           "steps": str(step)}
    for key in score_keys:  # rounded: another CPU prints the same table
        values = torch.tensor([s[key] for s in scores])
        digits = {"FID": 1, "KID": 1, "classes": 1}.get(key, 2)
        row[key] = f"{values.mean():.{digits}f} ± {values.std():.{digits}f}"
    converged_rows.append(row)
print(format_table(converged_rows,
                   ["compared at", "config", "steps", *score_keys]))

# %% [markdown]
# Stability, from each run's loss history over the second half of its training (means over the
# seeds): loss_G spikes per 1,000 steps (steps where loss_G jumps more than 3 standard deviations
# above its running mean; a rate, because the runs have different lengths) and the gap
# D(x) − D(G(z)).

# %%
stability_rows = []
for name in NOTE_001_GRID:
    runs = [r for r in shipped_runs if r["config"] == name]
    rates = [gv.spike_rate(r["history"], r["stability"]["spikes"])
             for r in runs]
    stability_rows.append(
        {"config": name, "steps": runs[0]["steps"],
         "spikes/1k": sum(rates) / len(rates),
         **{k: sum(r["stability"][k] for r in runs) / len(runs)
            for k in ("gap_D", "var_loss_G")}})
print(format_table(stability_rows,
                   ["config", "steps", "spikes/1k", "gap_D", "var_loss_G"],
                   decimals=3, column_decimals={"spikes/1k": 1}))

# %%
def ranked(comparison):
    """(configurations from best to worst mean FID, whether every gap
    exceeds twice the seeds' spread, the FIDs)."""
    fids = {name: torch.tensor([s["FID"] for s in converged[name, comparison]])
            for name in NOTE_001_GRID}
    order = sorted(fids, key=lambda name: float(fids[name].mean()))
    gaps = [float(fids[b].mean() - fids[a].mean())
            for a, b in zip(order, order[1:])]
    spread = max(float(f.std()) for f in fids.values())
    return order, all(gap > 2 * spread for gap in gaps), fids


lines = []
for comparison in ("equal_steps", "equal_epochs"):
    order, clear, fids = ranked(comparison)
    means = ", ".join(f"{name} {float(fids[name].mean()):.1f}"
                      for name in order)
    verdict = ("**a clear order**: every gap is more than twice the "
               "seed-to-seed spread" if clear else
               "**no clear order**: some gap is within twice the "
               "seed-to-seed spread")
    lines.append(f"- At {comparison.replace('_', ' ')}: mean FID {means} "
                 f"(floor {floor['FID']:.1f}); {verdict}.")
classes = min(s["classes"] for scores in converged.values() for s in scores)
lines.append(f"- Every shipped generator covers at least **{classes:.0f} of "
             "10** digit classes.")
best_steps, clear_steps, _ = ranked("equal_steps")
best_epochs, clear_epochs, _ = ranked("equal_epochs")
epoch_steps = {r["config"]: r["equal_epochs"] for r in shipped_runs}
if best_epochs == sorted(NOTE_001_GRID, key=lambda n: -epoch_steps[n]):
    lines.append("- At equal epochs the ranking is the ranking of the number "
                 "of updates (" + ", ".join(f"{n}: {epoch_steps[n]:,}"
                                            for n in best_epochs)
                 + "): a smaller batch wins there because it trains longer.")
note = "b32 z100"
if clear_steps and clear_epochs and best_steps[0] == best_epochs[0] == note:
    claim = "**holds**"
elif clear_steps and best_steps[0] != note:
    claim = (f"**does not hold**: at equal steps {best_steps[0]} is clearly "
             "better")
else:
    claim = (f"**is not supported** by these numbers: {best_steps[0]} leads "
             f"at equal steps and {best_epochs[0]} at equal epochs, and no "
             "lead is clear beyond the seeds' spread")
lines.append(f"- Note 001's claim that the medium configuration ({note}) is "
             f"best {claim} — **on digits at course scale**, not in note "
             "001's own setting. Batch and z change together, so they "
             "are confounded: no gap here can be blamed on either alone.")
claim_line = lines[-1]
say(lines)

# %%
steps_run = sorted({r[c] for r in shipped_runs
                    for c in ("equal_steps", "equal_epochs")})
full = DCGANConfig.for_profile("full")
note_epochs = 80  # note 001's sweep
dataset_name = {"cifar10": "CIFAR-10"}.get(full.dataset, full.dataset)
every = [s for scores in converged.values() for s in scores]
precisions = [s["precision"] for s in every]
variety = {k: max(s[k] for s in every) for k in ("recall", "coverage")}
say(f"- **The setting.** Here: {g_config.image_size}×{g_config.image_size} "
    f"digits, {steps_run[0]:,}–{steps_run[-1]:,} steps per run. Note 001: "
    f"{note_epochs} epochs of {full.image_size}×{full.image_size} "
    f"{dataset_name} photos. The verdict above is about this setting only.",
    f"- Precision of the generators, {min(precisions):.2f}–"
    f"{max(precisions):.2f}, "
    + ("is *above* the floor's " if min(precisions) > floor["precision"]
       else "is not above the floor's ")
    + f"{floor['precision']:.2f}: precision is the share of samples inside "
    "the real digits' manifold, and a generator that stays in its dense "
    "middle — typical, clean digits — can score higher than held-out real "
    "digits, which include odd writings. "
    + (f"Recall and coverage (at most {variety['recall']:.2f} and "
       f"{variety['coverage']:.2f}, floor {floor['recall']:.2f} and "
       f"{floor['coverage']:.2f}) show what that costs in variety."
       if all(variety[k] < floor[k] for k in variety) else
       "Recall and coverage say whether variety was lost."))

# %% [markdown]
# ## 5. When training fails
#
# Four real runs of the same DCGAN on the same digits for 1,500 steps each (batch 64), shipped with
# the course (`gan-course ship dcgan-failures-digits-32`); only the optimiser settings differ: a
# healthy run, G learning 200× slower than D, D learning 100× slower than G, and both 25× faster
# with Adam's momentum β1 at 0.9. Each failure leaves a trace in the curves that you can learn to
# read before you look at a single sample. **diversity** is the mean distance between two of a run's samples (per
# pixel, on the [−1, 1] scale; real digits beside it); **checkerboard** the share of the samples'
# energy at the pixel-flipping frequency (notebook 01; real digits ≈ 0).

# %%
failures = load_shipped_failures()
for run in failures:
    print(f"{run['name']:<15}", ", ".join(f"{k} {v:g}"
                                          for k, v in run["train"].items())
          or "lr_G = lr_D = 2e-4, β1 0.5 (the course's default)")
fail_rows = gv.failure_rows(failures, test_digits)
print(format_table(fail_rows, gv.FAILURE_COLUMNS, decimals=3,
                   column_decimals={"FID": 1, "spikes/1k": 1}))

# %%
gv.plot_failures(failures)

# %%
rates = {r["run"]: r["spikes/1k"] for r in fail_rows[:-1]}
most = max(rates, key=rates.get)
say(gv.read_failures(fail_rows)
    + [f"- Spikes alone are not a failure signal: **{most}** has the most, "
       f"{rates[most]:.1f} per 1,000 steps (the others "
       + ", ".join(f"{n} {v:.1f}" for n, v in rates.items() if n != most)
       + "). A spike is a jump above the run's own recent loss_G; a run "
       "whose loss_G sits still, even stuck high because D wins, has few."])

# %% [markdown]
# **Checkerboards.** Every run starts with them: a freshly initialised transposed convolution
# makes a checkerboard of even a flat input (notebook 01). The same z through the healthy run
# at the steps kept, with each row's checkerboard score. Each row's contrast is stretched to the
# full grey range (`gv.stretch`): at step 0 G's output is nearly flat grey, and the pattern only
# shows when stretched.

# %%
healthy = failures[0]
snaps = {f"step {step}": to_unit_range(x)
         for step, x in zip(healthy["snapshots"], healthy["samples"])}
board = {name: float(checkerboard_scores(x[:, 0]).mean())
         for name, x in snaps.items()}
n_show = 10
show_image_rows({f"{name}: {board[name]:.3f}": gv.stretch(x[:n_show])
                 for name, x in snaps.items()})

# %%
step0 = snaps[next(iter(snaps))]
say(f"{n_show} of the {len(step0)} kept z; at step 0 G's pixels span only "
    f"{float(step0.min()):+.3f} to {float(step0.max()):+.3f}, and the kept "
    f"samples are 8-bit images, so {len(step0.unique())} grey levels are "
    "left: stretched, the checkerboard shows through as that coarse "
    "maze-like pattern.",
    f"Checkerboard score {board[next(iter(board))]:.3f} at step 0, "
    f"{board[list(board)[-1]]:.4f} at the end (real digits "
    f"{float(checkerboard_scores(test_digits[:, 0]).mean()):.4f}): training "
    "removes it, and a run that stops early keeps it.")

# %% [markdown]
# ## 6. A short live run
#
# The same objective and trainer, live: 120 steps of batch 32 from scratch (seconds on a CPU).
# Change the learning rates to one of the failure settings above and watch the curves change.
# Expect noise after 120 steps: in the healthy run above digits appear between steps 200 and 600,
# so try `steps=600` (about a minute) to see them. Its numbers depend on the machine.

# %% tags=["nbval-ignore-output"]
live = trainer_for(DCGANConfig.for_profile("fast"),
                   TrainConfig(steps=120, batch_size=32, lr_G=2e-4, lr_D=2e-4,
                               sample_every=0, checkpoint_every=0),
                   load_dataset("digits", 32), device=device, progress=False)
live_history = live.fit()
with torch.no_grad():
    live_samples = live.G.eval()(z_show.to(device)).cpu()
show_image_rows({"after 120 steps": live_samples, "shipped G": fakes})

# %% tags=["nbval-ignore-output"]
plot_history(live_history, smooth=5)

# %% [markdown]
# If loss_G climbs and D(G(z)) sinks towards 0 here, that looks like the "D wins" failure above,
# but a short run cannot tell: the healthy runs do the same at first. Section 3's shipped run of
# the same setting (batch 32, z 100), read from its history:

# %%
back, until = 0.1, 400
dip = gv.early_struggle(medium["history"], until=until, recovered_at=back)
dips = [gv.early_struggle(r["history"], until=until, recovered_at=back)
        for r in shipped_runs]
recovered = sum(d["recovered_step"] is not None for d in dips)
say(f"- Its loss_G (smoothed) climbed to **{dip['peak_loss_G']:.1f}** by step "
    f"{dip['peak_step']}, with D(G(z)) down to {dip['min_d_fake']:.3f}; "
    + (f"D(G(z)) was back above {back} by step {dip['recovered_step']}, and "
       f"over the second half loss_G averages {late['loss_G']:.2f}. "
       if dip["recovered_step"] is not None else "it did not recover. ")
    + f"In the {len(dips)} shipped sweep runs loss_G peaks at "
    f"{min(d['peak_loss_G'] for d in dips):.1f}–"
    f"{max(d['peak_loss_G'] for d in dips):.1f} in the first {until} steps, "
    f"and D(G(z)) recovers in {recovered}. "
    "D winning while G still draws noise is normal; it is a failure only "
    "if it lasts.")

# %% [markdown]
# With `GAN_COURSE_PROFILE=full` (a GPU and CIFAR-10) this cell trains note 001's sweep itself:
# the three configurations for the note's 80 epochs of 64×64 CIFAR-10, three seeds each, scored
# at four checkpoints on 5,000 samples (hours on one GPU). The `fast` profile skips it.

# %% tags=["nbval-ignore-output"]
if profile == "full":
    cifar_train = load_dataset(full.dataset, full.image_size)
    cifar_test = load_dataset(full.dataset, full.image_size, split="test")
    cifar_judge = feature_net_for(cifar_train)
    sweep = run_sweep(NOTE_001_GRID, full,
                      TrainConfig.for_profile("full", sample_every=0,
                                              checkpoint_every=0),
                      cifar_train, cifar_judge, cifar_test.float(),
                      epochs=note_epochs,
                      seeds=(0, 1, 2), n_samples=5000, device=device)
    cifar_floor = real_floor(cifar_judge,
                             cifar_train.float()[:len(cifar_test)],
                             cifar_test.float())
    print(format_table(sweep_rows(sweep, cifar_floor),
                       ["config", "seed", "steps", "FID", "KID", "precision",
                        "recall", "coverage", "classes", "spikes", "gap_D"],
                       decimals=3))
else:
    print("the full profile's sweep: skipped in the fast profile")

# %% [markdown]
# ## 7. The latent space
#
# **Interpolation.** Walk a straight line between two z and watch whether the digit morphs
# through plausible digits or jumps:

# %%
gz = torch.randn(2, g_config.z_dim, generator=torch.Generator().manual_seed(3))
show_images(interpolate(G, gz[0], gz[1], n=10), title="z₀ → z₁", nrow=10,
            size=8)

# %% [markdown]
# **Directions.** Move one z along a random direction of z-space, s from −reach to +reach, and
# see what that one direction changes. Two directions from the same z:

# %%
reach = 6.0
print(f"reach {reach:g}; the length of z itself is {float(gz[0].norm()):.1f} "
      f"(about √{g_config.z_dim} for z ~ N(0, I))")
directions = gv.latent_directions(g_config.z_dim)
for k in (0, 1):
    display(gv.plot_latent_walk(G, gz[0], directions[k], reach=reach))

# %% [markdown]
# Explore live: any of 16 samples, 8 directions, and how far to go (G runs on every move).

# %% tags=["nbval-ignore-output"]
latent_explorer(G, g_config.z_dim)

# %% [markdown]
# **Does G copy its training digits?** A generator that memorised would draw near-copies of
# training images. For each sample, the nearest training digit (RMS pixel distance); the yardstick
# is how close a *new* digit comes: the held-out digits' nearest training digit. "copies" counts
# images closer to the training set than the closest held-out digit is.

# %%
with torch.no_grad():
    samples = G(torch.randn(500, g_config.z_dim,
                            generator=torch.Generator().manual_seed(4)))
memo = gv.memorisation_rows(samples, train_digits, test_digits)
print(format_table(memo, ["images", "n", "median", "10th percentile", "min",
                          "copies"], decimals=3))
_, nearest = gv.nearest_neighbours(samples[:10], train_digits)
show_image_rows({"G(z)": samples[:10],
                 "nearest training digit": train_digits[nearest]})

# %%
by = {r["images"]: r for r in memo}
s_, t_ = by["G's samples"], by["held-out digits"]
dup = "training digits (another one)"
say(f"- G's samples lie a median {s_['median']:.3f} from their nearest "
    f"training digit, held-out digits {t_['median']:.3f}; "
    f"{s_['copies']} of {s_['n']} samples come closer than any held-out "
    "digit does. "
    + ("G does not copy its training set: its samples are *further* from it "
       "than new real digits are. That distance reads two ways, though: "
       "new digits, or digits *less realistic* than real ones (blurred, "
       "malformed strokes sit far from every real digit too). Pixel "
       "distance alone cannot tell which; precision and FID (section 4) and "
       "your eye on the pairs above judge realism."
       if s_["median"] >= t_["median"] and s_["copies"] == 0 else
       "Some samples are closer to a training digit than new digits come: "
       "look at them above before trusting the generator's novelty."),
    f"- The last row is the dataset itself: each training digit's nearest "
    f"*other* training digit, a median {by[dup]['median']:.3f} away. "
    + (f"Its {by[dup]['copies']} \"copies\" are training digits with a "
       "neighbour closer than any held-out digit comes: near-duplicates "
       "inside the dataset (the 8×8 originals are coarse, so two writings "
       "can come out nearly the same), not the generator's doing."
       if by[dup]["copies"] else "No two training digits are that close."))

# %%
_, classes_of = embed(digits_net, samples)
modes = mode_coverage(classes_of, 10)
say(f"- The shipped DCGAN ({DCGAN_STEPS:,} steps) covers **{modes.covered} "
    f"of 10** digit classes in {len(classes_of):,} samples: "
    f"{min(modes.histogram)} to {max(modes.histogram)} per class (a fair "
    f"share is {len(classes_of) // 10}), KL to uniform "
    f"{modes.kl_to_uniform:.3f} (0 when balanced, {math.log(10):.3f} for one "
    "class).")

# %% [markdown]
# ## 8. The same DCGAN on photos
#
# Note 001's full setting trains this architecture on CIFAR-10. One such generator ships with the
# course, trained on CIFAR-10's 50,000 photos (the weights ship, the images do not); the command,
# data hash, time and the scores it had when it was built are in `data/manifest.json`. Its
# samples, and the CIFAR-10 classes a shipped classifier sees in 1,000 of them:

# %%
G_cifar, cifar_config = load_shipped_cifar10_dcgan()
manifest = read_manifest()
cifar_entry = manifest["dcgan-cifar10-32"]
with torch.no_grad():
    cifar_samples = G_cifar(torch.randn(
        1000, cifar_config.z_dim, generator=torch.Generator().manual_seed(0)))
show_images(cifar_samples[:64], title="CIFAR-10 DCGAN samples", nrow=8,
            size=6)

# %%
cifar_net = load_shipped_feature_net(name="featnet-cifar10-32")
_, cifar_classes = embed(cifar_net, cifar_samples)
cifar_names = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
               "horse", "ship", "truck")
cifar_modes = mode_coverage(cifar_classes, 10)  # ≥ 10 % of a fair share
counts = list(cifar_modes.histogram)
train_recipe = cifar_entry["recipe"]["train"]
print(f"`{cifar_entry['command']}`: {cifar_entry['steps']:,} steps of batch "
      f"{train_recipe['batch_size']}, "
      f"{cifar_entry['wall_time_s'] / 60:.0f} min on "
      f"{cifar_entry['machine']['device']}")
print("predicted classes of 1,000 samples: "
      + ", ".join(f"{n} {c}" for n, c in zip(cifar_names, counts)))
judge = manifest["featnet-cifar10-32"]["metrics"]
judge_accuracy = judge["test accuracy (1000 images)"]
fair = len(cifar_classes) // 10
say(f"- At build time, against 1,000 held-out CIFAR-10 photos: FID "
    f"{cifar_entry['metrics']['FID']:.2f} in the feature space of a "
    f"classifier that is right on only {judge_accuracy:.0%} of CIFAR-10's "
    f"test photos, {cifar_entry['metrics']['classes']:.0f} of 10 "
    f"classes covered. Here, in {len(cifar_classes):,} samples, "
    f"{cifar_modes.covered} of 10 classes are covered by the same rule as "
    f"the digits' (at least 10 % of a fair share of {fair}); the rarest "
    f"class gets {min(counts)}, the commonest {max(counts)}, KL to uniform "
    f"{cifar_modes.kl_to_uniform:.3f}.",
    "- **No floor for that FID.** A floor needs two sets of real CIFAR-10 "
    "photos in this classifier's feature space, and the course ships only "
    "weights, no CIFAR-10 photos (nor their features); the fast profile "
    "downloads nothing. So the FID cannot be read against a floor here, "
    f"and the digits' floor ({floor['FID']:.2f}) is in another feature "
    "space and does not carry over.")

# %% [markdown]
# Look at the samples before the number: they are scene-like blobs (sky, ground, vehicle-like
# shapes) rather than recognisable objects. A weak judge gives a flattering FID; a longer run on a
# GPU (the `full` profile) is what makes objects.

# %% [markdown]
# ## 9. Exercises
#
# Write each function, then run its check. The checks compare with the package's own losses and
# with `torch.lerp`; reference solutions are in `gan_course.lessons.solutions`: try first.
#
# **1.** D's loss from its logits on a batch of real images (`d_real`, shape (B,)) and of fakes
# (`d_fake`), with `real_label` as the target for real images (0.9 above).

# %%
def discriminator_loss(d_real, d_fake, real_label):
    return ...  # your code


check("discriminator_loss", discriminator_loss)

# %% [markdown]
# **2.** G's non-saturating loss −log D(G(z)), averaged over the batch, from D's logits on the
# fakes. (`torch.nn.functional.logsigmoid` keeps it finite for very negative logits.)

# %%
def nonsaturating_loss(d_fake):
    return ...  # your code


check("nonsaturating_loss", nonsaturating_loss)

# %% [markdown]
# **3.** The `n` latent vectors of section 7's interpolation: evenly spaced on the straight line
# from `z0` to `z1` (each of shape (z_dim,)), both ends included, stacked into (n, z_dim).

# %%
def interpolate_z(z0, z1, n):
    return ...  # your code


check("interpolate_z", interpolate_z)

# %% [markdown]
# ## Summary
#
# Written by code from the tables above.

# %%
say(f"- **The game:** D's loss settled at {late['loss_D']:.2f} in a healthy "
    f"run, between its floor {perfect:.2f} and {confused:.2f} (D confused); "
    f"G trains on the non-saturating BCE(D(G(z)), {t_G:g}) (lowest at "
    f"D(G(z)) = {t_G:g}; −log D(G(z)) for a target of 1) because "
    "log(1 − D(G(z))) gives it no gradient when D rejects its images.",
    f"- **Note 001's sweep** on converged runs, three seeds: "
    f"{claim_line[2:]}",
    f"- **Failures** read from the curves: "
    + "; ".join(f"{r['run']} FID {r['FID']:.0f}" for r in fail_rows[:-1]) + ".",
    f"- **Latent space:** G covers {modes.covered} of 10 classes and does "
    + ("not copy" if s_["copies"] == 0 else "partly copy")
    + " its training digits.")
