"""The weights shipped in data/ load with weights_only, generate, and keep their promises."""
from dataclasses import replace

import pytest
import torch

from gan_course.data import ImageSet, load_dataset

from gan_course.evaluation import embed, mode_coverage
from gan_course.shipped import ARTEFACTS, DATA_DIR, load_shipped_dcgan, load_shipped_feature_net

# the families of compared models (load_shipped_variants), every one built by _build_variants
VARIANT_ARTEFACTS = [name for name, a in ARTEFACTS.items() if "variants" in a.recipe]


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


@pytest.fixture
def tiny_ship(tmp_path, monkeypatch):
    """`gan-course ship`'s registry with a few steps instead of thousands, into an empty folder."""
    import gan_course.shipped as shipped

    for name in ("DCGAN_STEPS", "FEATNET_STEPS", "LATENT_ENCODER_STEPS"):
        monkeypatch.setattr(shipped, name, 2)
    monkeypatch.setattr(shipped, "SWEEP_STEPS", 4)
    monkeypatch.setattr(shipped, "SWEEP_EPOCHS", 0.03)  # 0.03 × 1,500 digits: b16 3 steps, b32 1
    monkeypatch.setattr(shipped, "SWEEP_EARLY", (1,))
    monkeypatch.setattr(shipped, "SWEEP_SEEDS", (0, 1))
    monkeypatch.setattr(shipped, "NOTE_001_GRID", {"b16 z50": (16, 8), "b32 z100": (32, 8)})
    sweep = shipped.ARTEFACTS["dcgan-sweep-digits-32"]
    recipe = {**sweep.recipe, "plan": shipped.sweep_plan(shipped.NOTE_001_GRID, 1500, (0, 1))}
    tiny = {sweep.name: recipe}
    # the recipe-driven builds: two steps, and the data cut to a few dozen images
    for name in VARIANT_ARTEFACTS:
        tiny[name] = tiny_variants(shipped.ARTEFACTS[name].recipe, steps=2, n=64, n_test=24)
    tiny["colorizers-palette-32"]["track_every"] = 1  # its scores at both steps
    tiny["featnet-cifar10-32"] = {**shipped.CIFAR10_FEATNET, "steps": 2}
    tiny["dcgan-failures-digits-32"] = {**shipped.FAILURES, "train": {"steps": 4, "batch_size": 8},
                                        "snapshots": [0, 2, 4]}
    tiny["inpainting-digits-32"] = {**shipped.INPAINTING, "images": {"name": "digits",
                                    "split": "test", "n": 5}, "seeds": [0, 1], "gallery": 2,
                                    "config": {**shipped.INPAINTING["config"], "steps": 2},
                                    "sweep": {**shipped.INPAINTING["sweep"], "n": 3}}
    tiny["dcgan-cifar10-32"] = {**shipped.CIFAR10_DCGAN,
                                "train": {**shipped.CIFAR10_DCGAN["train"], "steps": 2}}
    for name, r in tiny.items():
        monkeypatch.setitem(shipped.ARTEFACTS, name, replace(shipped.ARTEFACTS[name], recipe=r))
    # CIFAR-10 is not on a test machine: photo crops with 10 labels stand in for it, under its name
    photos = lambda split, ctx: ImageSet(load_dataset("photos", 32, split=split, n=96).images,  # noqa: E731
                                         torch.arange(96) % 10, tuple("0123456789"), "cifar10")
    monkeypatch.setattr(shipped, "_cifar10", photos)
    return shipped, tmp_path


