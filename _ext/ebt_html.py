"""Small fixes to the HTML that Jupyter Book 1 emits, so every page loads without a
JavaScript error (the browser checks in tests/test_browser.py fail on any).

* sphinx-thebe registers its inline configuration script once per read phase; when the
  build reads documents more than once, the page declares ``const THEBE_JS_URL`` twice,
  which is a SyntaxError. We keep each distinct script once.
"""


# Runs early: html-page-context stops at the first handler that returns a template name.
def _dedupe_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for script in scripts:
        # the same script is registered once with filename None and once with ''
        key = (str(getattr(script, "filename", script) or ""),
               repr(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            kept.append(script)
    scripts[:] = kept


def setup(app):
    app.connect("html-page-context", _dedupe_scripts, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
