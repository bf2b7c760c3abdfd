"""Reuse between runs (harness.reuse): only what passed with the same fingerprint is not run again.

The fingerprint must change with every input that could change an outcome, and a failure must run
again every time; a nested pytest run on a small project shows both, and that `--fresh` turns
reuse off.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from test_engine import make_project, run_suite, snippet, write

from harness import reuse

PLAIN_TESTS = "def test_passes():\n    assert 1 + 1 == 2\n\n\ndef test_fails():\n    assert 1 + 1 == 3\n"
FAILING_SNIPPET = snippet("demo.fails", "import torch\n\nassert torch.ones(1).item() == 2.0\n")


def test_fingerprint_changes_with_every_input_and_only_with_inputs(tmp_path, monkeypatch):
    project = make_project(tmp_path)
    first = reuse.fingerprint(project)
    assert reuse.fingerprint(project) == first
    write(project, "build/results/cpu.json", "{}")  # what a run writes is not an input
    write(project, "site/index.html", "<p>")
    assert reuse.fingerprint(project) == first
    changes = [
        lambda: write(project, "snippets/demo/good.py", (project / "snippets/demo/good.py").read_text() + "\n"),
        lambda: write(project, "docs/new.md", "# New\n"),  # a file git would track, not yet added
        lambda: monkeypatch.setenv("DOCS_TIMEOUT_SCALE", "2"),
        lambda: monkeypatch.setenv("TORCH_COMPILE_DISABLE", "1"),  # changes what a snippet sees
        lambda: monkeypatch.setenv("REPO_URL", "https://example.org/repo"),
        lambda: monkeypatch.setattr(reuse.metadata, "distributions", lambda: []),  # other packages
    ]
    seen = {first}
    for change in changes:
        change()
        seen.add(reuse.fingerprint(project))
    assert len(seen) == len(changes) + 1, "a change left the fingerprint as it was"


def test_in_a_git_checkout_ignored_files_are_not_inputs_and_untracked_ones_are(tmp_path):
    project = make_project(tmp_path)
    write(project, ".gitignore", "scratch/\n")
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    first = reuse.fingerprint(project)
    write(project, "scratch/notes.txt", "ignored")
    assert reuse.fingerprint(project) == first
    write(project, "docs/draft.md", "# Draft\n")  # untracked, not ignored
    assert reuse.fingerprint(project) != first


def _results(project: Path) -> dict:
    [path] = (project / "build" / "results").glob("cpu*.json")
    return json.loads(path.read_text(encoding="utf-8"))["harness"]


def test_a_second_run_reuses_passes_only_and_any_change_runs_everything(tmp_path):
    project = make_project(tmp_path)
    write(project, "tests/test_plain.py", PLAIN_TESTS)
    write(project, "tests/test_other.py", "def test_also_passes():\n    assert 2 * 2 == 4\n")
    write(project, "snippets/demo/fails.py", FAILING_SNIPPET)

    first = run_suite(project, "tests", "snippets")
    assert "2 failed" in first.stdout, first.stdout
    assert "reuse:" not in first.stdout  # nothing recorded yet
    assert _results(project)["reused"] == 0

    subset = run_suite(project, "tests/test_plain.py")  # what it does not select stays recorded
    assert "reuse: 1 tests and 0 sandboxed runs" in subset.stdout, subset.stdout  # test_passes

    second = run_suite(project, "tests", "snippets")
    assert "2 failed" in second.stdout, second.stdout  # the failures ran again
    assert "reuse: 2 tests and 1 sandboxed runs passed in an earlier run" in second.stdout, second.stdout
    harness = _results(project)
    assert (harness["reused"], harness["items"]) == (1, 1)  # the good snippet reused, the failing one run

    write(project, "snippets/demo/good.py", (project / "snippets/demo/good.py").read_text() + "\n")
    third = run_suite(project, "tests", "snippets")
    assert "reuse:" not in third.stdout, third.stdout  # one byte changed: everything ran
    assert _results(project)["reused"] == 0

    fresh = run_suite(project, "tests", "snippets", "--fresh")
    assert "reuse: off (--fresh): every test and snippet ran" in fresh.stdout, fresh.stdout
    assert _results(project)["reused"] == 0
