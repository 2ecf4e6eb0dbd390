"""Tests of the GAN objectives whose answers are known from the maths: each must fail when an objective
pushes the wrong way (see test_mutants.py for the one-line mistakes each test catches).

- One D step raises D's score on reals and lowers it on fakes; one G step raises D's score on G's
  output — for the unconditional GAN (DCGAN), pix2pix and the encoder–decoder GAN (with R1 and
  feature matching), and in inpainting λ > 0 ends with a higher D(G(ẑ)) than λ = 0 from the same start.
- Stub networks make the direction exact: D(x) = w · mean(x) (no bias) and G = tanh(c) everywhere,
  with reals at +0.5 and fakes below 0. Adam's first step moves every parameter by exactly ±lr
  (the sign of its gradient), so w rises when D learns the right way and c rises when G does; then the
  score on reals moves by +0.5·lr, the score on fakes by tanh(c)·lr < 0. No tolerance is needed.
- The engine's step equals the alternating update written by hand (pytorch/examples' order: D on
  x_fake.detach(), then G against the *updated* D), parameter for parameter, over two steps: a missing
  optimiser step, a missing zero_grad or a swapped order fails.
"""
from copy import deepcopy

import pytest
import torch
from torch import nn

from gan_course.data import ImageSet, iterate_batches, load_dataset
from gan_course.dcgan import DCGANConfig, DCGANObjective
from gan_course.encoder_decoder import EncoderDecoderObjective
from gan_course.engine import GANTrainer, TrainConfig
from gan_course.inpainting import InpaintConfig, inpaint, make_mask, perceptual_loss
from gan_course.losses import d_loss_bce, g_loss_bce
from gan_course.pix2pix import Pix2PixObjective

LR = 0.01


# ---------------------------------------------------------------------------------------- stub networks
class ConstantG(nn.Module):
    """G(anything) = tanh(c) in every pixel of a (B, C, S, S) image: one parameter, c."""

    def __init__(self, shape: tuple[int, int, int], c: float = -0.5):
        super().__init__()
        self.shape, self.c = shape, nn.Parameter(torch.tensor(c))

    def forward(self, g_input: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.c).expand(g_input.shape[0], *self.shape)  # (B, C, S, S)


class MeanD(nn.Module):
    """D(x) = w · mean(x) per image, logits (B,); conditional form D(A, B) scores B alone.
    ``features`` is the same mean, (B, 1), for feature matching."""

    def __init__(self, w: float = 1.0):
        super().__init__()
        self.w = nn.Parameter(torch.tensor(w))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.w * x.flatten(1).mean(1, keepdim=True)  # (B, 1)

    def forward(self, x: torch.Tensor, B: torch.Tensor | None = None) -> torch.Tensor:
        return self.features(x if B is None else B).flatten()  # (B,)


def constant_images(value: float, n: int = 8, channels: int = 3, size: int = 4) -> ImageSet:
    """n images with every pixel at ``value`` in [-1, 1] (as uint8, so ±0.004 of it)."""
    images = torch.full((n, channels, size, size), round((value + 1) * 127.5), dtype=torch.uint8)
    return ImageSet(images, None, None, f"constant {value}")


def stub_trainer(objective, G_shape=(3, 4, 4), data=None) -> GANTrainer:
    config = TrainConfig(steps=1, batch_size=8, lr_G=LR, lr_D=LR, sample_every=0, checkpoint_every=0)
    data = data if data is not None else constant_images(0.5)
    return GANTrainer(ConstantG(G_shape), MeanD(), objective, data, config, progress=False)


def one_step(trainer: GANTrainer) -> dict[str, float]:
    """Run one engine step; return how it moved D's and G's parameters (w, c) and the scores."""
    w0, c0 = trainer.D.w.item(), trainer.G.c.item()
    batch = next(iterate_batches(trainer.data, trainer.config.batch_size, seed=trainer.config.seed))
    trainer.train_step(batch)
    return {"dw": trainer.D.w.item() - w0, "dc": trainer.G.c.item() - c0}


