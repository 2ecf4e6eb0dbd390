"""Seed 000's encoder–decoder GAN: shapes, the skip bypass, the R1 penalty on a known case, training."""
import pytest
import torch
from torch import nn

from gan_course.data import load_dataset
from gan_course.dcgan import DCGANDiscriminator
from gan_course.encoder_decoder import EncoderDecoder, ReconstructionGAN, r1_penalty
from gan_course.engine import GANTrainer, TrainConfig


@pytest.mark.parametrize("skips", [False, True])
def test_shapes_and_feature_tensor(skips):
    G = EncoderDecoder(channels=3, width=8, depth=4, bottleneck=16, skips=skips)
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    f, _ = G.encoder(x)
    assert f.shape == (2, 16, 2, 2)  # f ∈ ℝ^(C×H×W)
    assert G(x).shape == x.shape


def test_zeroed_bottleneck_only_survives_through_skips():
    torch.manual_seed(0)
    x = torch.rand(4, 1, 32, 32) * 2 - 1
    for skips in (False, True):
        G = EncoderDecoder(channels=1, width=8, depth=3, bottleneck=8, skips=skips).eval()
        y0 = G(x, zero_bottleneck=True)
        varies_with_input = (y0[0] - y0[1]).abs().max() > 1e-6
        assert varies_with_input == skips


def test_r1_penalty_known_case():
    w = torch.tensor([3.0, 4.0])

    class Linear(nn.Module):  # D(x) = w·x: ∇ₓD = w everywhere, so E‖∇‖² = 25
        def forward(self, x):
            return x.flatten(1) @ w

    assert r1_penalty(Linear(), torch.randn(5, 1, 1, 2)).item() == pytest.approx(25.0)


def test_training_through_the_engine_with_every_stabiliser():
    data = load_dataset("photos", 32, n=64)
    G = EncoderDecoder(channels=3, width=8, depth=4, bottleneck=16)
    D = DCGANDiscriminator(width=8, image_size=32, channels=3)
    trainer = GANTrainer(G, D, ReconstructionGAN(lambda_l1=10.0, r1_gamma=1.0, feature_matching=1.0), data,
                         TrainConfig(steps=8, batch_size=16, lr_G=1e-3, lr_D=1e-4, log_every=2), progress=False)
    history = trainer.fit()
    assert {"r1", "fm", "l1", "adv"} <= set(history) and len(history["r1"]) == 8
    assert history["l1"][-1] < history["l1"][0]
