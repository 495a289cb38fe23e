"""What the book's HTML needs beyond Jupyter Book 1's defaults.

* **Light pages.** The figures of :mod:`ebtricks.figures` carry their images, and the
  frames of their static sliders, as data URIs inside the notebook output. Here every one
  of them becomes an image file of its own under ``_images/ebt/`` (named by its content),
  so a page's initial load holds only the images it shows; a slider's other frames are
  fetched when the reader first touches that slider.
* **Downloads.** With ``ebt_download_sources`` set (the executor's staged build sets it),
  the ``.ipynb`` download offers the notebook as committed, without outputs, rather than
  the executed copy the build rendered.
* **Weight.** Of MathJax, only what ``tex-chtml.js`` loads is kept; Sphinx already
  puts the MathJax script only on pages that have math.
* **Style.** ``ebt.css`` lays out figures, sliders and tables within the text column.
* **No JavaScript errors.** sphinx-thebe registers its inline configuration script once
  per read phase; when the build reads documents more than once, the page declares
  ``const THEBE_JS_URL`` twice, which is a SyntaxError. We keep each distinct script once.
"""
from __future__ import annotations

import base64
import hashlib
import posixpath
import re
import shutil
from pathlib import Path

from docutils import nodes

DATA_URI = re.compile(r"data:image/(png|webp|jpeg|svg\+xml);base64,([A-Za-z0-9+/=]+)")
EXTENSION = {"png": "png", "webp": "webp", "jpeg": "jpg", "svg+xml": "svg"}
STATIC = Path(__file__).parent / "static"


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


def _mathjax_only_with_math(app, pagename, templatename, context, doctree):
    """Sphinx adds MathJax to a page when it *or any page in its toctree* has math, so
    the landing page would load it for nothing; keep it only where this page has math."""
    if app.env.get_domain("math").data["has_equations"].get(pagename):
        return
    scripts = context.get("script_files")
    if scripts:
        scripts[:] = [s for s in scripts if "mathjax" not in str(getattr(s, "filename", s))]


def _externalize_images(app, doctree, docname):
    """Data URIs in the book's figure outputs -> files under _images/ebt/."""
    if app.builder.format != "html":
        return
    target_dir = Path(app.outdir) / "_images" / "ebt"
    page_dir = posixpath.dirname(app.builder.get_target_uri(docname))

    def to_file(match: re.Match) -> str:
        data = base64.b64decode(match.group(2))
        name = hashlib.sha1(data).hexdigest()[:20] + "." + EXTENSION[match.group(1)]
        path = target_dir / name
        if not path.exists():
            target_dir.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        return posixpath.relpath(f"_images/ebt/{name}", page_dir or ".")

    for node in list(doctree.findall(nodes.raw)):
        text = node.astext()
        if "html" not in node.get("format", "") or "ebt-figure" not in text:
            continue
        new = DATA_URI.sub(to_file, text)
        if new != text:
            node.replace(node[0], nodes.Text(new))
            node["ebt_externalized"] = True


def _download_originals(app, exception):
    """Replace the executed notebooks in _sources by the committed ones."""
    if exception is not None or not app.config.ebt_download_sources:
        return
    originals = Path(app.srcdir) / app.config.ebt_download_sources
    sources = Path(app.outdir) / "_sources"
    for nb in originals.rglob("*.ipynb"):
        rel = nb.relative_to(originals)
        for dest in (sources / rel, sources / f"{rel}.txt"):
            if dest.exists():
                shutil.copy(nb, dest)


# sphinx-mathjax-offline copies all of MathJax 3 (24 MB); pages load tex-chtml.js, which
# fetches TeX extensions, CommonHTML fonts and, for the accessibility menu, a11y/sre/ui
# components on demand. Everything else (other combined builds, SVG output) goes.
MATHJAX_KEEP = {"tex-chtml.js", "a11y", "input", "ui", "sre", "output"}


def _prune_mathjax(app, exception):
    root = Path(app.outdir) / "_static" / "mathjax"
    if exception is not None or not root.is_dir():
        return
    for entry in root.iterdir():
        if entry.name not in MATHJAX_KEEP:
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    svg = root / "output" / "svg"
    if svg.is_dir():
        shutil.rmtree(svg)


def _add_static(app, config):
    config.html_static_path.append(str(STATIC))


def setup(app):
    app.add_config_value("ebt_download_sources", "", "html")
    app.connect("config-inited", _add_static)
    app.add_css_file("ebt.css")
    app.connect("html-page-context", _dedupe_scripts, priority=100)
    app.connect("html-page-context", _mathjax_only_with_math, priority=900)
    app.connect("doctree-resolved", _externalize_images)
    app.connect("build-finished", _download_originals)
    app.connect("build-finished", _prune_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