OBJECTIVES = {
    "unconditional (DCGAN)": lambda: DCGANObjective(z_dim=4),
    "unconditional, G aims for 1.0": lambda: DCGANObjective(z_dim=4, g_target=1.0),
    "pix2pix, adversarial only": lambda: Pix2PixObjective("gray", lambda_l1=0.0),
    "encoder–decoder GAN": lambda: EncoderDecoderObjective(lambda_l1=0.0),
    "encoder–decoder GAN + R1": lambda: EncoderDecoderObjective(lambda_l1=0.0, r1_gamma=0.1),
}


@pytest.mark.parametrize("name", OBJECTIVES)
def test_one_D_step_raises_reals_and_lowers_fakes_one_G_step_raises_fakes(name):
    trainer = stub_trainer(OBJECTIVES[name]())
    x_fake = trainer.G.c.tanh().item()  # -0.46: the fakes sit below 0, the reals at +0.5
    moved = one_step(trainer)
    # D's score on reals, w·0.5, rises by 0.5·lr; on fakes, w·tanh(c), falls by |tanh(c)|·lr
    assert moved["dw"] == pytest.approx(LR, rel=1e-4), "D's step moved its score the wrong way"
    assert 0.5 * moved["dw"] > 0 > x_fake * moved["dw"]
    # G's step against the updated D (w > 0): tanh(c) rises, so D(G(z)) rises
    assert moved["dc"] == pytest.approx(LR, rel=1e-4), "G's step lowered D's score on its own output"


def test_the_real_label_smoothing_keeps_D_from_pushing_reals_past_it():
    """With one-sided smoothing (0.9), a D already sure of its reals (σ > 0.9) is pulled back: the
    BCE target is 0.9, not 1, so ∂loss/∂w flips sign for the real term."""
    d_sure = torch.tensor([5.0])  # σ = 0.993 > 0.9
    d_sure.requires_grad_(True)
    (grad,) = torch.autograd.grad(d_loss_bce(d_sure, torch.tensor([-10.0]), real_label=0.9), d_sure)
    assert grad.item() > 0  # gradient descent lowers the over-confident real score
    (grad,) = torch.autograd.grad(g_loss_bce(d_sure, target=1.0), d_sure)
    assert grad.item() < 0  # G's non-saturating loss keeps raising D(G(z)) towards 1


def test_loss_values_are_the_formulas():
    d_real, d_fake = torch.tensor([0.3, -1.2]), torch.tensor([-0.7, 2.0])
    softplus = nn.functional.softplus  # BCE(d, 1) = softplus(−d), BCE(d, 0) = softplus(d)
    expected_D = (0.9 * softplus(-d_real) + 0.1 * softplus(d_real)).mean() + softplus(d_fake).mean()
    torch.testing.assert_close(d_loss_bce(d_real, d_fake, real_label=0.9), expected_D)
    torch.testing.assert_close(g_loss_bce(d_fake, 1.0), softplus(-d_fake).mean())  # −log D(G(z))


def test_pix2pix_loss_G_is_adversarial_plus_lambda_l1():
    objective = Pix2PixObjective("gray", lambda_l1=100.0)
    x = torch.rand(4, 3, 8, 8) * 2 - 1
    batch = (x, None)
    A, B = objective.pair(batch)
    x_fake = torch.zeros_like(B)
    D = MeanD(w=1.0)
    out = objective.loss_G(D, batch, x_fake)
    adv = nn.functional.softplus(-D(A, x_fake)).mean()  # −log D(A, G(A))
    torch.testing.assert_close(out["loss_G"], adv + 100.0 * (x_fake - B).abs().mean())
    out = Pix2PixObjective("gray", lambda_l1=100.0, adversarial=False).loss_G(D, batch, x_fake)
    torch.testing.assert_close(out["loss_G"], 100.0 * (x_fake - B).abs().mean())  # "L1 only": D ignored
    d_out = objective.loss_D(D, batch, x_fake)
    expected = 0.5 * (nn.functional.softplus(-D(A, B)).mean() + nn.functional.softplus(D(A, x_fake)).mean())
    torch.testing.assert_close(d_out["loss_D"], expected)  # halved, as pix2pix does


