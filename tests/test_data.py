"""Datasets: embedded ones offline, torchvision ones on tiny copies in their real on-disk formats."""
import io
import os
import pickle

import numpy as np
import pytest
import torch
from PIL import Image

from gan_course import data as D
from gan_course.data import DATASETS, ImageSet, iterate_batches, load_dataset, to_uint8, to_unit_range

from conftest import DEVICES


# ------------------------------------------------------------------------------------------ embedded
def test_digits_are_real_handwritten_digits():
    train, test = load_dataset("digits", 32), load_dataset("digits", 32, split="test")
    assert train.images.shape == (1500, 1, 32, 32) and test.images.shape == (297, 1, 32, 32)
    assert train.images.dtype == torch.uint8 and train.classes == tuple("0123456789")
    assert torch.equal(test.labels, load_dataset("digits", 8, split="test").labels)  # one fixed split at every size
    assert torch.bincount(test.labels).min() >= 28  # stratified: about 30 test images per class
    assert train.images.max() > 200 and train.images.float().mean() < 100  # white strokes on black
    x = train.float()
    assert x.min() >= -1 and x.max() <= 1
    assert load_dataset("digits", 16, channels=3).images.shape == (1500, 3, 16, 16)


def test_photos_are_deterministic_by_seed_and_split_by_photo():
    a = load_dataset("photos", 32, n=64, seed=0)
    assert a.images.shape == (64, 3, 32, 32) and a.images.dtype == torch.uint8
    assert torch.equal(a.images, load_dataset("photos", 32, n=64, seed=0).images)
    assert not torch.equal(a.images, load_dataset("photos", 32, n=64, seed=1).images)
    test = load_dataset("photos", 64, split="test", n=32)
    assert test.images.shape == (32, 3, 64, 64)
    assert set(test.classes) == set(D.TEST_PHOTOS) and not set(a.classes) & set(test.classes)  # no photo in both
    assert a.labels.max() < len(a.classes)
    assert a.images.float().std() > 20  # real photo content, not flat colour
    assert load_dataset("photos", 32, n=8, channels=1).images.shape == (8, 1, 32, 32)


def test_faces_are_the_lfw_faces():
    train, test = load_dataset("faces", 32), load_dataset("faces", 32, split="test")
    assert train.images.shape == (80, 1, 32, 32) and test.images.shape == (20, 1, 32, 32)
    assert train.labels is None and train.images.float().std() > 20


def test_image_set_checks_and_describes_itself():
    data = load_dataset("digits", 8, n=5)
    assert repr(data) == "ImageSet('digits', 5 × 1×8×8, 10 classes)"
    assert len(data.subset([0, 2])) == 2 and data.subset(torch.tensor([4])).labels.tolist() == data.labels[4:].tolist()
    with pytest.raises(ValueError, match=r"contiguous uint8 \(N, C, H, W\) CPU tensor, got torch.float32"):
        ImageSet(torch.zeros(2, 1, 4, 4), None, None, "x")
    with pytest.raises(ValueError, match=r"labels must be int64 \(2,\)"):
        ImageSet(torch.zeros(2, 1, 4, 4, dtype=torch.uint8), torch.zeros(3, dtype=torch.int64), None, "x")


def test_uint8_round_trip():
    x = torch.arange(256, dtype=torch.uint8).view(1, 1, 16, 16)
    y = to_unit_range(x)
    assert y.min() == -1 and y.max() == 1
    assert torch.equal(to_uint8(y), x)
    assert torch.equal(to_uint8(torch.tensor([-3.0, 3.0])), torch.tensor([0, 255], dtype=torch.uint8))
    with pytest.raises(ValueError, match="expects uint8"):
        to_unit_range(y)


def test_n_keeps_a_seeded_subset():
    a, b = load_dataset("digits", 8, n=10, seed=0), load_dataset("digits", 8, n=10, seed=0)
    assert len(a) == 10 and torch.equal(a.images, b.images) and torch.equal(a.labels, b.labels)
    assert not torch.equal(a.images, load_dataset("digits", 8, n=10, seed=1).images)


# ------------------------------------------------------------------------------------------ batches
def small_set(n=20):
    images = torch.arange(n, dtype=torch.uint8).view(n, 1, 1, 1).expand(n, 1, 2, 2).clone()
    images[:, :, :, 1] = 255  # left/right differ so flips are visible
    return ImageSet(images, torch.arange(n), None, "small")


def take(stream, k):
    return [next(stream) for _ in range(k)]


