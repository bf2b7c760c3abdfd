"""The results file: per snippet and per claim, what happened, on which machine, for which code.

A complete run writes `build/results/<platform>.json` (`--results-dir` to change the folder;
platform is `cuda` when CUDA is available, else `cpu`). A partial run (a subset of the snippets
and notebooks, `-k`, `-m`, `-x`/`--maxfail`, a run stopped early) writes `<platform>.partial.json`
instead and never replaces the complete file. Each claim's entry carries the hashes of its snippet
and statement, the commit, torch version and platform (harness.provenance): the ledger shows a
result recorded for other code as stale. The claims ledger is built from the complete file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness import provenance, torch_facts
from harness.collect import OUTCOMES, NotebookItem, SnippetItem
from harness.machine import environment
from harness.snippet import discover

SCHEMA = 2
PARTIAL_SUFFIX = ".partial.json"
_REPORTS = pytest.StashKey[dict]()
_WRITTEN = pytest.StashKey[tuple]()  # (path, harness figures, why partial or None) of the file written
# Other checks' figures, stored at the top level of the results file under their own keys
# (harness.copyable: `copyable`, and the browser test's `copy_buttons`).
EXTRA = pytest.StashKey[dict]()


def pytest_addoption(parser):
    parser.addoption(
        "--results-dir", default="build/results", help="where to write <platform>.json (default: build/results)"
    )


def pytest_configure(config):
    config.stash[_REPORTS] = {}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if isinstance(item, (SnippetItem, NotebookItem)) and (report.when == "call" or report.outcome != "passed"):
        item.config.stash[_REPORTS][item.nodeid] = (item, report)
    return report


def pytest_sessionfinish(session):
    reports = session.config.stash.get(_REPORTS, {})
    if not reports or session.config.option.collectonly:
        return
    outcomes = session.config.stash.get(OUTCOMES, {})
    root = session.config.rootpath
    env = environment(torch_facts.facts())  # torch asked in a child, not imported here
    tied = {**provenance.checkout(root), "torch": env["torch"], "platform": env["platform"]}
    entries = [
        _entry(item, report, outcomes.get(item.nodeid, (None, None))[1], root, tied)
        for item, report in reports.values()
    ]
    partial = partial_reason(session, {item.path for item, _ in reports.values()})
    data = {"schema": SCHEMA, **env, "commit": tied["commit"], "dirty": tied["dirty"]}
    data.update(complete=partial is None, partial_reason=partial)
    data["snippets"] = sorted(entries, key=lambda e: e["path"])
    data["claims"] = {cid: claim for e in data["snippets"] for cid, claim in e.pop("claim_status").items()}
    data["summary"] = {s: sum(e["status"] == s for e in data["snippets"]) for s in ("passed", "failed", "skipped")}
    data["harness"] = _overhead(reports, outcomes)
    data.update(session.config.stash.get(EXTRA, {}))
    name = f"{data['platform']}{PARTIAL_SUFFIX}" if partial else f"{data['platform']}.json"
    out = root / session.config.getoption("--results-dir") / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    session.config.stash[_WRITTEN] = (out, data["harness"], partial)


def expected_items(root: Path) -> set[Path]:
    """What a complete run runs: every snippet file and every notebook page."""
    notebooks = {p for p in (root / "docs").rglob("*.py") if "__pycache__" not in p.parts}
    return set(discover(root)) | notebooks


def partial_reason(session, ran: set[Path]) -> str | None:
    """Why this run does not stand for the whole suite, or None when it does."""
    option = session.config.option
    if getattr(option, "keyword", ""):
        return f"-k {option.keyword!r} selected a subset"
    if getattr(option, "markexpr", ""):
        return f"-m {option.markexpr!r} selected a subset"
    if getattr(option, "maxfail", 0):
        return f"--maxfail={option.maxfail} (or -x) can stop the run early"
    if session.shouldstop or session.shouldfail:
        return "the run stopped early"
    if getattr(option, "update_outputs", False):
        return "--update-outputs rewrote `#> ` lines: the snippets that ran are not the snippets now"
    missing = expected_items(session.config.rootpath) - {Path(p) for p in ran}
    if missing:
        return f"{len(missing)} snippet/notebook file(s) did not run, e.g. " + min(
            p.relative_to(session.config.rootpath).as_posix() for p in missing
        )
    return None


def pytest_terminal_summary(terminalreporter, config):
    written = config.stash.get(_WRITTEN, None)
    if written is not None:
        path, harness, partial = written
        what = f"partial results file (not the complete record: {partial})" if partial else "results file"
        terminalreporter.write_line(
            f"{what}: {path.relative_to(config.rootpath)}; {harness['reused']} snippets/notebooks reused, "
            f"{harness['items']} ran in "
            f"{harness['item_wall_s']:.1f} s, {harness['own_run_s']:.1f} s of it their own code; harness overhead per "
            f"snippet {harness['overhead_per_item_s']:.3f} s with the forkserver's start-up "
            f"({harness['first_item_s']:.1f} s), {harness['overhead_after_first_s']:.3f} s after it"
        )


def _overhead(reports: dict, outcomes: dict) -> dict:
    """Wall time of the run items minus the snippets' own run time: what the harness costs."""
    ran = [
        (report.duration, outcomes[nodeid][1].duration)
        for nodeid, (_, report) in reports.items()
        if nodeid in outcomes and not outcomes[nodeid][1].reused
    ]
    wall = sum(w for w, _ in ran)
    own = sum(o for _, o in ran)
    return {
        "items": len(ran),
        "reused": sum(outcome.reused for _, outcome in outcomes.values()),  # harness.reuse: not run now
        "item_wall_s": round(wall, 3),
        "own_run_s": round(own, 3),
        "first_item_s": round(ran[0][0], 3) if ran else 0.0,  # includes the forkserver importing torch
        "overhead_per_item_s": round((wall - own) / len(ran), 4) if ran else 0.0,
        "overhead_after_first_s": round(sum(w - o for w, o in ran[1:]) / (len(ran) - 1), 4) if len(ran) > 1 else 0.0,
    }


