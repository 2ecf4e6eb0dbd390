"""A seeded fuzz of the library's public entry points: a few hundred bad inputs per group, each
outcome asserted.

Every case calls one entry point with arguments drawn from pools of bad, doubtful and good values.
Each value carries a label:

- ``bad``: must be refused (NaN, inf, [0, 255] images, uint8, wrong rank, empty sets, a list
  instead of a tensor, 2.5 steps, …);
- ``flag``: [0, 1]-looking images: refused, or scored with a ``checks.RangeWarning``;
- ``either``: legal for some entry points only (one image, 2×2 images, 4 channels, …);
- ``ok``: must be accepted (float64, a non-contiguous view, a tensor that requires grad, …).

Outcomes:

- **clear error**: a ValueError, TypeError or FileNotFoundError raised by gan_course's own code
  (the traceback's last frame is in ``gan_course/``, not in torch, numpy or PIL) whose message
  names one of the arguments drawn bad;
- **valid result**: a return for arguments none of which is ``bad`` (a ``flag`` one with its
  warning), finite and of the expected shape;
- **raw exception**: anything else raised (must be 0);
- **silent garbage**: a return although an argument was ``bad`` (or ``flag`` without a warning),
  or a non-finite or misshapen result (must be 0);
- **hang**: a case that ran past ``TIME_LIMIT`` seconds (must be 0).
"""

from __future__ import annotations

import math
import random
import signal
import traceback
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# imported once here, so that no case pays for a first import against its time limit
import cv2  # noqa: F401
import numpy as np
import pytest
import skimage.restoration  # noqa: F401
import torch
import torchmetrics.functional.image  # noqa: F401
from PIL import Image
from torch import nn

import gan_course
from gan_course import classical_inpainting as CI
from gan_course import color, compression, evaluation, inpainting, inversion, metrics
from gan_course.checks import RangeWarning
from gan_course.data import load_dataset

CASES_PER_GROUP = 250
TIME_LIMIT = 5.0  # seconds per case; every case here takes milliseconds
PACKAGE = str(Path(gan_course.__file__).parent)
CLEAR = (ValueError, TypeError, FileNotFoundError)


# ------------------------------------------------------------------------------------- the values
@dataclass
class Arg:
    value: Any
    label: str  # "ok", "either", "flag" or "bad"
    what: str  # how it was made, for failure messages


def images(rng: random.Random, base: torch.Tensor, *, extra: list[Arg] | None = None) -> Arg:
    """A variant of the valid images ``base`` (N, C, H, W) in [-1, 1]."""
    pos = tuple(rng.randrange(s) for s in base.shape)

    def poke(value: float) -> torch.Tensor:
        x = base.clone()
        x[pos] = value
        return x

    pool = [
        Arg(base.clone(), "ok", "valid"),
        Arg(base.double(), "ok", "float64"),
        Arg(base.transpose(-1, -2), "ok", "non-contiguous view"),
        Arg(base.clone().requires_grad_(), "ok", "requires grad"),
        Arg(base * 0.999, "ok", "valid, scaled"),
        Arg(poke(float("nan")), "bad", "one NaN"),
        Arg(poke(float("inf")), "bad", "one +inf"),
        Arg(poke(-float("inf")), "bad", "one -inf"),
        Arg(torch.full_like(base, float("nan")), "bad", "all NaN"),
        Arg((base + 1) * 127.5, "bad", "float [0, 255]"),
        Arg(((base + 1) * 127.5).round().to(torch.uint8), "bad", "uint8 [0, 255]"),
        Arg(base * 1e30, "bad", "huge values"),
        Arg(base - 3, "bad", "below -1"),
        Arg(base[0], "bad", "3-d (one image without N)"),
        Arg(base[None], "bad", "5-d"),
        Arg(base.flatten(), "bad", "1-d"),
        Arg(torch.tensor(0.5), "bad", "0-d"),
        Arg(base[:0], "bad", "empty set (N = 0)"),
        Arg(base.numpy(), "bad", "numpy array"),
        Arg(base.tolist(), "bad", "nested list"),
        Arg(None, "bad", "None"),
        Arg("image.png", "bad", "a string"),
        Arg(3, "bad", "an int"),
        Arg(base.to(torch.complex64), "bad", "complex"),
        Arg(base > 0, "bad", "bool"),
        Arg((base - base.min()) / (base.max() - base.min()), "flag", "[0, 1]"),
        # [0, 1] images that do not span it look like legal mid-grey [-1, 1] images
        Arg((base + 1) / 4 + 0.25, "either", "[0.25, 0.75]"),
        Arg(base[:1], "either", "one image"),
        Arg(base[..., :2, :2], "either", "2×2 images"),
        Arg(base[..., :7, :7], "either", "7×7 images"),
        Arg(torch.cat([base, base[:, :1]], 1), "either", "one more channel"),
        Arg(base[:, :1].expand(-1, 2, -1, -1), "either", "2 channels"),
        Arg(base.half(), "either", "float16"),
    ]
    return rng.choice(pool + (extra or []))


