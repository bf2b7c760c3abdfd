"""The site serves every snippet's source itself: one page per file, each line an anchor.

Proof links (the ledger's "Proof" column) point here, to the line where the claim's asserts
start, so they work before and without a public repository. The code is rendered to HTML with
Pygments here, not as a Markdown fence: a fence would have its engine markers removed (shifting
line numbers) and could be taken for a copyable block.
"""

from __future__ import annotations

import posixpath

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

PREFIX = "source"


def uri(snippet: str) -> str:
    """`snippets/accuracy/x.py` -> `source/snippets/accuracy/x.md` (served at source/snippets/accuracy/x/)."""
    return f"{PREFIX}/{snippet.removesuffix('.py')}.md"


def href(snippet: str, line: int, from_url: str) -> str:
    """A link from the page at ``from_url`` (e.g. `ledger/`) to ``line`` of the snippet's page."""
    target = f"{PREFIX}/{snippet.removesuffix('.py')}/"
    return posixpath.relpath(target, from_url.rstrip("/") or ".") + f"/#L-{line}"


def page(snippet: str, text: str, explained_on: list[tuple[str, str]]) -> str:
    """The Markdown of a source page: title, where it is explained ((page file, title) pairs), the
    code with line anchors."""
    code = highlight(
        text,
        PythonLexer(),
        HtmlFormatter(linenos="table", lineanchors="L", anchorlinenos=True, cssclass="highlight", wrapcode=True),
    )
    up = "../" * (snippet.count("/") + 1)  # from source/<folders>/ back to the docs root
    pages = ", ".join(f"[{title}]({up}{name})" for name, title in explained_on)
    where = f"Explained on {pages}. " if pages else ""
    return (
        "---\nsearch:\n  exclude: true\n---\n\n"
        f"# `{snippet}`\n\n"
        f"{where}The suite runs this file as it stands; its claims and their results are in the "
        f"[claims ledger]({up}ledger.md).\n\n"
        f'<div class="snippet-source no-copy" markdown="0">\n{code}</div>\n'
    )
