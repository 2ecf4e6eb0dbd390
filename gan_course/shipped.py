"""Small trained weights shipped in the repository's ``data/`` folder, so that later notebooks (06
inversion, 07 inpainting) load a DCGAN instead of training one, and notebook 05 loads its feature
network. Every file is rebuilt by one command, ``gan-course ship`` (≈ 3 minutes on 2 CPU cores).

- ``dcgan-digits-32.pt``: G and D of the fast-profile DCGAN (32×32 digits, width 32, z 100), trained
  for ``DCGAN_STEPS`` steps of batch 32.
- ``featnet-digits-32.pt``: the ``FeatureNet`` that notebook 05's metrics use for digits.
- ``latent-encoder-digits-32.pt``: a ``LatentEncoder`` x → z for the shipped DCGAN (notebook 06's
  "learned encoder" inversion), trained on G's samples for ``LATENT_ENCODER_STEPS`` steps.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict
from pathlib import Path

from .checkpoint import load_checkpoint, load_state, save_checkpoint
from .data import ImageSet, default_data_root, load_dataset
from .dcgan import DCGANConfig, DCGANDiscriminator, DCGANGenerator
from .engine import TrainConfig, trainer_for
from .evaluation import FeatureNet, load_feature_net, load_or_train_feature_net
from .inversion import LatentEncoder, train_latent_encoder

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
DCGAN_STEPS = 2000
FEATNET_STEPS = 400
LATENT_ENCODER_STEPS = 1500


def _path(name: str, data_dir: Path | None) -> Path:
    path = (data_dir or DATA_DIR) / f"{name}.pt"
    if not path.is_file():
        raise FileNotFoundError(
            f"shipped weights {path} not found: rebuild them with `gan-course ship` "
            "(from a checkout of the repository, where data/ lives)"
        )
    return path


def load_shipped_dcgan(
    data_dir: Path | None = None,
) -> tuple[DCGANGenerator, DCGANDiscriminator, DCGANConfig]:
    """(G, D, config) of the shipped digits DCGAN, in eval mode."""
    state = load_checkpoint(_path("dcgan-digits-32", data_dir), kind="dcgan_weights")
    config = DCGANConfig(**state["config"])
    G, D = config.build()
    load_state(G, state["G"], name="generator")
    load_state(D, state["D"], name="discriminator")
    return G.eval(), D.eval(), config


def load_shipped_feature_net(data_dir: Path | None = None) -> FeatureNet:
    """The shipped digits feature network (1×32×32 inputs, 10 classes), in eval mode."""
    return load_feature_net(_path("featnet-digits-32", data_dir), expect=(1, 32, 10))


def load_shipped_latent_encoder(data_dir: Path | None = None) -> LatentEncoder:
    """E: x → z for the shipped DCGAN's G (1×32×32 digits → z of 100), in eval mode."""
    state = load_checkpoint(_path("latent-encoder-digits-32", data_dir), kind="latent_encoder")
    E = LatentEncoder(**state["config"])
    load_state(E, state["weights"], name="latent encoder")
    return E.eval()


def build_latent_encoder(
    G: DCGANGenerator, config: DCGANConfig, data_dir: Path | None = None
) -> Path:
    """Train the shipped latent encoder for G and write it (what ``gan-course ship`` runs after the
    DCGAN)."""
    E, _ = train_latent_encoder(
        G,
        config.z_dim,
        config.channels,
        config.image_size,
        steps=LATENT_ENCODER_STEPS,
        width=16,
        seed=0,
    )
    encoder_config = {
        "z_dim": E.z_dim,
        "channels": E.channels,
        "image_size": E.image_size,
        "width": E.width,
    }
    return save_checkpoint(
        (data_dir or DATA_DIR) / "latent-encoder-digits-32.pt",
        {
            "kind": "latent_encoder",
            "config": encoder_config,
            "steps": LATENT_ENCODER_STEPS,
            "weights": E.state_dict(),
        },
    )


def build_shipped(data_dir: Path | None = None, progress: bool = True) -> list[Path]:
    """Train and write every shipped file (overwriting): what ``gan-course ship`` runs."""
    data_dir = data_dir or DATA_DIR
    digits = load_dataset("digits", 32)
    feat_path = data_dir / "featnet-digits-32.pt"
    load_or_train_feature_net(
        feat_path, digits.float(), digits.labels, 10, retrain=True, steps=FEATNET_STEPS, seed=0
    )
    config = DCGANConfig.for_profile("fast")
    trainer = trainer_for(
        config,
        TrainConfig.for_profile("fast", steps=DCGAN_STEPS, sample_every=0, checkpoint_every=0),
        digits,
        progress=progress,
    )
    trainer.fit()
    dcgan_path = save_checkpoint(
        data_dir / "dcgan-digits-32.pt",
        {
            "kind": "dcgan_weights",
            "config": asdict(config),
            "steps": DCGAN_STEPS,
            "G": trainer.G.state_dict(),
            "D": trainer.D.state_dict(),
        },
    )
    return [feat_path, dcgan_path, build_latent_encoder(trainer.G, config, data_dir)]


def feature_net_for(data: ImageSet, steps: int = 2000) -> FeatureNet:
    """The feature network that judges samples of ``data``'s distribution: the shipped one for 32×32
    digits, else one trained on ``data``'s labels and cached under ``default_data_root()/cache``."""
    if (data.name, data.image_size, data.channels) == ("digits", 32, 1):
        return load_shipped_feature_net()
    if data.labels is None or data.classes is None:
        raise ValueError(f"{data.name} has no class labels to train a feature network on")
    # named by the data too: two image folders (or subsets) of one size must not share a network
    sample = data.images[:: max(1, len(data) // 256)]
    digest = hashlib.sha1(sample.numpy().tobytes() + data.labels.numpy().tobytes()).hexdigest()[:12]
    path = (
        default_data_root()
        / "cache"
        / f"featnet-{data.name}-{data.channels}x{data.image_size}-{digest}.pt"
    )
    return load_or_train_feature_net(
        path, data.float(), data.labels, len(data.classes), steps=steps
    )