def test_batches_cover_each_epoch_and_resume_exactly():
    data = small_set(20)
    first = take(iterate_batches(data, 6, seed=3, hflip=True), 9)  # 3 batches an epoch, 2 left over each epoch
    epoch0 = torch.cat([y for _, y in first[:3]])
    assert len(set(epoch0.tolist())) == 18
    assert not torch.equal(epoch0, torch.cat([y for _, y in first[3:6]]))
    resumed = take(iterate_batches(data, 6, seed=3, start_step=4, hflip=True), 5)  # resumes in epoch 1
    assert all(torch.equal(a[0], b[0]) and torch.equal(a[1], b[1]) for a, b in zip(first[4:], resumed))
    other = take(iterate_batches(data, 6, seed=4), 1)
    assert not torch.equal(other[0][1], first[0][1])


def test_hflip_mirrors_about_half_and_is_reproducible():
    data = small_set(20)
    x, _ = next(iterate_batches(data, 20, seed=0, hflip=True))
    flipped = (x[:, 0, 0, 0] == 1).float().mean()  # the white column moved to the left
    assert 0.2 < flipped < 0.8
    again, _ = next(iterate_batches(data, 20, seed=0, hflip=True))
    assert torch.equal(x, again)
    assert x.dtype == torch.float32 and x.min() >= -1 and x.max() <= 1


def test_batch_size_larger_than_dataset():
    with pytest.raises(ValueError, match=r"batch_size × world_size must be in \[1, 20\]"):
        iterate_batches(small_set(20), 21, seed=0)  # checked at the call, before the first batch
    with pytest.raises(ValueError, match=r"got 8 × 3"):
        iterate_batches(small_set(20), 8, seed=0, world_size=3)
    with pytest.raises(ValueError, match="world_size 0"):
        iterate_batches(small_set(20), 4, seed=0, world_size=0)
    with pytest.raises(ValueError, match="0 <= rank < world_size, got rank 2 of world_size 2"):
        iterate_batches(small_set(20), 4, seed=0, rank=2, world_size=2)
    with pytest.raises(ValueError, match="start_step must be >= 0"):
        iterate_batches(small_set(20), 4, seed=0, start_step=-1)


# ------------------------------------------------------------------------------------------ errors
def test_errors_name_what_is_valid(tmp_path):
    with pytest.raises(ValueError, match="unknown dataset 'mnist'; valid names: digits, photos, faces, palette, cifar10"):
        load_dataset("mnist")
    with pytest.raises(ValueError, match="image_size must be an int >= 8"):
        load_dataset("digits", 4)
    with pytest.raises(ValueError, match="unknown split 'val' for digits; valid splits: train, test"):
        load_dataset("digits", split="val")
    with pytest.raises(ValueError, match="channels must be 1, 3"):
        load_dataset("digits", channels=2)
    with pytest.raises(ValueError, match="needs root=PATH"):
        load_dataset("imagefolder")
    with pytest.raises(FileNotFoundError, match="does not exist; expected .*/<class>/<image>"):
        load_dataset("imagefolder", root=tmp_path / "nope")
    (tmp_path / "empty" / "cat").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match="no images in ImageFolder layout in .*empty"):
        load_dataset("imagefolder", root=tmp_path / "empty")