def count(rng: random.Random, good: int, huge: str = "bad") -> Arg:
    """A variant of an integer option whose valid values are >= 1 (10**12 labelled ``huge``)."""
    pool = [
        Arg(good, "ok", f"{good}"),
        Arg(0, "bad", "0"),
        Arg(-3, "bad", "-3"),
        Arg(2.5, "bad", "2.5"),
        Arg(float("nan"), "bad", "nan"),
        Arg(float("inf"), "bad", "inf"),
        Arg(True, "bad", "True"),
        Arg(None, "bad", "None"),
        Arg(str(good), "bad", "a string"),
        Arg([good], "bad", "a list"),
        Arg(10**12, huge, "10**12"),
    ]
    return rng.choice(pool)


def seed(rng: random.Random) -> Arg:
    return rng.choice([Arg(0, "ok", "0"), Arg(7, "ok", "7"), Arg(-1, "bad", "-1"),
                       Arg(2.5, "bad", "2.5"), Arg("0", "bad", "'0'"), Arg(None, "bad", "None")])


def number(rng: random.Random, good: float, zero: str = "bad") -> Arg:
    """A variant of a float option whose valid values are > 0 (0 labelled ``zero``)."""
    return rng.choice([Arg(good, "ok", f"{good}"), Arg(0.0, zero, "0"), Arg(-1.0, "bad", "-1"),
                       Arg(float("nan"), "bad", "nan"), Arg(float("inf"), "bad", "inf"),
                       Arg("0.1", "bad", "a string"), Arg(None, "bad", "None")])


def features(rng: random.Random, base: torch.Tensor) -> Arg:
    """A variant of a valid feature set (N, d)."""
    pos = (rng.randrange(base.shape[0]), rng.randrange(base.shape[1]))
    nan, inf = base.clone(), base.clone()
    nan[pos], inf[pos] = float("nan"), float("inf")
    return rng.choice([
        Arg(base.clone(), "ok", "valid"), Arg(base.float(), "ok", "float32"),
        Arg(base.clone().requires_grad_(), "ok", "requires grad"),
        Arg(base.repeat(1, 1)[:, :].t().contiguous().t(), "ok", "non-contiguous"),
        Arg(nan, "bad", "one NaN"), Arg(inf, "bad", "one inf"),
        Arg(base[:1], "bad", "one sample"), Arg(base[:0], "bad", "no samples"),
        Arg(base[:, :0], "bad", "d = 0"), Arg(base[None], "bad", "3-d"), Arg(base[0], "bad", "1-d"),
        Arg(base[:, :3], "either", "other d"), Arg(base.numpy(), "bad", "numpy"),
        Arg(base.tolist(), "bad", "list"), Arg(None, "bad", "None"),
        Arg(base.to(torch.complex128), "bad", "complex"),
        Arg(base[:3], "either", "3 samples"), Arg(torch.zeros_like(base), "ok", "all identical"),
        Arg(base * 1e6, "ok", "large but finite"),
    ])


def mask_variants(rng: random.Random, base: torch.Tensor) -> Arg:
    """A variant of a valid mask (N, 1, H, W), 1 = known."""
    soft = base * 0.5
    return rng.choice([
        Arg(base.clone(), "ok", "valid"), Arg(base.bool(), "ok", "bool"), Arg(base.double(), "ok", "float64"),
        Arg(base.to(torch.uint8), "ok", "uint8"),
        Arg(soft, "bad", "values 0.5"), Arg(base * 255, "bad", "0/255"), Arg(torch.ones_like(base), "bad", "no hole"),
        Arg(torch.zeros_like(base), "bad", "no known pixel"), Arg(base[:, 0], "bad", "(N, H, W)"),
        Arg(base.expand(-1, 3, -1, -1), "bad", "3 channels"), Arg(base[:1], "bad", "one mask for N images"),
        Arg(base[..., :-1], "bad", "one column short"), Arg(torch.where(base == 0, float("nan"), base), "bad", "NaN holes"),
        Arg(base.numpy(), "bad", "numpy"), Arg(None, "bad", "None"), Arg(1 - base, "ok", "inverted"),
    ])


# ----------------------------------------------------------------------------------- the judging
@dataclass
class Case:
    entry: str
    call: Callable[[], Any]
    args: dict[str, Arg]
    check: Callable[[Any], bool]  # a valid result
    names: dict[str, tuple[str, ...]] = field(default_factory=dict)  # arg → words naming it


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang()


def finite(*expected_shapes):
    """A check: the result (a tensor, a number, a tuple or dict of them) is finite, tensors of the
    given shapes in order."""

    def check(result) -> bool:
        items = list(result.values()) if isinstance(result, dict) else (
            list(result) if isinstance(result, (tuple, list)) else [result])
        tensors = [t for t in items if isinstance(t, torch.Tensor)]
        for t, shape in zip(tensors, expected_shapes):
            if shape is not None and tuple(t.shape) != tuple(shape):
                return False
        for v in items:
            if isinstance(v, torch.Tensor):
                if v.is_floating_point() and not bool(torch.isfinite(v.detach()).all()):
                    return False
            elif isinstance(v, float) and not math.isfinite(v):
                return False
        return True

    return check


