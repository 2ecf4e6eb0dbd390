"""Inverting the shipped DCGAN three ways: each lowers the reconstruction error it starts from."""
import torch

from gan_course.inversion import (LatentEncoder, invert_by_encoder, invert_by_optimization, invert_hybrid,
                                  train_latent_encoder)
from gan_course.shipped import load_shipped_dcgan


def test_three_inversions_of_the_shipped_generator():
    G, _, config = load_shipped_dcgan()
    with torch.no_grad():
        z_true = torch.randn(8, config.z_dim, generator=torch.Generator().manual_seed(5))
        x = G(z_true)  # images G can make exactly
    opt = invert_by_optimization(G, x, config.z_dim, steps=60, seed=1)
    assert opt.history[-1] < 0.5 * opt.history[0]  # optimisation improves the loss
    assert opt.loss.shape == (8,) and opt.x_hat.shape == x.shape
    E, hist = train_latent_encoder(G, config.z_dim, config.channels, config.image_size, steps=40, batch_size=32)
    assert hist[-1] < hist[0]
    enc = invert_by_encoder(G, E, x)
    hybrid = invert_hybrid(G, E, x, steps=30)
    assert hybrid.loss.mean() < enc.loss.mean()  # optimisation improves on the encoder's guess
    assert all(not p.requires_grad for p in G.parameters())  # G was never trained


def test_encoder_shapes():
    E = LatentEncoder(z_dim=20, channels=3, image_size=64)
    assert E(torch.zeros(2, 3, 64, 64)).shape == (2, 20)
