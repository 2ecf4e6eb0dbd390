"""Profiles, seeding and the device helper."""
import random

import numpy as np
import pytest
import torch

from gan_course.runtime import current_profile, describe_runtime, get_device, seed_everything


def test_profile_from_env_and_hardware(monkeypatch):
    monkeypatch.setenv("GAN_COURSE_PROFILE", "full")
    assert current_profile() == "full"
    monkeypatch.setenv("GAN_COURSE_PROFILE", " FAST ")
    assert current_profile() == "fast"
    assert current_profile("full") == "full"  # an explicit choice wins
    monkeypatch.delenv("GAN_COURSE_PROFILE")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert current_profile() == "fast"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert current_profile() == "full"
    monkeypatch.setenv("GAN_COURSE_PROFILE", "turbo")
    with pytest.raises(ValueError, match="unknown profile 'turbo': expected one of fast, full"):
        current_profile()


def test_seed_everything_seeds_all_generators():
    def draw():
        return random.random(), np.random.rand(), torch.rand(1).item()

    g = seed_everything(7)
    a, ga = draw(), torch.rand(1, generator=g).item()
    g = seed_everything(7)
    assert draw() == a and torch.rand(1, generator=g).item() == ga
    seed_everything(8)
    assert draw() != a
    with pytest.raises(ValueError, match="non-negative int"):
        seed_everything(-1)


def test_device_helper(monkeypatch):
    assert get_device("cpu") == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        get_device("cuda")
    assert get_device().type in ("cpu", "mps")
    assert describe_runtime("fast", torch.device("cpu"), 0) == "profile=fast device=cpu seed=0"


def test_speed_switches_are_on_with_cuda_only_when_auto():
    from gan_course.runtime import speed_switch

    cpu, cuda = torch.device("cpu"), torch.device("cuda")  # a device object needs no GPU
    assert [speed_switch(v, cpu) for v in ("auto", "on", "off")] == [False, True, False]
    assert [speed_switch(v, cuda) for v in ("auto", "on", "off")] == [True, True, False]
    assert [speed_switch(v, cuda, on="bf16") for v in ("auto", "bf16", "fp32")] == [True, True, False]


def test_frozen_restores_requires_grad_and_mode_even_after_an_error():
    from torch import nn

    from gan_course.runtime import frozen

    net = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    net[1].weight.requires_grad_(False)  # the caller's own choice survives
    with frozen(net, eval=True):
        assert not net.training and not any(p.requires_grad for p in net.parameters())
    assert net.training and [p.requires_grad for p in net.parameters()] == [True, True, False, True]
    with pytest.raises(RuntimeError, match="inside"):
        with frozen(net):
            assert net.training  # eval=False keeps the mode: G's update freezes D's weights only
            raise RuntimeError("inside")
    assert [p.requires_grad for p in net.parameters()] == [True, True, False, True]