def judge(case: Case) -> tuple[str, str]:
    """(outcome, detail) of one case."""
    labels = {a.label for a in case.args.values()}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT)
        try:
            result = case.call()
        except Hang:
            return "hang", ""
        except Exception as e:  # noqa: BLE001 — every exception is judged below
            signal.setitimer(signal.ITIMER_REAL, 0)
            last = traceback.extract_tb(e.__traceback__)[-1]
            message = str(e).lower()
            suspects = [k for k, a in case.args.items() if a.label != "ok"] or list(case.args)
            words = [w.lower() for k in suspects for w in (k, *case.names.get(k, ()))]
            if not isinstance(e, CLEAR) or not last.filename.startswith(PACKAGE):
                return "raw", f"{type(e).__name__} at {last.filename}:{last.lineno}: {e}"
            if not any(w in message for w in words):
                return "raw", f"message names none of {words}: {e}"
            return "error", ""
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    warned = any(issubclass(w.category, RangeWarning) for w in caught)
    if "bad" in labels:
        return "silent", "a bad argument was accepted"
    if "flag" in labels and not warned:
        return "silent", "[0, 1] images scored without a warning"
    if not case.check(result):
        return "silent", f"result not finite or misshapen: {type(result).__name__}"
    return "valid", ""


def run_group(name: str, cases: list[Case]) -> Counter:
    counts, failures = Counter(), []
    for case in cases:
        outcome, detail = judge(case)
        counts[outcome] += 1
        if outcome in ("raw", "silent", "hang"):
            args = ", ".join(f"{k}={a.what}" for k, a in case.args.items())
            failures.append(f"{case.entry}({args}): {outcome}: {detail}")
    counts["inputs"] = len(cases)
    print(f"\nfuzz {name}: {dict(counts)}")
    assert not failures, f"{len(failures)} of {len(cases)} cases failed:\n" + "\n".join(failures[:25])
    assert counts["error"] > 0 and counts["valid"] > 0  # the pools reach both outcomes
    return counts


def call(fn, **args: Arg):
    return lambda: fn(**{k: a.value for k, a in args.items()})


# ------------------------------------------------------------------------------------ small nets
Z_DIM = 8


def tiny_G(channels: int = 1, size: int = 16) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(Z_DIM, channels * size * size), nn.Tanh(),
                         nn.Unflatten(1, (channels, size, size)))


def tiny_D(channels: int = 1, size: int = 16) -> nn.Module:
    torch.manual_seed(1)
    return nn.Sequential(nn.Flatten(), nn.Linear(channels * size * size, 1), nn.Flatten(0))


def gray_images(n: int = 6, size: int = 16, seed_: int = 0) -> torch.Tensor:
    return torch.rand(n, 1, size, size, generator=torch.Generator().manual_seed(seed_)) * 2 - 1


def rgb_images(n: int = 6, size: int = 16, seed_: int = 0) -> torch.Tensor:
    return torch.rand(n, 3, size, size, generator=torch.Generator().manual_seed(seed_)) * 2 - 1


# ----------------------------------------------------------------------------------------- groups
def metrics_cases(rng: random.Random) -> list[Case]:
    cases = []
    for _ in range(CASES_PER_GROUP):
        base = rgb_images(4, 16, rng.randrange(100))
        x, y = images(rng, base), images(rng, base * 0.9)
        pair_bad = _shapes_differ(x, y)
        entry = rng.choice(["psnr", "ssim", "colorfulness", "sharpness", "edge_fidelity",
                            "image_quality", "colorization_metrics", "palette_fidelity",
                            "high_frequency_energy", "realism_accuracy", "detail_verdict"])

        if entry == "colorfulness":
            cases.append(Case(entry, call(metrics.colorfulness, x=x), {"x": x}, finite(None)))
        elif entry == "high_frequency_energy":
            cases.append(Case(entry, call(metrics.high_frequency_energy, x=x), {"x": x}, finite(None)))
        elif entry == "detail_verdict":
            s = rng.choice([Arg(0.9, "ok", "0.9"), Arg(0.0, "ok", "0 (flat output)"),
                            Arg(-1.0, "bad", "-1"), Arg(float("inf"), "bad", "inf"), Arg(None, "bad", "None")])
            e = rng.choice([Arg(0.6, "ok", "0.6"), Arg(float("nan"), "bad", "nan"),
                                                 Arg(7.0, "bad", "7"), Arg("high", "bad", "str")])
            cases.append(Case(entry, call(metrics.detail_verdict, sharpness=s, edge_fidelity=e),
                              {"sharpness": s, "edge_fidelity": e}, lambda r: isinstance(r, str)))
        elif entry == "realism_accuracy":
            steps = count(rng, 2)
            args = {"real": x, "fake": y, "steps": steps}
            cases.append(Case(entry, call(metrics.realism_accuracy, **args), _pair(args, pair_bad),
                              lambda r: 0 <= r <= 1))
        else:
            fn = getattr(metrics, entry)
            names = {"image_quality": ("y", "x"), "colorization_metrics": ("y", "x"),
                     "palette_fidelity": ("y", "truth"), "sharpness": ("x", "truth"),
                     "edge_fidelity": ("x", "truth")}.get(entry, ("x", "y"))
            args = {names[0]: x, names[1]: y}
            cases.append(Case(entry, call(fn, **args), _pair(args, pair_bad), finite(None)))
    return cases


