"""MkDocs hooks: the site shows, next to each claim, where it was proven and on what.

- Before building, every snippet's section markers and the claims registry are checked
  (pymdownx.snippets does not notice a misspelt end marker); problems fail the build.
- `[claim: ID]` tokens become badges drawn from the recorded results files.
- The claims ledger and the myths page are generated, never written by hand.
"""

from __future__ import annotations

import os
import posixpath
import sys
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # make `harness` importable

from harness import claims as registry  # noqa: E402
from harness import ledger  # noqa: E402
from harness.reader_code import ReaderCodeExtension  # noqa: E402

_STATE: dict = {}
# Site path -> repository file: downloads linked from pages (docs/audit.md links eval_audit.py).
DOWNLOADS = {"eval_audit.py": "snippets/audit/eval_audit.py"}


def on_config(config):
    root = Path(config.config_file_path).resolve().parent
    claims = registry.load(root)
    problems = registry.problems(root, claims)
    if problems:
        raise PluginError("claims and snippets are inconsistent:\n  " + "\n  ".join(problems))
    results = ledger.load_results(root, claims.claim_ids)
    data = ledger.build(root, claims.snippets, claims.references, results)
    require_cuda = os.environ.get("DOCS_REQUIRE_CUDA_RESULTS", "") not in ("", "0")
    errors = ledger.check(data, require_cuda=require_cuda)
    myths = ledger.load_myths(root)
    errors += ledger.check_myths(myths, data)
    if errors:
        raise PluginError("the ledger cannot be built:\n  " + "\n  ".join(errors))
    _STATE.update(data=data, myths=myths, repo=str(config.extra.get("source_url", "")).rstrip("/"))
    # Engine markers out of the code readers see and copy; output blocks without a copy button.
    config.markdown_extensions.append(ReaderCodeExtension())
    return config


def on_files(files, config):
    files.append(File.generated(config, "ledger.md", content=ledger.render_ledger(_STATE["data"], _STATE["repo"])))
    files.append(File.generated(config, "myths.md", content=ledger.render_myths(_STATE["myths"])))
    # Helper files a page offers for download, served next to that page's folder, byte for byte.
    root = Path(config.config_file_path).resolve().parent
    for uri, source in DOWNLOADS.items():
        if (root / source).is_file():  # a project without the page (the engine's test projects) has none
            files.append(File.generated(config, uri, content=(root / source).read_bytes()))
    return files


def on_page_markdown(markdown, page, config, files):
    if page.file.generated_by:
        page.edit_url = None  # generated pages have no source to edit
    return markdown


def on_page_content(content, page, config, files):
    """Badges go in after Markdown (and notebook) rendering, so notebook pages get them too."""
    data = _STATE["data"]
    to_ledger = posixpath.relpath("ledger", page.url.rstrip("/") or ".") + "/"

    def badge(match):
        claim = data.claims[match[1]]
        return ledger.badge_html(claim, data, f"{to_ledger}#{claim.id}")

    content, count = registry.TOKEN.subn(badge, content)
    if count and "</h1>" in content:
        summary = ledger.page_summary(data, page.file.src_uri, to_ledger)
        content = content.replace("</h1>", f"</h1>\n{summary}", 1)
    return content
