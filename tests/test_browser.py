"""What a reader's browser gets, served over HTTP as on GitHub Pages.

Search, the dark-mode toggle, copy buttons and claim badges work, and no request leaves
the site. Runs in Debian's chromium driven by playwright; skipped, with the reason, where
chromium is not installed.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path

import pytest

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
