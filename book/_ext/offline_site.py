"""Local Sphinx fixes for the offline site (loaded through _config.yml's ``local_extensions``).

sphinx-thebe registers its inline configuration script once per environment read, and Jupyter
Book reads the environment twice, so every page declared ``const THEBE_JS_URL`` twice — a
JavaScript error in every browser. Each page keeps only the first copy of every script.

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
