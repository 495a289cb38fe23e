"""The built HTML book, opened from disk in headless Chromium with the network cut off.

Fails on: a JavaScript error, a request that needs the network, an image that does not
load, a figure cell with empty output (e.g. an ipywidgets view, which is an empty box
without a kernel), math left as raw TeX, a slider that does not change the picture (by
mouse or keyboard), a caption whose default differs from its slider's, a broken internal
link; a figure without its numbered caption or alt text, text in a figure that reads
smaller than 10 px, a figure narrower than the column, anything wider than its column or
scrolling sideways (code excepted), an initial load over 1.5 MB beyond the theme and MathJax, MathJax on
a page without math, slider frames fetched before the slider is touched, a content page
without its summary and exercises, and a built site over 60 MB.

The book must be built first (``python3 run.py test`` does it; so does ``run.py book``).
"""
from __future__ import annotations

import os
import re
import shutil
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from conftest import ROOT

pytestmark = pytest.mark.browser

HTML = ROOT / "_build" / "html"
SKIP_PAGES = {"genindex.html", "search.html"}
NOT_CONTENT = {"intro.html", "build_info.html", "api.html"}   # no summary, no exercises
MAX_INITIAL_BYTES = 1.5e6     # a page's first load, beyond _static/ (theme, MathJax)
MAX_SITE_BYTES = 60e6
MIN_TEXT_PX = 10
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
# Cells whose code draws a figure: their output must hold a loaded image.
FIGURE_CODE = re.compile(r"\binteractive\(|plt\.show\(\)")


def book_pages() -> list[Path]:
    if not (HTML / "index.html").exists():
        pytest.fail(f"no built book at {HTML}: run `python3 run.py book` first")
    pages = [p for p in HTML.rglob("*.html")
             if p.name not in SKIP_PAGES and "_static" not in p.parts
             and "_sources" not in p.parts]
    return sorted(pages)


def is_redirect(page: Path) -> bool:
    """index.html at the top is a meta-refresh to the first page; the link check covers it."""
    return 'http-equiv="Refresh"' in page.read_text(encoding="utf-8")[:2000]


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "refresh":
            self.hrefs.append((attrs.get("content") or "").split("url=", 1)[-1])
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])
        if tag in ("img", "script", "link") and (attrs.get("src") or attrs.get("href")):
            self.hrefs.append(attrs.get("src") or attrs.get("href"))


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_internal_links_resolve():
    pages = book_pages()
    assert any(p.parent.name == "book" for p in pages), "no chapter pages were built"
    parsed: dict[Path, _Links] = {}
    broken = []
    for page in pages:
        for href in _parse(page).hrefs:
            parts = urlsplit(href)
            if parts.scheme or href.startswith(("//", "mailto:", "javascript:", "data:")):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if not target.exists():
                broken.append(f"{page.relative_to(HTML)}: {href} (no file)")
                continue
            if parts.fragment and target.suffix == ".html":
                if target not in parsed:          # (setdefault would parse it every time)
                    parsed[target] = _parse(target)
                ids = parsed[target].ids
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{page.relative_to(HTML)}: {href} (no anchor)")
    assert not broken, "broken internal links:\n" + "\n".join(broken)


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    exe = os.environ.get("EBT_CHROMIUM") or next(
        (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
         if shutil.which(n)), None)
    if not exe:
        pytest.fail("no Chromium found: `python3 run.py test` installs it, or set EBT_CHROMIUM")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _page_ids():
    try:
        return [str(p.relative_to(HTML)) for p in book_pages() if not is_redirect(p)]
    except BaseException:  # collection must not fail; the test itself reports it
        return ["<book not built>"]


JS_MATH_CHECK = r"""
() => {
  const raw = [];
  document.querySelectorAll('.math').forEach(el => {
    if (!el.querySelector('mjx-container')) raw.push(el.textContent.slice(0, 80));
  });
  // TeX outside code, never handed to MathJax: look for the delimiters in prose text
  const walker = document.createTreeWalker(document.querySelector('main') || document.body,
                                           NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, parent = node.parentElement;
    if (parent.closest('pre, code, script, style, .highlight, mjx-container, .cell_output')) continue;
    if (/\$\$|\\\(|\\\[|\\frac|\\eta\b/.test(node.textContent)) raw.push(node.textContent.slice(0, 80));
  }
  return raw;
}
"""

SETTLE_TIMEOUT_S = 30
JS_LOADED = """
() => document.readyState === 'complete' && document.fonts.status === 'loaded'
      && Array.from(document.images).every(im => im.complete)
"""

JS_IMAGES = """
() => Array.from(document.images).filter(im => !(im.complete && im.naturalWidth > 0))
                                  .map(im => (im.getAttribute('src') || '').slice(0, 80))
"""

