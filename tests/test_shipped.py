"""The weights shipped in data/ load with weights_only, generate, and keep their promises."""
import pytest
import torch

from gan_course.evaluation import embed, mode_coverage
from gan_course.shipped import DATA_DIR, load_shipped_dcgan, load_shipped_feature_net


def test_shipped_dcgan_generates_digits_of_every_class():
    G, D, config = load_shipped_dcgan()
    assert (config.dataset, config.image_size, config.channels) == ("digits", 32, 1)
    z = torch.randn(300, config.z_dim, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        x = G(z)
        logits = D(x)
    assert x.shape == (300, 1, 32, 32) and x.abs().max() <= 1 and logits.shape == (300,)
    _, classes = embed(load_shipped_feature_net(), x)
    assert mode_coverage(classes, 10).covered >= 8  # a trained generator, not noise or one mode


def test_shipped_feature_net_classifies_held_out_digits():
    from gan_course.data import load_dataset

    test = load_dataset("digits", 32, split="test")
    _, pred = embed(load_shipped_feature_net(), test.float())
    assert (pred == test.labels).double().mean() > 0.9


def test_missing_shipped_file_says_how_to_rebuild(tmp_path):
    with pytest.raises(FileNotFoundError, match="gan-course ship"):
        load_shipped_dcgan(tmp_path)
    assert (DATA_DIR / "dcgan-digits-32.pt").is_file()


def test_feature_net_for_other_datasets_is_trained_once_and_cached(tmp_path, monkeypatch):
    from gan_course.data import load_dataset
    from gan_course.shipped import feature_net_for

    monkeypatch.setenv("GAN_COURSE_DATA", str(tmp_path))
    photos = load_dataset("photos", 16, n=64)
    net = feature_net_for(photos, steps=3)
    assert net.n_classes == len(photos.classes) and len(list((tmp_path / "cache").glob("featnet-photos-3x16-*.pt"))) == 1
    import gan_course.evaluation

    train = gan_course.evaluation.train_feature_net
    calls = []
    monkeypatch.setattr("gan_course.evaluation.train_feature_net", lambda *a, **k: calls.append(1) or train(*a, **k))
    again = feature_net_for(photos, steps=3)
    assert all(torch.equal(a, b) for a, b in zip(net.state_dict().values(), again.state_dict().values()))
    assert calls == []  # loaded from the cache, not retrained
    other = load_dataset("photos", 16, n=64, split="test")  # same name, size and classes, other images
    feature_net_for(other, steps=3)
    assert calls == [1]
    assert len(list((tmp_path / "cache").glob("featnet-photos-3x16-*.pt"))) == 2  # its own network
    faces = load_dataset("faces", 16)
    with pytest.raises(ValueError, match="no class labels"):
        feature_net_for(faces)


def test_ship_rebuilds_every_file_loadably(tmp_path, monkeypatch):
    """`gan-course ship`'s pipeline end to end, with a few steps instead of thousands."""
    import gan_course.shipped as shipped

    for name in ("DCGAN_STEPS", "FEATNET_STEPS", "LATENT_ENCODER_STEPS"):
        monkeypatch.setattr(shipped, name, 2)
    paths = shipped.build_shipped(tmp_path, progress=False)
    assert sorted(p.name for p in paths) == sorted(p.name for p in DATA_DIR.glob("*.pt"))
    G, _, config = shipped.load_shipped_dcgan(tmp_path)
    E = shipped.load_shipped_latent_encoder(tmp_path)
    assert E(G(torch.zeros(1, config.z_dim))).shape == (1, config.z_dim)
    assert shipped.load_shipped_feature_net(tmp_path).features(torch.zeros(1, 1, 32, 32)).dim() == 2
