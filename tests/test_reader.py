"""The site as readers use it: on a phone and a laptop, light and dark, with a keyboard or a screen reader.

Every page of the built site is checked with axe-core (bundled by axe-playwright-python), for
sideways scrolling at 390 px, for images without a description, and for internal links that lead
nowhere. Screenshots of every page at both widths and in both schemes are written to
build/screenshots/ for a reviewer to look at (CI uploads them).
"""

from __future__ import annotations

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


def test_every_image_says_what_it_shows(browser, pages, base_url):  # noqa: F811
    page = browser.new_page()
    bad = []
    for path in pages:
        page.goto(base_url + path, wait_until="networkidle")
        for alt in page.eval_on_selector_all("article img", "imgs => imgs.map(i => i.getAttribute('alt'))"):
            if not alt or "No description has been provided" in alt or len(alt.split()) < 4:
                bad.append(f"/{path}: image alt text {alt!r}")
    page.close()
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
