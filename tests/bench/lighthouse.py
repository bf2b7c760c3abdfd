"""Lighthouse scores and page weight of every page of the built site, as a phone loads it.

    nox -s lighthouse                       # build, serve, audit; writes docs/results/lighthouse.json
    python tests/bench/lighthouse.py --readme   # rewrite the README's table from that file

Lighthouse (from npm, pinned in the noxfile) drives Debian's chromium with its default mobile
settings (throttled network and CPU), so performance scores depend on the machine; the
accessibility score and the bytes a page transfers do not.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from readme_table import replace_section  # tests/bench, next to this script

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "docs" / "results" / "lighthouse.json"
README = ROOT / "README.md"
START, END = "<!-- lighthouse:start -->", "<!-- lighthouse:end -->"
CHROMIUM = shutil.which("chromium") or shutil.which("google-chrome") or "/usr/bin/chromium"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def pages(site: Path) -> list[str]:
    found = []
    for html in sorted(site.rglob("index.html")):
        rel = html.parent.relative_to(site).as_posix()
        if not rel.startswith(("assets", "search", "source")) and rel != "404":
            found.append("" if rel == "." else rel + "/")
    return found


def audit(lighthouse: str, url: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        subprocess.run(
            [lighthouse, url, "--only-categories=accessibility,performance", "--output=json",
             f"--output-path={out}", "--quiet",
             "--chrome-flags=--headless=new --no-sandbox --disable-gpu"],
            check=True, timeout=300, env={**os.environ, "CHROME_PATH": CHROMIUM},
        )  # fmt: skip
        report = json.loads(out.read_text())
    failing = [
        ref["id"]
        for ref in report["categories"]["accessibility"]["auditRefs"]
        if ref["weight"] and (report["audits"][ref["id"]]["score"] or 0) < 1
    ]
    return {
        "accessibility": round(report["categories"]["accessibility"]["score"] * 100),
        "performance": round(report["categories"]["performance"]["score"] * 100),
        "bytes": int(report["audits"]["total-byte-weight"]["numericValue"]),
        "accessibility_failing": failing,
        "lighthouse": report["lighthouseVersion"],
    }


def record(lighthouse: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(site)], cwd=ROOT, check=True
        )
        handler = functools.partial(_Quiet, directory=str(site))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            results = {}
            for path in pages(site):
                results["/" + path] = audit(lighthouse, f"http://127.0.0.1:{server.server_port}/{path}")
                print(f"/{path}: {results['/' + path]}", flush=True)
        finally:
            server.shutdown()
    version = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip()
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "browser": version,
        "lighthouse": next(iter(results.values()))["lighthouse"],
        "form_factor": "mobile (Lighthouse defaults: throttled network and CPU), served uncompressed",
        "pages": results,
    }


def table(data: dict) -> str:
    rows = [
        "| page | accessibility | performance | page weight |",
        "| --- | --- | --- | --- |",
    ]
    for path, r in data["pages"].items():
        rows.append(f"| `{path}` | {r['accessibility']} | {r['performance']} | {r['bytes'] / 1024:.0f} KiB |")
    rows.append("")
    rows.append(
        f"Recorded {data['date'][:10]} by `nox -s lighthouse` (Lighthouse {data['lighthouse']}, "
        f"{data['browser']}, {data['form_factor']}), from `docs/results/lighthouse.json`."
    )
    return "\n".join(rows)


def readme_with_table(readme: str, data: dict) -> str:
    return replace_section(readme, START, END, table(data))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lighthouse", help="the lighthouse executable (npm)")
    parser.add_argument("--readme", action="store_true", help="only rewrite the README table from the results file")
    args = parser.parse_args()
    if not args.readme:
        data = record(args.lighthouse or shutil.which("lighthouse") or "lighthouse")
        RESULTS.write_text(json.dumps(data, indent=2) + "\n")
    data = json.loads(RESULTS.read_text())
    README.write_text(readme_with_table(README.read_text(), data))


if __name__ == "__main__":
    main()