def _shapes_differ(a: Arg, b: Arg) -> bool:
    sa, sb = getattr(a.value, "shape", None), getattr(b.value, "shape", None)
    return sa is not None and sb is not None and tuple(sa) != tuple(sb)


def _pair(args: dict[str, Arg], differ: bool) -> dict[str, Arg]:
    """A pair of image arguments of different shapes is bad, whatever each is alone."""
    if not differ:
        return args
    return {k: (Arg(a.value, "bad", a.what + " (shapes differ)") if isinstance(a.value, torch.Tensor)
                and a.value.dim() == 4 else a) for k, a in args.items()}


def evaluation_cases(rng: random.Random) -> list[Case]:
    net = evaluation.FeatureNet(1, 10)
    G = tiny_G()
    cases = []
    for _ in range(CASES_PER_GROUP):
        g = torch.Generator().manual_seed(rng.randrange(1000))
        f_real = features(rng, torch.randn(12, 6, generator=g, dtype=torch.float64))
        f_fake = features(rng, torch.randn(10, 6, generator=g, dtype=torch.float64) + 0.3)
        entry = rng.choice(["fid", "kid", "precision_recall", "density_coverage", "mode_coverage",
                            "embed", "stability", "score_generator", "real_floor"])
        if entry in ("fid", "kid"):
            args = {"f_real": f_real, "f_fake": f_fake}
            cases.append(Case(entry, call(getattr(evaluation, entry), **args), args, finite()))
        elif entry in ("precision_recall", "density_coverage"):
            k = rng.choice([Arg(2, "ok", "2"), Arg(0, "bad", "0"), Arg(2.5, "bad", "2.5"),
                            Arg(50, "bad", "more than the samples"), Arg(None, "bad", "None")])
            args = {"f_real": f_real, "f_fake": f_fake, "k": k}
            cases.append(Case(entry, call(getattr(evaluation, entry), **args), args, finite()))
        elif entry == "mode_coverage":
            classes = rng.choice([Arg(torch.tensor([0, 1, 1, 3]), "ok", "valid"),
                                  Arg(torch.tensor([0, 1, 12]), "bad", "class out of range"),
                                  Arg(torch.tensor([-1, 1]), "bad", "negative class"),
                                  Arg(torch.tensor([0.5, 1.0]), "bad", "float"),
                                  Arg(torch.tensor([], dtype=torch.long), "bad", "empty"),
                                  Arg(torch.tensor([[0, 1]]), "bad", "2-d"), Arg([0, 1], "bad", "list")])
            n_classes = count(rng, 10)
            share = rng.choice([Arg(0.1, "ok", "0.1"), Arg(-0.5, "bad", "-0.5"), Arg(2.0, "bad", "2"),
                                Arg(float("nan"), "bad", "nan")])
            args = {"classes": classes, "n_classes": n_classes, "min_share": share}
            cases.append(Case(entry, call(evaluation.mode_coverage, **args), args,
                              lambda r: math.isfinite(r.kl_to_uniform)))
        elif entry == "embed":
            x = images(rng, gray_images(5))
            cases.append(Case(entry, call(evaluation.embed, net=Arg(net, "ok", "net"), x=x), {"x": x},
                              lambda r: bool(torch.isfinite(r[0]).all()) and r[0].shape[1] == 64))
        elif entry == "stability":
            h = rng.choice([
                Arg({"loss_D": [1.0] * 30, "loss_G": [2.0] * 30, "d_real": [0.5] * 30, "d_fake": [0.4] * 30},
                    "ok", "valid"),
                Arg({"loss_D": [1.0]}, "bad", "missing keys"), Arg([], "bad", "a list"),
                Arg({"loss_D": [], "loss_G": [], "d_real": [], "d_fake": []}, "bad", "empty"),
                Arg({"loss_D": [1.0] * 3, "loss_G": [2.0] * 5, "d_real": [0.5] * 3, "d_fake": [0.4] * 3},
                    "bad", "lengths differ")])
            window = count(rng, 5)
            args = {"history": h, "window": window}
            cases.append(Case(entry, call(evaluation.stability, **args), args, finite()))
        elif entry == "score_generator":
            z_dim = rng.choice([Arg(Z_DIM, "ok", "8"), Arg(5, "bad", "not G's"), Arg(0, "bad", "0"),
                                Arg(2.5, "bad", "2.5")])
            n = rng.choice([Arg(8, "ok", "8"), Arg(3, "bad", "too few"), Arg(0, "bad", "0"),
                            Arg(10**9, "bad", "10**9")])
            f = features(rng, torch.randn(12, 64, generator=g, dtype=torch.float64))
            args = {"G": Arg(G, "ok", "G"), "z_dim": z_dim, "net": Arg(net, "ok", "net"), "f_real": f, "n": n}
            cases.append(Case(entry, call(evaluation.score_generator, **args), args, finite(),
                              {"f_real": ("f_real",)}))
        else:
            a, b = images(rng, gray_images(8, 16, 1)), images(rng, gray_images(8, 16, 2))
            args = {"net": Arg(net, "ok", "net"), "real_a": a, "real_b": b}
            cases.append(Case(entry, call(evaluation.real_floor, **args), args, finite(),
                              {"real_a": ("x",), "real_b": ("x",)}))
    return cases


