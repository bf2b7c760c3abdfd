"""Page weight of a built page: its HTML, and its HTML plus the local files it loads.

    python tests/page_weight.py SITE_DIR [PAGE ...]      e.g. site measurements/ ledger/

Counts the bytes of PAGE/index.html, the inline <style> and data: URIs inside it, and the
stylesheets, scripts and images it references that lie inside the built site (uncompressed, as
the files are on disk; a server's compression is not counted).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from urllib.parse import urljoin, urlparse

REFS = re.compile(r'<(?:link|script|img)\b[^>]*?\b(?:href|src)="([^"#?]+)', re.S)


def weigh(site: Path, page: str) -> dict[str, int]:
    html_path = site / page.strip("/") / "index.html"
    html = html_path.read_text(encoding="utf-8")
    base = "http://site/" + page
    assets = set()
    for ref in REFS.findall(html):
        url = urlparse(urljoin(base, ref))
        if url.netloc == "site":
            target = site / url.path.lstrip("/")
            if target.is_file():
                assets.add(target)
    return {
        "html": len(html.encode()),
        "inline_style": sum(len(s.encode()) for s in re.findall(r"<style\b.*?</style>", html, re.S)),
        "inline_data_uris": sum(len(s) for s in re.findall(r'data:[^"\')\s]+', html)),
        "inline_svg": sum(len(s.encode()) for s in re.findall(r"<svg\b.*?</svg>", html, re.S)),
        "assets": sum(p.stat().st_size for p in assets),
        "html_plus_assets": len(html.encode()) + sum(p.stat().st_size for p in assets),
    }


if __name__ == "__main__":
    site_dir = Path(sys.argv[1])
    for name in sys.argv[2:] or ["measurements/"]:  # "" or "/" is the home page
        page_dir = name.strip("/")
        sizes = weigh(site_dir, page_dir + "/" if page_dir else "")
        print(f"/{name.strip('/')}/: " + ", ".join(f"{k} {v / 1000:,.1f} kB" for k, v in sizes.items()))
