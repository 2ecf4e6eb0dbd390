"""Learning smoke tests: seeded, CPU, seconds to ~20 s each. Not "does training run" but "does it
learn the right thing": each compares the trained model with the untrained one or with the trivial
baseline it must beat, by a margin no wrong-way objective reaches.
"""
import pytest
import torch

from gan_course.data import load_dataset
from gan_course.dcgan import DCGANConfig
from gan_course.engine import TrainConfig, trainer_for
from gan_course.evaluation import embed
from gan_course.lessons.colorization import baseline_colorizations
from gan_course.evaluation import score_generator
from gan_course.metrics import psnr
from gan_course.pix2pix import Pix2PixConfig, colorize
from gan_course.shipped import load_shipped_feature_net


def test_dcgan_on_digits_learns_many_classes_and_a_far_lower_FID():
    """400 steps of batch 32 on the embedded digits (≈ 15 s on one core): the untrained G's 256 samples
    all fall in one class at FID ≈ 575 (shipped feature net); trained, they cover ≥ 8 of the 10 digit
    classes at under a fifth of that FID (measured: 10 classes, FID 27–29 on seeds 0 and 1)."""
    data = load_dataset("digits", 32)
    net = load_shipped_feature_net()
    f_real, _ = embed(net, load_dataset("digits", 32, split="test").float())
    config = DCGANConfig(width=32, z_dim=32)
    trainer = trainer_for(config, TrainConfig(steps=400, batch_size=32, seed=0, sample_every=0, checkpoint_every=0,
                                                log_every=50), data, progress=False)
    untrained = score_generator(trainer.G, config.z_dim, net, f_real, 256)
    trainer.fit()
    trained = score_generator(trainer.G, config.z_dim, net, f_real, 256)
    assert untrained["classes"] <= 2 and trained["classes"] >= 8, (untrained, trained)
    assert trained["FID"] < 0.2 * untrained["FID"], (untrained, trained)
    assert trained["coverage"] > 0.3 > untrained["coverage"], (untrained, trained)


@pytest.mark.parametrize("adversarial", [False, True])
def test_colorizer_beats_the_gray_copy_on_its_training_batch(adversarial):
    """A U-Net trained on 32 photo patches (L1, and L1 + PatchGAN as pix2pix) colours those same
    patches better than copying the gray image into R, G and B — the least a colorizer must learn
    (measured: 11.9 dB untrained, 22.2 dB the gray copy, 30.7 / 30.8 dB trained after 150 steps)."""
    data = load_dataset("photos", 32, n=32, seed=0)
    x = data.float()
    config = Pix2PixConfig(width_G=16, width_D=16, adversarial=adversarial)
    trainer = trainer_for(config, TrainConfig(steps=150, batch_size=32, lr_G=1e-3, sample_every=0,
                                                  checkpoint_every=0, log_every=50), data, progress=False)
    gray = psnr(baseline_colorizations(x, x)["gray copy"], x).mean().item()
    before = psnr(colorize(trainer.G, x), x).mean().item()
    trainer.fit()
    after = psnr(colorize(trainer.G, x), x).mean().item()
    assert before < gray < after - 3, {"untrained": before, "gray copy": gray, "trained": after}
    assert torch.isfinite(torch.tensor(after))