@pytest.mark.parametrize("name", D.TORCHVISION_DATASETS)
def test_missing_real_dataset_says_where_and_how(name, tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_COURSE_DATA", str(tmp_path))  # the default root is $GAN_COURSE_DATA/<name>
    with pytest.raises(FileNotFoundError) as e:
        load_dataset(name, 32)
    message = str(e.value)
    assert str(tmp_path / name) in message and "download=True" in message and "--download" in message
    assert "name='imagefolder', root=PATH" in message
    assert D.EXPECTED_FILES[name].split()[0] in message


# ------------------------------------------------------------------------------------------ torchvision formats
@pytest.fixture
def exists_only(monkeypatch, tmp_path):
    """torchvision checks md5 sums of the real files; our fabricated copies only need to exist."""
    import torchvision.datasets as tvd

    def check(fpath, md5=None):
        return os.path.isfile(fpath)

    for module in (tvd.cifar, tvd.stl10, tvd.svhn, tvd.flowers102, tvd.celeba):
        monkeypatch.setattr(module, "check_integrity", check)
    monkeypatch.setenv("GAN_COURSE_DATA", str(tmp_path / "data-root"))  # where imagefolder caches go


def rand_uint8(*shape, seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=shape, dtype=np.uint8)


def test_cifar10_python_pickles(tmp_path, exists_only):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    for i, name in enumerate([f"data_batch_{k}" for k in range(1, 6)] + ["test_batch"]):
        with open(folder / name, "wb") as f:
            pickle.dump({"data": rand_uint8(2, 3072, seed=i), "labels": [i % 10, (i + 1) % 10]}, f)
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({"label_names": ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                                     "ship", "truck"]}, f)
    train = load_dataset("cifar10", 32, root=tmp_path)
    assert train.images.shape == (10, 3, 32, 32) and train.classes[0] == "airplane"
    first = torch.from_numpy(rand_uint8(2, 3072, seed=0)[0].reshape(3, 32, 32))
    assert torch.equal(train.images[0], first)  # exact pixels at native size
    assert train.labels.tolist()[:2] == [0, 1]
    assert load_dataset("cifar10", 16, root=tmp_path, split="test").images.shape == (2, 3, 16, 16)
    # the cache answers a second load, even with the source gone
    for p in folder.iterdir():
        p.unlink()
    assert torch.equal(load_dataset("cifar10", 32, root=tmp_path).images, train.images)
    assert (tmp_path / "cache" / "cifar10-train-32.pt").is_file()


def test_n_decodes_only_a_seeded_subset(tmp_path, exists_only, monkeypatch):
    from scipy.io import savemat

    x = rand_uint8(32, 32, 3, 10)
    y = np.array([10, 1, 2, 3, 4, 5, 6, 7, 8, 9], dtype=np.uint8)[:, None]  # SVHN's 10 is digit 0: label = index
    savemat(tmp_path / "train_32x32.mat", {"X": x, "y": y})
    decoded = []
    monkeypatch.setattr(D, "_resize_square", lambda images, size: decoded.append(1) or images)
    data = load_dataset("svhn", 32, root=tmp_path, n=3, seed=5)
    kept = data.labels  # (3,), the kept indices, in order
    assert len(decoded) == 3 and kept.tolist() == sorted(kept.tolist())
    assert torch.equal(data.images, torch.from_numpy(x[..., kept.numpy()]).permute(3, 2, 0, 1))
    assert torch.equal(load_dataset("svhn", 32, root=tmp_path, n=3, seed=5).labels, data.labels) and len(decoded) == 3
    assert not torch.equal(load_dataset("svhn", 32, root=tmp_path, n=3, seed=6).labels, data.labels)


def test_stl10_binary(tmp_path, exists_only):
    folder = tmp_path / "stl10_binary"
    folder.mkdir()
    x = rand_uint8(3, 3, 96, 96)
    x.transpose(0, 1, 3, 2).tofile(folder / "train_X.bin")  # STL-10 stores images column-major
    np.array([1, 2, 10], dtype=np.uint8).tofile(folder / "train_y.bin")
    for name in ("test_X.bin", "test_y.bin"):
        (folder / name).write_bytes(b"")
    rand_uint8(2, 3, 96, 96).transpose(0, 1, 3, 2).tofile(folder / "unlabeled_X.bin")
    (folder / "class_names.txt").write_text("\n".join(f"c{i}" for i in range(10)))
    data = load_dataset("stl10", 96, root=tmp_path)
    assert torch.equal(data.images, torch.from_numpy(x)) and data.labels.tolist() == [0, 1, 9]
    mixed = load_dataset("stl10", 32, split="train+unlabeled", root=tmp_path)
    assert len(mixed) == 5 and mixed.labels is None  # labels for all images or none, never -1 for some
    assert load_dataset("stl10", 32, root=tmp_path).images.shape == (3, 3, 32, 32)


def test_svhn_mat(tmp_path, exists_only):
    from scipy.io import savemat

    x = rand_uint8(32, 32, 3, 4)
    savemat(tmp_path / "train_32x32.mat", {"X": x, "y": np.array([[1], [2], [10], [3]], dtype=np.uint8)})
    data = load_dataset("svhn", 32, root=tmp_path)
    assert data.images.shape == (4, 3, 32, 32) and data.labels.tolist() == [1, 2, 0, 3]
    assert torch.equal(data.images[0], torch.from_numpy(x[..., 0]).permute(2, 0, 1))


