"""The real site builds strictly, and what a reader gets is there: badges, ledger, no third-party requests."""

from __future__ import annotations

import html as htmllib
import os
import re
from pathlib import Path

import pytest

from harness.describe import description

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


def test_each_chapter_is_described_by_its_short_answer(site):
    """The meta description (link previews, search engines) is the page's short answer, in plain words."""
    for page in sorted((ROOT / "docs").glob("*.md")):
        expected = description(page.read_text(encoding="utf-8"))
        if expected is None:
            continue
        html = (site / page.stem / "index.html").read_text(encoding="utf-8")
        found = re.search(r'<meta name="description" content="([^"]*)"', html)
        assert found and htmllib.unescape(found[1]) == expected, (page.name, found and found[1])
        assert "`" not in expected and "[claim:" not in expected and len(expected) <= 160


def test_home_page_and_ledger_state_the_not_verified_count(site):
    sentence = re.compile(r'<p class="ledger-counts">(\d+) claims: (\d+) verified .*?; (\d+) not verified')
    home = sentence.search((site / "index.html").read_text(encoding="utf-8"))
    ledger = sentence.search((site / "ledger" / "index.html").read_text(encoding="utf-8"))
    assert home and ledger and home.groups() == ledger.groups()
    total, verified, not_verified = map(int, home.groups())
    assert total == verified + not_verified > 0


def test_no_green_mark_on_a_claim_that_passed_nowhere(site):
    for name, html in pages(site).items():
        for kind, text in re.findall(r'<a class="claim-badge ([^"]*)"[^>]*>([^<]*)</a>', html):
            if "✓" not in text:
                assert "passed" not in kind.split(), f"{name}: {kind} {text}"
            if "not-verified" in kind.split():
                assert text.startswith("not verified") and "✓" not in text, f"{name}: {text}"


def test_downloads_are_served_byte_for_byte_and_linked(site):
    from harness.site import DOWNLOADS

    for uri, source in DOWNLOADS.items():
        assert (site / uri).read_bytes() == (ROOT / source).read_bytes(), uri
    audit = (site / "audit" / "index.html").read_text(encoding="utf-8")
    assert 'href="../eval_audit.py"' in audit


def test_proof_links_lead_to_the_served_source_line(site):
    """The ledger's proof links work without a repository: the site serves each snippet, line by line."""
    ledger = (site / "ledger" / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'href="\.\./(source/[^"#]+)#(L-\d+)"', ledger)
    assert links, "no proof link to a served snippet page"
    for path, anchor in set(links):
        page = (site / path / "index.html").read_text(encoding="utf-8")
        assert f'id="{anchor}"' in page, (path, anchor)
    if not os.environ.get("REPO_URL"):
        assert "github.com" not in ledger, "a repository link although none is configured"


def test_ledger_collapses_a_platform_without_results_to_one_note(site):
    ledger = (site / "ledger" / "index.html").read_text(encoding="utf-8")
    cuda_recorded = (ROOT / "docs" / "results" / "cuda.json").is_file()
    assert ("<th>CUDA</th>" in ledger) == cuda_recorded
    assert ('class="ledger-note">No CUDA results are recorded yet' in ledger) != cuda_recorded


def test_audit_overhead_table_is_the_recorded_run():
    """The audit page's overhead figures are docs/results/audit-overhead-cpu.json's, not typed anew."""
    import json

    record = json.loads((ROOT / "docs" / "results" / "audit-overhead-cpu.json").read_text(encoding="utf-8"))
    page = (ROOT / "docs" / "audit.md").read_text(encoding="utf-8")
    names = {"mlp": "MLP", "cnn": "small CNN"}
    for key, m in record["models"].items():
        q1, _, q3 = m["ratio_quartiles"]
        row = (
            f"| {names[key]} | {m['plain_median_s'] * 1000:.3g} ms | {m['audited_median_s'] * 1000:.3g} ms | "
            f"{m['ratio_median']:.2f}× | {q1:.2f}× – {q3:.2f}× | {m['ratio_min']:.2f}× – {m['ratio_max']:.2f}× |"
        )
        assert row in page, f"docs/audit.md does not show the recorded run: expected {row}"
    assert f"Torch {record['torch'].split('+')[0]}" in page and f"{m['rounds']} rounds" in page
