"""Datasets for the course: embedded ones that need no network, and real ones through torchvision.

Every dataset becomes an ``ImageSet``: uint8 images (N, C, H, W) held in memory, with labels where
the data has them. Training code turns batches into float tensors in [-1, 1] (``iterate_batches``).

Embedded, loadable offline by name (their pixels ship inside installed packages):

- ``digits``: scikit-learn's 1,797 real 8×8 handwritten digits (UCI), upsampled, 10 classes.
- ``photos``: random square crops (several scales, random flips, deterministic by seed) of the
  colour photos shipped with scikit-image, scikit-learn and matplotlib. The ``test`` split is cut
  from other photos than ``train``, so held-out patches never come from a training photo.

Real datasets keep torchvision's own loading code and download only when asked (``download=True``):
``cifar10``, ``stl10``, ``flowers102``, ``celeba``, ``svhn``, and ``imagefolder`` (any folder in
ImageFolder layout, e.g. the CIFAR-10 JPEG copy with ``train/<class>/`` and ``test/<class>/``).
Their resized tensors are cached under ``<data root>/cache`` so a second load takes a moment.
"""
from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import torch
import torch.nn.functional as F

from .checkpoint import atomic_save

EMBEDDED_DATASETS = ("digits", "photos")
TORCHVISION_DATASETS = ("cifar10", "stl10", "flowers102", "celeba", "svhn")
DATASETS = EMBEDDED_DATASETS + TORCHVISION_DATASETS + ("imagefolder",)

SPLITS = {
    "digits": ("train", "test"), "photos": ("train", "test"), "imagefolder": ("train", "test", "all"),
    "cifar10": ("train", "test"), "stl10": ("train", "test", "unlabeled", "train+unlabeled"),
    "flowers102": ("train", "val", "test"), "celeba": ("train", "valid", "test", "all"),
    "svhn": ("train", "test", "extra"),
}

# What torchvision expects under root, for the "missing dataset" message.
EXPECTED_FILES = {
    "cifar10": "cifar-10-batches-py/ (data_batch_1 … data_batch_5, test_batch, batches.meta)",
    "stl10": "stl10_binary/ (train_X.bin, train_y.bin, test_X.bin, test_y.bin, unlabeled_X.bin, class_names.txt)",
    "flowers102": "flowers-102/ (jpg/image_00001.jpg …, imagelabels.mat, setid.mat)",
    "celeba": "celeba/ (img_align_celeba/*.jpg, list_eval_partition.txt, list_attr_celeba.txt, "
              "identity_CelebA.txt, list_bbox_celeba.txt, list_landmarks_align_celeba.txt)",
    "svhn": "train_32x32.mat, test_32x32.mat, extra_32x32.mat",
}

# The colour photos shipped inside installed packages: (name, loader returning HxWx3 uint8).
TEST_PHOTOS = ("coffee", "flower", "grace_hopper")


@dataclass(frozen=True)
class ImageSet:
    """Images held in memory: ``images`` uint8 (N, C, H, W); ``labels`` int64 (N,) or None."""

    images: torch.Tensor
    labels: torch.Tensor | None
    classes: tuple[str, ...] | None
    name: str

    def __post_init__(self) -> None:
        if self.images.dtype != torch.uint8 or self.images.dim() != 4:
            raise ValueError(f"ImageSet.images must be uint8 (N, C, H, W), got {self.images.dtype} {tuple(self.images.shape)}")
        if self.labels is not None and self.labels.shape != (self.images.shape[0],):
            raise ValueError(f"labels must have shape ({self.images.shape[0]},), got {tuple(self.labels.shape)}")

    def __len__(self) -> int:
        return self.images.shape[0]

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
    """uint8 [0, 255] → float32 [-1, 1]."""
    return x.float().div_(127.5).sub_(1.0)


def to_uint8(x: torch.Tensor) -> torch.Tensor:
    """float [-1, 1] (clamped) → uint8 [0, 255], rounded."""
    return ((x.detach().float().clamp(-1, 1) + 1) * 127.5).round_().to(torch.uint8)


def default_data_root() -> Path:
    """``$GAN_COURSE_DATA`` if set, else ``~/.cache/gan-course/datasets``."""
    env = os.environ.get("GAN_COURSE_DATA")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "gan-course" / "datasets"


