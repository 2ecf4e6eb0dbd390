"""Datasets for the course: embedded ones that need no network, and real ones through torchvision.

Every dataset becomes an ``ImageSet``: uint8 images (N, C, H, W) held in memory, with labels where
the data has them. Training code turns batches into float tensors in [-1, 1] (``iterate_batches``),
the range of the DCGAN generator's tanh output (Radford et al. 2016).

Embedded, loadable offline by name (their pixels ship inside installed packages):

- ``digits``: scikit-learn's 1,797 real 8×8 handwritten digits (UCI optdigits, Alpaydin & Kaynak
  1998), upsampled, 10 classes; a fixed stratified split of 1,500 train / 297 test.
- ``photos``: random square crops (several scales, random flips, deterministic by seed) of the
  colour photos shipped with scikit-image, scikit-learn and matplotlib. The ``test`` split is cut
  from other photos than ``train``, so held-out patches never come from a training photo.
- ``faces``: the 100 face crops (25×25 gray) of scikit-image's ``lfw_subset`` (Labeled Faces in the
  Wild, Huang et al. 2007), 80 train / 20 test: a toy set for seeing a GAN memorise.
- ``palette``: colorization where gray does not determine colour. The ``digits`` (same split, same
  labels) painted in RGB, each digit five times: its strokes once in each colour of
  ``PALETTE_STROKES``, the rest in a colour of ``PALETTE_BACKGROUNDS`` (each once per digit, paired
  by ``seed``). The five stroke colours share one CIE-Lab lightness (L ≈ 60) and one luma (129.1 of
  255), the five background colours another (L ≈ 35, luma 76.8), so the gray image (luma or L)
  shows the digit exactly and says nothing about its hues. Every gray digit comes with all five
  answers (painted once, a training digit's colour can be memorised, and L1 then need not average).
  The L1 loss is least at the palette's per-channel median, a dull colour (chroma 20 against the
  colours' 40–102); an adversarial loss can pick vivid ones (Isola et al. 2017, §4.2).

Real datasets keep torchvision's own loading code and download only when asked (``download=True``):
``cifar10``, ``stl10``, ``flowers102``, ``celeba`` (aligned faces, centre-cropped as in DCGAN),
``svhn``, and ``imagefolder`` (any folder in ImageFolder layout, e.g. the CIFAR-10 JPEG copy with
``train/<class>/`` and ``test/<class>/``). Their resized tensors are cached as ``.pt`` files
(``<root>/cache/``; for ``imagefolder`` under ``default_data_root()/cache/``) so a second load takes
a moment; delete the cache folder to rebuild it. An image folder's cache is keyed on the name, size
and modification time of every image in it, so a changed folder is read again; an unreadable cache
file is rebuilt.

Image folders: every file in a class folder (and its sub-folders) must be an image
(``IMAGE_EXTENSIONS``); hidden files and folders (``.name``) and OS metadata (``SKIPPED_NAMES``)
are skipped; links are followed, a link back to a folder already read is refused. Each image becomes
8-bit RGB: gray, palette, CMYK and YCbCr images are converted, an alpha channel is dropped, 16-bit
images are scaled to 8 bits (v / 257), the EXIF orientation is applied. Anything else — a corrupt
or truncated file, a float or other unusual mode, a stray file, an empty class folder, images
outside class folders — is refused with an error naming the file or folder.
"""

from __future__ import annotations

import functools
import hashlib
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import torch
import torch.nn.functional as F

from .checkpoint import atomic_save
from .checks import check_int
from .color import LUMA

EMBEDDED_DATASETS = ("digits", "photos", "faces", "palette")
TORCHVISION_DATASETS = ("cifar10", "stl10", "flowers102", "celeba", "svhn")
DATASETS = EMBEDDED_DATASETS + TORCHVISION_DATASETS + ("imagefolder",)

SPLITS = {
    "digits": ("train", "test"),
    "photos": ("train", "test"),
    "faces": ("train", "test"),
    "palette": ("train", "test"),
    "cifar10": ("train", "test"),
    "stl10": ("train", "test", "unlabeled", "train+unlabeled"),
    "flowers102": ("train", "val", "test"),
    "celeba": ("train", "valid", "test", "all"),
    "svhn": ("train", "test", "extra"),
    "imagefolder": ("train", "val", "test", "all"),
}