def _entry(item, report, outcome, root: Path, tied: dict) -> dict:
    status = report.outcome
    reason = None
    if status == "skipped" and isinstance(report.longrepr, tuple):
        reason = report.longrepr[2].removeprefix("Skipped: ")
    snippet = getattr(item, "snippet", None)
    entry = {
        "path": item.path.relative_to(root).as_posix(),
        "kind": "notebook" if isinstance(item, NotebookItem) else "snippet",
        "sha256": provenance.text_sha256(snippet.source) if snippet else provenance.file_sha256(item.path),
        "status": status,
        "duration_s": round(outcome.duration if outcome else report.duration, 4),
        "requires": sorted(snippet.requires) if snippet else [],
        "torch_range": snippet.torch if snippet else "",
        "reason": reason,
        "line": outcome.line if outcome and status == "failed" else None,
        "message": outcome.message if outcome and status == "failed" else None,
    }
    claim_status = {}
    if snippet is not None:
        failed_line = outcome.line if outcome and status == "failed" else None
        failing = set(snippet.claims_at(failed_line)) if status == "failed" else set()
        before = set(snippet.claims_before(failed_line)) if failed_line else set()
        for claim in snippet.claims:
            if status != "failed":
                state = status
            elif claim.id in failing:
                state = "failed"
            else:
                state = "passed" if claim.id in before else "not-run"
            claim_status[claim.id] = {
                "status": state,
                "statement": claim.statement,
                "snippet": entry["path"],
                "line": claim.line,
                "requires": entry["requires"],
                "torch_range": entry["torch_range"],
                "reason": reason,
                "snippet_sha256": entry["sha256"],
                "statement_sha256": provenance.statement_sha256(claim.statement),
                **tied,
            }
    entry["claims"] = sorted(claim_status)
    entry["claim_status"] = claim_status
    return entry
