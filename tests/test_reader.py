"""The site as readers use it: on a phone and a laptop, light and dark, with a keyboard or a screen reader.

Every page of the built site is checked with axe-core (bundled by axe-playwright-python), for
sideways scrolling at 390 px, for images without a description, and for internal links that lead
nowhere. Screenshots of every page at both widths and in both schemes are written to
build/screenshots/ for a reviewer to look at (CI uploads them).
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
from test_browser import CHROMIUM, base_url, browser  # noqa: F401 - fixtures shared with the browser tests

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "build" / "screenshots"
WIDTHS = {"phone": 390, "laptop": 1280}
SCHEMES = ("light", "dark")
SERIOUS = {"serious", "critical"}
SOURCE_SAMPLE = "source/snippets/accuracy/validation_list"

pytestmark = [
    pytest.mark.enable_socket,  # the site is served on 127.0.0.1
    pytest.mark.skipif(
        not Path(CHROMIUM).is_file(), reason="no chromium or chrome installed (Debian: apt-get install chromium)"
    ),
]


def site_pages(site: Path) -> list[str]:
    """Every HTML page of the built site, as a path relative to its root ('' for the home page)."""
    pages = []
    for html in sorted(site.rglob("index.html")):
        rel = html.parent.relative_to(site).as_posix()
        if rel.startswith(("assets", "search")) or rel == "404":
            continue
        # One page per snippet (the proof links' target), all from one template: check one of them.
        if rel.startswith("source/") and rel != SOURCE_SAMPLE:
            continue
        pages.append("" if rel == "." else rel + "/")
    return pages


@pytest.fixture(scope="module")
def pages(built_site) -> list[str]:
    found = site_pages(built_site)
    assert "" in found and "ledger/" in found, found
    return found


@pytest.fixture(scope="module", params=SCHEMES)
def scheme_context(request, browser):  # noqa: F811
    context = browser.new_context(color_scheme=request.param, viewport={"width": 1280, "height": 900})
    yield request.param, context
    context.close()


def test_axe_finds_no_serious_problem_on_any_page(scheme_context, pages, base_url):  # noqa: F811
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
    scheme, context = scheme_context
    page = context.new_page()
    axe = axe_module.Axe()
    found = []
    for path in pages:
        page.goto(base_url + path, wait_until="networkidle")
        for violation in axe.run(page).response["violations"]:
            if violation["impact"] in SERIOUS:
                targets = [" ".join(node["target"]) for node in violation["nodes"][:3]]
                found.append(f"/{path} ({scheme}): {violation['id']} x{len(violation['nodes'])}, e.g. {targets}")
    page.close()
    assert found == [], "axe-core, serious or critical:\n" + "\n".join(found)


def test_no_page_scrolls_sideways_on_a_phone_and_screenshots(browser, pages, base_url):  # noqa: F811
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    wide = []
    for scheme in SCHEMES:
        for device, width in WIDTHS.items():
            context = browser.new_context(color_scheme=scheme, viewport={"width": width, "height": 900})
            page = context.new_page()
            for path in pages:
                page.goto(base_url + path, wait_until="networkidle")
                scroll, client = page.evaluate(
                    "[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
                )
                if scroll > client:
                    wide.append(f"/{path} at {width} px ({scheme}): the page is {scroll} px wide")
                name = (path.strip("/") or "home").replace("/", "-")
                page.screenshot(path=SCREENSHOTS / f"{name}-{device}-{scheme}.png")
            context.close()
    assert wide == [], "\n".join(wide)


# Images and figures of the page's content: <img>, and inline SVG drawings (the measurements page's
# plots) as opposed to icons, which are small and marked aria-hidden or sit in links and buttons.
FIGURES = "article img, article svg[role=img], article figure svg"
_DESCRIPTIONS = """els => els.map(e => e.tagName.toLowerCase() === 'img' ? e.getAttribute('alt')
    : e.getAttribute('role') === 'img' ? (e.getAttribute('aria-label') || e.querySelector('title')?.textContent)
    : null)"""


def test_every_image_says_what_it_shows(browser, pages, base_url):  # noqa: F811
    page = browser.new_page()
    bad = []
    for path in pages:
        page.goto(base_url + path, wait_until="networkidle")
        for alt in page.eval_on_selector_all(FIGURES, _DESCRIPTIONS):
            if not alt or "No description has been provided" in alt or len(alt.split()) < 4:
                bad.append(f"/{path}: image or figure without a description of what it shows: {alt!r}")
    page.close()
    assert bad == [], "\n".join(bad)


SMALLEST_TEXT_PX = 10  # the plots' smallest text as drawn on a 390 px phone, in CSS pixels
_TEXT_SIZES = """svgs => svgs.map(svg => { const box = svg.viewBox.baseVal;
    const scale = box && box.width ? svg.getBoundingClientRect().width / box.width : 1;
    return Math.min(...Array.from(svg.querySelectorAll('text'),
                                  t => parseFloat(getComputedStyle(t).fontSize) * scale)); })"""


def test_plot_text_is_legible_on_a_phone(browser, pages, base_url):  # noqa: F811
    """A plot is never shrunk below legible text to fit a phone: it scrolls inside its own box."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    small, seen = [], 0
    for path in pages:
        page.goto(base_url + path, wait_until="networkidle")
        for number, size in enumerate(page.eval_on_selector_all("article figure svg", _TEXT_SIZES), start=1):
            seen += 1
            if size < SMALLEST_TEXT_PX:
                small.append(f"/{path} figure {number}: text drawn at {size:.1f} px at 390 px")
    context.close()
    assert seen >= 3, "the measurements page should show its plots"
    assert small == [], "\n".join(small)


