"""The real site builds strictly, and what a reader gets is there: badges, ledger, no third-party requests."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def site(built_site) -> Path:
    return built_site


def pages(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in site.rglob("*.html")}


def test_no_third_party_request_at_page_load(site):
    # Fonts, scripts and styles must come from the site itself.
    # rel="canonical" names the page's address; browsers do not fetch it.
    external = re.compile(r'<(?:link(?![^>]*rel="canonical")|script|img)[^>]+(?:href|src)="(?:https?:)?//[^"]+"')
    offenders = {name: external.findall(html) for name, html in pages(site).items() if external.search(html)}
    assert offenders == {}
    assert "fonts.googleapis.com" not in "".join(pages(site).values())


def test_reader_features_are_on(site):
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "content.code.copy" in index and "content.tabs.link" in index  # Material features
    assert 'data-md-color-scheme="slate"' in index or "slate" in index  # dark mode toggle
    assert (site / "search" / "search_index.json").is_file()


def test_every_claim_token_became_a_badge(site):
    for name, html in pages(site).items():
        assert "[claim:" not in html, f"{name} still shows a raw claim token"


def test_ledger_lists_every_claim(site):
    from harness import claims

    ledger = (site / "ledger" / "index.html").read_text(encoding="utf-8")
    parsed, _ = claims.snippets(ROOT)
    ids = [c.id for s in parsed for c in s.claims]
    assert ids, "no claims found"
    missing = [cid for cid in ids if f'id="{cid}"' not in ledger]
    assert missing == []


def test_downloads_are_served_byte_for_byte_and_linked(site):
    from harness.site import DOWNLOADS

    for uri, source in DOWNLOADS.items():
        assert (site / uri).read_bytes() == (ROOT / source).read_bytes(), uri
    audit = (site / "audit" / "index.html").read_text(encoding="utf-8")
    assert 'href="../eval_audit.py"' in audit