def inpainting_cases(rng: random.Random) -> list[Case]:
    G, D = tiny_G(), tiny_D()
    cases = []
    for _ in range(CASES_PER_GROUP):
        x0 = gray_images(3, 16, rng.randrange(100))
        m0 = inpainting.make_mask(rng.choice(["center", "random_blocks", "half"]), 3, 16, seed=rng.randrange(9))
        nan_holes = Arg(torch.where(m0.bool(), x0, float("nan")), "ok", "holes marked NaN")
        y = images(rng, x0, extra=[nan_holes] * 4)  # the holes' content is never read
        mask = mask_variants(rng, m0)
        if y.what in ("one NaN", "one +inf", "one -inf"):
            y = Arg(y.value, "either", y.what)  # legal where it falls in a hole: never read there
        if y is not None and y.what == "holes marked NaN" and mask.what not in ("valid", "bool", "float64",
                                                                               "uint8"):
            y = Arg(y.value, "bad", "NaN where this mask has known pixels")
        entry = rng.choice(["inpaint", "make_mask", "check_mask", "importance_weights", "poisson_blend",
                            "hole_psnr", "hole_ssim", "inpainting_metrics", "mean_fill", "InpaintConfig",
                            "biharmonic", "Telea"])
        names = {"y": ("y",), "mask": ("mask",)}
        if entry == "inpaint":
            z_dim = rng.choice([Arg(Z_DIM, "ok", "8"), Arg(4, "bad", "not G's"), Arg(-1, "bad", "-1")])
            cfg = inpainting.InpaintConfig(steps=2, restarts=1)
            args = {"G": Arg(G, "ok", "G"), "D": Arg(D, "ok", "D"), "y": y, "mask": mask, "z_dim": z_dim,
                    "config": Arg(cfg, "ok", "config")}
            cases.append(Case(entry, call(inpainting.inpaint, **args), args,
                              lambda r: all(bool(torch.isfinite(t).all()) for t in (r.composite, r.blended, r.z))),
                         )
            cases[-1].names.update(names)
        elif entry == "make_mask":
            kind = rng.choice([Arg("center", "ok", "center"), Arg("strokes", "ok", "strokes"),
                               Arg("circle", "bad", "unknown"), Arg(None, "bad", "None")])
            n, size = count(rng, 2), rng.choice([Arg(16, "ok", "16"), Arg(4, "bad", "4"), Arg(16.0, "bad", "16.0"),
                                                 Arg(10**6, "bad", "10**6")])
            s = seed(rng)
            args = {"kind": kind, "n": n, "image_size": size, "seed": s}
            cases.append(Case(entry, call(inpainting.make_mask, **args), args, finite(None),
                              {"kind": ("mask",)}))
        elif entry in ("check_mask", "mean_fill", "biharmonic", "Telea"):
            if entry == "check_mask" and isinstance(y.value, torch.Tensor) and y.value.dim() == 4:
                y = Arg(y.value, "either", y.what)  # check_mask reads y's shape only
            fn = {"check_mask": inpainting.check_mask, "mean_fill": CI.mean_fill,
                  "biharmonic": CI.BASELINES["biharmonic"], "Telea": CI.BASELINES["Telea"]}[entry]
            args = _pair({"mask": mask, "y": y}, False)
            cases.append(Case(entry, call(fn, **args), args, finite(None), names))
        elif entry == "importance_weights":
            window = rng.choice([Arg(7, "ok", "7"), Arg(4, "bad", "even"), Arg(0, "bad", "0"), Arg(7.0, "bad", "7.0")])
            if mask.what in ("no hole", "no known pixel", "one mask for N images", "one column short"):
                mask = Arg(mask.value, "either", mask.what)  # weights of 0 or 1 everywhere
            args = {"mask": mask, "window": window}
            cases.append(Case(entry, call(inpainting.importance_weights, **args), args, finite(None)))
        elif entry == "poisson_blend":
            x_gen = images(rng, gray_images(3, 16, 5))
            args = {"x_gen": x_gen, "y": y, "mask": mask}
            if _shapes_differ(x_gen, y):
                args = _pair(args, True)
            cases.append(Case(entry, call(inpainting.poisson_blend, **args), args, finite(None), names))
        elif entry in ("hole_psnr", "hole_ssim", "inpainting_metrics"):
            x_hat = images(rng, x0 * 0.8)
            x = images(rng, x0)
            args = _pair({"x_hat": x_hat, "x": x, "mask": mask}, _shapes_differ(x_hat, x))
            cases.append(Case(entry, call(getattr(inpainting, entry), **args), args, finite(None)))
        else:
            option = rng.choice(["steps", "restarts", "lr", "window", "lambda_perceptual", "z_clip", "grad_tol"])
            value = {"steps": count(rng, 5), "restarts": count(rng, 2), "lr": number(rng, 0.05),
                     "window": rng.choice([Arg(5, "ok", "5"), Arg(6, "bad", "even"), Arg(-1, "bad", "-1")]),
                     "lambda_perceptual": number(rng, 0.003, zero="ok"),
                     "z_clip": number(rng, 3.0), "grad_tol": number(rng, 1e-4, zero="ok")}[option]
            if option == "z_clip" and value.value is None:
                value = Arg(None, "ok", "None (no clip)")
            cases.append(Case(entry, call(inpainting.InpaintConfig, **{option: value}), {option: value},
                              lambda r: True))
    return cases


