"""The claims ledger: each claim's statement, page, proof and status per platform.

Data comes from the claims registry and the recorded results files; nothing is typed by hand.
Results are read per platform from $DOCS_RESULTS_DIR, else the newer of the latest complete local
run (build/results/) and the recorded copy (docs/results/). Partial runs (`*.partial.json`) are
never read. Every file is checked on load (harness.schema). A recorded result counts only for the
code it verified: when a claim's snippet or statement changed since, its status is *stale*, and no
other, older result is looked up for it. A claim that passed on no platform is *not verified*.

Strict mode (`DOCS_REQUIRE_RESULTS=1`, the published site) fails on a missing, partial, stale or
old-format CPU result for any claim that runs on the CPU.
"""

from __future__ import annotations

import html
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from harness import provenance, schema, sources
from harness.claims import Reference
from harness.snippet import Snippet

PLATFORMS = ("cpu", "cuda")
VERDICTS = ("true", "false", "misleading", "unverifiable")
SYMBOL = {
    "passed": "✓",
    "failed": "✗",
    "skipped": "–",
    "not-run": "–",
    "not-recorded": "…",
    "not-applicable": "n/a",
    "stale": "stale",
}
# States that are not a result for the code as it is now: strict mode fails on them (CPU).
MISSING = ("not-recorded", "not-run", "stale")


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
    snippet_sha256: str = ""
    passed_elsewhere: list[str] = field(default_factory=list)  # "CPU, torch 2.14.1": other releases' runs
    releases: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # torch version -> (state, reason)
    code_line: int = 1  # where the claim's code starts: its `# claim:` marker, else the first section
    page_title: str = ""

    @property
    def verified(self) -> bool:
        """Passed, for the code as it is now, on at least one platform (any tested torch release)."""
        return any(state == "passed" for state, _ in self.status.values()) or bool(self.passed_elsewhere)


@dataclass
class Ledger:
    claims: dict[str, Row]
    runs: dict[str, dict | None]  # platform -> results header, or None when not recorded
    releases: list[dict] = field(default_factory=list)  # headers of the runs on other torch releases

    @property
    def not_verified(self) -> list[Row]:
        return [r for r in self.claims.values() if not r.verified]


@dataclass
class Results:
    """The results file used per platform, and what loading them found."""

    runs: dict[str, dict | None]
    errors: list[str] = field(default_factory=list)  # fail the build
    notes: list[str] = field(default_factory=list)  # shown; fail the build only in strict mode
    versions: list[dict] = field(default_factory=list)  # complete runs on other torch releases

    def get(self, platform: str) -> dict | None:
        return self.runs.get(platform)

    def items(self):
        return self.runs.items()


def strict() -> bool:
    return os.environ.get("DOCS_REQUIRE_RESULTS", "") not in ("", "0")


def load_results(root: Path, snippets: list[Snippet]) -> Results:
    """Per platform: $DOCS_RESULTS_DIR if set; else the newer of build/results/ (a complete local
    run) and docs/results/ (the recorded copy). Each file is checked against harness.schema.
    The runs on other torch releases (docs/results/versions/*/<platform>.json, `nox -s
    torch-versions`) are loaded too: a claim that passed only there counts as verified."""
    override = os.environ.get("DOCS_RESULTS_DIR")
    loaded = Results({})
    for platform in PLATFORMS:
        name = f"{platform}.json"
        if override:
            candidates = [(Path(override) / name, True)]
        else:
            candidates = [(root / "build" / "results" / name, False), (root / "docs" / "results" / name, True)]
        usable = [d for path, published in candidates if (d := _load(path, published, root, snippets, loaded))]
        loaded.runs[platform] = max(usable, key=lambda d: d["date"]) if usable else None
        for path in sorted((root / "docs" / "results" / "versions").glob(f"*/{name}")):
            data = _load(path, True, root, snippets, loaded)
            if data:
                loaded.versions.append(data)
    return loaded


