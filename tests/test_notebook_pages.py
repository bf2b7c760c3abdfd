"""Notebook pages: light (no inline JupyterLab CSS), with described figures and checked links."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from mkdocs.structure.files import File, Files
from page_weight import weigh

from harness import notebook_pages

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 400_000  # bytes: the measurements page with the stylesheets and scripts it loads


def _page(tmp_path: Path):
    docs = tmp_path / "docs"
    docs.mkdir(exist_ok=True)
    for name in ("measurements.py", "eval-mode.md"):
        (docs / name).write_text("x", encoding="utf-8")
    notebook = File("measurements.py", str(docs), str(tmp_path / "site"), use_directory_urls=True)
    notebook.dest_uri = "measurements/index.html"
    notebook.url = "measurements/"
    chapter = File("eval-mode.md", str(docs), str(tmp_path / "site"), use_directory_urls=True)
    return SimpleNamespace(file=notebook), Files([notebook, chapter])


def _render(tmp_path, body):
    page, files = _page(tmp_path)
    notebook_pages.on_pre_build(None)
    head = '<style type="text/css">.jp-Cell{}</style><script src=""></script>'
    return notebook_pages.on_page_content(f'{head}<div class="jupyter-wrapper">{body}</div>', page, None, files)


def test_jupyter_head_is_dropped_and_source_links_are_rewritten(tmp_path):
    html = _render(tmp_path, '<a href="eval-mode.md#bn">x</a> <a class="anchor-link" href="#h">¶</a>')
    assert html.startswith('<div class="jupyter-wrapper">') and "<style" not in html and "<script" not in html
    assert 'href="../eval-mode/#bn"' in html
    assert 'class="headerlink" href="#h"' in html


def test_broken_links_in_a_notebook_are_warnings(tmp_path, caplog):
    """A warning fails `mkdocs build --strict`, as a broken link in a Markdown page does."""
    caplog.set_level(logging.WARNING, logger="mkdocs")
    _render(tmp_path, '<a href="evalmode.md">a</a> <a href="eval-mode.md#missing">b</a> <a href="../nowhere/">c</a>')
    site = tmp_path / "site"
    (site / "eval-mode").mkdir(parents=True)
    (site / "eval-mode" / "index.html").write_text('<h2 id="present">', encoding="utf-8")
    notebook_pages.on_post_build(SimpleNamespace(site_dir=str(site)))
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("'evalmode.md', which is not a page" in w for w in warnings), warnings
    assert any("eval-mode#missing': no such anchor" in w for w in warnings), warnings
    assert any("'nowhere', which the build did not produce" in w for w in warnings), warnings
    assert len(warnings) == 3, warnings


def test_measurements_page_is_light_and_its_figures_are_described(built_site):
    sizes = weigh(built_site, "measurements/")
    assert sizes["inline_style"] == 0, sizes
    assert sizes["html_plus_assets"] <= LIMIT, sizes
    html = (built_site / "measurements" / "index.html").read_text(encoding="utf-8")
    figures = re.findall(r'<figure class="nb-figure".*?</figure>', html, re.S)
    assert len(figures) >= 3
    for figure in figures:
        label = re.search(r'<svg[^>]*\baria-label="([^"]+)"', figure)
        assert label and len(label[1].split()) >= 8 and 'role="img"' in figure[:2000], figure[:300]
        assert "#0a0b0" not in figure and "fill: #ffffff" not in figure  # colours from the scheme, no white box
    assert "No description has been provided" not in html
    assert "jp-InputArea-editor" not in html  # every code cell's input is hidden


@pytest.mark.parametrize("text", ["assert cpu[", "show_figure(", "json.loads(", "plt.subplots("])
def test_measurements_page_shows_no_plumbing(built_site, text):
    article = (built_site / "measurements" / "index.html").read_text(encoding="utf-8").split("<article", 1)[1]
    assert text not in article.split("</article>", 1)[0]