def test_flowers102_jpgs_and_mats(tmp_path, exists_only):
    from scipy.io import savemat

    folder = tmp_path / "flowers-102"
    (folder / "jpg").mkdir(parents=True)
    for i in range(1, 7):
        Image.fromarray(rand_uint8(50, 70, 3, seed=i)).save(folder / "jpg" / f"image_{i:05d}.jpg")
    savemat(folder / "imagelabels.mat", {"labels": np.array([[1, 1, 2, 3, 3, 102]])})
    savemat(folder / "setid.mat", {"trnid": [[1, 2]], "valid": [[3, 4]], "tstid": [[5, 6]]})
    data = load_dataset("flowers102", 32, root=tmp_path)
    assert data.images.shape == (2, 3, 32, 32) and data.labels.tolist() == [0, 0]  # wide images centre-cropped
    assert load_dataset("flowers102", 32, root=tmp_path, split="test").labels.tolist() == [2, 101]


def test_celeba_aligned(tmp_path, exists_only):
    folder = tmp_path / "celeba"
    (folder / "img_align_celeba").mkdir(parents=True)
    names = [f"{i:06d}.jpg" for i in range(1, 5)]
    for i, n in enumerate(names):
        Image.fromarray(rand_uint8(218, 178, 3, seed=i)).save(folder / "img_align_celeba" / n)
    rows = lambda vals: "\n".join(f"{n} {' '.join(map(str, v))}" for n, v in zip(names, vals))  # noqa: E731
    (folder / "list_eval_partition.txt").write_text(rows([[0], [0], [1], [2]]))
    (folder / "identity_CelebA.txt").write_text(rows([[1], [2], [3], [4]]))
    (folder / "list_bbox_celeba.txt").write_text("4\nimage_id x_1 y_1 width height\n" + rows([[0, 0, 9, 9]] * 4))
    (folder / "list_landmarks_align_celeba.txt").write_text("4\n" + " ".join(f"p{i}" for i in range(10)) + "\n"
                                                            + rows([[1] * 10] * 4))
    (folder / "list_attr_celeba.txt").write_text("4\nSmiling Young\n" + rows([[1, -1]] * 4))
    data = load_dataset("celeba", 64, root=tmp_path)
    assert data.images.shape == (2, 3, 64, 64) and data.labels is None
    face = np.array(Image.open(folder / "img_align_celeba" / names[0]))  # (218, 178, 3)
    native = load_dataset("celeba", 178, root=tmp_path).images[0]  # centre square, no resampling
    assert torch.equal(native, torch.from_numpy(face[20:198]).permute(2, 0, 1))
    assert len(load_dataset("celeba", 32, root=tmp_path, split="all")) == 4


def test_imagefolder_with_and_without_split_folders(tmp_path, exists_only):
    for split in ("train", "test"):
        for c in ("cat", "dog"):
            (tmp_path / "set" / split / c).mkdir(parents=True)
            for i in range(2):
                Image.fromarray(rand_uint8(32, 32, 3, seed=i)).save(tmp_path / "set" / split / c / f"{i}.png")
    train = load_dataset("imagefolder", 32, root=tmp_path / "set")
    assert train.images.shape == (4, 3, 32, 32) and train.classes == ("cat", "dog")
    assert train.labels.tolist() == [0, 0, 1, 1]
    flat = load_dataset("imagefolder", 16, root=tmp_path / "set" / "test", split="all")
    assert flat.images.shape == (4, 3, 16, 16)
    (tmp_path / "only_train" / "train" / "cat").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match="has no test/ folder; split folders found: train"):
        load_dataset("imagefolder", root=tmp_path / "only_train", split="test")
    with pytest.raises(FileNotFoundError, match="has no all/ folder"):
        load_dataset("imagefolder", root=tmp_path / "set", split="all")
    assert not (tmp_path / "set" / "cache").exists()  # the cache lives under the data root, not in the folder
    assert len(list((tmp_path / "data-root" / "cache").glob("imagefolder-*.pt"))) == 2
    (tmp_path / "set" / "train" / "cow").mkdir()  # a class the test split lacks, sorting between the two
    Image.fromarray(rand_uint8(32, 32, 3, seed=9)).save(tmp_path / "set" / "train" / "cow" / "0.png")
    test = load_dataset("imagefolder", 32, root=tmp_path / "set", split="test")
    assert test.classes == ("cat", "cow", "dog") and test.labels.tolist() == [0, 0, 2, 2]  # dog is 2 in both splits
    assert load_dataset("imagefolder", 32, root=tmp_path / "set").labels.tolist() == [0, 0, 1, 2, 2]