# What torchvision expects under root, for the "missing dataset" message.
EXPECTED_FILES = {
    "cifar10": "cifar-10-batches-py/ (data_batch_1 … data_batch_5, test_batch, batches.meta)",
    "stl10": "stl10_binary/ (train_X.bin, train_y.bin, test_X.bin, test_y.bin, unlabeled_X.bin, "
    "class_names.txt)",
    "flowers102": "flowers-102/ (jpg/image_00001.jpg …, imagelabels.mat, setid.mat)",
    "celeba": "celeba/ (img_align_celeba/*.jpg, list_eval_partition.txt, list_attr_celeba.txt, "
    "identity_CelebA.txt, list_bbox_celeba.txt, list_landmarks_align_celeba.txt)",
    "svhn": "train_32x32.mat, test_32x32.mat, extra_32x32.mat",
}

MAX_IMAGE_SIZE = 1024
MAX_BYTES = 8 * 2**30  # the most memory one loaded set may take (uint8 images)
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")
SKIPPED_NAMES = ("Thumbs.db", "desktop.ini", "__MACOSX")  # OS metadata, skipped like hidden files
FOLDER_FORMAT = 2  # bump when image-folder decoding changes: old caches are then not read
# PIL modes an image folder reads (converted to 8-bit RGB); 16-bit ones are scaled by 1/257
_RGB_MODES = ("1", "L", "P", "RGB", "RGBA", "RGBX", "RGBa", "LA", "La", "PA", "CMYK", "YCbCr")
_16BIT_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I")

TEST_PHOTOS = ("coffee", "flower", "grace_hopper")  # whole photos held out for photos' test split
PHOTO_SCALES = 6  # crop sides per photo, geometric from image_size to half the short side

# The palette dataset's colours, sRGB uint8, with their CIE-Lab hue angles. Picked among all 2**24
# 8-bit colours for equal Lab L (within 0.6) *and* equal luma (within 0.3 of 255) in each level, so
# neither condition the course colorizes from (space "lab": L; space "gray": luma) tells two colours
# of a level apart; chroma 40–102, and five of them (odd: one per-channel median, which L1 picks)
# spread so that this median is dull. tests/test_palette.py checks these numbers with
# gan_course.color.
PALETTE_STROKES = (  # L 59.7–60.3, luma 129.0–129.2; per-channel median (115, 147, 120), chroma 20
    (248, 93, 4),  # orange, hue 51°
    (115, 157, 23),  # lime, 119°
    (68, 162, 120),  # green, 160°
    (51, 147, 241),  # blue, 275°
    (246, 49, 236),  # magenta, 330°
)
PALETTE_BACKGROUNDS = (  # L 34.7–35.3, luma 76.7–77.0; per-channel median (108, 76, 68), chroma 16
    (147, 43, 68),  # crimson, 12°
    (108, 76, 0),  # brown, 80°
    (78, 88, 15),  # olive, 111°
    (44, 79, 151),  # blue, 286°
    (139, 34, 134),  # purple, 329°
)
PALETTE_STROKE_NAMES = ("orange", "lime", "green", "blue", "magenta")
PALETTE_BACKGROUND_NAMES = ("crimson", "brown", "olive", "blue", "purple")
PALETTE_NAMES = {"stroke": PALETTE_STROKE_NAMES, "background": PALETTE_BACKGROUND_NAMES}


