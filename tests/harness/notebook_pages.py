"""MkDocs hooks for notebook pages (mkdocs-jupyter): light pages whose links are checked.

- mkdocs-jupyter puts JupyterLab's whole stylesheet (575 kB), MathJax and Mermaid loaders and a
  clipboard script inline in every notebook page. Our notebook pages hide their code and show
  Markdown, HTML tables and inline SVG figures, which Material and docs/stylesheets/notebook.css
  style: everything before the notebook's own markup is dropped.
- Links inside a notebook's Markdown are not rewritten or checked by MkDocs. Links to a source
  file (`eval-mode.md#section`) are rewritten to the built page's URL, and every relative link and
  its anchor is checked after the build; a broken one is a warning, which fails a strict build.
"""

from __future__ import annotations

import logging
import posixpath
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

log = logging.getLogger("mkdocs.hooks.notebook_pages")

WRAPPER = '<div class="jupyter-wrapper">'
HREF = re.compile(r'(<a\b[^>]*?\bhref=")([^"]*)(")')
SOURCE_SUFFIXES = (".md", ".py", ".ipynb")
_LINKS: list[tuple[str, str, str]] = []  # (page source, built path the link leads to, anchor)


def is_notebook(page) -> bool:
    return page.file.src_uri.endswith((".py", ".ipynb"))


def on_pre_build(config):
    _LINKS.clear()


def on_page_content(content, page, config, files):
    if not is_notebook(page) or WRAPPER not in content:
        return content
    content = content[content.index(WRAPPER) :]
    # Markdown cells are wrapped in focusable divs that do nothing: keep them out of the tab order.
    content = content.replace('<div class="jp-Cell-inputWrapper" tabindex="0">', '<div class="jp-Cell-inputWrapper">')
    # Heading permalinks look and behave like those of Markdown pages.
    content = content.replace('<a class="anchor-link" href="#', '<a class="headerlink" href="#')
    return HREF.sub(lambda m: m[1] + _resolve(m[2], page, files) + m[3], content)


def _resolve(href: str, page, files) -> str:
    url = urlsplit(href)
    if url.scheme or url.netloc or href.startswith(("/", "#")) or not href:
        return href
    path = unquote(url.path)
    source = posixpath.normpath(posixpath.join(posixpath.dirname(page.file.src_uri), path))
    if path.endswith(SOURCE_SUFFIXES) and source != page.file.src_uri:
        # Written as in a Markdown page: relative to the source file. (A link to the notebook's own
        # source is the download of the copy mkdocs-jupyter puts next to the page.)
        target = files.get_file_from_path(source)
        if target is None or not target.is_documentation_page():
            log.warning("notebook %s links to '%s', which is not a page of this site", page.file.src_uri, href)
            return href
        href = target.url_relative_to(page.file) + (f"#{url.fragment}" if url.fragment else "")
        url = urlsplit(href)
        path = url.path
    built = posixpath.normpath(posixpath.join(posixpath.dirname(page.file.dest_uri), path))
    _LINKS.append((page.file.src_uri, built, url.fragment))
    return href


def on_post_build(config):
    site = Path(config.site_dir)
    for source, built, anchor in _LINKS:
        target = site / built
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            log.warning("notebook %s links to '%s', which the build did not produce", source, built)
        elif anchor and target.suffix == ".html" and f'id="{anchor}"' not in target.read_text(encoding="utf-8"):
            log.warning("notebook %s links to '%s#%s': no such anchor on that page", source, built, anchor)