def test_every_name_is_listed():
    assert DATASETS == ("digits", "photos", "faces", "palette", "cifar10", "stl10", "flowers102", "celeba", "svhn", "imagefolder")


def test_ranks_get_disjoint_slices_of_the_one_process_stream():
    data = small_set(24)
    one = iterate_batches(data, 8, seed=3)
    ranks = [iterate_batches(data, 4, seed=3, rank=r, world_size=2) for r in range(2)]
    for _ in range(5):  # across an epoch boundary (3 global batches per epoch)
        whole = next(one)[0]
        parts = [next(r)[0] for r in ranks]
        assert torch.equal(torch.cat(parts), whole)  # rank slices tile the one-process batch


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("hflip", [False, True])
@pytest.mark.parametrize("rank, world_size", [(0, 1), (1, 2)])
def test_batches_held_on_the_device_are_the_same_stream(hflip, rank, world_size, device):
    """The whole set on the device once, gathered and flipped there: value for value the host stream,
    across an epoch boundary and from a mid-epoch resume."""
    data = load_dataset("digits", 16, n=100)
    kwargs = dict(seed=3, start_step=2, hflip=hflip, rank=rank, world_size=world_size)
    host = iterate_batches(data, 8, device=device, **kwargs)
    held = iterate_batches(data, 8, device=device, on_device=True, **kwargs)
    for _ in range(3 * (100 // (8 * world_size))):  # three epochs
        (xa, ya), (xb, yb) = next(host), next(held)
        assert xb.device.type == device and torch.equal(xa, xb) and torch.equal(ya, yb)


# ------------------------------------------------------------------------------------------ unusual image folders
def one_class_folder(tmp_path, files):
    """tmp_path/set/cat/ holding ``files`` (name → PIL image or bytes); returns tmp_path/set."""
    folder = tmp_path / "set" / "cat"
    folder.mkdir(parents=True)
    for name, content in files.items():
        if isinstance(content, bytes):
            (folder / name).write_bytes(content)
        else:
            content.save(folder / name)
    return tmp_path / "set"


def test_unusual_modes_load_as_8_bit_rgb(tmp_path, exists_only):
    gray16 = np.full((16, 16), 257 * 200, dtype=np.uint16)  # 16-bit gray 51400 = 8-bit 200
    rgba = np.zeros((16, 16, 4), dtype=np.uint8)
    rgba[..., :3], rgba[..., 3] = (10, 20, 30), 0  # fully transparent: the alpha is dropped
    palette = Image.fromarray(np.full((16, 16, 3), (200, 10, 10), dtype=np.uint8)).convert("P", palette=Image.Palette.ADAPTIVE)
    files = {"a_gray16.png": Image.fromarray(gray16), "b_gray.png": Image.fromarray(np.full((16, 16), 77, np.uint8)),
             "c_la.png": Image.fromarray(np.full((16, 16), 50, np.uint8)).convert("LA"),
             "d_rgba.png": Image.fromarray(rgba), "e_palette.png": palette,
             "f_cmyk.jpg": Image.new("CMYK", (16, 16), (0, 0, 0, 0))}
    assert Image.open(io.BytesIO(_png(files["a_gray16.png"]))).mode.startswith("I")
    data = load_dataset("imagefolder", 16, root=one_class_folder(tmp_path, files))
    pixels = data.images[:, :, 8, 8].tolist()  # (6, 3): one pixel of each, in file order
    assert pixels[:4] == [[200] * 3, [77] * 3, [50] * 3, [10, 20, 30]]
    assert pixels[4] == [200, 10, 10] and min(pixels[5]) >= 250  # CMYK (0, 0, 0, 0) is white


def _png(image):
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_corrupt_and_foreign_files_are_refused_by_name(tmp_path, exists_only):
    good = Image.fromarray(rand_uint8(16, 16, 3))
    jpeg = io.BytesIO()
    good.save(jpeg, format="JPEG")
    cases = {
        "truncated.jpg": (jpeg.getvalue()[:200], "cannot read image .*truncated.jpg"),
        "garbage.png": (b"not an image at all", "cannot read image .*garbage.png"),
        "float.tif": (Image.fromarray(np.zeros((16, 16), np.float32)), "cannot read image .*float.tif.*mode F"),
        "notes.txt": (b"hello", "notes.txt is not an image file"),
    }
    for i, (name, (content, message)) in enumerate(cases.items()):
        root = one_class_folder(tmp_path / str(i), {"ok.png": good, name: content})
        with pytest.raises(ValueError, match=message):
            load_dataset("imagefolder", 16, root=root)


def test_layouts_that_would_load_wrong_data_are_refused(tmp_path, exists_only):
    image = Image.fromarray(rand_uint8(16, 16, 3))
    flat = tmp_path / "flat"  # images without class folders
    flat.mkdir()
    image.save(flat / "0.png")
    with pytest.raises(ValueError, match="holds files instead of class folders: 0.png"):
        load_dataset("imagefolder", 16, root=flat)
    root = one_class_folder(tmp_path / "beside", {"0.png": image})
    image.save(root / "stray.png")  # an image beside the class folders
    with pytest.raises(ValueError, match="holds files beside its class folders: stray.png"):
        load_dataset("imagefolder", 16, root=root)
    root = one_class_folder(tmp_path / "empty", {"0.png": image})
    (root / "dog").mkdir()  # an empty class folder
    with pytest.raises(FileNotFoundError, match="class folder .*dog holds no images"):
        load_dataset("imagefolder", 16, root=root)
    root = one_class_folder(tmp_path / "loop", {"0.png": image})
    (root / "cat" / "again").symlink_to(root / "cat")  # a link loop would read cat/ ~40 times
    with pytest.raises(ValueError, match="again links to a folder already read"):
        load_dataset("imagefolder", 16, root=root)
    root = one_class_folder(tmp_path / "broken", {"0.png": image})
    (root / "cat" / "gone.png").symlink_to(tmp_path / "nowhere.png")
    with pytest.raises(FileNotFoundError, match="gone.png is not a readable file"):
        load_dataset("imagefolder", 16, root=root)
    with pytest.raises(FileNotFoundError, match="is a file, not a folder"):
        load_dataset("imagefolder", 16, root=root / "cat" / "0.png")
    with pytest.raises(ValueError, match="root must be a folder path"):
        load_dataset("imagefolder", 16, root="")


def test_hidden_files_are_skipped_and_file_links_followed(tmp_path, exists_only):
    image = Image.fromarray(rand_uint8(16, 16, 3))
    root = one_class_folder(tmp_path, {"0.png": image, ".1.png": Image.new("RGB", (16, 16)), "._0.png": b"\0\5"})
    (root / "cat" / ".ipynb_checkpoints").mkdir()
    (root / ".hidden_class").mkdir()
    (root / "cat" / "Thumbs.db").write_bytes(b"\0")
    image.save(tmp_path / "outside.png")
    (root / "cat" / "linked.png").symlink_to(tmp_path / "outside.png")
    data = load_dataset("imagefolder", 16, root=root)
    assert data.classes == ("cat",) and len(data) == 2
    assert torch.equal(data.images[0], data.images[1])  # 0.png and the link to the same pixels


def test_the_cache_follows_the_folder(tmp_path, exists_only):
    root = one_class_folder(tmp_path, {"0.png": Image.fromarray(np.full((16, 16, 3), 10, np.uint8))})
    assert load_dataset("imagefolder", 16, root=root).images.max() == 10
    Image.fromarray(np.full((16, 16, 3), 99, np.uint8)).save(root / "cat" / "0.png")  # same name and size
    os.utime(root / "cat" / "0.png", ns=(1, 2))  # even with an mtime older than the cache
    assert load_dataset("imagefolder", 16, root=root).images.max() == 99
    Image.fromarray(np.full((16, 16, 3), 5, np.uint8)).save(root / "cat" / "1.png")  # a new file
    assert len(load_dataset("imagefolder", 16, root=root)) == 2
    for cache in (tmp_path / "data-root" / "cache").glob("imagefolder-*.pt"):
        cache.write_bytes(b"damaged")  # an unreadable cache is rebuilt, not served
    with pytest.warns(UserWarning, match="unreadable"):
        assert load_dataset("imagefolder", 16, root=root).images.tolist() == load_dataset(
            "imagefolder", 16, root=root).images.tolist()


def test_options_out_of_range_are_refused():
    with pytest.raises(ValueError, match="image_size must be in \\[8, 1024\\]"):
        load_dataset("digits", 4096)
    with pytest.raises(TypeError, match="n must be an int"):
        load_dataset("digits", n=2.5)
    with pytest.raises(TypeError, match="seed must be an int"):
        load_dataset("digits", seed="0")
    with pytest.raises(TypeError, match="download must be True or False"):
        load_dataset("digits", download="yes")
    with pytest.raises(ValueError, match="would take .* GiB"):
        load_dataset("photos", 1024, n=10**6)