def inversion_cases(rng: random.Random) -> list[Case]:
    G = tiny_G()
    E = inversion.LatentEncoder(Z_DIM, 1, 16)
    cases = []
    for _ in range(CASES_PER_GROUP):
        x = images(rng, gray_images(3, 16, rng.randrange(100)))
        entry = rng.choice(["invert_by_optimization", "invert_by_encoder", "invert_hybrid", "LatentEncoder",
                            "train_latent_encoder"])
        ok = lambda r: all(bool(torch.isfinite(t).all()) for t in (r.z, r.x_hat, r.loss))
        if entry == "invert_by_optimization":
            z_dim = rng.choice([Arg(Z_DIM, "ok", "8"), Arg(3, "bad", "not G's"), Arg("8", "bad", "str")])
            z_init = rng.choice([Arg(None, "ok", "None"), Arg(torch.zeros(3, Z_DIM), "ok", "zeros"),
                                 Arg(torch.zeros(2, Z_DIM), "bad", "wrong N"),
                                 Arg(torch.full((3, Z_DIM), float("nan")), "bad", "NaN")])
            args = {"G": Arg(G, "ok", "G"), "x": x, "z_dim": z_dim, "steps": count(rng, 2),
                    "lr": number(rng, 0.05), "z_init": z_init}
            if isinstance(x.value, torch.Tensor) and x.value.dim() == 4 and len(x.value) != 3 \
                    and args["z_init"].value is not None:
                args["z_init"] = Arg(z_init.value, "either", z_init.what)  # z_init fits another N
            cases.append(Case(entry, call(inversion.invert_by_optimization, **args), args, ok))
        elif entry in ("invert_by_encoder", "invert_hybrid"):
            enc = rng.choice([Arg(E, "ok", "E"), Arg(G, "bad", "not an encoder"),
                              Arg(inversion.LatentEncoder(Z_DIM, 3, 16), "bad", "RGB encoder")])
            args = {"G": Arg(G, "ok", "G"), "E": enc, "x": x}
            cases.append(Case(entry, call(getattr(inversion, entry), **args), args, ok))
        elif entry == "LatentEncoder":
            args = {"z_dim": count(rng, 4), "channels": count(rng, 1),
                    "image_size": rng.choice([Arg(16, "ok", "16"), Arg(30, "bad", "not a power of 2"),
                                              Arg(2, "bad", "2"), Arg(16.0, "bad", "16.0")])}
            cases.append(Case(entry, call(inversion.LatentEncoder, **args), args, lambda r: True))
        else:
            args = {"G": Arg(G, "ok", "G"), "z_dim": rng.choice([Arg(Z_DIM, "ok", "8"), Arg(2, "bad", "not G's")]),
                    "channels": rng.choice([Arg(1, "ok", "1"), Arg(3, "bad", "not G's")]),
                    "image_size": rng.choice([Arg(16, "ok", "16"), Arg(32, "bad", "not G's")]),
                    "steps": count(rng, 1), "batch_size": count(rng, 4)}
            cases.append(Case(entry, call(inversion.train_latent_encoder, **args), args,
                              lambda r: all(math.isfinite(v) for v in r[1]),
                              {"channels": ("G makes images",), "image_size": ("G makes images",)}))
    return cases