def _luminance(rgb) -> float:
    def channel(c):
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a, b) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_plots_follow_the_colour_scheme(browser, pages, base_url, scheme):  # noqa: F811
    """The plots are drawn on the page's own background, with text that reads on it: in dark mode
    they are not white rectangles, in light mode not black ones (measured on screenshots)."""
    image_module = pytest.importorskip("PIL.Image")

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    bad, seen = [], {}
    for path in pages:
        page.goto(base_url + path, wait_until="networkidle")
        background = page.evaluate(
            "() => { const c = document.createElement('canvas').getContext('2d');"
            " c.fillStyle = getComputedStyle(document.body).backgroundColor; c.fillRect(0, 0, 1, 1);"
            " return Array.from(c.getImageData(0, 0, 1, 1).data); }"
        )
        for figure in page.query_selector_all(FIGURES):
            box = figure.bounding_box()
            if not box or box["width"] < 120 or box["height"] < 80:
                continue  # an icon, not a plot
            seen[path] = seen.get(path, 0) + 1
            figure.scroll_into_view_if_needed()
            png = figure.screenshot()  # kept for a reviewer: the page screenshots show only its top
            page_name = (path.strip("/") or "home").replace("/", "-")
            (SCREENSHOTS / f"{page_name}-figure-{seen[path]}-{scheme}.png").write_bytes(png)
            shot = image_module.open(io.BytesIO(png)).convert("RGB")
            pixels = list(getattr(shot, "get_flattened_data", shot.getdata)())
            far = sum(_contrast(p, background) > 3 for p in pixels) / len(pixels)
            name = f"/{path} figure {seen[path]} ({scheme})"
            # A plot is mostly background: lines, text and bars cover a minority of its pixels. A plot
            # on an opaque white (or black) box differs from the page background nearly everywhere.
            if far > 0.5:
                bad.append(f"{name}: {far:.0%} of its pixels stand out from the page background {background[:3]}")
            # Its text (inline SVG) reads on the page background: WCAG AA for text, 4.5:1.
            fill = figure.evaluate(
                "svg => { const t = svg.tagName.toLowerCase() === 'svg' && svg.querySelector('text');"
                " if (!t) return null; const c = document.createElement('canvas').getContext('2d');"
                " c.fillStyle = getComputedStyle(document.body).backgroundColor; c.fillRect(0, 0, 1, 1);"
                " c.fillStyle = getComputedStyle(t).fill; c.fillRect(0, 0, 1, 1);"
                " return Array.from(c.getImageData(0, 0, 1, 1).data); }"
            )
            if fill is not None and _contrast(fill, background) < 4.5:
                bad.append(f"{name}: text {fill[:3]} on {background[:3]} is {_contrast(fill, background):.2f}:1")
    context.close()
    assert seen.get("measurements/", 0) >= 3, f"the measurements page should show its plots: {seen}"
    assert bad == [], "\n".join(bad)