def test_ship_builds_every_artefact_records_it_and_skips_what_is_up_to_date(tiny_ship):
    shipped, out = tiny_ship
    said = []
    paths = shipped.ship(None, out, progress=False, say=said.append)
    assert sorted(p.name for p in paths) == sorted(f"{n}.pt" for n in shipped.ARTEFACTS)
    manifest = shipped.read_manifest(out)
    for name, entry in manifest.items():
        assert entry["sha256"] == shipped.file_sha256(out / f"{name}.pt")
        assert entry["command"] == f"gan-course ship {name}" and entry["bytes"] > 0
        assert entry["wall_time_s"] >= 0 and entry["machine"]["torch"] == torch.__version__
        assert entry["dataset"] and len(entry["data_sha256"]) == 64 and entry["metrics"]
    assert "test accuracy" in manifest["featnet-digits-32"]["metrics"]
    assert {"FID", "classes"} <= set(manifest["dcgan-digits-32"]["metrics"])
    said.clear()
    assert shipped.ship(None, out, progress=False, say=said.append) == []  # all up to date
    assert all(line.endswith("up to date") for line in said)
    # a rebuilt dependency rebuilds what needs it, and nothing else
    rebuilt = shipped.ship(["dcgan-digits-32"], out, force=True, progress=False, say=said.append)
    assert [p.name for p in rebuilt] == ["dcgan-digits-32.pt", "latent-encoder-digits-32.pt"] or \
        [p.name for p in rebuilt] == ["dcgan-digits-32.pt"]
    for name in VARIANT_ARTEFACTS:
        family = shipped.load_shipped_variants(name, out)
        assert list(family) == list(shipped.ARTEFACTS[name].recipe["variants"])
        recipe = shipped.ARTEFACTS[name].recipe["variants"]
        for variant in family.values():
            colorizer = shipped.ARTEFACTS[name].recipe["kind"] == "pix2pix"
            x = torch.zeros(2, 1 if colorizer else 3, 32, 32)  # G's input: L, or the image itself
            out_channels = variant.config.target_channels if colorizer else 3
            assert (variant.G is not None) == recipe[variant.name]["keep_G"] == (variant.seed == 0)
            assert variant.G is None or variant.G(x).shape == (2, out_channels, 32, 32)
            assert (variant.D is not None) == recipe[variant.name]["keep_D"]
            assert all(set(v) >= {"PSNR", "SSIM", "sharpness"} for v in variant.scores.values())
    assert set(manifest["colorizers-palette-32"]["metrics"]["L1 on palette test"]) == {
        "PSNR", "colourfulness"}
    assert "one stroke colour" in family_scores(shipped, out, "colorizers-palette-32")
    for variant in shipped.load_shipped_variants("colorizers-palette-32", out).values():
        assert variant.tracked["step"] == [1, 2]  # tracked every step of the two
        assert len(variant.tracked["one stroke colour"]) == 2
        assert variant.tracked["PSNR"][-1] == variant.scores["palette test"]["PSNR"]
    assert all(v.tracked == {} for v in shipped.load_shipped_variants("unets-cifar10-32", out).values())
    refs = shipped.load_shipped_references("colorizers-palette-32", out)["palette test"]
    assert set(refs) == {"gray copy", "mean colour"} and refs["gray copy"]["on palette"] == 0.0
    refs = shipped.load_shipped_references("codecs-cifar10-32", out)
    assert set(refs) == {"photos test", "cifar10 test"}
    assert set(refs["cifar10 test"]) == {"bicubic ÷32", "bicubic ÷16", "bicubic ÷8", "bicubic ÷4"}
    assert "bicubic ÷8 on cifar10 test" in manifest["codecs-cifar10-32"]["metrics"]
    G_cifar, cifar_config = shipped.load_shipped_cifar10_dcgan(out)
    assert G_cifar(torch.zeros(1, cifar_config.z_dim)).shape == (1, 3, 32, 32)
    G, _, config = shipped.load_shipped_dcgan(out)
    E = shipped.load_shipped_latent_encoder(out)
    assert E(G(torch.zeros(1, config.z_dim))).shape == (1, config.z_dim)
    generators, runs = shipped.load_shipped_sweep(out)
    assert {(g.config, g.seed) for g in generators} == {(c, s) for c in ("b16 z50", "b32 z100") for s in (0, 1)}
    assert {g.step for g in generators if g.seed == 0 and g.config == "b16 z50"} == {1, 3, 4}
    assert all(g.G(torch.zeros(2, g.z_dim)).shape == (2, 1, 32, 32) for g in generators)
    assert all(len(r["history"]["loss_D"]) == r["steps"] // 10 and "spikes" in r["stability"] for r in runs)
    failures = shipped.load_shipped_failures(out)
    assert [r["name"] for r in failures] == list(shipped.FAILURE_RUNS)
    assert all(len(r["samples"]) == 3 and r["samples"][0].shape == (16, 1, 32, 32)
               and r["samples"][0].dtype == torch.uint8 and "FID" in r["scores"] for r in failures)

    inpainting = shipped.load_shipped_inpainting(out)
    assert inpainting["scores"]["PSNR hole"].shape == (2, 5, 6, 5)  # seeds, masks, methods, images
    assert inpainting["sweep"]["scores"]["loss"].shape == (2, 7, 3)  # seeds, settings, images
    assert inpainting["gallery"]["strokes"]["GAN + Poisson"].shape == (2, 1, 32, 32)


def tiny_variants(recipe, *, steps, n, n_test):
    """A variants recipe cut to ``steps`` steps (its learning-rate decay over the last one) and n
    training / n_test held-out images."""
    train = {**recipe["train"], "steps": steps}
    if train.get("lr_decay_steps"):
        train["lr_decay_steps"] = 1
    tiny = {**recipe, "train": train, "data": {**recipe["data"], "n": n},
            "evaluate": [{**t, "n": n_test} for t in recipe["evaluate"]]}
    return tiny


def family_scores(shipped, out, name):
    return next(iter(shipped.load_shipped_variants(name, out).values())).scores["palette test"]


def test_a_variant_run_interrupted_mid_training_resumes_exactly_with_its_tracked_scores(tmp_path, monkeypatch):
    """A family member's run checkpoints into the build cache: killed after a checkpoint, the next
    build resumes it there and ends with the same weights, history and held-out scores as a run
    never interrupted, the scores tracked before the interruption kept; one checkpoint stays."""
    import gan_course.shipped as shipped

    recipe = tiny_variants(shipped.ARTEFACTS["colorizers-palette-32"].recipe, steps=4, n=64, n_test=20)
    recipe = recipe | {"track_every": 1, "train": {**recipe["train"], "lr_decay_steps": 2}}
    monkeypatch.setattr(shipped, "RUN_CHECKPOINT_EVERY", 2)

    def run(root, stop_at=None):
        ctx = shipped.BuildContext(root, recipe, False)
        run_one = shipped.variant_runner(ctx)[0]
        if stop_at is not None:
            track = shipped._TrackScores.on_step_end

            def killed(self, trainer):
                track(self, trainer)
                if trainer.step == stop_at:
                    raise KeyboardInterrupt

            with monkeypatch.context() as m:
                m.setattr(shipped._TrackScores, "on_step_end", killed)
                with pytest.raises(KeyboardInterrupt):
                    run_one("BCE + 100·L1")
        calls = {"steps": 0, "scores": 0}
        step, score = shipped.GANTrainer.train_step, shipped.variant_scores

        def counted(name, f):
            def wrapper(*args, **kwargs):
                calls[name] += 1
                return f(*args, **kwargs)
            return wrapper

        with monkeypatch.context() as m:
            m.setattr(shipped.GANTrainer, "train_step", counted("steps", step))
            m.setattr(shipped, "variant_scores", counted("scores", score))
            return run_one("BCE + 100·L1"), calls

    (straight, fresh), (resumed, rest) = run(tmp_path / "a"), run(tmp_path / "b", stop_at=3)
    assert fresh == {"steps": 4, "scores": 5}  # 4 tracked + the final scores
    assert rest == {"steps": 2, "scores": 3}  # from step 2's checkpoint: steps 3, 4 only
    assert resumed["tracked"]["step"] == [1, 2, 3, 4]
    for key in ("tracked", "scores", "history", "stability"):
        assert resumed[key] == straight[key], key
    assert all(torch.equal(straight["G"][k], resumed["G"][k]) for k in straight["G"])
    kept = sorted(p.name for p in (tmp_path / "b").rglob("step_*.pt"))
    assert kept == ["step_000004.pt"]


def test_an_interrupted_sweep_resumes_from_its_finished_runs(tiny_ship, monkeypatch):
    shipped, out = tiny_ship
    shipped.ship(["featnet-digits-32"], out, progress=False, say=lambda _: None)
    calls = []
    real = shipped.trainer_for

    def failing_after_two(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # the build is interrupted during its third run
        return real(*args, **kwargs)

    monkeypatch.setattr(shipped, "trainer_for", failing_after_two)
    with pytest.raises(KeyboardInterrupt):
        shipped.ship(["dcgan-sweep-digits-32"], out, progress=False, say=lambda _: None)
    assert not (out / "dcgan-sweep-digits-32.pt").exists()
    assert len(list((out / "cache" / "ship").glob("dcgan-sweep-digits-32-*/*.pt"))) == 2
    calls.clear()
    monkeypatch.setattr(shipped, "trainer_for", lambda *a, **k: calls.append(1) or real(*a, **k))
    shipped.ship(["dcgan-sweep-digits-32"], out, progress=False, say=lambda _: None)
    assert len(calls) == 2  # only the two runs that had not finished


def test_a_changed_file_or_recipe_is_refused_with_the_command_that_rebuilds_it(tiny_ship, monkeypatch):
    shipped, out = tiny_ship
    shipped.ship(["featnet-digits-32"], out, progress=False, say=lambda _: None)
    path = out / "featnet-digits-32.pt"
    data = bytearray(path.read_bytes())
    data[-10] ^= 1  # one flipped bit
    path.write_bytes(bytes(data))
    with pytest.raises(shipped.ArtefactError, match="sha256 differs.*gan-course ship featnet-digits-32 --force"):
        shipped.load_shipped_feature_net(out)
    shipped.ship(["featnet-digits-32"], out, progress=False, say=lambda _: None)  # not up to date: rebuilt
    shipped.load_shipped_feature_net(out)
    featnet = shipped.ARTEFACTS["featnet-digits-32"]
    monkeypatch.setitem(shipped.ARTEFACTS, featnet.name, shipped.Artefact(
        featnet.name, featnet.what, {**featnet.recipe, "steps": 3}, featnet.build))
    with pytest.raises(shipped.ArtefactError, match="another recipe.*gan-course ship featnet-digits-32"):
        shipped.load_shipped_feature_net(out)
    with pytest.raises(ValueError, match="unknown artefact 'nope'"):
        shipped.ship(["nope"], out)


def test_every_shipped_artefact_matches_its_manifest_and_produces_outputs():
    import gan_course.shipped as shipped

    manifest = shipped.read_manifest()
    assert set(manifest) == set(shipped.ARTEFACTS), "data/manifest.json must list every artefact"
    total = 0
    for name in shipped.ARTEFACTS:
        assert shipped.up_to_date(name), f"{name}: run gan-course ship {name}"
        total += manifest[name]["bytes"]
    assert total < 42e6  # data/ stays small (40.0 MB since unets-cifar10-32)
    generators, runs = shipped.load_shipped_sweep()
    assert len(runs) == 9 and all(g.G(torch.zeros(1, g.z_dim)).shape == (1, 1, 32, 32) for g in generators)
    for name in VARIANT_ARTEFACTS:
        family = shipped.load_shipped_variants(name)
        assert list(family) == list(shipped.ARTEFACTS[name].recipe["variants"])
        for v in family.values():
            assert v.G is not None or v.seed > 0
            x = torch.rand(2, 3, 32, 32) * 2 - 1
            if v.G is not None and shipped.ARTEFACTS[name].recipe["kind"] == "pix2pix":
                from gan_course.pix2pix import colorize

                assert colorize(v.G, x, v.config.space).shape == (2, 3, 32, 32)
            elif v.G is not None:
                from gan_course.encoder_decoder import reconstruct

                assert reconstruct(v.G, x).shape == (2, 3, 32, 32)
    G, config = shipped.load_shipped_cifar10_dcgan()
    assert G(torch.zeros(1, config.z_dim)).shape == (1, 3, 32, 32)
    assert shipped.load_shipped_feature_net(name="featnet-cifar10-32").channels == 3
    inpainting = shipped.load_shipped_inpainting()  # 3 seeds, 5 masks, 6 methods, 297 digits
    assert inpainting["scores"]["PSNR hole"].shape == (3, 5, 6, 297)
    assert inpainting["methods"][:2] == ["GAN", "GAN + Poisson"]
    with pytest.raises(ValueError, match="unknown feature network"):
        shipped.load_shipped_feature_net(name="featnet-mnist")


def test_the_shipped_failure_runs_each_show_their_failure():
    """The healthy run makes digits of every class; each other run is worse by far, and
    gan_views.read_failures finds its sign in the curves or samples."""
    import gan_course.shipped as shipped
    from gan_course.data import load_dataset
    from gan_course.lessons.gan_views import failure_rows, read_failures

    rows = failure_rows(shipped.load_shipped_failures(), load_dataset("digits", 32, split="test").float())
    healthy, real = rows[0], rows[-1]
    assert healthy["run"] == "healthy" and healthy["classes"] == 10 and healthy["FID"] < 30
    lines = read_failures(rows)
    for row, line in zip(rows[1:-1], lines[1:]):
        assert row["FID"] > 5 * healthy["FID"], row
        assert "no clear sign" not in line, line
    assert real["checkerboard"] < 0.01


def test_every_shipped_digits_dcgan_covers_all_ten_classes():
    """Quality floor: the shipped DCGAN and every sweep generator at equal steps and at equal epochs
    cover 10 of 10 classes (the shipped feature net's predictions of their samples)."""
    import gan_course.shipped as shipped

    generators, runs = shipped.load_shipped_sweep()
    for run in runs:
        for step in (run["equal_steps"], run["equal_epochs"]):
            assert run["scores"][step]["classes"] == 10, (run["config"], run["seed"], step)
    net = load_shipped_feature_net()
    G, _, config = load_shipped_dcgan()
    with torch.no_grad():
        _, classes = embed(net, G(torch.randn(1000, config.z_dim, generator=torch.Generator().manual_seed(0))))
    assert mode_coverage(classes, 10).covered == 10


def test_the_palette_colorizers_show_what_the_course_promises():
    """Quality floor: on the palette digits every BCE + λ·L1 is measurably more colourful and closer to
    the true palette than L1 alone, BCE + 100·L1 paints most digits in one colour, every adversarial
    model had settled per pixel before its learning rates fell, λ ≤ 10 uses all five colours; the
    stored scores are what the shipped weights do now."""
    import gan_course.shipped as shipped
    from gan_course.data import load_dataset
    from gan_course.lessons.colorization import tracked_mean
    from gan_course.metrics import palette_colour_use, palette_fidelity
    from gan_course.pix2pix import colorize
    from gan_course.shipped import load_shipped_variants

    family = load_shipped_variants("colorizers-palette-32")
    s = {name: v.scores["palette test"] for name, v in family.items()}
    for name in ("BCE + 1·L1", "BCE + 10·L1", "BCE + 100·L1"):
        assert s[name]["chroma"] > s["L1"]["chroma"] + 10, name
        assert s[name]["ΔE to palette"] < s["L1"]["ΔE to palette"] - 5, name
        assert s[name]["on palette"] > s["L1"]["on palette"] + 0.3, name
    # per digit: the adversarial term paints most digits in one colour, L1 none
    assert s["BCE + 100·L1"]["one stroke colour"] > s["L1"]["one stroke colour"] + 0.5
    # converged per pixel: the share on the palette moved by at most 3 points between the last two
    # 4,000-step windows at full learning rates (the lesson's test, notebook 04)
    train = shipped.ARTEFACTS["colorizers-palette-32"].recipe["train"]
    end = train["steps"] - train["lr_decay_steps"]
    for name in ("BCE", "BCE + 1·L1", "BCE + 10·L1", "BCE + 100·L1"):
        windows = [tracked_mean(family[name], "on palette", end - k * 4000, end - (k - 1) * 4000)
                   for k in (2, 1)]
        assert abs(windows[1] - windows[0]) <= 0.03, (name, windows)
    x = load_dataset("palette", 32, split="test").float()
    now = palette_fidelity(colorize(family["L1"].G, x, "lab"), x)
    assert now["chroma"] == pytest.approx(s["L1"]["chroma"], abs=0.05)
    # with D's pull the stronger (λ ≤ 10) the digits come in all five colours, none in more than
    # twice its true share of a fifth (notebook 04, "Which colours?")
    for name in ("BCE", "BCE + 1·L1", "BCE + 10·L1"):
        use = palette_colour_use(colorize(family[name].G, x, "lab"), x)
        assert max(use["stroke"].values()) < 0.4 and min(use["stroke"].values()) > 0, name


def test_the_cifar10_colorizers_beat_a_trivial_baseline_on_held_out_photos():
    """Quality floor: each converged colorizer beats the gray copy or the mean colour on PSNR or
    colourfulness on photos it never saw."""
    from gan_course.data import load_dataset
    from gan_course.lessons.colorization import baseline_colorizations, colorizer_rows, shipped_colorizations
    from gan_course.shipped import load_shipped_variants

    photos = load_dataset("photos", 32, split="test").float()
    family = load_shipped_variants("colorizers-cifar10-32")
    outputs = shipped_colorizations(family, ["L1", "BCE + 100·L1", "L1, RGB from gray"], photos)
    outputs |= baseline_colorizations(photos, load_dataset("photos", 32).float())
    by = {r["method"]: r for r in colorizer_rows(outputs, photos)}
    for name in ("L1", "BCE + 100·L1", "L1, RGB from gray"):
        assert any(by[name][m] > by[b][m] for m in ("PSNR", "colourfulness")
                   for b in ("gray copy", "mean colour")), name


def test_the_longer_trained_unets_converged_and_keep_the_detail_with_skips():
    """Quality floor for notebook 02: the U-Nets of unets-cifar10-32 ended with a flat training loss,
    the one with skips is about as sharp as its input and beats the gray copy on PSNR on photos it
    never saw, and the one without skips is blurred."""
    from gan_course.data import load_dataset
    from gan_course.metrics import psnr, sharpness
    from gan_course.pix2pix import colorize
    from gan_course.shipped import load_shipped_variants

    photos = load_dataset("photos", 32, split="test").float()
    family = load_shipped_variants("unets-cifar10-32")
    gray = photos.mean(1, keepdim=True).expand_as(photos)
    for name, v in family.items():
        l1 = torch.tensor(v.history["l1"])
        assert abs(l1[-100:].mean() / l1[-200:-100].mean() - 1) < 0.03, name  # last 1,000 steps
    skips = colorize(family["L1, RGB from gray"].G, photos, "gray")
    plain = colorize(family["L1, RGB from gray, no skips"].G, photos, "gray")
    assert psnr(skips, photos).mean() > psnr(gray, photos).mean()
    assert sharpness(skips, photos) > 0.9 > 0.5 > sharpness(plain, photos)


def test_fp16_generators_move_outputs_by_less_than_a_thousandth():
    import gan_course.shipped as shipped

    G, _, config = load_shipped_dcgan()
    G16 = config.build()[0].eval()
    G16.load_state_dict(shipped.float_state(shipped.half_state(G.state_dict())))
    z = torch.randn(64, config.z_dim, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert (G(z) - G16(z)).abs().max() < 2e-3  # in [-1, 1]: below the printed precision


def test_ship_with_two_jobs_builds_in_parallel_and_waits_for_what_an_artefact_needs(tmp_path, monkeypatch):
    import gan_course.shipped as shipped

    base = shipped.ARTEFACTS["colorizers-palette-32"]
    r = base.recipe
    tiny = {**tiny_variants(r, steps=2, n=40, n_test=20),
            "variants": dict(list(r["variants"].items())[:2])}
    registry = {"first": replace(base, name="first", recipe={**tiny, "artefact": "first"}),
                "second": replace(base, name="second", recipe={**tiny, "artefact": "second"}),
                "third": replace(base, name="third", recipe={**tiny, "artefact": "third"}, needs=("first",))}
    monkeypatch.setattr(shipped, "ARTEFACTS", registry)
    said = []
    paths = shipped.ship(None, tmp_path, jobs=2, say=said.append)
    assert sorted(p.name for p in paths) == ["first.pt", "second.pt", "third.pt"]
    manifest = shipped.read_manifest(tmp_path)
    assert all(manifest[n]["sha256"] == shipped.file_sha256(tmp_path / f"{n}.pt") for n in registry)
    starts = [line.split(":")[0] for line in said if "building" in line]
    assert starts[:2] == ["first", "second"]  # two at once
    assert said.index(next(l for l in said if l.startswith("first: wrote"))) < said.index(
        next(l for l in said if l.startswith("third: building")))  # third waited for first
    assert all(manifest[n]["machine"]["threads"] >= 1 for n in registry)
    assert shipped.ship(None, tmp_path, jobs=2, say=said.append) == []  # up to date
    with pytest.raises(ValueError, match="jobs must be >= 1"):
        shipped.ship(None, tmp_path, jobs=0)


def test_ship_with_two_jobs_and_one_artefact_trains_its_runs_in_parallel_to_the_same_result(tmp_path, monkeypatch):
    import gan_course.shipped as shipped

    base = shipped.ARTEFACTS["colorizers-palette-32"]
    recipe = {**tiny_variants(base.recipe, steps=2, n=40, n_test=20),
              "variants": dict(list(base.recipe["variants"].items())[:3])}
    monkeypatch.setattr(shipped, "ARTEFACTS", {base.name: replace(base, recipe=recipe)})
    said, here = [], []  # here: the runs this process trains itself (workers are fresh processes)
    trainer_for = shipped.trainer_for
    monkeypatch.setattr(shipped, "trainer_for", lambda *a, **k: here.append(1) or trainer_for(*a, **k))
    shipped.ship(None, tmp_path / "two", jobs=2, say=said.append)
    assert here == [] and said[0].endswith("2 runs at a time")
    assert "earlier build" not in said[-1]  # its runs' time is this build's, counted once
    shipped.ship(None, tmp_path / "one", say=lambda _: None)
    assert len(here) == 3
    two, one = (shipped.load_shipped_variants(base.name, tmp_path / d) for d in ("two", "one"))
    assert list(two) == list(one) == list(recipe["variants"])
    for name in one:
        assert two[name].scores == one[name].scores and two[name].history == one[name].history, name
        assert all(torch.equal(a, b) for a, b in zip(two[name].G.state_dict().values(),
                                                     one[name].G.state_dict().values())), name
