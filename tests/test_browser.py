"""What a reader's browser gets, served over HTTP as on GitHub Pages.

Search, the dark-mode toggle, copy buttons and claim badges work, no request leaves the site,
and every copy button copies a program that runs alone (run through the snippet sandbox).
Runs in Debian's chromium driven by playwright; skipped, with the reason, where chromium is
not installed.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path

import pytest

from harness import copyable
from harness.results import EXTRA

ROOT = Path(__file__).resolve().parents[1]

# Debian's chromium; elsewhere an installed Chrome (GitHub's Ubuntu runners have one).
CHROMIUM = next(
    (
        p
        for p in (shutil.which("chromium"), shutil.which("google-chrome"), "/usr/bin/chromium")
        if p and Path(p).is_file()
    ),
    "/usr/bin/chromium",
)
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.enable_socket,  # the test serves the site on 127.0.0.1
    pytest.mark.skipif(
        not Path(CHROMIUM).is_file(), reason="no chromium or chrome installed (Debian: apt-get install chromium)"
    ),
]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def base_url(built_site):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(built_site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, base_url):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.requests = []
    page.on("request", lambda request: page.requests.append(request.url))
    yield page
    context.close()


def test_pages_make_no_third_party_request(page, base_url):
    for path in ("", "accuracy/", "measurements/", "ledger/"):
        page.goto(base_url + path, wait_until="networkidle")
    outside = [url for url in page.requests if not url.startswith(base_url) and not url.startswith("data:")]
    assert outside == []


def test_search_finds_inference_pages(page, base_url):
    page.goto(base_url, wait_until="networkidle")
    page.keyboard.press("/")  # Material's search shortcut
    # Typed key by key: Material searches on key events, which fill() does not send.
    page.locator("input.md-search__input").press_sequentially("inference", delay=20)
    results = page.locator(".md-search-result__item")
    results.first.wait_for()
    assert results.count() > 0


def test_dark_mode_toggle_switches_scheme(page, base_url):
    page.goto(base_url, wait_until="networkidle")
    before = page.get_attribute("body", "data-md-color-scheme")
    page.locator("form[data-md-component=palette] label:visible").first.click()
    after = page.get_attribute("body", "data-md-color-scheme")
    assert {before, after} == {"default", "slate"}


def test_code_has_copy_button_and_badges_link_to_ledger(page, base_url):
    page.goto(base_url + "accuracy/", wait_until="networkidle")
    # Material 9.7 and later put copy buttons in the code block's toolbar; older ones use .md-clipboard.
    assert page.locator("button[data-md-type=copy], button.md-clipboard").count() > 0
    badge = page.locator("a.claim-badge").first
    claim = badge.get_attribute("id")
    badge.click()
    page.wait_for_url(f"**/ledger/#{claim}")
    assert page.locator(f"[id='{claim}']").count() == 1


# Material 9.7 and later put copy buttons in the code block's toolbar; older ones use .md-clipboard.
_COPY_BUTTONS = "button[data-md-type=copy], button.md-clipboard"
# What each copy writes to the clipboard, recorded from the `copy` event that Material's
# clipboard.js fires (it copies the selection of a hidden textarea holding the block's text).
_RECORD_COPIES = """
window.__copied = [];
document.addEventListener("copy", () => {
  const el = document.activeElement;
  window.__copied.push(
    el && "value" in el ? el.value.substring(el.selectionStart, el.selectionEnd) : String(document.getSelection()));
}, true);
"""
# Click every copy button in page order, first opening the tab or details that hides it.
_CLICK_ALL = """() => {
  const copied = [];
  for (const button of document.querySelectorAll(SELECTOR)) {
    for (let el = button; el; el = el.parentElement) {
      if (el.tagName === "DETAILS") el.open = true;
      if (el.classList && el.classList.contains("tabbed-block")) {
        const index = Array.from(el.parentElement.children).indexOf(el);
        el.closest(".tabbed-set").querySelectorAll(":scope > input")[index].click();
      }
    }
    window.__copied = [];
    button.click();
    copied.push(window.__copied.length === 1 ? window.__copied[0] : null);
  }
  return copied;
}""".replace("SELECTOR", repr(_COPY_BUTTONS))
_SENTINEL = "\u2400 nothing copied \u2400"


def _source_of(url_path: str) -> Path | None:
    """The Markdown page a built page comes from (generated and notebook pages have none)."""
    name = url_path.strip("/") or "index"
    page = ROOT / "docs" / f"{name}.md"
    return page if page.is_file() else None


def _copied_texts(page) -> list[str | None]:
    """What each copy button on the loaded page puts on the clipboard, in page order.

    The first button is clicked with the mouse, as a reader does, and the clipboard read back;
    the others are clicked in the page (the same click handler, without a round trip per
    button), and the last copy is checked against the clipboard too.
    """
    buttons = page.locator(_COPY_BUTTONS)
    if buttons.count() == 0:
        return []
    page.evaluate("text => navigator.clipboard.writeText(text)", _SENTINEL)
    buttons.first.click()
    by_mouse = page.evaluate("navigator.clipboard.readText()")
    copied = page.evaluate(_CLICK_ALL)
    on_clipboard = page.evaluate("navigator.clipboard.readText()")
    assert by_mouse == copied[0], f"{page.url}: a mouse click on the first copy button copied {by_mouse!r}"
    assert on_clipboard == copied[-1], f"{page.url}: the clipboard holds {on_clipboard!r}, not the last copy"
    return copied


def test_every_copy_button_copies_a_program_that_runs(browser, base_url, built_site, request):
    """Click every copy button on every page and run what was copied alone, as a reader would."""
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    context.add_init_script(_RECORD_COPIES)
    page = context.new_page()
    page.set_default_timeout(15_000)
    cache = copyable.run_cache(request.config)
    problems: list[str] = []
    for html in sorted(built_site.rglob("index.html")):
        url_path = html.parent.relative_to(built_site).as_posix().removeprefix(".")
        source = _source_of(url_path)
        expected = copyable.blocks(source, ROOT) if source else []
        name = source.relative_to(ROOT).as_posix() if source else f"/{url_path}"
        if not expected and "<pre" not in html.read_text(encoding="utf-8"):
            continue  # no code block, so no copy button: not worth a page load
        page.goto(base_url + (f"{url_path}/" if url_path else ""), wait_until="load")
        copied = _copied_texts(page)
        if source is not None and len(copied) != len(expected):
            problems.append(
                f"{name}: {len(copied)} copy buttons, but the page has {len(expected)} code blocks that are "
                "not output (```text blocks must have none, every other block one)"
            )
            continue
        for number, text in enumerate(copied, 1):
            block = expected[number - 1] if expected else copyable.copied_block(name, number, text or "")
            if text is None:
                problems.append(f"{block.label}: the copy button copied nothing")
                continue
            if expected and text.strip() != block.text.strip():
                problems.append(f"{block.label}: the copy button copied other text than the page's source shows")
            block.text = text.rstrip() + "\n"
            result = copyable.run_block(block, request.config, cache)
            copyable.count(request.config, "copy_buttons", result)
            if result.status == "failed":
                problems.append(f"{block.label}: " + result.detail.replace("\n", "\n    "))
    context.close()
    counts = request.config.stash.get(EXTRA, {}).get("copy_buttons")
    assert counts and counts["python"] > 0, "no copy button found on any page"
    if problems:
        pytest.fail(f"{len(problems)} copied block(s) fail when run alone:\n" + "\n".join(problems), pytrace=False)