def test_feature_matching_pulls_G_towards_the_real_features():
    """With only feature matching (λ = 0, the adversarial term outweighed), G's step moves the fakes'
    mean feature towards the reals': tanh(c) rises from −0.46 towards +0.5."""
    trainer = stub_trainer(EncoderDecoderObjective(lambda_l1=0.0, feature_matching=1000.0))
    before = (trainer.G.c.tanh() - 0.5).abs().item()
    one_step(trainer)
    assert (trainer.G.c.tanh() - 0.5).abs().item() < before


def test_r1_penalty_pulls_D_towards_a_flat_score_on_reals():
    """R1 = E‖∇ₓD(x)‖² = (w/P)²·P for D = w·mean over P pixels: with a large γ, D's step lowers |w|
    (the BCE terms alone raise it: see the test above)."""
    trainer = stub_trainer(EncoderDecoderObjective(lambda_l1=0.0, r1_gamma=1e4))
    assert one_step(trainer)["dw"] == pytest.approx(-LR, rel=1e-4)


def test_l1_only_colorizer_moves_towards_the_target():
    """pix2pix with adversarial=False: G's step lowers |G(A) − B|: targets at +0.5 pull tanh(c) up."""
    trainer = stub_trainer(Pix2PixObjective("gray", lambda_l1=100.0, adversarial=False))
    assert one_step(trainer)["dc"] == pytest.approx(LR, rel=1e-4)


# ------------------------------------------------------------------------------- the real networks
def test_real_DCGAN_one_step_moves_the_scores_the_right_way(tiny_digits):
    """The same directions with the course's DCGAN (BatchNorm, Adam at note 001's lr) on digits, for
    several seeds; first-order, so measured rather than exact. D's loss on the step's own batch falls
    (written here from its formula, not with the package's loss), D's score on reals rises, and G's
    step raises the updated D's score on G(z). (D's BatchNorm normalises an all-fake batch by its own
    statistics, so that batch's mean logit barely moves in one step: the stub test checks fakes exactly.)"""
    softplus = nn.functional.softplus
    for seed in range(3):
        torch.manual_seed(seed)
        G, D = (DCGANConfig(image_size=16, width=8, z_dim=16)).build()
        config = TrainConfig(steps=1, batch_size=32, seed=seed, sample_every=0, checkpoint_every=0)
        trainer = GANTrainer(G, D, DCGANObjective(16), tiny_digits, config, progress=False)
        batch = next(iterate_batches(tiny_digits, 32, seed=seed))
        z = trainer.objective.generator_input(batch, torch.Generator().manual_seed(seed))  # the step's z
        D0 = deepcopy(D)
        with torch.no_grad():
            x_fake = deepcopy(G)(z)
        trainer.train_step(batch)
        score = lambda net, x: deepcopy(net)(x)  # noqa: E731 (train mode, as D is trained; on copies)
        loss_D = lambda net: ((0.9 * softplus(-score(net, batch[0])) + 0.1 * softplus(score(net, batch[0]))).mean()
                              + softplus(score(net, x_fake)).mean()).item()  # noqa: E731
        assert loss_D(trainer.D) < loss_D(D0), f"seed {seed}: D's step raised its own loss"
        assert score(trainer.D, batch[0]).mean() > score(D0, batch[0]).mean(), f"seed {seed}: D's score on reals fell"
        with torch.no_grad():
            x_new = deepcopy(trainer.G)(z)
        assert score(trainer.D, x_new).mean() > score(trainer.D, x_fake).mean(), f"seed {seed}: G lowered D(G(z))"