def load_dataset(name: str, image_size: int = 32, *, split: str = "train", root: str | Path | None = None,
                 download: bool = False, channels: int | None = None, n: int | None = None,
                 seed: int = 0) -> ImageSet:
    """A dataset by name as an ``ImageSet`` of square ``image_size`` images.

    ``channels`` 1 or 3 converts (gray ↔ RGB); None keeps the dataset's own (digits 1, others 3).
    ``n`` keeps that many images (for ``photos``: that many crops, default 2048 train / 512 test);
    ``seed`` drives the photo crops and which ``n`` images are kept. ``root`` is the dataset's
    folder (default ``default_data_root() / name``); ``download=True`` lets torchvision fetch it.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; valid names: {', '.join(DATASETS)}")
    if not isinstance(image_size, int) or image_size < 8:
        raise ValueError(f"image_size must be an int >= 8, got {image_size!r}")
    if split not in SPLITS[name]:
        raise ValueError(f"unknown split {split!r} for {name}; valid splits: {', '.join(SPLITS[name])}")
    if channels not in (None, 1, 3):
        raise ValueError(f"channels must be 1, 3 or None (the dataset's own), got {channels!r}")
    if n is not None and n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    if name == "digits":
        data = _digits(image_size, split)
    elif name == "photos":
        data = _photos(image_size, split, n or (2048 if split == "train" else 512), seed)
    else:
        data = _torchvision(name, image_size, split, root, download)
    if n is not None and n < len(data) and name != "photos":
        keep = torch.randperm(len(data), generator=torch.Generator().manual_seed(seed))[:n].sort().values
        data = data.subset(keep)
    if channels is not None and channels != data.channels:
        images = data.images.expand(-1, 3, -1, -1) if channels == 3 else _luma(data.images)
        data = ImageSet(images.contiguous(), data.labels, data.classes, data.name)
    return data


def iterate_batches(data: ImageSet, batch_size: int, *, seed: int, start_step: int = 0,
                    device: str | torch.device | None = None, hflip: bool = False
                    ) -> Iterator[tuple[torch.Tensor, torch.Tensor | None]]:
    """An endless stream of (x: (B, C, H, W) float32 in [-1, 1] on ``device``, labels (B,) or None).

    Each epoch is a fresh permutation (incomplete last batch dropped). The batch at global step k
    depends only on (seed, k), so ``start_step=k`` resumes the stream exactly where it stood.
    ``hflip`` mirrors each image with probability 1/2.
    """
    if not 1 <= batch_size <= len(data):
        raise ValueError(f"batch_size must be in [1, {len(data)}] for {data.name} ({len(data)} images), got {batch_size}")
    per_epoch = len(data) // batch_size
    step, epoch, perm = start_step, -1, None
    while True:
        e, i = divmod(step, per_epoch)
        if e != epoch:
            epoch, perm = e, torch.randperm(len(data), generator=_generator(seed, 0, e))
        idx = perm[i * batch_size:(i + 1) * batch_size]
        x = to_unit_range(data.images[idx].to(device, non_blocking=True))  # (B, C, H, W)
        if hflip:
            flip = torch.rand(batch_size, generator=_generator(seed, 1, step)) < 0.5
            x = torch.where(flip.to(x.device)[:, None, None, None], x.flip(-1), x)
        yield x, None if data.labels is None else data.labels[idx].to(device)
        step += 1


def _generator(seed: int, stream: int, index: int) -> torch.Generator:
    """An independent, reproducible generator for (seed, stream, index)."""
    return torch.Generator().manual_seed((seed * 1_000_003 + index) * 8 + stream)


def _luma(images: torch.Tensor) -> torch.Tensor:
    """uint8 RGB (N, 3, H, W) → uint8 gray (N, 1, H, W), ITU-R BT.601 weights."""
    w = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
    return (images.float() * w).sum(1, keepdim=True).round().clamp(0, 255).to(torch.uint8)


def _resize_square(images: torch.Tensor, size: int) -> torch.Tensor:
    """uint8 (N, C, H, W) → uint8 (N, C, size, size): scale the short side to ``size``, centre-crop."""
    h, w = images.shape[-2:]
    if (h, w) != (size, size):
        scale = size / min(h, w)
        new = (max(size, round(h * scale)), max(size, round(w * scale)))
        images = F.interpolate(images.float(), size=new, mode="bilinear", antialias=True, align_corners=False)
        top, left = (new[0] - size) // 2, (new[1] - size) // 2
        images = images[..., top:top + size, left:left + size].round().clamp(0, 255).to(torch.uint8)
    return images.contiguous()


# ---------------------------------------------------------------------------------------- embedded
def _digits(image_size: int, split: str) -> ImageSet:
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = torch.tensor(digits.images, dtype=torch.float32)[:, None] * (255 / 16)  # (1797, 1, 8, 8)
    images = F.interpolate(images, size=image_size, mode="bilinear", align_corners=False)
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(0))  # fixed split
    idx = order[:1500] if split == "train" else order[1500:]
    images = images[idx].round().clamp(0, 255).to(torch.uint8).contiguous()
    labels = torch.as_tensor(digits.target, dtype=torch.int64)[idx]
    return ImageSet(images, labels, tuple(str(d) for d in range(10)), "digits")


def _photo_loaders() -> dict[str, Callable[[], np.ndarray]]:
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
        "astronaut": sk.astronaut, "chelsea": sk.chelsea, "rocket": sk.rocket,
        "hubble_deep_field": sk.hubble_deep_field, "immunohistochemistry": sk.immunohistochemistry,
        "retina": sk.retina, "motorcycle_left": lambda: sk.stereo_motorcycle()[0],
        "motorcycle_right": lambda: sk.stereo_motorcycle()[1], "china": sklearn_photo(0),
        # held out for the test split:
        "coffee": sk.coffee, "flower": sklearn_photo(1), "grace_hopper": grace_hopper,
    }


@functools.lru_cache(maxsize=None)
def _photo(name: str) -> torch.Tensor:
    """One shipped photo as uint8 (3, H, W), decoded once per process."""
    return torch.from_numpy(np.array(_photo_loaders()[name]()[..., :3])).permute(2, 0, 1).contiguous()


def _photos(image_size: int, split: str, n: int, seed: int) -> ImageSet:
    names = [p for p in _photo_loaders() if (p in TEST_PHOTOS) == (split == "test")]
    rng = np.random.default_rng([seed, image_size, split == "test"])
    which = rng.integers(len(names), size=n)
    crops = torch.empty(n, 3, image_size, image_size, dtype=torch.uint8)
    for i, k in enumerate(which):
        photo = _photo(names[k])
        h, w = photo.shape[-2:]
        # crop side log-uniform between the output size and half the photo's short side
        side = int(np.exp(rng.uniform(np.log(image_size), np.log(max(image_size, min(h, w) // 2)))))
        top, left = rng.integers(h - side + 1), rng.integers(w - side + 1)
        crop = _resize_square(photo[None, :, top:top + side, left:left + side], image_size)[0]
        crops[i] = crop.flip(-1) if rng.random() < 0.5 else crop
    return ImageSet(crops, torch.as_tensor(which, dtype=torch.int64), tuple(names), "photos")


# ---------------------------------------------------------------------------------------- torchvision
def _torchvision(name: str, image_size: int, split: str, root: str | Path | None, download: bool) -> ImageSet:
    if name == "imagefolder":
        if root is None:
            raise ValueError("dataset 'imagefolder' needs root=PATH (a folder of <class>/<image> files)")
        root = Path(root).expanduser()
        if not root.is_dir():
            raise FileNotFoundError(f"image folder {root} does not exist")
        folder = root / split if (root / split).is_dir() else root
        if split != "all" and folder == root and any((root / s).is_dir() for s in ("train", "test")):
            raise FileNotFoundError(f"{root} has no {split}/ folder")
        # the key changes when the folder moves or a class folder gains or loses files
        stamp = [(d.name, d.stat().st_mtime_ns) for d in sorted(folder.iterdir()) if d.is_dir()]
        key = hashlib.sha1(repr((str(folder.resolve()), stamp)).encode()).hexdigest()[:12]
        cache = default_data_root() / "cache" / f"imagefolder-{key}-{image_size}.pt"
    else:
        root = Path(root).expanduser() if root is not None else default_data_root() / name
        cache = root / "cache" / f"{name}-{split}-{image_size}.pt"
    if cache.is_file():
        state = torch.load(cache, weights_only=True)
        return ImageSet(state["images"], state["labels"], tuple(state["classes"]) if state["classes"] else None, name)

    from torchvision import datasets as tvd

    constructors: dict[str, Callable[[], object]] = {
        "cifar10": lambda: tvd.CIFAR10(root, train=split == "train", download=download),
        "stl10": lambda: tvd.STL10(root, split=split, download=download),
        "flowers102": lambda: tvd.Flowers102(root, split=split, download=download),
        "celeba": lambda: tvd.CelebA(root, split=split, target_type=[], download=download),
        "svhn": lambda: tvd.SVHN(root, split=split, download=download),
        "imagefolder": lambda: tvd.ImageFolder(folder),
    }
    try:
        dataset = constructors[name]()
    except RuntimeError as e:
        if "not found" not in str(e).lower() and "corrupted" not in str(e).lower():
            raise
        raise FileNotFoundError(
            f"{name} ({split}) not found in {root}: expected {EXPECTED_FILES[name]} there. "
            f"Download it with load_dataset({name!r}, download=True) or `gan-course train dcgan --dataset {name} "
            f"--download`, or copy the official files into {root}. A copy in ImageFolder layout (class "
            f"folders of images) loads with name='imagefolder', root=PATH.") from e
    data = _materialise(dataset, image_size, name)
    atomic_save(cache, {"images": data.images, "labels": data.labels, "classes": list(data.classes or [])})
    return data


def _materialise(dataset, image_size: int, name: str) -> ImageSet:
    """Decode every image of a torchvision dataset into one uint8 (N, 3, size, size) tensor."""
    from torchvision.transforms.functional import pil_to_tensor

    images = torch.empty(len(dataset), 3, image_size, image_size, dtype=torch.uint8)
    labels = []
    for i in range(len(dataset)):
        image, target = dataset[i]
        images[i] = _resize_square(pil_to_tensor(image.convert("RGB"))[None], image_size)[0]
        labels.append(target if isinstance(target, int) else -1)
    classes = getattr(dataset, "classes", None)
    has_labels = any(t >= 0 for t in labels)
    return ImageSet(images, torch.tensor(labels, dtype=torch.int64) if has_labels else None,
                    tuple(classes) if classes else None, name)