def test_every_internal_link_leads_somewhere(built_site, pages, base_url):  # noqa: F811
    """Notebook pages included: `mkdocs build --strict` does not check the links inside them."""
    broken = []
    for path in pages:
        html = (built_site / path / "index.html").read_text(encoding="utf-8")
        main = html.split("<article", 1)[-1].split("</article>", 1)[0]
        for href in re.findall(r'href="([^"#][^"]*)"', main):
            url = urlparse(urljoin(base_url + path, href))
            if url.scheme not in ("http", "https") or url.netloc != urlparse(base_url).netloc:
                continue
            target = built_site / url.path.lstrip("/")
            if not (target.is_file() or (target / "index.html").is_file()):
                broken.append(f"/{path}: {href}")
    assert broken == [], "links to nothing:\n" + "\n".join(broken)


# The page a reader searching for an API name should get first. `no_grad` is also the subject of
# detach's "detach() or no_grad?" section, which may rank first: the chapter must be in the top two.
SEARCHES = {
    "no_grad": ("no-grad/", "detach/"),
    "inference_mode": ("inference-mode/",),
    "item": ("detach/",),
    "detach": ("detach/",),
    "running_loss": ("accuracy/",),
    "saved_tensors_hooks": ("accuracy/",),
    "BatchNorm": ("eval-mode/",),
}


def test_search_finds_api_names(browser, base_url):  # noqa: F811
    page = browser.new_page()
    page.goto(base_url, wait_until="networkidle")
    page.click("input.md-search__input")
    wrong = []
    for query, expected in SEARCHES.items():
        page.fill("input.md-search__input", "")
        page.type("input.md-search__input", query)  # typed: search runs on key events
        page.wait_for_function("() => /matching/.test(document.querySelector('.md-search-result__meta').textContent)")
        page.wait_for_timeout(500)  # let the last keystroke's results render
        hrefs = page.eval_on_selector_all(".md-search-result__item > a", "as => as.map(a => a.getAttribute('href'))")
        found = list(dict.fromkeys(urlparse(urljoin(base_url, h)).path.lstrip("/") for h in hrefs))
        if expected[0] not in found[: len(expected)]:
            wrong.append(f"{query!r}: pages in order {found[:3]}, expected /{expected[0]} in the first {len(expected)}")
    page.close()
    assert wrong == [], "\n".join(wrong)


def test_ledger_filters_by_page_and_status(browser, base_url):  # noqa: F811
    page = browser.new_page()
    page.goto(base_url + "ledger/", wait_until="networkidle")
    rows = page.locator("table.ledger tbody tr")
    total = rows.count()

    def visible(attribute: str) -> list[str]:
        return page.eval_on_selector_all(
            "table.ledger tbody tr", f"rows => rows.filter(r => !r.hidden).map(r => r.dataset.{attribute})"
        )

    page.select_option("form.ledger-filter select[name=page]", "no-grad.md")
    shown = visible("page")
    assert 0 < len(shown) < total and set(shown) == {"no-grad.md"}
    page.select_option("form.ledger-filter select[name=page]", "")
    page.select_option("form.ledger-filter select[name=status]", "passed")
    shown = visible("status")
    assert 0 < len(shown) <= total and all("passed" in s.split() for s in shown)
    assert page.input_value("form.ledger-filter select[name=status]") == "passed"
    page.close()