JS_CELLS = """
(pattern) => {
  const re = new RegExp(pattern);
  const bad = [];
  document.querySelectorAll('div.cell').forEach((cell, i) => {
    const code = (cell.querySelector('.cell_input') || {}).textContent || '';
    const out = cell.querySelector('.cell_output');
    if (out && out.getBoundingClientRect().height < 4)
      bad.push(`cell ${i}: output is empty`);
    if (re.test(code)) {
      const imgs = out ? Array.from(out.querySelectorAll('img')) : [];
      if (!imgs.some(im => im.complete && im.naturalWidth > 0))
        bad.push(`cell ${i}: draws a figure but shows no image`);
    }
  });
  if (document.querySelector('script[type="application/vnd.jupyter.widget-view+json"]'))
    bad.push('an ipywidgets view is embedded: it renders as an empty box without a kernel');
  return bad;
}
"""


JS_FIGURES = """
(minPx) => {
  const bad = [];
  const article = document.querySelector('article.bd-article') || document.querySelector('main');
  const cs = getComputedStyle(article);
  const column = article.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
  document.querySelectorAll('.cell_output img').forEach((im, i) => {
    const fig = im.closest('figure.ebt-figure');
    const src = (im.getAttribute('src') || '').slice(0, 60);
    if (!fig) { bad.push(`image ${i} (${src}) is not an ebtricks figure with a caption`); return; }
    const cap = fig.querySelector('figcaption');
    if (!cap || !/^Figure \\d+\\./.test(cap.textContent.trim()))
      bad.push(`image ${i}: no numbered caption "Figure N."`);
    if ((im.getAttribute('alt') || '').trim().length < 20)
      bad.push(`image ${i}: no alt text`);
    const fontPx = parseFloat(im.dataset.minFontPx || '0');
    const shown = fontPx * im.clientWidth / (im.naturalWidth || 1);
    if (!(shown >= minPx))
      bad.push(`image ${i}: smallest text reads ${shown.toFixed(1)} px on screen (< ${minPx})`);
    if (im.clientWidth < 0.9 * column)
      bad.push(`image ${i}: ${im.clientWidth} px wide in a ${Math.round(column)} px column`);
  });
  const numbers = Array.from(document.querySelectorAll('figure.ebt-figure figcaption strong'))
                       .map(el => parseInt(el.textContent.replace('Figure', ''), 10));
  numbers.forEach((n, i) => { if (n !== i + 1) bad.push(`figure ${i + 1} is numbered ${n}`); });
  return bad;
}
"""

JS_OVERFLOW = """
() => {
  const bad = [];
  const article = document.querySelector('article.bd-article') || document.querySelector('main');
  const right = article.getBoundingClientRect().right;
  article.querySelectorAll('*').forEach(el => {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || !el.checkVisibility()) return;
    // code may scroll (it is code: cell inputs, code blocks, API examples); outputs,
    // tables, figures and prose may not
    if (el.closest('mjx-container, .MathJax, .cell_input')) return;
    if (el.closest('div.highlight') && !el.closest('.cell_output')) return;
    const what = el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
                 ? '.' + el.className.split(' ')[0] : '');
    if (r.right > right + 2) bad.push(`${what} reaches ${Math.round(r.right - right)} px past the column`);
    else if (el.scrollWidth > el.clientWidth + 2 && getComputedStyle(el).overflowX !== 'visible'
             && getComputedStyle(el).overflowX !== 'hidden')
      bad.push(`${what} scrolls sideways (${el.scrollWidth} px in ${el.clientWidth})`);
  });
  return bad.slice(0, 10);
}
"""


def _initial_load(requests: list[str]) -> tuple[int, list[str]]:
    """Bytes of the files a page fetched on load, outside _static/ (theme, MathJax)."""
    total, heavy = 0, []
    for url in set(requests):
        if not url.startswith("file:"):
            continue
        path = Path(unquote(urlsplit(url).path))
        if "_static" in path.parts or not path.is_file():
            continue
        size = path.stat().st_size
        total += size
        heavy.append((size, path.name))
    return total, [f"{n} ({s / 1e3:.0f} kB)" for s, n in sorted(heavy, reverse=True)[:5]]