def _load(path: Path, published: bool, root: Path, snippets: list[Snippet], loaded: Results) -> dict | None:
    """One results file, checked; its problems go to ``loaded`` (errors when it is published)."""
    if not path.is_file():
        return None
    problems = loaded.errors if published else loaded.notes
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        problems.append(f"{path}: not JSON: {exc}")
        return None
    try:
        checked = schema.check(path, data, root, snippets, verify_hashes=published)
    except schema.OldFormat as exc:
        loaded.notes.append(str(exc))
        return None
    problems.extend(checked.errors)
    return checked.data


def build(root: Path, snippets: list[Snippet], refs: list[Reference], results: dict[str, dict | None]) -> Ledger:
    page_of = {r.claim: r.page.as_posix() for r in refs}
    titles = {page: page_title(root / page) for page in set(page_of.values())}
    releases = _other_releases(results)
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
                snippet_sha256=provenance.text_sha256(snippet.source),
                code_line=_code_line(snippet, claim.id),
                page_title=titles.get(page_of.get(claim.id, ""), ""),
            )
            for platform in PLATFORMS:
                row.status[platform] = _status(row, platform, results.get(platform))
            for run in releases:
                row.releases[run["torch"]] = state = _status(row, run["platform"], run)
                if state[0] == "passed":
                    row.passed_elsewhere.append(f"{run.get('platform', 'cpu').upper()}, torch {run['torch']}")
            rows[claim.id] = row
    order = sorted(rows.values(), key=lambda r: (r.page, r.id))
    runs = {p: (_header(r) if r else None) for p, r in results.items()}
    return Ledger({r.id: r for r in order}, runs, [_header(r) for r in releases])


def page_title(path: Path) -> str:
    """A page's title: its first Markdown heading (`# ...`, or `# # ...` in a percent notebook)."""
    if not path.is_file():
        return path.name
    for line in path.read_text(encoding="utf-8").splitlines():
        if path.suffix == ".py" and line.startswith("# # "):
            return line[4:].strip()
        if path.suffix == ".md" and line.startswith("# "):
            return line[2:].strip()
    return path.name


def _code_line(snippet: Snippet, claim_id: str) -> int:
    marked = [line for line, claim in snippet.markers if claim == claim_id]
    if marked:
        return marked[0]
    starts = sorted(start for start, _ in snippet.sections.values())
    return starts[0] + 1 if starts else 1


def _header(run: dict) -> dict:
    return {k: v for k, v in run.items() if k not in ("snippets", "claims")}


def _other_releases(results) -> list[dict]:
    """The runs on torch releases other than the main runs' (one per release, oldest first)."""
    main = {r["torch"] for _, r in results.items() if r}
    seen, out = set(main), []
    for run in sorted(getattr(results, "versions", []), key=lambda r: _release_key(r["torch"])):
        if run["torch"] not in seen:
            seen.add(run["torch"])
            out.append(run)
    return out


def _release_key(version: str) -> tuple:
    return tuple(int(x) if x.isdigit() else 0 for x in re.split(r"[.+]", version)[:3])


def _status(row: Row, platform: str, results: dict | None) -> tuple[str, str | None]:
    if "cuda" in row.requires and platform == "cpu":
        return "not-applicable", "needs CUDA"
    if results is None:
        return "not-recorded", f"no {platform.upper()} results recorded yet"
    recorded = results.get("claims", {}).get(row.id)
    if recorded is None:
        return "not-recorded", "not in the latest results file"
    changed = []
    if recorded.get("snippet") != row.snippet:
        changed.append(f"the claim moved from {recorded.get('snippet')}")
    elif recorded.get("snippet_sha256") != row.snippet_sha256:
        changed.append("its snippet changed")
    if recorded.get("statement_sha256") != provenance.statement_sha256(row.statement):
        changed.append("its statement changed")
    if changed:
        commit = (recorded.get("commit") or "an uncommitted checkout")[:12]
        return "stale", f"{recorded['status']} at {commit}, but {' and '.join(changed)} since: not re-run"
    return recorded["status"], recorded.get("reason")


