"""The results file: per snippet and per claim, what happened, on which machine, when.

Written after every run to `build/results/<platform>.json` (`--results-dir` to change the folder;
platform is `cuda` when CUDA is available, else `cpu`). The claims ledger is built from it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.collect import OUTCOMES, NotebookItem, SnippetItem
from harness.machine import environment

SCHEMA = 1
_REPORTS = pytest.StashKey[dict]()
_WRITTEN = pytest.StashKey[tuple]()  # (path, harness figures) of the file this run wrote
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
    entries = [
        _entry(item, report, outcomes.get(item.nodeid, (None, None))[1], root) for item, report in reports.values()
    ]
    data = {"schema": SCHEMA, **environment(), "snippets": sorted(entries, key=lambda e: e["path"])}
    data["claims"] = {cid: claim for e in data["snippets"] for cid, claim in e.pop("claim_status").items()}
    data["summary"] = {s: sum(e["status"] == s for e in data["snippets"]) for s in ("passed", "failed", "skipped")}
    data["harness"] = _overhead(reports, outcomes)
    data.update(session.config.stash.get(EXTRA, {}))
    out = root / session.config.getoption("--results-dir") / f"{data['platform']}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    session.config.stash[_WRITTEN] = (out, data["harness"])


def pytest_terminal_summary(terminalreporter, config):
    written = config.stash.get(_WRITTEN, None)
    if written is not None:
        path, harness = written
        terminalreporter.write_line(
            f"results file: {path.relative_to(config.rootpath)}; {harness['items']} snippets/notebooks ran in "
            f"{harness['item_wall_s']:.1f} s, {harness['own_run_s']:.1f} s of it their own code; harness overhead per "
            f"snippet {harness['overhead_per_item_s']:.3f} s with the forkserver's start-up "
            f"({harness['first_item_s']:.1f} s), {harness['overhead_after_first_s']:.3f} s after it"
        )


def _overhead(reports: dict, outcomes: dict) -> dict:
    """Wall time of the run items minus the snippets' own run time: what the harness costs."""
    ran = [
        (report.duration, outcomes[nodeid][1].duration) for nodeid, (_, report) in reports.items() if nodeid in outcomes
    ]
    wall = sum(w for w, _ in ran)
    own = sum(o for _, o in ran)
    return {
        "items": len(ran),
        "item_wall_s": round(wall, 3),
        "own_run_s": round(own, 3),
        "first_item_s": round(ran[0][0], 3) if ran else 0.0,  # includes the forkserver importing torch
        "overhead_per_item_s": round((wall - own) / len(ran), 4) if ran else 0.0,
        "overhead_after_first_s": round(sum(w - o for w, o in ran[1:]) / (len(ran) - 1), 4) if len(ran) > 1 else 0.0,
    }


def _entry(item, report, outcome, root: Path) -> dict:
    status = report.outcome
    reason = None
    if status == "skipped" and isinstance(report.longrepr, tuple):
        reason = report.longrepr[2].removeprefix("Skipped: ")
    snippet = getattr(item, "snippet", None)
    entry = {
        "path": item.path.relative_to(root).as_posix(),
        "kind": "notebook" if isinstance(item, NotebookItem) else "snippet",
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
            }
    entry["claims"] = sorted(claim_status)
    entry["claim_status"] = claim_status
    return entry
