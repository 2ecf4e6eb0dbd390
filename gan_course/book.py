"""Build the course site (Jupyter Book 1.x, i.e. Sphinx) offline from the committed notebook
outputs.

    gan-course book            # → book/_build/html/index.html

Steps, each failing loudly: (1) no notebook may carry an error output or an unexecuted cell — the
site shows what is committed and trains nothing; (2) the scripts a page needs (MathJax, RequireJS,
the ipywidgets HTML manager) come from ``book/node_modules`` (``npm ci`` from ``package-lock.json``
when missing) and are copied to ``book/_vendor/vendor`` and published as ``_static/vendor`` (not
under ``book/_static``, whose scripts Jupyter Book would load on every page), so no page asks a CDN
for anything; (3) ``jupyter-book build`` with warnings as errors.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

VENDOR = {  # node_modules path → _static/vendor/<name>
    "mathjax/es5": "mathjax",
    "requirejs/require.js": "requirejs/require.js",
    "@jupyter-widgets/html-manager/dist": "html-manager",
}


def check_notebook_outputs(notebooks: list[Path]) -> None:
    """Raise if a notebook has an unexecuted code cell or an error output."""
    import nbformat

    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            if cell.execution_count is None and cell.source.strip():
                raise ValueError(
                    f"{path}: cell {i} was never executed; run `gan-course notebooks {path}`"
                )
            errors = [o for o in cell.outputs if o.output_type == "error"]
            if errors:
                raise ValueError(
                    f"{path}: cell {i} stored an error ({errors[0].ename}: {errors[0].evalue})"
                )


def vendor_assets(book_dir: Path) -> Path:
    """Copy the local npm scripts into ``book_dir/_vendor/vendor`` (``npm ci`` first if needed)."""
    modules = book_dir / "node_modules"
    if not all((modules / src).exists() for src in VENDOR):
        if shutil.which("npm") is None:
            raise FileNotFoundError(
                "npm is needed once to install the site's local scripts (MathJax, widgets): "
                f"install Node.js, or run `npm ci` in {book_dir} elsewhere"
            )
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=book_dir, check=True)
    vendor = book_dir / "_vendor" / "vendor"
    for src, dst in VENDOR.items():
        target = vendor / dst
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if (modules / src).is_dir() else shutil.copy2)(modules / src, target)
    return vendor


def build_book(book_dir: str | Path = "book") -> Path:
    """Build the site; return the folder of its ``index.html``."""
    book_dir = Path(book_dir).resolve()
    if not (book_dir / "_config.yml").is_file():
        raise FileNotFoundError(
            f"{book_dir} has no _config.yml: run from a checkout of the repository"
        )
    check_notebook_outputs(sorted((book_dir / "notebooks").glob("[0-9][0-9]_*.ipynb")))
    vendor_assets(book_dir)
    html = book_dir / "_build" / "html"
    shutil.rmtree(html, ignore_errors=True)  # a clean build: stale pages never hide a warning
    command = [
        str(Path(sys.executable).with_name("jupyter-book")),
        "build",
        str(book_dir),
        "--warningiserror",
        "--keep-going",
    ]
    if subprocess.run(command).returncode != 0:
        raise ValueError(
            "jupyter-book build failed (warnings count as errors): see its messages above"
        )
    return html
