"""The codec baselines notebook 06 holds a learned bottleneck against: byte counts and known cases."""
import io

import pytest
import torch

from gan_course.compression import (bicubic_roundtrip, jpeg_payload_bytes, jpeg_roundtrip,
                                    quantize_uint8)
from gan_course.data import load_dataset
from gan_course.lessons.reconstruction import codec_rows


@pytest.fixture(scope="module")
def photos():
    return load_dataset("photos", 32, split="test").float()[:16]


def test_bicubic_keeps_the_stated_bytes_and_is_exact_on_constants(photos):
    for k, n in ((2, 768), (4, 192), (8, 48), (32, 3)):
        y, kept = bicubic_roundtrip(photos, k)
        assert kept == n and y.shape == photos.shape and y.abs().max() <= 1
    flat = torch.full((2, 3, 32, 32), 0.2)
    y, _ = bicubic_roundtrip(flat, 4)
    assert (y - flat).abs().max() < 1 / 127.5  # only the uint8 rounding remains
    with pytest.raises(ValueError, match="divide the image side"):
        bicubic_roundtrip(photos, 3)


def test_jpeg_payload_excludes_headers_and_budget_is_respected(photos):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 200, 30)).save(buffer, format="JPEG", quality=50)
    data = buffer.getvalue()
    assert 0 < jpeg_payload_bytes(data) < 100 < len(data)  # tables dominate a flat image's file
    with pytest.raises(ValueError, match="not a JPEG"):
        jpeg_payload_bytes(b"\xff\xd8\x00\x00\x00\x00")
    small, used_small = jpeg_roundtrip(photos, 100)
    large, used_large = jpeg_roundtrip(photos, 600)
    assert used_small <= 100 < used_large <= 600
    err = lambda y: (y - photos).pow(2).mean()  # noqa: E731
    assert err(large) < err(small)  # more bytes, closer to the photo


def test_quantize_uint8_has_256_levels_and_error_below_half_a_step():
    f = torch.randn(3, 12, 16, 16, generator=torch.Generator().manual_seed(0))  # 3,072 values per sample
    q = quantize_uint8(f)
    lo, step = f.flatten(1).amin(1, keepdim=True), (f.flatten(1).amax(1) - f.flatten(1).amin(1))[:, None] / 255
    assert ((q - f).flatten(1).abs() <= step / 2 + 1e-6).all()
    level = (q.flatten(1) - lo) / step  # every value sits on one of the 256 levels lo + k·step, k = 0 … 255
    assert (level - level.round()).abs().max() < 1e-3 and level.round().min() == 0 and level.round().max() == 255
    assert all(100 < len(torch.unique(row)) <= 256 for row in q.flatten(1))


def test_codec_rows_rank_more_bytes_higher(photos):
    rows = codec_rows(photos, jpeg_budgets=(60, 400), bicubic_factors=(2, 8))
    by = {r["method"]: r for r in rows}
    assert by["bicubic ÷2"]["PSNR"] > by["bicubic ÷8"]["PSNR"]
    assert by["JPEG ≤ 400 B"]["PSNR"] > by["JPEG ≤ 60 B"]["PSNR"]
    assert {r["family"] for r in rows} == {"bicubic", "JPEG"}


def test_pca_code_is_exact_at_full_rank_and_beats_a_constant_at_low_rank():
    from gan_course.compression import pca_roundtrip
    from gan_course.metrics import psnr

    photos = load_dataset("photos", 32, n=260).float()
    x_train = photos[:200]
    x_hat, n_bytes = pca_roundtrip(x_train[:8], x_train, 150)
    assert n_bytes == 158 and x_hat.shape == (8, 3, 32, 32)
    # on the images it was fitted on, 150 components of 200 images: nearly exact (8-bit coefficients)
    assert psnr(x_hat, x_train[:8]).mean() > 35
    held_out = photos[200:260]
    low, _ = pca_roundtrip(held_out, x_train, 12)
    flat = x_train.mean(0, keepdim=True).expand_as(held_out)  # the training mean: k = 0
    assert psnr(low, held_out).mean() > psnr(flat, held_out).mean() + 3
    with pytest.raises(ValueError, match="k must be in"):
        pca_roundtrip(held_out, x_train, 0)
    with pytest.raises(ValueError, match="share C, H, W"):
        pca_roundtrip(held_out[:, :, :16, :16], x_train, 3)


def test_pca_fit_gives_the_svd_components_from_either_side():
    from gan_course.compression import pca_fit, pca_roundtrip

    photos = load_dataset("photos", 8, n=120).float()  # d = 3·8·8 = 192
    for x_train in (photos[:60], photos):  # fewer images than dimensions, then more
        centred = x_train.flatten(1).double() - x_train.flatten(1).double().mean(0)
        v = torch.linalg.svd(centred, full_matrices=False)[2][:10]
        mean, basis = pca_fit(x_train, 10)
        assert torch.allclose(mean, x_train.flatten(1).double().mean(0))
        assert torch.allclose((basis * v).sum(1).abs(), torch.ones(10, dtype=torch.float64),
                              atol=1e-6)  # the same components, up to sign
    # one fit serves every k, as a fresh fit would
    fit = pca_fit(photos, 10)
    assert torch.allclose(pca_roundtrip(photos[:4], photos, 5, fit=fit)[0],
                          pca_roundtrip(photos[:4], photos, 5)[0], atol=1e-5)
