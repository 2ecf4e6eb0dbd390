"""Notebook 07's tables (``gan_course.lessons.inpainting_study``) on made-up shipped results."""
import pytest
from test_inpainting import fake_results


def test_paired_rows_split_the_lead_into_the_gan_and_the_blend():
    """GAN + Poisson's lead over the best classical inpainter is the unblended GAN's own lead
    plus what blending adds, image by image."""
    from gan_course.lessons.inpainting_study import paired_rows

    center, half = paired_rows(fake_results())
    for row in (center, half):
        assert row["GAN gain"] + row["blend"] == pytest.approx(row["gain"])
        assert row["GAN 2 SE"] >= 0
    assert center["GAN gain"] == pytest.approx(0.5, abs=0.1)
    assert half["GAN gain"] == pytest.approx(-1.5) and half["GAN 2 SE"] < 1e-5
