"""Shared test set-up: one torch thread per process (pytest-xdist runs two workers on two cores)."""
import os

import pytest
import torch

torch.set_num_threads(1 if os.environ.get("PYTEST_XDIST_WORKER") else min(2, os.cpu_count() or 1))


@pytest.fixture
def tiny_digits():
    """96 digit images, 1×16×16, as an ImageSet: enough for a few training steps in milliseconds."""
    from gan_course.data import load_dataset

    return load_dataset("digits", 16).subset(slice(0, 96))