def check(data: Ledger, require_cuda: bool, require_results: bool = False) -> list[str]:
    errors = []
    for row in data.claims.values():
        state, reason = row.status["cpu"]
        if state == "failed":
            errors.append(f"{row.snippet}:{row.line}: claim {row.id} failed in the recorded CPU run")
        if require_results and state in MISSING:
            errors.append(f"{row.snippet}:{row.line}: claim {row.id} has no CPU result for its code as it is now "
                          f"({state}: {reason}); DOCS_REQUIRE_RESULTS is set")  # fmt: skip
        for version, (release_state, _) in row.releases.items():
            if release_state == "failed":
                errors.append(
                    f"{row.snippet}:{row.line}: claim {row.id} failed in the recorded run on torch {version}: "
                    "give the snippet a `Torch:` range (and a counter-case snippet for the other range) or fix it"
                )
        # A push builds with the previous CUDA run (the GPU runs nightly): a claim changed since shows
        # CUDA "stale" until then, and does not stop the deploy; a failed or missing result does.
        if require_cuda and row.status["cuda"][0] not in ("passed", "stale"):
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


def _state_text(state: str) -> str:
    """The mark and the word, once when the mark is the word."""
    return state if SYMBOL[state] == state else f"{SYMBOL[state]} {state}"


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
    if "failed" in states:
        kind = "failed"
    elif row.verified:
        kind = "passed"
    else:  # no green mark: the badge says so in words
        kind = "pending not-verified"
        parts.insert(0, "not verified")
    if row.passed_elsewhere:
        titles.append("passed on " + ", ".join(row.passed_elsewhere))
    title = html.escape(f"{row.id}: " + " | ".join(titles))
    return f'<a class="claim-badge {kind}" id="{row.id}" href="{href}" title="{title}">{" · ".join(parts)}</a>'


def counts(data: Ledger) -> dict[str, int]:
    rows = list(data.claims.values())
    return {
        "claims": len(rows),
        "verified": sum(r.verified for r in rows),
        "not_verified": len(data.not_verified),
        "stale": sum(any(s == "stale" for s, _ in r.status.values()) for r in rows),
    }


def counts_sentence(data: Ledger) -> str:
    c = counts(data)
    text = (
        f"{c['claims']} claims: {c['verified']} verified (passed on at least one platform, for their code as it is "
        f"now); {c['not_verified']} not verified (passed on no platform)"
    )
    if c["stale"]:
        text += f"; {c['stale']} with a result recorded for earlier code (stale)"
    return text + ". " + releases_sentence(data)


def releases_sentence(data: Ledger) -> str:
    """The torch releases the recorded runs used, from the results files."""
    runs = [r for r in data.runs.values() if r] + data.releases
    if not runs:
        return "No run is recorded yet."
    names = [
        f"{r['torch']} ({r.get('platform', 'cpu').upper()})"
        for r in sorted(runs, key=lambda r: _release_key(r["torch"]))
    ]
    listed = ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]
    return f"Runs recorded on torch {listed}; a claim that holds on only some releases states its range."


def page_summary(data: Ledger, src_uri: str, ledger_href: str) -> str:
    rows = [r for r in data.claims.values() if r.page == f"docs/{src_uri}"]
    bits = []
    for platform in PLATFORMS:
        applicable = [r for r in rows if r.status[platform][0] != "not-applicable"]
        passed = sum(r.status[platform][0] == "passed" for r in applicable)
        run = data.runs.get(platform)
        stale = sum(r.status[platform][0] == "stale" for r in applicable)
        if run and applicable:
            note = f", {stale} stale" if stale else ""
            bits.append(f"{platform.upper()}: {passed} of {len(applicable)} claims passed{note} ({_run_label(run)})")
        elif applicable:
            bits.append(f"{platform.upper()}: no results recorded yet")
    for run in data.releases:
        applicable = [r for r in rows if r.releases.get(run["torch"], ("",))[0] != "not-applicable"]
        if applicable:
            passed = sum(r.releases[run["torch"]][0] == "passed" for r in applicable)
            bits.append(f"torch {run['torch']}: {passed} of {len(applicable)} passed")
    unverified = sum(not r.verified for r in rows)
    if unverified:
        bits.append(f"{unverified} not verified on any platform")
    return f'<p class="page-verification">Verified by the claims on this page: {"; ".join(bits)}. <a href="{ledger_href}">Ledger</a></p>'


