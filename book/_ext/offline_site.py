"""Local Sphinx fixes for the offline site (loaded through _config.yml's ``local_extensions``).

An extension that registers an inline script once per environment read gets it twice (Jupyter Book
reads the environment twice): sphinx-thebe did, declaring ``const THEBE_JS_URL`` twice, a JavaScript
error. sphinx-thebe is off now (``_config.yml``: its live-code button needs unpkg.com and
mybinder.org); each page still keeps only the first copy of every script.

The pydata theme under sphinx-book-theme renders an empty ``default_mode`` (and logs "invalid theme
mode" in the console of a fresh browser); pages here start in light mode.
"""


def _unique_scripts(app, pagename, templatename, context, doctree):
    seen, unique = set(), []
    for js in context.get("script_files", []):
        key = (getattr(js, "filename", None) or "", getattr(js, "attributes", {}).get("body"))  # None and "" alike
        if key not in seen:
            seen.add(key)
            unique.append(js)
    context["script_files"] = unique
    context["default_mode"] = context.get("default_mode") or "light"


def setup(app):
    app.connect("html-page-context", _unique_scripts, priority=900)  # after the theme's own handlers
    return {"parallel_read_safe": True, "parallel_write_safe": True}