def reference_steps(G, D, objective, data, config: TrainConfig, steps: int) -> None:
    """The alternating update written out by hand, as pytorch/examples' dcgan/main.py does."""
    opt_D = torch.optim.Adam(D.parameters(), lr=config.lr_D, betas=(config.beta1, config.beta2))
    opt_G = torch.optim.Adam(G.parameters(), lr=config.lr_G, betas=(config.beta1, config.beta2))
    rng = torch.Generator().manual_seed(config.seed)
    for _, batch in zip(range(steps), iterate_batches(data, config.batch_size, seed=config.seed)):
        x_fake = G(objective.generator_input(batch, rng))
        # (1) update D: maximise log D(x) + log(1 − D(G(z)))
        D.zero_grad()
        objective.loss_D(D, batch, x_fake.detach())["loss_D"].backward()
        opt_D.step()
        # (2) update G against the updated D: maximise log D(G(z))
        G.zero_grad()
        objective.loss_G(D, batch, x_fake)["loss_G"].backward()
        opt_G.step()


def test_engine_step_is_the_alternating_update_written_by_hand(tiny_digits):
    """Two engine steps equal two hand-written steps, parameter for parameter: D first on the detached
    fakes, then G against the just-updated D; both optimisers step, gradients are zeroed."""
    config = TrainConfig(steps=2, batch_size=16, seed=5, sample_every=0, checkpoint_every=0)
    torch.manual_seed(0)
    G, D = (DCGANConfig(image_size=16, width=8, z_dim=16)).build()
    G_ref, D_ref = deepcopy(G), deepcopy(D)
    trainer = GANTrainer(G, D, DCGANObjective(16), tiny_digits, config, progress=False)
    trainer.fit()
    reference_steps(G_ref, D_ref, DCGANObjective(16), tiny_digits, config, steps=2)
    for name, net, ref in (("D", trainer.D, D_ref), ("G", trainer.G, G_ref)):
        for (key, p), q in zip(net.state_dict().items(), ref.state_dict().values()):
            torch.testing.assert_close(p, q, rtol=1e-5, atol=1e-6, msg=lambda m: f"{name}.{key} differs: {m}")


# ------------------------------------------------------------------------------------------ inpainting
def test_perceptual_loss_falls_as_D_finds_the_image_more_real():
    d = torch.linspace(-3, 3, 7)
    for form in ("yeh", "nonsat"):
        assert torch.all(perceptual_loss(d, form).diff() < 0), form


@pytest.mark.parametrize("form,lambda_perceptual", [("yeh", 10.0), ("nonsat", 1.0)])
def test_inpainting_with_lambda_ends_more_real_to_D_than_without(form, lambda_perceptual):
    """Same images, mask and start z: the perceptual term λ·L_p makes the optimiser trade some context
    for a G(ẑ) that D scores higher; λ = 0 is the contextual loss alone. (Yeh's log(1 − D) saturates
    where D is sure of a fake — its slope is σ(d) — so it needs a larger λ than −log D for the same pull.)"""
    from gan_course.shipped import load_shipped_dcgan

    G, D, config = load_shipped_dcgan()
    x = load_dataset("digits", 32, split="test").float()[:8]
    m = make_mask("center", len(x), 32)
    scores = {}
    for weight in (0.0, lambda_perceptual):
        cfg = InpaintConfig(lambda_perceptual=weight, steps=40, lr=0.05, grad_tol=0.0, blend=False, perceptual=form, precision="fp32")
        result = inpaint(G, D, x * m, m, config.z_dim, cfg, seed=0)
        with torch.no_grad():
            scores[weight] = D.eval()(result.x_gen)  # logits (8,)
    assert scores[lambda_perceptual].mean() > scores[0.0].mean() + 0.5, scores
    assert (scores[lambda_perceptual] > scores[0.0]).sum() >= 6, scores  # image by image, not one outlier
