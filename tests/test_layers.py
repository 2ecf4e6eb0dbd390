"""The package's layering, as the tree shows it: what may import what.

    tools      cli, benchmark, book                        (the command line and its helpers)
    lessons    gan_course/lessons/*                        (what serves one notebook)
    library    everything else in gan_course/              (the GAN library)

- Nothing in the library imports a lesson module or a tool; lessons import no tool.
- Networks and objectives (dcgan, unet, patchgan, pix2pix, encoder_decoder, losses) know no trainer
  and draw nothing: they import neither ``engine`` nor ``plots`` nor matplotlib.
- The trainer draws nothing: ``engine`` imports neither ``plots`` nor matplotlib.
- Imports of the package's own modules sit at the top of each module (a function-level import hides
  a dependency); only heavy optional third-party packages are imported lazily.
"""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "gan_course"
TOOLS = {"cli", "benchmark", "book"}
MODELS = {"dcgan", "unet", "patchgan", "pix2pix", "encoder_decoder", "losses"}


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE).with_suffix("").parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if p.name != "__init__.py"}


def own_imports(name: str) -> list[tuple[str, int, bool]]:
    """(imported package module, line, at module level) for every import of the package by ``name``."""
    tree = ast.parse(MODULES[name].read_text())
    top = {id(node) for node in tree.body}
    package = name.split(".")[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = package[:len(package) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
                targets = [target] if node.module else [f"{target}.{a.name}".lstrip(".") for a in node.names]
            elif node.module and node.module.startswith("gan_course"):
                targets = [node.module.removeprefix("gan_course").lstrip(".")]
            else:
                continue
            found += [(t, node.lineno, id(node) in top) for t in targets]
        elif isinstance(node, ast.Import):
            found += [(a.name.removeprefix("gan_course."), node.lineno, id(node) in top)
                      for a in node.names if a.name.startswith("gan_course")]
    return found


def third_party(name: str) -> set[str]:
    tree = ast.parse(MODULES[name].read_text())
    roots = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def layer(name: str) -> str:
    return "tool" if name in TOOLS else "lesson" if name.startswith("lessons.") else "library"


@pytest.mark.parametrize("name", MODULES)
def test_lower_layers_never_import_higher_ones(name):
    allowed = {"tool": {"tool", "lesson", "library"}, "lesson": {"lesson", "library"}, "library": {"library"}}
    for target, line, _ in own_imports(name):
        assert layer(target) in allowed[layer(name)], f"{name} ({layer(name)}) imports {target} at line {line}"


@pytest.mark.parametrize("name", sorted(MODELS))
def test_networks_and_objectives_know_no_trainer_and_draw_nothing(name):
    for target, line, _ in own_imports(name):
        assert target not in {"engine", "plots"}, f"{name} imports {target} at line {line}"
        assert target in MODELS | {"data", "color", "runtime", "compression"}, f"{name} imports {target}"
    assert "matplotlib" not in third_party(name)


def test_the_trainer_draws_nothing():
    assert "plots" not in {t for t, _, _ in own_imports("engine")}
    assert "matplotlib" not in third_party("engine")


@pytest.mark.parametrize("name", MODULES)
def test_own_imports_sit_at_the_top(name):
    hidden = [(t, line) for t, line, at_top in own_imports(name) if not at_top]
    assert not hidden, f"{name} imports package modules inside functions: {hidden}"


def test_importing_a_network_loads_no_trainer_plotting_or_progress_bar():
    """``import gan_course.dcgan`` (what a student reads first) stays light, measured in a fresh Python:
    beyond what ``import torch`` loads itself (torch 2.14's ``torch.hub`` brings tqdm), no trainer, no
    plotting and no progress bar."""
    code = ("import sys; import torch; before = set(sys.modules); import gan_course.dcgan; "
            "print(sorted(m for m in set(sys.modules) - before if m.split('.')[0] in ('matplotlib', 'tqdm') "
            "or m in ('gan_course.engine', 'gan_course.plots')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]", f"import gan_course.dcgan loaded {loaded}"


def test_the_rule_checker_sees_a_violation(tmp_path, monkeypatch):
    """The checks above can fail: a library module importing a lesson is reported."""
    fake = tmp_path / "gan_course"
    (fake / "lessons").mkdir(parents=True)
    (fake / "metrics.py").write_text("from .lessons.report import say\n")
    (fake / "lessons" / "report.py").write_text("")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", fake)
    monkeypatch.setattr(sys.modules[__name__], "MODULES", {"metrics": fake / "metrics.py",
                                                           "lessons.report": fake / "lessons" / "report.py"})
    with pytest.raises(AssertionError, match="metrics \\(library\\) imports lessons.report"):
        test_lower_layers_never_import_higher_ones("metrics")


def test_readme_layout_and_package_map_name_every_module():
    """README's layout section and the map in ``gan_course/__init__.py`` list exactly the tree's modules."""
    import re

    readme = (PACKAGE.parent / "README.md").read_text().split("## Layout", 1)[1].split("notebooks/", 1)[0]
    in_readme = set(re.findall(r"(\w+)\.py", readme))
    package_map = (PACKAGE / "__init__.py").read_text()
    in_map = set(re.findall(r"``(\w+)``", package_map))
    top = {name for name in MODULES if "." not in name}
    lessons = {name.split(".")[1] for name in MODULES if name.startswith("lessons.")}
    assert in_readme == top | lessons, (in_readme ^ (top | lessons))
    assert top <= in_map, top - in_map
    lessons_map = set(re.findall(r"``(\w+)``", (PACKAGE / "lessons" / "__init__.py").read_text()))
    assert lessons <= lessons_map, lessons - lessons_map


def test_lines_fit_the_site_and_hold_one_statement():
    """≤ 100 characters a line in the package (the site shows code at that width), and no line that
    holds two statements (``a; b`` or ``if x: y``)."""
    long = [f"{name}:{i}" for name, path in MODULES.items()
            for i, line in enumerate(path.read_text().splitlines(), 1) if len(line) > 100]
    assert not long, long
    for name, path in MODULES.items():
        starts = [node.lineno for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.stmt)]
        shared = sorted({line for line in starts if starts.count(line) > 1})
        assert not shared, f"{name}: two statements on line(s) {shared}"
