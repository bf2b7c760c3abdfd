"""The claims ledger: each claim's statement, page, proof and status per platform.

Data comes from the claims registry and the recorded results files; nothing is typed by hand.
Results are read per platform from $DOCS_RESULTS_DIR, else the latest local run in
build/results/ when it covered every claim, else the recorded copy in docs/results/.
"""

from __future__ import annotations

import html
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from harness.claims import Reference
from harness.snippet import Snippet

PLATFORMS = ("cpu", "cuda")
VERDICTS = ("true", "false", "misleading", "unverifiable")
SYMBOL = {"passed": "✓", "failed": "✗", "skipped": "–", "not-run": "–", "not-recorded": "…", "not-applicable": "n/a"}


@dataclass
class Row:
    id: str
    statement: str
    snippet: str
    line: int
    requires: list[str]
    page: str  # docs/<page>
    torch_range: str = ""
    status: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # platform -> (state, reason)


@dataclass
class Ledger:
    claims: dict[str, Row]
    runs: dict[str, dict | None]  # platform -> results header, or None when not recorded


def load_results(root: Path, claim_ids: set[str]) -> dict[str, dict | None]:
    """Per platform: $DOCS_RESULTS_DIR if set; else the latest local run if it covered every claim
    (a partial run, such as `pytest snippets/accuracy`, does not replace the record); else the
    recorded copy in docs/results/."""
    override = os.environ.get("DOCS_RESULTS_DIR")
    loaded = {}
    for platform in PLATFORMS:
        name = f"{platform}.json"
        if override:
            loaded[platform] = _read(Path(override) / name)
            continue
        local, recorded = _read(root / "build" / "results" / name), _read(root / "docs" / "results" / name)
        covers_all = local is not None and claim_ids <= set(local.get("claims", {}))
        loaded[platform] = local if covers_all else recorded or local
    return loaded


def _read(path: Path) -> dict | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def build(root: Path, snippets: list[Snippet], refs: list[Reference], results: dict[str, dict | None]) -> Ledger:
    page_of = {r.claim: r.page.as_posix() for r in refs}
    rows = {}
    for snippet in snippets:
        for claim in snippet.claims:
            row = Row(
                claim.id,
                claim.statement,
                snippet.path.relative_to(root).as_posix(),
                claim.line,
                sorted(snippet.requires),
                page_of.get(claim.id, ""),
                snippet.torch,
            )
            for platform in PLATFORMS:
                row.status[platform] = _status(row, platform, results.get(platform))
            rows[claim.id] = row
    order = sorted(rows.values(), key=lambda r: (r.page, r.id))
    runs = {
        p: ({k: v for k, v in r.items() if k not in ("snippets", "claims")} if r else None) for p, r in results.items()
    }
    return Ledger({r.id: r for r in order}, runs)


def _status(row: Row, platform: str, results: dict | None) -> tuple[str, str | None]:
    if "cuda" in row.requires and platform == "cpu":
        return "not-applicable", "needs CUDA"
    if results is None:
        return "not-recorded", f"no {platform.upper()} results recorded yet"
    recorded = results.get("claims", {}).get(row.id)
    if recorded is None:
        return "not-recorded", "not in the latest results file"
    return recorded["status"], recorded.get("reason")


def check(data: Ledger, require_cuda: bool) -> list[str]:
    errors = []
    for row in data.claims.values():
        state, _ = row.status["cpu"]
        if state == "failed":
            errors.append(f"{row.snippet}:{row.line}: claim {row.id} failed in the recorded CPU run")
        if require_cuda and row.status["cuda"][0] != "passed":
            errors.append(
                f"{row.snippet}:{row.line}: claim {row.id} has no passed CUDA result ({row.status['cuda'][0]})"
            )
    return errors


def load_myths(root: Path) -> list[dict]:
    path = root / "docs" / "myths.yml"
    if not path.is_file():
        return []
    return yaml.safe_load(path.read_text(encoding="utf-8")) or []