@pytest.mark.parametrize("rel", _page_ids())
def test_page_renders_offline(browser, rel):
    page_path = HTML / rel
    assert page_path.exists(), f"{rel} missing; build the book first"
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors, network, requested = [], [], []
    page.on("pageerror", lambda exc: errors.append(f"JS error: {exc}"))
    page.on("console", lambda msg: errors.append(f"console {msg.type}: {msg.text}")
            if msg.type == "error" else None)

    def route(r):
        url = r.request.url
        requested.append(url)
        if url.startswith(("file:", "data:", "blob:")):
            r.continue_()
        else:
            network.append(url)
            r.abort()
    page.route("**/*", route)
    inflight = set()
    page.on("request", lambda r: inflight.add(r))
    page.on("requestfinished", lambda r: inflight.discard(r))
    page.on("requestfailed", lambda r: inflight.discard(r))
    page.goto(page_path.as_uri(), wait_until="load")
    has_math = page.evaluate("() => document.querySelectorAll('.math').length") > 0
    if has_math:
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                               timeout=20000)
        page.evaluate("() => MathJax.startup.promise")
    pending = _settle(page, inflight)
    loaded = list(requested)
    problems = []
    problems += [f"needs the network: {u}" for u in network]
    problems += [f"raw TeX: {t!r}" for t in page.evaluate(JS_MATH_CHECK)]
    problems += [f"image did not load: {s}" for s in page.evaluate(JS_IMAGES)]
    problems += page.evaluate(JS_CELLS, FIGURE_CODE.pattern)
    problems += page.evaluate(JS_FIGURES, MIN_TEXT_PX)
    problems += page.evaluate(JS_OVERFLOW)
    if not has_math and any("/_static/mathjax/" in u for u in loaded):
        problems.append("MathJax is loaded on a page without math")
    size, heaviest = _initial_load(loaded)
    if size > MAX_INITIAL_BYTES:
        problems.append(f"initial load {size / 1e6:.2f} MB beyond theme and MathJax "
                        f"(at most {MAX_INITIAL_BYTES / 1e6} MB): {', '.join(heaviest)}")
    n_figures = page.locator("figure.ebt-figure").count()
    frames_loaded = len({u for u in loaded if "/_images/ebt/" in u})
    if frames_loaded > n_figures:
        problems.append(f"{frames_loaded} figure images fetched on load for {n_figures} "
                        f"figures: slider frames must wait until a slider is touched")
    if page_path.parent.name == "book" and page_path.name not in NOT_CONTENT:
        for section in ("summary", "exercises"):
            if not page.locator(f"section#{section}").count():
                problems.append(f"no '## {section.title()}' section")
    problems += _check_sliders(page)
    problems += errors
    context.close()
    if problems and pending:
        problems.append(f"(requests still open after {SETTLE_TIMEOUT_S} s: {', '.join(pending)})")
    assert not problems, f"{rel}:\n" + "\n".join(problems)


def _settle(page, inflight: set, quiet_ms: int = 500) -> list[str]:
    """Wait until no request has been open for ``quiet_ms`` and every image and font has
    loaded, at most SETTLE_TIMEOUT_S; return the URLs still open then.

    Playwright's "networkidle" state does the same without the deadline and once, in CI,
    never arrived on a page whose checks all pass (a request left open by the browser).
    A page that really misses a file still fails: its image or math checks report it, and
    the open requests are named beside them.
    """
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    quiet_since = None
    while time.monotonic() < deadline:
        page.wait_for_timeout(100)
        if inflight:
            quiet_since = None
            continue
        quiet_since = quiet_since or time.monotonic()
        if (time.monotonic() - quiet_since) * 1000 >= quiet_ms and page.evaluate(JS_LOADED):
            return []
    return sorted({r.url.rsplit("/", 1)[-1][:60] for r in inflight})


def test_site_weight():
    total = sum(p.stat().st_size for p in HTML.rglob("*") if p.is_file())
    assert total <= MAX_SITE_BYTES, f"the built site is {total / 1e6:.1f} MB (at most 60 MB)"


def test_sidebar_shows_every_page(browser):
    """The sidebar of the landing page shows a visible link to every page of the table of
    contents (not folded away under a chapter)."""
    import sys
    sys.path.insert(0, str(ROOT / "_ext"))
    from execute_book import toc_files

    root, *files = toc_files(ROOT)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((HTML / f"{root}.html").as_uri())
    hidden = [f for f in files
              if not page.locator(f'.bd-sidebar a[href$="{Path(f).name}.html"]').first.is_visible()]
    page.close()
    assert not hidden, f"pages not visible in the sidebar: {hidden}"


def _check_sliders(page) -> list[str]:
    problems = []
    figures = page.locator("div.ebt-interactive")
    for f in range(figures.count()):
        fig = figures.nth(f)
        img = fig.locator("img.ebt-frame")
        caption = fig.locator(".ebt-caption").inner_text()
        sliders = fig.locator("input.ebt-slider")
        for s in range(sliders.count()):
            slider = sliders.nth(s)
            label = slider.get_attribute("aria-label")
            shown = slider.locator("xpath=..").locator("output").inner_text()
            if f"{label} = {shown}" not in caption:
                problems.append(f"figure {f}: caption {caption!r} does not name the slider's "
                                f"default {label} = {shown}")
            top = int(slider.get_attribute("max"))
            if top == 0:
                continue
            before = img.get_attribute("src")
            current = int(slider.input_value())
            slider.fill(str(top if current != top else 0))
            after = img.get_attribute("src")
            if after == before:
                problems.append(f"figure {f}: moving slider {label!r} did not change the picture")
            if slider.locator("xpath=..").locator("output").inner_text() == shown:
                problems.append(f"figure {f}: slider {label!r} readout did not follow")
            natural = img.evaluate("im => im.decode().then(() => im.naturalWidth)")
            if not natural:
                problems.append(f"figure {f}: frame after moving {label!r} is not an image")
            slider.fill(str(current))
            if img.get_attribute("src") != before:
                problems.append(f"figure {f}: moving {label!r} back did not restore the picture")
            slider.focus()
            slider.press("ArrowLeft" if current == top else "ArrowRight")
            if img.get_attribute("src") == before:
                problems.append(f"figure {f}: the keyboard does not move slider {label!r}")
            slider.fill(str(current))
    return problems
