"""The built course site, checked in a real browser (headless Chromium through Playwright).

Needs the site (``gan-course book``) and Chromium (Debian's ``chromium``; ``.ci/run`` installs it).
Without them the tests skip — unless ``GAN_COURSE_REQUIRE_SITE=1`` (set by CI), when that is a
failure. Every page is served from localhost with every other host blocked, and must load with no
console error, no failed request, no broken image, all math typeset by the local MathJax, every
figure of its notebook present and every stored widget rendered. Screenshots of every page go to
``book/_build/screenshots/``.
"""
import functools
import html.parser
import http.server
import os
import re
import shutil
import threading
import urllib.parse
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "book" / "_build" / "html"
SHOTS = ROOT / "book" / "_build" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PAGES = ["intro.html", *(f"notebooks/{p.stem}.html" for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))),
         "conventions.html", "references.html"]


def _missing() -> str | None:
    if not (HTML / "intro.html").is_file():
        return "the site is not built: run `gan-course book`"
    if CHROMIUM is None:
        return "no Chromium: install Debian's `chromium`"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="module")
def browser():
    reason = _missing()
    if reason:
        if os.environ.get("GAN_COURSE_REQUIRE_SITE") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(HTML))
    handler.func.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield chromium, f"http://127.0.0.1:{server.server_address[1]}/"
        chromium.close()
    server.shutdown()


# Controls that run code on another host: sphinx-thebe's live-code button and its config, Binder,
# Colab and JupyterHub launch buttons.
LIVE_CODE = ("script[type='text/x-thebe-config'], .thebe-launch-button, .thebelab-button, "
             ".dropdown-launch-buttons, a[href*='mybinder'], a[href*='colab.research'], a[href*='hub/user-redirect']")


class _Refs(html.parser.HTMLParser):
    """The resources a page loads (script, stylesheet, image, frame) and its inline scripts' text."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        key = {"script": "src", "link": "href", "img": "src", "iframe": "src", "source": "src"}.get(tag)
        if key and attrs.get(key):
            self.urls.append(attrs[key])
        self._in_script = tag == "script" and not attrs.get("src")

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.inline.append(data)


def test_no_page_needs_another_host():
    """Every built page loads its scripts, styles and images from the site itself, and no inline
    script names another host (a live-code button only asks for its CDN script when clicked, so the
    browser test's request log alone would not see it)."""
    pages = [p for p in HTML.rglob("*.html") if "_static" not in p.parts]
    if not pages:
        if os.environ.get("GAN_COURSE_REQUIRE_SITE") == "1":
            pytest.fail("the site is not built: run `gan-course book`")
        pytest.skip("the site is not built: run `gan-course book`")
    problems = []
    for page in pages:
        refs = _Refs()
        refs.feed(page.read_text(encoding="utf-8"))
        problems += [f"{page.relative_to(HTML)}: {u}" for u in refs.urls if urllib.parse.urlsplit(u).netloc]
        problems += [f"{page.relative_to(HTML)}: inline script names {m}" for text in refs.inline
                     for m in re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}[^\s\"'`]*", text)]
        problems += [f"{page.relative_to(HTML)}: thebe" for text in refs.inline if "thebe" in text.lower()]
    assert len(pages) >= len(PAGES)
    assert not problems, "\n".join(problems[:20])


def _expected(page: str) -> tuple[int, int]:
    """(figures, widget views) stored in the notebook behind a page; (0, 0) for other pages."""
    if not page.startswith("notebooks/"):
        return 0, 0
    nb = nbformat.read(ROOT / page.replace(".html", ".ipynb"), as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    figures = sum("image/png" in o.get("data", {}) for o in outputs)
    widgets = sum("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
    return figures, widgets


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_offline(browser, page):
    chromium, base = browser
    problems: list[str] = []
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base)
                  else (problems.append(f"request to another host: {route.request.url}"), route.abort()))
    tab = context.new_page()
    tab.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    tab.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    tab.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    tab.goto(base + page, wait_until="networkidle")
    tab.wait_for_function("() => !window.MathJax || !MathJax.startup || MathJax.startup.promise.then(() => true)")
    tab.wait_for_timeout(300)
    state = tab.evaluate("""() => ({
        broken: [...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src),
        images: [...document.querySelectorAll('main img')].filter(i => i.naturalWidth > 0).length,
        math: document.querySelectorAll('main .math').length,
        typeset: document.querySelectorAll('main .math mjx-container').length,
        rawTex: /\\\\\\(|\\\\\\[|\\$\\$/.test(document.querySelector('main').innerText),
        widgets: document.querySelectorAll('main .jupyter-widgets.widget-container, main .widget-interact').length,
        foreign: [...document.querySelectorAll('script[src], link[href], img[src], iframe[src], source[src]')]
            .map(e => new URL(e.src || e.href, location.href))
            .filter(u => u.protocol !== 'data:' && u.host !== location.host).map(u => String(u).slice(0, 200)),
        live: [...document.querySelectorAll(LIVE)].map(e => e.outerHTML.slice(0, 120)),
        title: document.title })""".replace("LIVE", repr(LIVE_CODE)))
    tab.screenshot(path=str(SHOTS / (page.replace("/", "_").replace(".html", ".png"))), full_page=True)
    context.close()
    figures, widgets = _expected(page)
    assert not problems, "\n".join(problems)
    assert not state["foreign"], f"resources on another host: {state['foreign']}"
    assert not state["live"], f"a control that needs the network: {state['live']}"
    assert not state["broken"], f"broken images: {state['broken']}"
    assert state["typeset"] == state["math"] and not state["rawTex"], f"untypeset math: {state}"
    assert state["images"] >= figures, f"{state['images']} images shown, the notebook stores {figures} figures"
    assert state["widgets"] >= widgets, f"{state['widgets']} widgets rendered, the notebook stores {widgets}"
    assert state["title"].endswith("gan-course: GANs that deconstruct and reconstruct images"), state["title"]


def test_math_page_really_uses_mathjax(browser):
    """Guard against a vacuous pass: the conventions page has math, and all of it is typeset."""
    chromium, base = browser
    tab = chromium.new_page()
    tab.goto(base + "conventions.html", wait_until="networkidle")
    tab.wait_for_function("() => window.MathJax && MathJax.startup.promise.then(() => true)")
    assert tab.evaluate("document.querySelectorAll('main .math mjx-container').length") >= 10
    tab.close()


def test_build_refuses_unexecuted_or_failed_notebooks(tmp_path):
    from gan_course.book import build_book, check_notebook_outputs

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 / 0", execution_count=1, outputs=[
        nbformat.v4.new_output("error", ename="ZeroDivisionError", evalue="division by zero", traceback=[])])])
    nbformat.write(nb, tmp_path / "01_bad.ipynb")
    with pytest.raises(ValueError, match="stored an error .ZeroDivisionError"):
        check_notebook_outputs([tmp_path / "01_bad.ipynb"])
    nb.cells = [nbformat.v4.new_code_cell("x = 1")]
    nbformat.write(nb, tmp_path / "02_unrun.ipynb")
    with pytest.raises(ValueError, match="never executed"):
        check_notebook_outputs([tmp_path / "02_unrun.ipynb"])
    check_notebook_outputs(sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")))  # the real ones are clean
    with pytest.raises(FileNotFoundError, match="no _config.yml"):
        build_book(tmp_path)