def check_myths(myths: list[dict], data: Ledger) -> list[str]:
    errors = []
    for number, myth in enumerate(myths, 1):
        where = f"docs/myths.yml: myth {number} ({str(myth.get('myth', ''))[:50]!r})"
        missing = [k for k in ("myth", "verdict", "why") if not myth.get(k)]
        if missing:
            errors.append(f"{where}: missing {', '.join(missing)}")
        if myth.get("verdict") not in VERDICTS:
            errors.append(f"{where}: verdict must be one of {', '.join(VERDICTS)}, not {myth.get('verdict')!r}")
        ids = myth.get("claims") or []
        if myth.get("verdict") != "unverifiable" and not ids:
            errors.append(f"{where}: a verdict other than unverifiable must point to the claims that prove it")
        for cid in ids:
            row = data.claims.get(cid)
            if row is None:
                errors.append(f"{where}: points to claim {cid}, which no snippet declares")
            elif "failed" in (row.status["cpu"][0], row.status["cuda"][0]):
                errors.append(f"{where}: points to claim {cid}, which did not pass")
    return errors


# Rendering ---------------------------------------------------------------------------------


def _inline(text: str) -> str:
    """Escape text for raw HTML, keeping `code` spans."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text, quote=False))


def _run_label(run: dict | None) -> str:
    if not run:
        return "not recorded yet"
    device = run["gpu"]["name"] if run.get("gpu") else run.get("cpu", "?")
    return f"torch {run['torch']}, {device}, {run['date'][:10]}"


def badge_html(row: Row, data: Ledger, href: str) -> str:
    parts, titles = [], []
    for platform in PLATFORMS:
        state, reason = row.status[platform]
        if state == "not-applicable":
            continue
        parts.append(f"{platform.upper()} {SYMBOL[state]}")
        detail = f" ({reason})" if reason and state != "passed" else ""
        titles.append(f"{platform.upper()}: {state}{detail}; {_run_label(data.runs.get(platform))}")
    states = {row.status[p][0] for p in PLATFORMS}
    kind = "failed" if "failed" in states else "passed" if "passed" in states else "pending"
    title = html.escape(f"{row.id}: " + " | ".join(titles))
    return f'<a class="claim-badge {kind}" id="{row.id}" href="{href}" title="{title}">{" · ".join(parts)}</a>'


def page_summary(data: Ledger, src_uri: str, ledger_href: str) -> str:
    rows = [r for r in data.claims.values() if r.page == f"docs/{src_uri}"]
    bits = []
    for platform in PLATFORMS:
        applicable = [r for r in rows if r.status[platform][0] != "not-applicable"]
        passed = sum(r.status[platform][0] == "passed" for r in applicable)
        run = data.runs.get(platform)
        if run and applicable:
            bits.append(f"{platform.upper()}: {passed} of {len(applicable)} claims passed ({_run_label(run)})")
        elif applicable:
            bits.append(f"{platform.upper()}: no results recorded yet")
    return f'<p class="page-verification">Verified by the claims on this page: {"; ".join(bits)}. <a href="{ledger_href}">Ledger</a></p>'


def _range_note(row: Row) -> str:
    return f"<br><small>Holds for torch {html.escape(row.torch_range)}.</small>" if row.torch_range else ""


def _versions(data: Ledger) -> list[str]:
    recorded = [f"{p.upper()}: torch {run['torch']}" for p, run in data.runs.items() if run]
    ranged = [r for r in data.claims.values() if r.torch_range]
    lines = [
        "## Versions",
        "",
        f"The results shown here come from {', '.join(recorded) if recorded else 'no recorded run yet'}. "
        "The CI matrix also runs every snippet on the oldest supported torch; a claim whose outcome depends on the "
        "version states its range and is skipped, with the reason, outside it.",
        "",
    ]
    if ranged:
        lines += [f"- `{r.id}`: torch {r.torch_range}" for r in ranged] + [""]
    return lines


def render_ledger(data: Ledger, repo: str) -> str:
    out = [
        "# Claims ledger",
        "",
        "Every claim this site makes, the snippet that proves it, and what happened when that snippet last ran on each "
        "platform. The page is generated from the snippets' claim declarations and the recorded results files; a claim's "
        "ID never changes, so `ledger/#<ID>` is a permanent link.",
        "",
        "## Runs",
        "",
        "| Platform | torch | Device | Python | Date (UTC) | Snippets passed / failed / skipped |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for platform in PLATFORMS:
        run = data.runs.get(platform)
        if run:
            device = (
                f"{run['gpu']['name']} (driver {run['gpu'].get('driver') or '?'})"
                if run.get("gpu")
                else run.get("cpu", "?")
            )
            s = run.get("summary", {})
            out.append(
                f"| {platform.upper()} | {run['torch']} | {device} | {run['python']} | {run['date']} | "
                f"{s.get('passed', 0)} / {s.get('failed', 0)} / {s.get('skipped', 0)} |"
            )
        else:
            out.append(f"| {platform.upper()} | – | – | – | – | no results recorded yet |")
    out += ["", *_versions(data), "## Claims", ""]
    out.append('<table class="ledger"><thead><tr><th>Claim</th><th>Statement</th><th>Explained on</th>'
               "<th>Proof</th><th>Shown able to fail</th><th>CPU</th><th>CUDA</th></tr></thead><tbody>")  # fmt: skip
    for row in data.claims.values():
        page = row.page.removeprefix("docs/")
        page_url = "../" + re.sub(r"\.(md|py)$", "/", page).replace("index/", "") + f"#{row.id}"
        proof = (
            f'<a href="{repo}/blob/main/{row.snippet}#L{row.line}"><code>{row.snippet}</code></a>'
            if repo
            else row.snippet
        )
        cells = [
            f'<td id="{row.id}"><a href="#{row.id}"><code>{row.id}</code></a></td>',
            f"<td>{_inline(row.statement)}{_range_note(row)}</td>",
            f'<td><a href="{page_url}">{page}</a></td>',
            f"<td>{proof}</td>",
            counter_cases_cell(row, data),
        ]
        for platform in PLATFORMS:
            state, reason = row.status[platform]
            note = f"<br><small>{html.escape(reason)}</small>" if reason and state != "passed" else ""
            cells.append(f'<td><span class="claim-status {state}">{SYMBOL[state]} {state}</span>{note}</td>')
        out.append(f"<tr>{''.join(cells)}</tr>")
    out += ["</tbody></table>", ""]
    return "\n".join(out)


def counter_cases_cell(row: Row, data: Ledger, shown: int = 2) -> str:
    """The changes of the code that were shown to make the claim's asserts fail, in words
    (harness.mutants stores them under `mutants` in the results file): declared ones first."""
    for platform in PLATFORMS:
        sentences = ((data.runs.get(platform) or {}).get("mutants") or {}).get("claims", {}).get(row.id)
        if sentences:
            more = f"<br><small>and {len(sentences) - shown} more</small>" if len(sentences) > shown else ""
            return f"<td>{'<br>'.join(_inline(s[0].upper() + s[1:]) for s in sentences[:shown])}{more}</td>"
    return "<td>–</td>"


def render_myths(myths: list[dict]) -> str:
    out = [
        "# Myths, adjudicated",
        "",
        "Claims that circulate in blog posts, tutorials and answers about evaluating PyTorch models, each paraphrased, "
        "judged, and linked to the tested claims that settle it. Figures nobody can reproduce are marked "
        "*unverifiable*. The page is generated from `docs/myths.yml`; the build fails if a verdict points to a claim "
        "that does not exist or did not pass.",
        "",
        "| Verdict | Count |",
        "| --- | --- |",
    ]
    for verdict in VERDICTS:
        out.append(f"| {verdict} | {sum(m.get('verdict') == verdict for m in myths)} |")
    out.append("")
    for number, myth in enumerate(myths, 1):
        links = (
            ", ".join(f"[`{cid}`](ledger.md#{cid})" for cid in myth.get("claims") or [])
            or "none: there is nothing that code can check"
        )
        out += [
            f"## {number}. {myth['myth']}",
            "",
            f"**Verdict: {myth['verdict']}.** {myth['why']}",
            "",
            f"Proof: {links}",
            "",
        ]
    return "\n".join(out)