def compression_color_cases(rng: random.Random) -> list[Case]:
    cases = []
    lab_names = ("input",)
    for _ in range(CASES_PER_GROUP):
        base = rgb_images(3, 16, rng.randrange(100))
        x = images(rng, base)
        entry = rng.choice(["bicubic_roundtrip", "jpeg_roundtrip", "quantize_uint8", "pca_fit", "pca_roundtrip",
                            "rgb_to_lab", "rgb_to_gray", "lab_to_rgb", "colorization_pair",
                            "colorization_to_rgb", "baseline_colorizations"])
        if entry == "bicubic_roundtrip":
            args = {"x": x, "factor": rng.choice([Arg(2, "ok", "2"), Arg(3, "bad", "not a divisor"),
                                                  Arg(0, "bad", "0"), Arg(2.0, "bad", "2.0")])}
            cases.append(Case(entry, call(compression.bicubic_roundtrip, **args), args, finite(None)))
        elif entry == "jpeg_roundtrip":
            args = {"x": x, "max_bytes": count(rng, 200, huge="either")}  # any budget fits
            cases.append(Case(entry, call(compression.jpeg_roundtrip, **args), args, finite(None)))
        elif entry == "quantize_uint8":
            f = rng.choice([Arg(torch.randn(3, 4, 2, 2), "ok", "valid"), Arg(torch.randn(4), "bad", "1-d"),
                            Arg(torch.randn(0, 4), "bad", "empty"), Arg(torch.arange(6).view(2, 3), "bad", "int"),
                            Arg([1.0, 2.0], "bad", "list")])
            cases.append(Case(entry, call(compression.quantize_uint8, f=f), {"f": f}, finite(None)))
        elif entry == "pca_fit":
            args = {"x_train": x, "k": count(rng, 2)}
            cases.append(Case(entry, call(compression.pca_fit, **args), args, finite(None, None)))
        elif entry == "pca_roundtrip":
            args = {"x": x, "x_train": images(rng, rgb_images(5, 16, 3)), "k": count(rng, 2)}
            args = _pair(args, _shapes_differ(args["x"], args["x_train"]) and
                         args["x"].value.shape[1:] != args["x_train"].value.shape[1:])
            cases.append(Case(entry, call(compression.pca_roundtrip, **args), args, finite(None)))
        elif entry in ("rgb_to_lab", "rgb_to_gray"):
            cases.append(Case(entry, call(getattr(color, entry), x=x), {"x": x}, finite(None), {"x": lab_names}))
        elif entry == "lab_to_rgb":
            lab = images(rng, color.rgb_to_lab(base) / 50)
            if lab.what in ("float [0, 255]", "huge values", "below -1", "[0, 1]"):
                lab = Arg(lab.value, "either", lab.what)  # Lab is not in [-1, 1]: clipped to gamut
            cases.append(Case(entry, call(color.lab_to_rgb, lab=lab), {"lab": lab}, finite(None),
                              {"lab": lab_names}))
        elif entry == "colorization_pair":
            space = rng.choice([Arg("gray", "ok", "gray"), Arg("lab", "ok", "lab"), Arg("hsv", "bad", "hsv")])
            args = {"x": x, "space": space}
            cases.append(Case(entry, call(color.colorization_pair, **args), args, finite(None, None),
                              {"x": lab_names, "space": ("colour space",)}))
        elif entry == "colorization_to_rgb":
            A = images(rng, base[:, :1])
            if A.label == "flag":
                A = Arg(A.value, "either", A.what)  # a bright L condition is [0, 1]
            B = images(rng, base[:, 1:])
            if B.what in ("float [0, 255]", "huge values", "below -1", "[0, 1]", "[0.25, 0.75]"):
                B = Arg(B.value, "either", B.what)  # a predicted ab: out-of-gamut colours are clipped
            args = {"A": A, "B": B, "space": Arg("lab", "ok", "lab")}
            if _shapes_differ(A, B):
                args = {k: (Arg(a.value, "either", a.what) if a.label == "ok" else a) for k, a in args.items()}
            cases.append(Case(entry, call(color.colorization_to_rgb, **args), args, finite(None),
                              {"A": ("condition a",), "B": ("target b",)}))
        else:
            args = {"x": x, "x_train": images(rng, rgb_images(5, 16, 4))}
            cases.append(Case(entry, call(color.baseline_colorizations, **args), args, finite()))
    return cases


