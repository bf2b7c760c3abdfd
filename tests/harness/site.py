"""MkDocs hooks: the site shows, next to each claim, where it was proven and on what.

- Before building, every snippet's section markers and the claims registry are checked
  (pymdownx.snippets does not notice a misspelt end marker), and every page's includes
  (harness.includes: named sections of files the suite runs only); problems fail the build. The
  fence rules (harness.fences) are the suite's: this module runs without pytest (`nox -s docs`).
- `[claim: ID]` tokens become badges drawn from the recorded results files, each checked on load
  (harness.schema) and tied to the code it verified: stale and never-passed claims say so in words.
- `<!-- ledger-counts -->` (the home page) becomes the ledger's counts, not-verified claims included.
- `DOCS_REQUIRE_RESULTS=1` (the published site) fails on a missing or stale CPU result.
- The claims ledger and the myths page are generated, never written by hand.
"""

from __future__ import annotations

import logging
import os
import posixpath
import sys
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, InclusionLevel

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # make `harness` importable

from harness import claims as registry  # noqa: E402
from harness import includes, ledger, sources  # noqa: E402
from harness.describe import description  # noqa: E402
from harness.reader_code import ReaderCodeExtension  # noqa: E402

_STATE: dict = {}
COUNTS = "<!-- ledger-counts -->"
log = logging.getLogger("mkdocs.plugins.evalgrad")
# Site path -> repository file: downloads linked from pages (docs/audit.md links eval_audit.py).
DOWNLOADS = {"eval_audit.py": "snippets/audit/eval_audit.py"}


def on_config(config):
    root = Path(config.config_file_path).resolve().parent
    claims = registry.load(root)
    problems = registry.problems(root, claims)
    if problems:
        raise PluginError("claims and snippets are inconsistent:\n  " + "\n  ".join(problems))
    refused = [p for page in sorted((root / "docs").rglob("*.md")) for p in includes.problems(page, root)]
    if refused:
        raise PluginError("pages include what the suite does not run:\n  " + "\n  ".join(refused))
    results = ledger.load_results(root, claims.snippets)
    for note in results.notes:  # info, not warning: `mkdocs build --strict` would abort on a warning
        log.info(note)
    data = ledger.build(root, claims.snippets, claims.references, results)
    require_cuda = os.environ.get("DOCS_REQUIRE_CUDA_RESULTS", "") not in ("", "0")
    errors = results.errors + (results.notes if ledger.strict() else [])
    errors += ledger.check(data, require_cuda=require_cuda, require_results=ledger.strict())
    myths = ledger.load_myths(root)
    errors += ledger.check_myths(myths, data)
    if errors:
        raise PluginError("the ledger cannot be built:\n  " + "\n  ".join(errors))
    _STATE.update(data=data, myths=myths)
    repo = str(config.extra.get("source_url", "")).rstrip("/")
    if repo:  # repository links only where one is configured (REPO_URL, EDIT_URI)
        config.extra["social"] = [
            {"icon": "fontawesome/brands/github", "link": repo, "name": "Source, snippets and tests"}
        ]
    # Engine markers out of the code readers see and copy; output blocks without a copy button.
    config.markdown_extensions.append(ReaderCodeExtension())
    return config


def on_files(files, config):
    files.append(File.generated(config, "ledger.md", content=ledger.render_ledger(_STATE["data"])))
    files.append(File.generated(config, "myths.md", content=ledger.render_myths(_STATE["myths"])))
    # Every snippet's source, served as a page with line anchors: the proof links' target.
    data = _STATE["data"]
    explained: dict[str, dict[str, str]] = {}
    for row in data.claims.values():
        if row.page:
            explained.setdefault(row.snippet, {})[row.page.removeprefix("docs/")] = row.page_title
    root = Path(config.config_file_path).resolve().parent
    for snippet in sorted({row.snippet for row in data.claims.values()}):
        text = (root / snippet).read_text(encoding="utf-8")
        pages = sorted(explained.get(snippet, {}).items())
        files.append(
            File.generated(
                config, sources.uri(snippet), content=sources.page(snippet, text, pages),
                inclusion=InclusionLevel.NOT_IN_NAV,
            )
        )  # fmt: skip
    # Helper files a page offers for download, served next to that page's folder, byte for byte.
    for uri, source in DOWNLOADS.items():
        if (root / source).is_file():  # a project without the page (the engine's test projects) has none
            files.append(File.generated(config, uri, content=(root / source).read_bytes()))
    return files


def on_page_markdown(markdown, page, config, files):
    if page.file.generated_by:
        page.edit_url = None  # generated pages have no source to edit
    # The ledger, the myths, the measurements and the audit repeat the chapters' words: a search
    # for an API name should bring the chapter that explains it first.
    in_chapters = page.parent is not None and page.parent.title == "Chapters"
    if not page.is_homepage and not in_chapters:
        page.meta.setdefault("search", {"boost": 0.2})
    summary = description(markdown)
    if summary:
        page.meta.setdefault("description", summary)
    return markdown


def on_page_content(content, page, config, files):
    """Badges go in after Markdown (and notebook) rendering, so notebook pages get them too."""
    data = _STATE["data"]
    to_ledger = posixpath.relpath("ledger", page.url.rstrip("/") or ".") + "/"

    def badge(match):
        claim = data.claims[match[1]]
        return ledger.badge_html(claim, data, f"{to_ledger}#{claim.id}")

    content, count = registry.TOKEN.subn(badge, content)
    counts = f'<p class="ledger-counts">{ledger.counts_sentence(data)}</p>'
    if COUNTS in content:
        content = content.replace(COUNTS, counts)
    elif page.is_homepage and "</h1>" in content:  # the home page always states the counts
        content = content.replace("</h1>", f"</h1>\n{counts}", 1)
    if count and "</h1>" in content:
        summary = ledger.page_summary(data, page.file.src_uri, to_ledger)
        content = content.replace("</h1>", f"</h1>\n{summary}", 1)
    return content
