"""DCGAN as note 001 describes it: shapes, parameter counts, initialisation, one reproducible step."""
import pytest
import torch
from torch import nn

from gan_course.dcgan import DCGANConfig, DCGANDiscriminator, DCGANGenerator
from gan_course.engine import TrainConfig, trainer_for


def n_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())


@pytest.mark.parametrize("image_size,channels", [(16, 1), (32, 1), (32, 3), (64, 3)])
def test_shapes(image_size, channels):
    G = DCGANGenerator(z_dim=20, width=8, image_size=image_size, channels=channels)
    D = DCGANDiscriminator(width=8, image_size=image_size, channels=channels)
    z = torch.randn(5, 20)
    x = G(z)
    assert x.shape == (5, channels, image_size, image_size)
    assert x.abs().max() <= 1.0  # Tanh
    assert torch.equal(G(z[:, :, None, None]), x)  # (B, z) and (B, z, 1, 1) agree
    assert D(x).shape == (5,)
    assert D.features(x).shape == (5, D.head.in_channels, 4, 4)  # the last hidden map is 4×4


def test_seed_001_architecture_64px():
    """z → 512×4×4 → 256 → 128 → 64 → 3×64×64; D 3 → 64 → 128 → 256 → 512 → 1."""
    G, D = DCGANGenerator(100, 64, 64, 3), DCGANDiscriminator(64, 64, 3)
    g_convs = [m for m in G.modules() if isinstance(m, nn.ConvTranspose2d)]
    assert [(m.in_channels, m.out_channels) for m in g_convs] == [(100, 512), (512, 256), (256, 128), (128, 64), (64, 3)]
    assert sum(isinstance(m, nn.BatchNorm2d) for m in G.modules()) == 4
    assert isinstance(G.net[-1], nn.Tanh)
    d_convs = [m for m in D.modules() if isinstance(m, nn.Conv2d)]
    assert [(m.in_channels, m.out_channels) for m in d_convs] == [(3, 64), (64, 128), (128, 256), (256, 512), (512, 1)]
    assert sum(isinstance(m, nn.BatchNorm2d) for m in D.modules()) == 3  # none on the input layer
    assert all(m.negative_slope == 0.2 for m in D.modules() if isinstance(m, nn.LeakyReLU))
    assert not any(isinstance(m, nn.Sigmoid) for m in D.modules())  # logits, for BCEWithLogitsLoss
    # Shapes between layers: 4 → 8 → 16 → 32 → 64 and back.
    h, sizes = torch.randn(2, 100, 1, 1), []
    for m in G.net:
        h = m(h)
        if isinstance(m, nn.ConvTranspose2d):
            sizes.append(tuple(h.shape[1:]))
    assert sizes == [(512, 4, 4), (256, 8, 8), (128, 16, 16), (64, 32, 32), (3, 64, 64)]


def test_parameter_counts_match_the_reference_dcgan():
    # pytorch/examples dcgan (nz=100, ngf=ndf=64, nc=3, bias=False): 3,576,704 and 2,765,568.
    G, D = (DCGANConfig(dataset="cifar10", image_size=64, channels=3, z_dim=100, width=64)).build()
    assert n_params(G) == 3_576_704
    assert n_params(D) == 2_765_568


def test_init_statistics():
    torch.manual_seed(0)
    G, D = DCGANGenerator(100, 64, 64, 3), DCGANDiscriminator(64, 64, 3)
    for net in (G, D):
        weights = torch.cat([m.weight.flatten() for m in net.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))])
        assert abs(weights.mean().item()) < 1e-3
        assert weights.std().item() == pytest.approx(0.02, rel=0.02)
        for bn in (m for m in net.modules() if isinstance(m, nn.BatchNorm2d)):
            assert torch.all(bn.weight == 1) and torch.all(bn.bias == 0)


def test_bad_inputs_say_what_was_expected():
    G, D = DCGANGenerator(10, 8, 32, 1), DCGANDiscriminator(8, 32, 1)
    with pytest.raises(ValueError, match=r"z must have shape \(B, 10\)"):
        G(torch.randn(2, 11))
    with pytest.raises(ValueError, match=r"D expects images of shape \(B, 1, 32, 32\)"):
        D(torch.randn(2, 3, 32, 32))
    with pytest.raises(ValueError, match="power of two"):
        DCGANConfig(image_size=48)
    with pytest.raises(ValueError, match="channels must be 1"):
        DCGANConfig(channels=2)


def test_one_seeded_step_is_reproducible_on_cpu(tiny_digits):
    config = DCGANConfig(image_size=16, width=8, z_dim=16)

    def one_step(seed):
        trainer = trainer_for(config, TrainConfig(steps=1, batch_size=16, seed=seed), tiny_digits, progress=False)
        history = trainer.fit()
        return trainer.G.state_dict(), history

    (g1, h1), (g2, h2), (g3, _) = one_step(3), one_step(3), one_step(4)
    assert all(torch.equal(g1[k], g2[k]) for k in g1)
    assert h1["loss_D"] == h2["loss_D"] and h1["loss_G"] == h2["loss_G"]
    assert not all(torch.equal(g1[k], g3[k]) for k in g1)
    # The seed's objective at initialisation: D(x) ≈ D(G(z)) ≈ 0.5, so loss_D ≈ 2·BCE(0.5) ≈ 1.39.
    assert h1["d_real"][0] == pytest.approx(0.5, abs=0.1)
    assert h1["loss_D"][0] == pytest.approx(1.39, abs=0.2)


def test_trainer_checks_data_against_config(tiny_digits):
    with pytest.raises(ValueError, match=r"expects \(3, 16, 16\)"):
        trainer_for(DCGANConfig(image_size=16, channels=3), TrainConfig(batch_size=16), tiny_digits)