def _range_note(row: Row) -> str:
    return f"<br><small>Holds for torch {html.escape(row.torch_range)}.</small>" if row.torch_range else ""


def _versions(data: Ledger) -> list[str]:
    recorded = [f"{p.upper()}: torch {run['torch']}" for p, run in data.runs.items() if run]
    recorded += [
        f"{run.get('platform', 'cpu').upper()}: torch {run['torch']} (`nox -s torch-versions`)" for run in data.releases
    ]
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


def render_ledger(data: Ledger) -> str:
    out = [
        "# Claims ledger",
        "",
        "Every claim this site makes, the snippet that proves it, and what happened when that snippet last ran on each "
        "platform. The page is generated from the snippets' claim declarations and the recorded results files; a claim's "
        "ID never changes, so `ledger/#<ID>` is a permanent link. A result counts only for the code it ran: when a "
        "claim's snippet or statement changed after its last run, its status there is *stale*. A claim that passed on "
        "no platform is marked *not verified*.",
        "",
        "## Runs",
        "",
        "| Platform | torch | Device | Python | Date (UTC) | Commit | Snippets passed / failed / skipped |",
        "| --- | --- | --- | --- | --- | --- | --- |",
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
            commit = (run.get("commit") or "?")[:12] + (" (with uncommitted changes)" if run.get("dirty") else "")
            out.append(
                f"| {platform.upper()} | {run['torch']} | {device} | {run['python']} | {run['date']} | {commit} | "
                f"{s.get('passed', 0)} / {s.get('failed', 0)} / {s.get('skipped', 0)} |"
            )
        else:
            out.append(f"| {platform.upper()} | – | – | – | – | – | no results recorded yet |")
    out += ["", *_versions(data), "## Claims", "", f'<p class="ledger-counts">{counts_sentence(data)}</p>', ""]
    columns = claim_columns(data)
    platforms = _shown_platforms(data)
    hidden = [p for p in PLATFORMS if p not in platforms]
    if hidden:  # one note instead of a column that says "not recorded" on every row
        needs = sum("cuda" in r.requires for r in data.claims.values())
        out += [
            f'<p class="ledger-note">No {", ".join(p.upper() for p in hidden)} results are recorded yet, so that '
            f"column is left out; the {needs} claims that need CUDA are marked <em>not verified</em> until a GPU run "
            "records them.</p>",
            "",
        ]
        columns = [(h, c) for h, c in columns if h.lower() not in hidden]
    out.append(filter_form(data, platforms))
    out.append(
        '<table class="ledger"><thead><tr>' + "".join(f"<th>{h}</th>" for h, _ in columns) + "</tr></thead><tbody>"
    )
    for row in data.claims.values():
        # data-label: the column's name, shown before each cell where a phone stacks them.
        cells = (cell(row).replace("<td", f'<td data-label="{h}"', 1) for h, cell in columns)
        states = {row.status[p][0] for p in platforms} | {s for s, _ in row.releases.values()}
        if not row.verified:
            states.add("not-verified")
        page = html.escape(row.page.removeprefix("docs/"))
        out.append(f'<tr data-page="{page}" data-status="{" ".join(sorted(states))}">' + "".join(cells) + "</tr>")
    out += ["</tbody></table>", ""]
    return "\n".join(out)


def _shown_platforms(data: Ledger) -> list[str]:
    """The platforms with a recorded run (CPU always: its column says why when nothing is recorded)."""
    return [p for p in PLATFORMS if p == "cpu" or data.runs.get(p)]


def filter_form(data: Ledger, platforms: list[str]) -> str:
    """Filters by page and by status (docs/javascripts/ledger.js hides the other rows)."""
    pages = sorted({(r.page.removeprefix("docs/"), r.page_title or r.page) for r in data.claims.values() if r.page})
    states = sorted(
        {r.status[p][0] for r in data.claims.values() for p in platforms}
        | {s for r in data.claims.values() for s, _ in r.releases.values()}
        | ({"not-verified"} if data.not_verified else set())
    )
    page_options = "".join(f'<option value="{html.escape(v)}">{html.escape(t)}</option>' for v, t in pages)
    state_options = "".join(f'<option value="{s}">{s.replace("-", " ")}</option>' for s in states)
    return (
        '<form class="ledger-filter" hidden>'
        '<label>Page <select name="page"><option value="">all pages</option>' + page_options + "</select></label> "
        '<label>Status <select name="status"><option value="">any status</option>'
        + state_options
        + "</select></label> "
        '<output name="shown" aria-live="polite"></output></form>\n'
    )


def counter_cases_cell(row: Row, data: Ledger, shown: int = 2) -> str:
    """The changes of the code that were shown to make the claim's asserts fail, in words
    (harness.mutants stores them under `mutants` in the results file): declared ones first."""
    for platform in PLATFORMS:
        sentences = ((data.runs.get(platform) or {}).get("mutants") or {}).get("claims", {}).get(row.id)
        if sentences:
            more = f"<br><small>and {len(sentences) - shown} more</small>" if len(sentences) > shown else ""
            return f"<td>{'<br>'.join(_inline(s[0].upper() + s[1:]) for s in sentences[:shown])}{more}</td>"
    return "<td>–</td>"


def claim_columns(data: Ledger) -> list[tuple[str, object]]:
    """The ledger's columns: (header, function of a row that returns its <td>)."""

    def claim(row: Row) -> str:
        return f'<td id="{row.id}"><a href="#{row.id}"><code>{row.id}</code></a></td>'

    def statement(row: Row) -> str:
        return f"<td>{_inline(row.statement)}{_range_note(row)}</td>"

    def page(row: Row) -> str:
        name = row.page.removeprefix("docs/")
        url = "../" + re.sub(r"\.(md|py)$", "/", name).replace("index/", "") + f"#{row.id}"
        return f'<td><a href="{url}">{html.escape(row.page_title or name)}</a></td>'

    def proof(row: Row) -> str:
        # The site serves every snippet itself (harness.sources): the link works without a repository.
        link = sources.href(row.snippet, row.code_line, "ledger/")
        return f'<td><a href="{link}"><code>{row.snippet}</code></a></td>'

    def platform(name: str):
        def cell(row: Row) -> str:
            state, reason = row.status[name]
            note = f"<br><small>{html.escape(reason)}</small>" if reason and state != "passed" else ""
            return f'<td><span class="claim-status {state}">{_state_text(state)}</span>{note}</td>'

        return cell

    def release(version: str):
        def cell(row: Row) -> str:
            state, reason = row.releases.get(version, ("not-recorded", None))
            note = f"<br><small>{html.escape(reason)}</small>" if reason and state not in ("passed", "stale") else ""
            return f'<td><span class="claim-status {state}">{_state_text(state)}</span>{note}</td>'

        return cell

    def verified(row: Row) -> str:
        if not row.verified:
            return '<td><span class="claim-status not-verified">not verified</span></td>'
        elsewhere = f"<br><small>passed on {html.escape(', '.join(row.passed_elsewhere))}</small>"
        return f"<td>yes{elsewhere if row.passed_elsewhere else ''}</td>"

    return [
        ("Claim", claim),
        ("Statement", statement),
        ("Explained on", page),
        ("Proof", proof),
        ("Shown able to fail", lambda row: counter_cases_cell(row, data)),
        *[(p.upper(), platform(p)) for p in PLATFORMS],
        *[(f"torch {r['torch']} ({r.get('platform', 'cpu').upper()})", release(r["torch"])) for r in data.releases],
        ("Verified", verified),
    ]


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