def palette_colours(part: str, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """The five colours of the palette's ``part`` ("stroke" or "background") as (5, 3) RGB in
    [-1, 1], in the order of ``PALETTE_NAMES[part]``."""
    colours = {"stroke": PALETTE_STROKES, "background": PALETTE_BACKGROUNDS}
    if part not in colours:
        raise ValueError(f"palette part must be 'stroke' or 'background', got {part!r}")
    return torch.tensor(colours[part], dtype=dtype) / 127.5 - 1


@dataclass(frozen=True, eq=False)
class ImageSet:
    """Images held in memory: ``images`` uint8 (N, C, H, W) on the CPU; ``labels`` int64 (N,) or
    None."""

    images: torch.Tensor
    labels: torch.Tensor | None
    classes: tuple[str, ...] | None
    name: str

    def __post_init__(self) -> None:
        x = self.images
        if (
            x.dtype != torch.uint8
            or x.dim() != 4
            or x.device.type != "cpu"
            or not x.is_contiguous()
        ):
            layout = "contiguous" if x.is_contiguous() else "not contiguous"
            raise ValueError(
                f"ImageSet.images must be a contiguous uint8 (N, C, H, W) CPU tensor, got "
                f"{x.dtype} {tuple(x.shape)} on {x.device}, {layout}"
            )
        if self.labels is not None and (
            self.labels.dtype != torch.int64 or self.labels.shape != (len(x),)
        ):
            raise ValueError(
                f"ImageSet.labels must be int64 ({len(x)},), got {self.labels.dtype} "
                f"{tuple(self.labels.shape)}"
            )

    def __len__(self) -> int:
        return self.images.shape[0]

    def __repr__(self) -> str:
        n_classes = "" if self.classes is None else f", {len(self.classes)} classes"
        size = self.image_size
        return f"ImageSet({self.name!r}, {len(self)} × {self.channels}×{size}×{size}{n_classes})"

    @property
    def channels(self) -> int:
        return self.images.shape[1]

    @property
    def image_size(self) -> int:
        return self.images.shape[-1]

    def float(self) -> torch.Tensor:
        """All images as float32 (N, C, H, W) in [-1, 1]."""
        return to_unit_range(self.images)

    def subset(self, index: slice | torch.Tensor | list[int]) -> "ImageSet":
        """The images (and labels) at ``index``."""
        labels = None if self.labels is None else self.labels[index]
        return ImageSet(self.images[index].contiguous(), labels, self.classes, self.name)


def to_unit_range(x: torch.Tensor) -> torch.Tensor:
    """x: uint8 in [0, 255] → float32 in [-1, 1], same shape."""
    if x.dtype != torch.uint8:
        raise ValueError(f"to_unit_range expects uint8 images in [0, 255], got {x.dtype}")
    return x.float().div_(127.5).sub_(1.0)


def to_uint8(x: torch.Tensor) -> torch.Tensor:
    """x: float in [-1, 1] (clamped) → uint8 in [0, 255], rounded, same shape."""
    return ((x.detach().float().clamp(-1, 1) + 1) * 127.5).round_().to(torch.uint8)


def default_data_root() -> Path:
    """``$GAN_COURSE_DATA`` if set, else ``~/.cache/gan-course/datasets``."""
    env = os.environ.get("GAN_COURSE_DATA")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "gan-course" / "datasets"


def load_dataset(
    name: str,
    image_size: int = 32,
    *,
    split: str = "train",
    root: str | Path | None = None,
    download: bool = False,
    channels: int | None = None,
    n: int | None = None,
    seed: int = 0,
) -> ImageSet:
    """A dataset by name as an ``ImageSet`` of square ``image_size`` images, uint8
    (N, C, size, size).

    ``channels`` 1 or 3 converts (gray ↔ RGB); None keeps the dataset's own (digits and faces 1,
    others 3). ``n`` keeps a seeded subset of that many images (for ``photos``: that many crops,
    default 2048 train / 512 test). ``seed`` drives the photo crops, the palette colours and which
    ``n`` images are kept.
    ``root`` is the dataset's folder (default ``default_data_root() / name``; required for
    ``imagefolder``); ``download=True`` lets torchvision fetch a missing dataset.
    """
    if not isinstance(name, str) or name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; valid names: {', '.join(DATASETS)}")
    if isinstance(image_size, bool) or not isinstance(image_size, int) or image_size < 8:
        raise ValueError(f"image_size must be an int >= 8, got {image_size!r}")
    check_int(image_size, "image_size", 8, MAX_IMAGE_SIZE)
    if not isinstance(split, str) or split not in SPLITS[name]:
        raise ValueError(
            f"unknown split {split!r} for {name}; valid splits: {', '.join(SPLITS[name])}"
        )
    if channels not in (None, 1, 3):
        raise ValueError(f"channels must be 1, 3 or None (the dataset's own), got {channels!r}")
    if n is not None:
        check_int(n, "n", 1)
    check_int(seed, "seed", 0)
    if not isinstance(download, bool):
        raise TypeError(f"download must be True or False, got {download!r}")
    if root is not None and (
        not isinstance(root, (str, os.PathLike)) or str(root).strip() == "" or "\0" in str(root)
    ):
        raise ValueError(f"root must be a folder path (str or Path, not empty), got {root!r}")
    if name == "photos":
        n = n or (2048 if split == "train" else 512)
        if n * 3 * image_size**2 > MAX_BYTES:
            raise ValueError(
                f"n = {n} photo crops of {image_size}² would take "
                f"{n * 3 * image_size**2 / 2**30:.1f} GiB; keep it under {MAX_BYTES // 2**30} GiB"
            )
        data = _photos(image_size, split, n, seed)
    elif name in ("digits", "faces", "palette"):
        if name == "palette":
            data = _palette(image_size, split, seed)
        else:
            data = (_digits if name == "digits" else _faces)(image_size, split)
        data = data.subset(kept_indices(len(data), n, seed))
    else:
        data = _torchvision(name, image_size, split, root, download, n, seed)
    if channels is not None and channels != data.channels:
        images = data.images.expand(-1, 3, -1, -1) if channels == 3 else _luma(data.images)
        data = ImageSet(images.contiguous(), data.labels, data.classes, data.name)
    return data


def iterate_batches(
    data: ImageSet,
    batch_size: int,
    *,
    seed: int,
    start_step: int = 0,
    device: str | torch.device | None = None,
    hflip: bool = False,
    rank: int = 0,
    world_size: int = 1,
    on_device: bool = False,
) -> Iterator[tuple[torch.Tensor, torch.Tensor | None]]:
    """An endless stream of (x: (B, C, H, W) float32 in [-1, 1] on ``device``, labels (B,) or None).

    Each epoch is a fresh permutation (incomplete last batch dropped). The batch at global step k
    depends only on (seed, k), so ``start_step=k`` resumes the stream exactly where it stood.
    ``hflip`` mirrors each image with probability 1/2. With ``world_size`` > 1
    (distributed training) every rank walks the same permutation in global batches of
    ``batch_size × world_size`` and takes slice ``rank`` of each: the ranks' batches are disjoint;
    ``world_size=1`` is the plain stream.

    ``on_device``: copy the whole uint8 set to ``device`` once and batch there — gather, convert to
    [-1, 1] and flip on the device, with one small copy per epoch (the permutation and that epoch's
    flips) instead of one image copy per step. The stream is the same, value for value.
    """
    if world_size < 1 or not 0 <= rank < world_size:
        raise ValueError(
            "need world_size >= 1 and 0 <= rank < world_size, "
            f"got rank {rank} of world_size {world_size}"
        )
    if not 1 <= batch_size * world_size <= len(data):
        raise ValueError(
            f"batch_size × world_size must be in [1, {len(data)}] for {data.name} "
            f"({len(data)} images), "
            f"got {batch_size} × {world_size}"
        )
    if start_step < 0:
        raise ValueError(f"start_step must be >= 0, got {start_step}")
    return _batches(data, batch_size, seed, start_step, device, hflip, rank, world_size, on_device)


def _batches(
    data: ImageSet,
    batch_size: int,
    seed: int,
    start_step: int,
    device: str | torch.device | None,
    hflip: bool,
    rank: int,
    world_size: int,
    on_device: bool,
) -> Iterator[tuple[torch.Tensor, torch.Tensor | None]]:
    """The generator behind ``iterate_batches`` (which checks its arguments when called, not at
    first batch)."""
    per_epoch = len(data) // (batch_size * world_size)
    images, labels = data.images, data.labels  # uint8 (N, C, H, W), int64 (N,) or None
    if on_device:  # the whole set crosses to the device once
        images = images.to(device)
        labels = None if labels is None else labels.to(device)
    step, epoch, perm, flips = start_step, -1, None, None
    while True:
        e, i = divmod(step, per_epoch)
        if e != epoch:
            epoch, perm = e, torch.randperm(len(data), generator=_generator(seed, 0, e))  # (N,)
            if on_device:  # one copy per epoch: the permutation and every step's flips
                perm = perm.to(device)
                if hflip:
                    steps = range(e * per_epoch, (e + 1) * per_epoch)
                    flips = torch.stack(
                        [_flips(seed, s, rank, batch_size, world_size) for s in steps]
                    ).to(device)
        start = (i * world_size + rank) * batch_size
        idx = perm[start : start + batch_size]  # (B,)
        if on_device:
            x = to_unit_range(images[idx])  # (B, C, H, W), gathered on the device
        else:
            x = to_unit_range(
                images[idx].to(device, non_blocking=True)
            )  # (B, C, H, W), only this batch crosses
        if hflip:
            flip = (
                flips[i]
                if on_device
                else _flips(seed, step, rank, batch_size, world_size).to(x.device)
            )  # (B,)
            x = torch.where(flip[:, None, None, None], x.flip(-1), x)
        yield x, None if labels is None else labels[idx].to(device)
        step += 1


def _flips(seed: int, step: int, rank: int, batch_size: int, world_size: int) -> torch.Tensor:
    """(B,) bool: which of this rank's images at ``step`` are mirrored; one draw per global
    batch."""
    draw = torch.rand(batch_size * world_size, generator=_generator(seed, 1, step))  # (B·W,)
    return draw[rank * batch_size : (rank + 1) * batch_size] < 0.5


def _generator(seed: int, stream: int, index: int) -> torch.Generator:
    """A reproducible generator for (seed, stream, index): stream 0 = epoch permutations,
    1 = flips."""
    return torch.Generator().manual_seed((seed * 1_000_003 + index) * 8 + stream)


def kept_indices(total: int, n: int | None, seed: int = 0) -> torch.Tensor:
    """Indices of the images kept: all of them, or ``n`` chosen by ``seed``, in their original
    order."""
    if n is None or n >= total:
        return torch.arange(total)
    return torch.randperm(total, generator=torch.Generator().manual_seed(seed))[:n].sort().values


def _luma(images: torch.Tensor) -> torch.Tensor:
    """uint8 RGB (N, 3, H, W) → uint8 gray (N, 1, H, W), ITU-R BT.601 weights."""
    w = torch.tensor(LUMA).view(1, 3, 1, 1)
    return (images.float() * w).sum(1, keepdim=True).round().clamp(0, 255).to(torch.uint8)


def _resize_square(images: torch.Tensor, size: int) -> torch.Tensor:
    """uint8 (N, C, H, W) → uint8 (N, C, size, size): scale the short side to ``size``
    (antialiased), centre-crop."""
    h, w = images.shape[-2:]
    if (h, w) != (size, size):
        scale = size / min(h, w)
        new = (max(size, round(h * scale)), max(size, round(w * scale)))
        images = F.interpolate(
            images, size=new, mode="bilinear", antialias=True, align_corners=False
        )
        top, left = (new[0] - size) // 2, (new[1] - size) // 2
        images = images[..., top : top + size, left : left + size]
    return images.contiguous()


# ---------------------------------------------------------------------------------------- embedded
def _digits(image_size: int, split: str) -> ImageSet:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()  # images (1797, 8, 8) in 0..16
    train, test = train_test_split(
        np.arange(len(digits.target)), test_size=297, stratify=digits.target, random_state=0
    )
    idx = np.sort(train if split == "train" else test)
    images = torch.from_numpy(np.rint(digits.images[idx] * (255 / 16)).astype(np.uint8))[
        :, None
    ]  # (N, 1, 8, 8)
    labels = torch.from_numpy(digits.target[idx]).long()
    return ImageSet(
        _resize_square(images, image_size), labels, tuple(str(d) for d in range(10)), "digits"
    )


def _palette(image_size: int, split: str, seed: int) -> ImageSet:
    """The split's N digits (N, 1, S, S), each painted once per stroke colour: (5N, 3, S, S), digit
    by digit. Pixels where the upsampled digit has at least half its full ink take the stroke
    colour, the others a background colour; a seeded permutation per digit pairs its five stroke
    colours with the five background colours, the same at every ``image_size``."""
    digits = _digits(image_size, split)  # uint8 (N, 1, S, S), white strokes on black
    k, n = len(PALETTE_STROKES), len(digits)
    rng = np.random.default_rng([seed, int(split == "test")])
    pairing = rng.permuted(np.tile(np.arange(k), (n, 1)), axis=1)  # (N, k): background of stroke i
    digit = torch.arange(n).repeat_interleave(k)  # (kN,) 0, 0, 0, 0, 0, 1, ...
    stroke = torch.tensor(PALETTE_STROKES, dtype=torch.uint8)[torch.arange(k).repeat(n)]  # (kN, 3)
    background = torch.tensor(PALETTE_BACKGROUNDS, dtype=torch.uint8)[
        torch.from_numpy(pairing).flatten()
    ]  # (kN, 3)
    ink = digits.images[digit] >= 128  # (kN, 1, S, S) bool
    images = torch.where(ink, stroke[..., None, None], background[..., None, None])  # (kN, 3, S, S)
    return ImageSet(images.contiguous(), digits.labels[digit], digits.classes, "palette")


def _faces(image_size: int, split: str) -> ImageSet:
    from skimage.data import lfw_subset

    faces = lfw_subset()[:100]  # (100, 25, 25) float in [0, 1]; the other 100 are non-faces
    faces = faces[:80] if split == "train" else faces[80:]
    images = torch.from_numpy(np.rint(faces * 255).astype(np.uint8))[:, None]  # (N, 1, 25, 25)
    return ImageSet(_resize_square(images, image_size), None, None, "faces")


def _photo_loaders() -> dict[str, Callable[[], np.ndarray]]:
    """The colour photos shipped inside installed packages: name → loader of (H, W, 3) uint8."""
    import skimage.data as sk

    def sklearn_photo(i: int) -> Callable[[], np.ndarray]:
        def load() -> np.ndarray:
            from sklearn.datasets import load_sample_images

            return load_sample_images().images[i]

        return load

    def grace_hopper() -> np.ndarray:
        from matplotlib import cbook
        from PIL import Image

        with cbook.get_sample_data("grace_hopper.jpg") as f:
            return np.asarray(Image.open(f).convert("RGB"))

    return {
        "astronaut": sk.astronaut,
        "chelsea": sk.chelsea,
        "rocket": sk.rocket,
        "hubble_deep_field": sk.hubble_deep_field,
        "immunohistochemistry": sk.immunohistochemistry,
        "retina": sk.retina,
        "motorcycle_left": lambda: sk.stereo_motorcycle()[0],
        "motorcycle_right": lambda: sk.stereo_motorcycle()[1],
        "china": sklearn_photo(0),
        # held out for the test split (TEST_PHOTOS):
        "coffee": sk.coffee,
        "flower": sklearn_photo(1),
        "grace_hopper": grace_hopper,
    }


@functools.lru_cache(maxsize=None)
def _photo(name: str) -> torch.Tensor:
    """One shipped photo as uint8 (3, H, W), decoded once per process."""
    return (
        torch.from_numpy(np.array(_photo_loaders()[name]()[..., :3])).permute(2, 0, 1).contiguous()
    )


def _photos(image_size: int, split: str, n: int, seed: int) -> ImageSet:
    """``n`` crops (n, 3, size, size) of the split's photos; photo, scale, position and flip drawn
    from ``seed``."""
    names = [p for p in _photo_loaders() if (p in TEST_PHOTOS) == (split == "test")]
    rng = np.random.default_rng([seed, image_size, int(split == "test")])
    which, scale = (
        rng.integers(len(names), size=n),
        rng.integers(PHOTO_SCALES, size=n),
    )  # (n,), (n,)
    corner, flip = (
        rng.random((n, 2)),
        torch.from_numpy(rng.random(n) < 0.5),
    )  # (n, 2) in [0, 1), (n,)
    crops = torch.empty(n, 3, image_size, image_size, dtype=torch.uint8)
    for k, name in enumerate(names):
        photo = _photo(name)  # (3, H, W)
        h, w = photo.shape[-2:]
        lo = min(
            image_size, h, w
        )  # crop sides: geometric steps from the output size to half the short side
        for s, side in enumerate(
            np.geomspace(lo, max(lo, min(h, w) // 2), PHOTO_SCALES).astype(int)
        ):
            idx = np.flatnonzero((which == k) & (scale == s))
            for chunk in (
                idx[i : i + 64] for i in range(0, len(idx), 64)
            ):  # resize 64 same-size crops at once
                tops, lefts = (corner[chunk] * [h - side + 1, w - side + 1]).astype(int).T
                batch = torch.stack(
                    [photo[:, t : t + side, l : l + side] for t, l in zip(tops, lefts)]
                )  # (b, 3, side, side)
                crops[torch.from_numpy(chunk)] = _resize_square(batch, image_size)
    crops = torch.where(flip[:, None, None, None], crops.flip(-1), crops)  # (n, 3, size, size)
    return ImageSet(crops, torch.from_numpy(which).long(), tuple(names), "photos")


# -------------------------------------------------------------------------------------- torchvision
def _torchvision(
    name: str,
    image_size: int,
    split: str,
    root: str | Path | None,
    download: bool,
    n: int | None,
    seed: int,
) -> ImageSet:
    """Load with torchvision's own dataset class, decode the kept images once, cache them as a .pt
    file."""
    key = f"{split}-{image_size}" + ("" if n is None else f"-n{n}-seed{seed}")
    if name == "imagefolder":
        return _image_folder_set(root, split, image_size, n, seed, key)
    root = Path(root).expanduser() if root is not None else default_data_root() / name
    return _cached_set(root / "cache" / f"{name}-{key}.pt", image_size, name,
                       lambda: _decode_torchvision(name, split, root, download, n, seed,
                                                   image_size))


def _decode_torchvision(name: str, split: str, root: Path, download: bool, n: int | None,
                        seed: int, image_size: int) -> ImageSet:
    """``_torchvision``'s kept images, decoded from torchvision's own dataset class."""
    from torchvision import datasets as tvd

    constructors: dict[str, Callable[[], object]] = {
        "cifar10": lambda: tvd.CIFAR10(root, train=split == "train", download=download),
        "stl10": lambda: tvd.STL10(root, split=split, download=download),
        "flowers102": lambda: tvd.Flowers102(root, split=split, download=download),
        "celeba": lambda: tvd.CelebA(root, split=split, target_type=[], download=download),
        "svhn": lambda: tvd.SVHN(root, split=split, download=download),
    }
    try:
        dataset = constructors[name]()
    except (
        RuntimeError
    ) as e:  # torchvision: "Dataset not found or corrupted. You can use download=True ..."
        if "not found" not in str(e).lower() and "corrupted" not in str(e).lower():
            raise
        raise FileNotFoundError(
            f"{name} ({split}) not found in {root}: expected {EXPECTED_FILES[name]} there, "
            "with the official files' md5 sums. "
            f"Download it with load_dataset({name!r}, download=True) or "
            f"`gan-course train dcgan --dataset {name} --download`, "
            f"or copy the official files into {root}. "
            "A copy in ImageFolder layout (class folders of images) loads with "
            "name='imagefolder', root=PATH."
        ) from e
    return _materialise(dataset, kept_indices(len(dataset), n, seed), image_size, name)


def _cached_set(cache: Path, image_size: int, name: str, decode: Callable[[], ImageSet]
                ) -> ImageSet:
    """The ImageSet cached at ``cache``; else ``decode()``'s, written there atomically."""
    cached = _read_cache(cache, image_size, name)
    if cached is not None:
        return cached
    data = decode()
    atomic_save(
        cache, {"images": data.images, "labels": data.labels, "classes": list(data.classes or [])}
    )
    return data


def _read_cache(cache: Path, image_size: int, name: str) -> ImageSet | None:
    """The ImageSet cached at ``cache``, or None when there is none or it cannot be read (a damaged
    or foreign file is rebuilt, with a warning, never served)."""
    if not cache.is_file():
        return None
    try:
        state = torch.load(cache, weights_only=True)
        data = ImageSet(
            state["images"], state["labels"], tuple(state["classes"]) or None, name
        )
        if data.images.shape[1:] != (3, image_size, image_size):
            raise ValueError(f"images {tuple(data.images.shape)}")
        return data
    except Exception as e:  # noqa: BLE001 — any damage means: rebuild from the source
        warnings.warn(f"dataset cache {cache} is unreadable ({e}); rebuilding it", stacklevel=3)
        return None


def _image_folder_set(
    root: str | Path | None, split: str, image_size: int, n: int | None, seed: int, key: str
) -> ImageSet:
    """An image folder's split, decoded once and cached under ``default_data_root()/cache`` (a
    cache/ inside the folder would read as a class) by a digest of every image's name, size and
    modification time: a changed folder never gets a stale cache."""
    if root is None:
        raise ValueError(
            "dataset 'imagefolder' needs root=PATH (a folder of <class>/<image> files, "
            "or of train/<class>/ and test/<class>/)"
        )
    root = Path(root).expanduser()
    folder = _image_folder(root, split)
    classes = _folder_classes(root)
    samples = _folder_samples(folder, classes)
    stamp = [
        (str(p.relative_to(folder)), st.st_size, st.st_mtime_ns)
        for p, st in ((p, p.stat()) for p, _ in samples)
    ]
    state = (FOLDER_FORMAT, str(folder.resolve()), classes, stamp)
    digest = hashlib.sha1(repr(state).encode()).hexdigest()[:16]
    cache = default_data_root() / "cache" / f"imagefolder-{digest}-{key}.pt"

    def decode() -> ImageSet:
        index = kept_indices(len(samples), n, seed).tolist()
        images = torch.empty(len(index), 3, image_size, image_size, dtype=torch.uint8)
        for i, j in enumerate(index):
            images[i] = _resize_square(read_image(samples[j][0])[None], image_size)[0]
        labels = torch.tensor([samples[j][1] for j in index], dtype=torch.int64)
        return ImageSet(images, labels, tuple(classes), "imagefolder")

    return _cached_set(cache, image_size, "imagefolder", decode)


def _image_folder(root: Path, split: str) -> Path:
    """The folder of class folders for ``split``: ``root/<split>`` when root has split folders, else
    root."""
    if not root.is_dir():
        what = "is a file, not a folder" if root.exists() else "does not exist"
        raise FileNotFoundError(
            f"image folder {root} {what}; expected {root}/<class>/<image>.png|.jpg "
            f"or {root}/train/<class>/…, {root}/test/<class>/…"
        )
    found = _split_folders(root)
    if split in found:
        return root / split
    if not found and split in (
        "train",
        "all",
    ):  # class folders directly under root: one split of everything
        return root
    raise FileNotFoundError(
        f"{root} has no {split}/ folder; split folders found: {', '.join(found) or 'none'} "
        f"(class folders directly under root load as split 'train' or 'all')"
    )


def _skipped(path: Path) -> bool:
    """Hidden files and folders and OS metadata, which an image folder ignores."""
    return path.name.startswith(".") or path.name in SKIPPED_NAMES


def _split_folders(root: Path) -> list[str]:
    """The split folders (train/, test/) an image folder has; none when its class folders sit in
    root."""
    return [s for s in SPLITS["imagefolder"] if s != "all" and (root / s).is_dir()]


def _folder_classes(root: Path) -> list[str]:
    """The class names of an image folder: the union over its split folders (or root's own class
    folders), so every split numbers the classes alike even when one split lacks a class."""
    folders = [root / s for s in _split_folders(root)] or [root]
    return sorted({d.name for f in folders for d in f.iterdir() if d.is_dir() and not _skipped(d)})


def _folder_samples(folder: Path, classes: list[str]) -> list[tuple[Path, int]]:
    """(image file, class index) for every image under ``folder/<class>/`` (sub-folders included),
    in sorted order; a clear error naming any file or folder that does not fit the layout."""
    stray = sorted(p.name for p in folder.iterdir() if not p.is_dir() and not _skipped(p))
    present = [c for c in classes if (folder / c).is_dir()]
    if stray:
        where = "instead of class folders" if not present else "beside its class folders"
        raise ValueError(
            f"{folder} holds files {where}: {', '.join(stray[:5])}"
            f"{' …' if len(stray) > 5 else ''}; expected {folder}/<class>/<image>.png|.jpg"
        )
    seen = {(folder / c).resolve() for c in present}  # a link back to any of them is a loop
    files = {c: _image_files(folder / c, seen) for c in present}
    if not any(files.values()):
        raise FileNotFoundError(
            f"no images in ImageFolder layout in {folder}: expected {folder}/<class>/<image>"
            f"{'|'.join(IMAGE_EXTENSIONS)}"
        )
    empty = [c for c in present if not files[c]]
    if empty:
        raise FileNotFoundError(
            f"class folder {folder / empty[0]} holds no images: add images or remove the folder"
        )
    return [(p, classes.index(c)) for c in present for p in files[c]]


def _image_files(folder: Path, seen: set[Path]) -> list[Path]:
    """Every image file under ``folder``, sorted, links followed; ``seen``: the real paths of the
    folders read so far (a link to one of them would read it twice)."""
    found = []
    for entry in sorted(folder.iterdir()):
        if _skipped(entry):
            continue
        if entry.is_dir():
            real = entry.resolve()
            if real in seen:
                raise ValueError(
                    f"{entry} links to a folder already read ({real}): remove the link"
                )
            seen.add(real)
            found += _image_files(entry, seen)
        elif entry.is_file():
            if entry.suffix.lower() not in IMAGE_EXTENSIONS:
                raise ValueError(
                    f"{entry} is not an image file (expected {', '.join(IMAGE_EXTENSIONS)}): "
                    "move it out of the class folder"
                )
            found.append(entry)
        else:
            raise FileNotFoundError(f"{entry} is not a readable file (a broken link?)")
    return found


def read_image(path: str | Path) -> torch.Tensor:
    """One image file as 8-bit RGB, uint8 (3, H, W): gray, palette, CMYK and YCbCr converted,
    alpha dropped, 16-bit scaled by 1/257, EXIF orientation applied; a ValueError naming the file
    if it is corrupt, truncated or of a mode that has no such reading (float, 32-bit, Lab …)."""
    from PIL import Image, ImageOps

    try:
        with Image.open(path) as image:
            image.load()  # decode now: a truncated file fails here, not later
            image = ImageOps.exif_transpose(image)
            mode = image.mode
            if mode in _16BIT_MODES:
                values = np.asarray(image).astype(np.int64)  # (H, W)
                if values.min() < 0 or values.max() > 65535:
                    raise ValueError(f"mode {mode} values outside 0..65535")
                gray = torch.from_numpy(np.rint(values / 257).astype(np.uint8))  # (H, W)
                return gray.expand(3, -1, -1).contiguous()
            if mode not in _RGB_MODES:
                raise ValueError(f"unsupported image mode {mode}")
            rgb = np.array(image.convert("RGB"))  # (H, W, 3) uint8
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as e:
        raise ValueError(
            f"cannot read image {path}: {e}; expected an 8- or 16-bit gray, palette, RGB or "
            "CMYK image (replace or remove the file)"
        ) from None
    return torch.from_numpy(rgb).permute(2, 0, 1).contiguous()


def _materialise(dataset, index: torch.Tensor, image_size: int, name: str) -> ImageSet:
    """Decode the images of a torchvision dataset at ``index`` into one uint8 (N, 3, size, size)
    tensor."""
    from torchvision.transforms.functional import pil_to_tensor

    images = torch.empty(len(index), 3, image_size, image_size, dtype=torch.uint8)
    labels = []
    for i, j in enumerate(index.tolist()):
        try:
            image, target = dataset[j]
        except (OSError, SyntaxError, ValueError) as e:  # PIL: a corrupt or truncated file
            raise ValueError(f"{name}: cannot read image {j} ({e}); the copy is damaged") from None
        images[i] = _resize_square(pil_to_tensor(image.convert("RGB"))[None], image_size)[0]
        labels.append(
            target if isinstance(target, int) else -1
        )  # -1: no label (CelebA, STL-10 unlabeled)
    classes = getattr(dataset, "classes", None)
    # labels for all or none: a split mixing in unlabeled images (STL-10 train+unlabeled) has none
    has_labels = all(t >= 0 for t in labels)
    return ImageSet(
        images,
        torch.tensor(labels, dtype=torch.int64) if has_labels else None,
        tuple(classes) if classes else None,
        name,
    )
