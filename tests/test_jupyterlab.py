"""The student's path in a real browser: JupyterLab (as the README installs it) on localhost, driven
by headless Chromium through Playwright.

Notebooks 01 (convolutions) and 07 (inpainting) are copied, outputs cleared, into a temporary root;
each is opened in JupyterLab and run whole through its menu (Run → Run All Cells). Every code cell
must finish with no error shown and none stored when the notebook is saved; then one slider of the
notebook's widget is moved (01: the conv explorer's ``kernel``; 07: the inpainting explorer's
``image``) and the figure it draws must change. The kernel is this interpreter (a kernelspec in a
temporary Jupyter data folder); every request to another host is blocked and counts as a failure,
and the server's own update, news and extension-manager checks are off, so nothing needs the
network.

Needs Chromium (Debian's ``chromium``), playwright and jupyterlab (``pip install -e ".[dev]"``).
Without them the browser tests skip, unless ``GAN_COURSE_REQUIRE_SITE=1`` (set by CI), when that is
a failure. The rest of the path needs no browser and always runs: every notebook's setup cell gives
its kernel one thread (``runtime.set_threads``), and ``gan-course notebooks`` refuses to discard an
edit made in the ``.ipynb``.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = ROOT / "book" / "_build" / "screenshots"
NOTEBOOKS = ["01_convolution", "07_inpainting"]
RUN_TIMEOUT_MS = 75_000  # a whole notebook; 01 takes ~10 s and 07 ~20 s on 2 cores
# JupyterLab's user settings: every cell kept in the page (the checks below count them), the
# notebook's kernel started without a dialog, and no news or update checks (each would ask another
# host).
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none", "autoStartDefaultKernel": True},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
}


def _missing() -> str | None:
    if CHROMIUM is None:
        return "no Chromium: install Debian's `chromium`"
    for module in ("playwright.sync_api", "jupyterlab", "ipywidgets"):
        try:
            __import__(module)
        except ImportError:
            return f"{module.split('.')[0]} is not installed (pip install -e '.[dev]')"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _lab_env(home: Path) -> dict[str, str]:
    """An environment in which JupyterLab sees only temporary settings and a kernelspec that runs
    this interpreter, and in which any attempt to reach another host fails at once."""
    data = home / "data"
    spec = data / "kernels" / "python3"  # the name the notebooks ask for
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (gan-course)",
        "language": "python",
    }))
    settings = home / "lab-settings"
    for name, values in SETTINGS.items():
        path = settings / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "GAN_COURSE_THREADS"))}
    env.update(
        JUPYTER_DATA_DIR=str(data), JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTER_PATH=str(data), IPYTHONDIR=str(home / "ipython"),
        JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
        JUPYTER_PLATFORM_DIRS="1", MPLBACKEND="module://matplotlib_inline.backend_inline",
        OMP_NUM_THREADS="1", GAN_COURSE_PROFILE="fast",  # the stored outputs' settings
        HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9",
        http_proxy="http://127.0.0.1:9", https_proxy="http://127.0.0.1:9",
        NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost",
    )
    return env


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """(browser, base URL with token, notebook root) for a JupyterLab serving copies of NOTEBOOKS."""
    reason = _missing()
    if reason:
        if os.environ.get("GAN_COURSE_REQUIRE_SITE") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    home = tmp_path_factory.mktemp("jupyter")
    root = home / "notebooks"
    root.mkdir()
    for name in NOTEBOOKS:  # a copy, outputs cleared: what shows after the run is this run's own
        nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        nb.metadata.pop("widgets", None)
        nb.metadata.pop("jupytext", None)  # no pairing: the copy writes no .py beside it
        nbformat.write(nb, root / f"{name}.ipynb")
    port, token = _free_port(), uuid.uuid4().hex
    log = (home / "lab.log").open("w")
    server = subprocess.Popen([
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        "--port-retries=0", "--allow-root", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
        "--ServerApp.terminals_enabled=False", "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly", "--LanguageServerManager.autodetect=False",
    ], cwd=root, env=_lab_env(home), stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start:\n{(home / 'lab.log').read_text()[-3000:]}")
                time.sleep(0.25)
        SHOTS.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as p:
            chromium = p.chromium.launch(executable_path=CHROMIUM, args=[
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"])
            yield chromium, base, token, root
            chromium.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _save(tab, name: str):
    """Save the notebook through File → Save Notebook and wait until JupyterLab says it is saved:
    its tab loses the dirty mark (a class on the tab's title, outside the notebook panel). A dialog
    instead (a file changed on disk, a failed write) fails the test with the dialog's text."""
    dirty = tab.locator(".lm-TabBar-tab.jp-mod-dirty").filter(
        has=tab.locator(".lm-TabBar-tabLabel", has_text=f"{name}.ipynb"))
    assert dirty.count() == 1, f"{name}: its tab is not marked unsaved after the run"
    tab.locator(".jp-NotebookPanel .jp-Notebook").first.click(position={"x": 5, "y": 5})
    tab.locator(".lm-MenuBar-itemLabel", has_text="File").first.click()
    tab.locator(".lm-Menu-itemLabel", has_text="Save Notebook").first.click()
    deadline = time.monotonic() + 60
    while dirty.count():
        dialog = tab.locator(".jp-Dialog")
        if dialog.count():
            tab.screenshot(path=str(SHOTS / f"jupyterlab_{name}_save_dialog.png"))
            pytest.fail(f"{name}: saving opened a dialog: {dialog.first.inner_text()[:500]}")
        assert time.monotonic() < deadline, f"{name}: still unsaved 60 s after File → Save Notebook"
        time.sleep(0.2)


def _saved(path: Path, timeout: float = 60):
    """The notebook at ``path`` once the server has finished writing it with every cell run."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            nb = nbformat.read(path, as_version=4)
            if all(c.execution_count for c in nb.cells if c.cell_type == "code") or time.monotonic() > deadline:
                return nb
        except (nbformat.reader.NotJSONError, json.JSONDecodeError):
            if time.monotonic() > deadline:
                raise
        time.sleep(0.2)


def _open_and_run_all(lab, name: str):
    """Open notebook ``name`` in JupyterLab, run all its cells through the Run menu, wait for the
    kernel, save through the File menu; return (tab, context, problems). Fails on a cell error."""
    chromium, base, token, root = lab
    problems: list[str] = []
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base)
                  else (problems.append(f"request to another host: {route.request.url}"), route.abort()))
    tab = context.new_page()
    tab.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    tab.goto(f"{base}/lab/tree/{name}.ipynb?reset&token={token}")
    tab.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=60_000)
    # the kernel this notebook asked for ("python3": this interpreter, see _lab_env) has started
    tab.wait_for_selector(".jp-NotebookPanel [data-jp-item-name='kernelName'] >> text=Python 3 (gan-course)",
                          timeout=60_000)
    tab.wait_for_selector(".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']",
                          timeout=60_000)
    code_cells = sum(c.cell_type == "code" for c in nbformat.read(root / f"{name}.ipynb", 4).cells)
    tab.wait_for_function(f"() => document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell').length === {code_cells}",
                          timeout=30_000)  # every cell drawn (windowing off: see SETTINGS)
    tab.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    tab.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    # done when every code cell shows its execution number ([*] while queued or running)
    try:
        tab.wait_for_function("""() => {
            const prompts = [...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputPrompt')]
                .map(p => p.textContent.trim());
            const status = document.querySelector('.jp-NotebookPanel .jp-Notebook-ExecutionIndicator');
            return prompts.length && prompts.every(p => /^\\[\\d+\\]:$/.test(p))
                && status && status.dataset.status === 'idle';
        }""", timeout=RUN_TIMEOUT_MS, polling=500)
    except Exception:
        tab.screenshot(path=str(SHOTS / f"jupyterlab_{name}_timeout.png"))
        raise
    shown_errors = tab.evaluate("""() => [...document.querySelectorAll(
            '.jp-NotebookPanel .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
        .map(o => o.innerText).filter(t => /Traceback|Error:/.test(t)).map(t => t.slice(0, 300))""")
    _save(tab, name)
    tab.screenshot(path=str(SHOTS / f"jupyterlab_{name}.png"))
    nb = _saved(root / f"{name}.ipynb")
    stored = [(i, o.ename, o.evalue) for i, c in enumerate(nb.cells) if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    assert not shown_errors and not stored, f"{name}: errors {stored} shown as {shown_errors}"
    unrun = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.execution_count is None]
    assert not unrun, f"{name}: cells {unrun} never ran"
    setup = "".join(o.get("text", "") for o in next(c for c in nb.cells if c.cell_type == "code").outputs)
    assert "profile=fast device=cpu seed=0 threads=1" in setup, setup  # this venv's kernel, one thread
    return tab, context, problems


def _move_slider(tab, label: str, name: str):
    """Press → on the slider described ``label`` in the only widget that has one; return the
    widget's figure before and after (the PNG data shown), waiting for the new one."""
    widget = tab.locator(".jp-NotebookPanel .widget-interact").filter(
        has=tab.locator(".widget-slider .widget-label", has_text=label))
    assert widget.count() == 1, f"{name}: {widget.count()} widgets with a slider {label!r}"
    widget.scroll_into_view_if_needed()
    figure = widget.locator(".jp-OutputArea-output img")
    figure.first.wait_for(timeout=30_000)
    before = figure.first.get_attribute("src")
    slider = widget.locator(".widget-slider").filter(has=tab.locator(".widget-label", has_text=label))
    readout = slider.locator(".widget-readout")
    value = readout.inner_text()
    slider.locator(".noUi-handle").first.focus()
    tab.keyboard.press("ArrowRight")
    tab.wait_for_function("([el, v]) => el.innerText !== v", arg=[readout.element_handle(), value],
                          timeout=5_000)
    tab.wait_for_function("""([w, before]) => { const img = w.querySelector('.jp-OutputArea-output img');
        return img && img.complete && img.naturalWidth > 0 && img.src !== before; }""",
                          arg=[widget.element_handle(), before], timeout=30_000, polling=250)
    tab.screenshot(path=str(SHOTS / f"jupyterlab_{name}_{label}.png"))
    return value, readout.inner_text()


@pytest.mark.parametrize("name, label", [("01_convolution", "kernel"), ("07_inpainting", "image")])
def test_notebook_runs_in_jupyterlab_and_its_widget_responds(lab, name, label):
    tab, context, problems = _open_and_run_all(lab, name)
    before, after = _move_slider(tab, label, name)
    errors = tab.locator(".jp-NotebookPanel .widget-interact .jp-OutputArea-output", has_text="Traceback")
    assert errors.count() == 0, errors.first.inner_text()
    context.close()
    assert int(after) == int(before) + 1, (before, after)
    assert not problems, "\n".join(problems)


# The rest of the student's path needs no browser: the notebooks' thread count, and
# `gan-course notebooks` never discarding an edit made in Jupyter.

def test_set_threads_gives_a_notebook_one_thread_unless_asked(monkeypatch):
    import torch
    from threadpoolctl import threadpool_info, threadpool_limits

    from gan_course.runtime import describe_runtime, set_threads

    cpu = torch.device("cpu")
    monkeypatch.delenv("GAN_COURSE_THREADS", raising=False)
    try:
        torch.set_num_threads(2)
        assert set_threads(cpu) == 1 == torch.get_num_threads()
        assert {pool["num_threads"] for pool in threadpool_info()} == {1}  # NumPy's BLAS too
        monkeypatch.setenv("GAN_COURSE_THREADS", " 2 ")
        assert set_threads(cpu) == 2 == torch.get_num_threads()
        assert set_threads(cpu, threads=1) == 1 == torch.get_num_threads()  # an explicit count wins
        for bad in ("0", "two", "-1", "1.5"):
            monkeypatch.setenv("GAN_COURSE_THREADS", bad)
            with pytest.raises(ValueError, match=f"GAN_COURSE_THREADS must be a positive integer, got '{bad}'"):
                set_threads(cpu)
        for bad in (0, True, 2.0):
            with pytest.raises(ValueError, match="threads must be a positive int"):
                set_threads(cpu, threads=bad)
        monkeypatch.delenv("GAN_COURSE_THREADS")
        torch.set_num_threads(2)
        assert set_threads(torch.device("cuda")) == 2  # a GPU's feeder threads are left alone
    finally:
        torch.set_num_threads(1)  # conftest's setting
        threadpool_limits(limits=1)
    assert describe_runtime("fast", cpu, 0, threads=1) == "profile=fast device=cpu seed=0 threads=1"
    assert describe_runtime("fast", cpu, 0) == "profile=fast device=cpu seed=0"


@pytest.mark.parametrize("text", sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py")), ids=lambda p: p.stem)
def test_every_notebook_sets_its_threads_in_its_setup_cell(text):
    import jupytext

    code = [c.source for c in jupytext.read(text).cells if c.cell_type == "code"]
    assert "threads = set_threads(device)" in code[0] and "threads=threads)" in code[0], text.name
    assert not any("set_num_threads" in c for c in code), f"{text.name}: use set_threads, once"


def _pair(folder: Path, source: str) -> tuple[Path, Path]:
    import jupytext

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    jupytext.write(nb, folder / "01_pair.py", fmt="py:percent")
    jupytext.write(nb, folder / "01_pair.ipynb")
    return folder / "01_pair.ipynb", folder / "01_pair.py"


def test_notebooks_command_refuses_to_discard_an_edit_made_in_the_ipynb(tmp_path, monkeypatch, capsys):
    from gan_course.cli import _check_pair, main

    for name, value in {"OMP_NUM_THREADS": "1", "GAN_COURSE_THREADS": "1", "GAN_COURSE_PROFILE": "fast"}.items():
        monkeypatch.setenv(name, value)  # the command sets them; restored after the test
    ipynb, text = _pair(tmp_path, "x = 1")
    nb = nbformat.read(ipynb, as_version=4)
    nb.cells[0].source = "x = 2  # edited in Jupyter"
    nbformat.write(nb, ipynb)
    now = time.time()
    os.utime(text, (now - 60, now - 60))
    assert main(["notebooks", str(ipynb)]) == 2
    err = capsys.readouterr().err
    assert f"{ipynb} was edited after 01_pair.py and their cells differ" in err, err
    assert f"jupytext --sync {ipynb}" in err and "--discard-ipynb-edits" in err, err
    assert nbformat.read(ipynb, as_version=4).cells[0].source == "x = 2  # edited in Jupyter"
    os.utime(ipynb, (now - 120, now - 120))
    _check_pair(ipynb, discard_ipynb_edits=False)  # the .py is newer: it was edited, it is the reference
    tagged = nbformat.read(ipynb, as_version=4)
    tagged.cells[0].source, tagged.cells[0].metadata["tags"] = "x = 1", ["nbval-ignore-output"]
    nbformat.write(tagged, ipynb)  # a tag is part of a cell too (nbval reads it)
    with pytest.raises(ValueError, match="cells differ"):
        _check_pair(ipynb, discard_ipynb_edits=False)
    with pytest.raises(FileNotFoundError, match="no paired 02_alone.py; run `jupytext --sync"):
        _check_pair(tmp_path / "02_alone.ipynb", discard_ipynb_edits=False)
    assert main(["notebooks", "--discard-ipynb-edits", str(ipynb)]) == 0  # told to: runs from the .py
    nb = nbformat.read(ipynb, as_version=4)
    assert nb.cells[0].source == "x = 1" and nb.cells[0].execution_count == 1
