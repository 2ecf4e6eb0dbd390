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
    weights = {k: v.clone() for k, v in G.state_dict().items()}
    G.train()  # the caller's mode and requires_grad must come back unchanged
    opt = invert_by_optimization(G, x, config.z_dim, steps=60, seed=1)
    assert opt.history[-1] < 0.5 * opt.history[0]  # optimisation improves the loss
    assert opt.loss.shape == (8,) and opt.x_hat.shape == x.shape
    E, hist = train_latent_encoder(G, config.z_dim, config.channels, config.image_size, steps=40, batch_size=32)
    assert hist[-1] < hist[0]
    enc = invert_by_encoder(G, E, x)
    hybrid = invert_hybrid(G, E, x, steps=30)
    assert hybrid.loss.mean() < enc.loss.mean()  # optimisation improves on the encoder's guess
    assert all(torch.equal(v, weights[k]) for k, v in G.state_dict().items())  # G was never trained
    assert G.training and all(p.requires_grad for p in G.parameters())  # frozen only while inverting


def test_encoder_shapes():
    E = LatentEncoder(z_dim=20, channels=3, image_size=64)
    assert E(torch.zeros(2, 3, 64, 64)).shape == (2, 20)


def test_shipped_latent_encoder_and_the_comparison_table():
    from gan_course.lessons.reconstruction import compare_inversions
    from gan_course.shipped import load_shipped_latent_encoder

    G, _, config = load_shipped_dcgan()
    E = load_shipped_latent_encoder()
    assert (E.z_dim, E.channels, E.image_size) == (config.z_dim, config.channels, config.image_size)
    with torch.no_grad():
        x = G(torch.randn(8, config.z_dim, generator=torch.Generator().manual_seed(2)))
    rows, results = compare_inversions(G, E, x, steps=20, hybrid_steps=20)
    by = {r["method"]: r for r in rows}
    assert set(by) == {"optimise z", "encoder", "hybrid"} == set(results)
    assert by["encoder"]["PSNR"] > 15  # the shipped encoder is trained: far better than a random z
    assert by["hybrid"]["MSE"] < by["encoder"]["MSE"]
    assert all(r["ms/image"] > 0 for r in rows)


def test_latent_encoder_from_another_model_is_refused(tmp_path):
    import pytest

    import json

    from gan_course import shipped
    from gan_course.checkpoint import CheckpointError, save_checkpoint
    from gan_course.shipped import load_shipped_latent_encoder

    other = LatentEncoder(z_dim=20, channels=3, image_size=64, width=8)
    path = save_checkpoint(tmp_path / "latent-encoder-digits-32.pt", {
        "kind": "latent_encoder", "config": {"z_dim": 100, "channels": 1, "image_size": 32, "width": 16},
        "weights": other.state_dict()})
    recipe = json.loads(json.dumps(shipped.ARTEFACTS["latent-encoder-digits-32"].recipe))
    entry = {"sha256": shipped.file_sha256(path), "recipe": recipe}  # recorded, so only the shapes differ
    (tmp_path / shipped.MANIFEST).write_text(json.dumps({"latent-encoder-digits-32": entry}))
    with pytest.raises(CheckpointError, match="does not fit this latent encoder"):
        load_shipped_latent_encoder(tmp_path)