def data_cases(rng: random.Random, folders: dict[str, tuple[Path, str]]) -> list[Case]:
    cases = []
    for _ in range(CASES_PER_GROUP):
        if rng.random() < 0.5:  # load_dataset's options
            args = {
                "name": rng.choice([Arg("digits", "ok", "digits"), Arg("mnist", "bad", "unknown"),
                                    Arg(None, "bad", "None"), Arg(["digits"], "bad", "list")]),
                "image_size": rng.choice([Arg(8, "ok", "8"), Arg(4, "bad", "4"), Arg(8.0, "bad", "8.0"),
                                          Arg(10**6, "bad", "10**6"), Arg(True, "bad", "True")]),
                "split": rng.choice([Arg("test", "ok", "test"), Arg("val", "bad", "val"), Arg(0, "bad", "0")]),
                "channels": rng.choice([Arg(None, "ok", "None"), Arg(3, "ok", "3"), Arg(2, "bad", "2"),
                                        Arg("rgb", "bad", "'rgb'")]),
                "n": rng.choice([Arg(5, "ok", "5"), Arg(0, "bad", "0"), Arg(2.5, "bad", "2.5"), Arg("5", "bad", "'5'")]),
                "seed": seed(rng),
                "download": rng.choice([Arg(False, "ok", "False"), Arg("no", "bad", "'no'")]),
            }
            names = {"name": ("dataset",), "split": ("split",)}

            def valid(r, args=args):
                return r.images.dtype == torch.uint8 and r.images.shape[-1] == args["image_size"].value

            cases.append(Case("load_dataset", call(load_dataset, **args), args, valid, names))
        else:  # image folders
            kind = rng.choice(sorted(folders))
            root, label = folders[kind]
            split = rng.choice([Arg("train", "ok", "train"), Arg("all", "ok", "all")])
            args = {"root": Arg(root, label, kind), "split": split,
                    "image_size": rng.choice([Arg(8, "ok", "8"), Arg(16, "ok", "16")])}
            words = (kind.split(":")[-1],)  # the file or folder the message must name

            def valid(r):
                return r.images.dtype == torch.uint8 and len(r) >= 1

            cases.append(Case("load_dataset(imagefolder)",
                              lambda a=args: load_dataset("imagefolder", a["image_size"].value, root=a["root"].value,
                                                          split=a["split"].value),
                              args, valid, {"root": words}))
    return cases


def make_folders(tmp: Path) -> dict[str, tuple[Path, str]]:
    """Small image folders, good and bad: kind → (root, label); a bad kind's suffix after ':' is
    what its error must name."""
    tmp.mkdir(parents=True)
    rng = np.random.default_rng(0)
    good = Image.fromarray(rng.integers(0, 256, (12, 12, 3), dtype=np.uint8))
    jpeg = tmp / "good.jpg"
    good.save(jpeg)
    folders = {}

    def folder(kind, label, files, empty_classes=()):
        root = tmp / kind.replace(":", "_").replace(".", "_")
        for rel, content in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            elif isinstance(content, Path):
                path.symlink_to(content)
            else:
                content.save(path)
        for c in empty_classes:
            (root / c).mkdir(parents=True)
        folders[kind] = (root, label)

    folder("good", "ok", {"a/0.png": good, "b/1.jpg": good})
    folder("modes", "ok", {"a/gray16.png": Image.fromarray(np.full((9, 9), 4000, np.uint16)),
                           "a/la.png": good.convert("LA"), "a/p.png": good.convert("P"),
                           "b/cmyk.jpg": good.convert("CMYK"), "b/gray.png": good.convert("L"),
                           "b/rgba.png": good.convert("RGBA")})
    folder("hidden", "ok", {"a/0.png": good, "a/.DS_Store": b"\0\1", "a/._0.png": b"\0", ".git/x.png": b"x",
                            "b/Thumbs.db": b"\0", "b/link.jpg": jpeg})
    folder("corrupt:broken.jpg", "bad", {"a/0.png": good, "a/broken.jpg": jpeg.read_bytes()[:150]})
    folder("not image:notes.txt", "bad", {"a/0.png": good, "a/notes.txt": b"notes"})
    folder("flat:0.png", "bad", {"0.png": good})
    folder("stray:stray.png", "bad", {"a/0.png": good, "stray.png": good})
    folder("empty class:b", "bad", {"a/0.png": good}, empty_classes=("b",))
    folder("empty:empty", "bad", {}, empty_classes=("a",))
    folder("dangling:gone.png", "bad", {"a/0.png": good, "a/gone.png": tmp / "nowhere.png"})
    folder("float:f.tif", "bad", {"a/0.png": good, "a/f.tif": Image.fromarray(np.zeros((4, 4), np.float32))})
    loop = folder("loop:again", "bad", {"a/0.png": good})
    (folders["loop:again"][0] / "a" / "again").symlink_to(folders["loop:again"][0] / "a")
    folders["missing:missing"] = (tmp / "missing", "bad")
    folders["a file:0.png"] = (folders["good"][0] / "a" / "0.png", "bad")
    del loop
    return folders


# ------------------------------------------------------------------------------------------ tests
GROUPS = {
    "metrics": metrics_cases,
    "evaluation": evaluation_cases,
    "inpainting": inpainting_cases,
    "inversion": inversion_cases,
    "compression/color": compression_color_cases,
}


@pytest.mark.parametrize("group", GROUPS)
def test_fuzz_entry_points(group):
    run_group(group, GROUPS[group](random.Random(f"fuzz-{group}")))


def test_fuzz_load_dataset_and_image_folders(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_COURSE_DATA", str(tmp_path / "data-root"))
    run_group("load_dataset", data_cases(random.Random("fuzz-data"), make_folders(tmp_path / "folders")))
