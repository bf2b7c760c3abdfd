"""Reuse: what passed in an earlier run is not run again while nothing it could depend on changed.

A run's *fingerprint* is the sha256 of everything that can change an outcome: every project file
git does not ignore (path and bytes), the name and version of every installed distribution, the
Python build, the platform, the browser the page tests drive, and the environment variables the
harness and the build read. A run whose fingerprint matches the one recorded in
`build/reuse/<fingerprint>.json` reports as passed, without running them again:

- the tests that passed there (setup, call and teardown), other than the snippet items, which are
  reported from their recorded sandbox run instead;
- the sandboxed runs that passed there (a snippet, a notebook page, a copied block), looked up by
  the code that ran and every setting it ran with (harness.sandbox `reuse_key`), so the snippet
  items still parse, check and record their claims as in any run;
- what torch said about the machine (version, CUDA), so the snippet forkserver need not start.

A failure, a skip or an error is never stored, so it always runs again; one changed byte anywhere in
the project, one upgraded package or another browser gives another fingerprint, and every test runs.
The fingerprint is taken again at the end and nothing is stored if the project changed meanwhile.

Reuse is off with `--fresh` (or `DOCS_FRESH=1`), with `--update-outputs` or `--require-cuda`, and
when the results go to `docs/results` (a committed record is what ran now). CI starts from a clean
clone with no `build/reuse`, so CI runs everything.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from harness import sandbox, torch_facts

FOLDER = "build/reuse"
ENVIRONMENT = ("EDIT_URI", "PYTHONHASHSEED", "REPO_URL", "SOURCE_DATE_EPOCH", "SITE_URL")
# Variables that change what torch and its libraries do (TORCH_COMPILE_DISABLE, CUDA_VISIBLE_DEVICES, ...)
ENVIRONMENT_PREFIXES = ("DOCS_", "TORCH", "PYTORCH_", "CUDA_", "OMP_", "MKL_", "HF_")
BROWSERS = ("/usr/bin/chromium", "/usr/lib/chromium/chromium")
_SKIPPED_DIRS = {".git", ".nox", ".venv", "build", "site", "__pycache__", ".pytest_cache", ".ruff_cache"}
_STATE = pytest.StashKey[dict]()


def project_files(root: Path) -> list[str]:
    """The files git tracks or would track (not ignored), relative to ``root``, sorted."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root,
            capture_output=True,
            check=True,
        ).stdout.decode("utf-8")
        return sorted({name for name in listed.split("\0") if name and (root / name).is_file()})
    except (OSError, subprocess.CalledProcessError):  # not a git checkout: every file outside the usual outputs
        found = []
        for parent, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS and not d.endswith(".egg-info"))
            found += [os.path.relpath(os.path.join(parent, f), root) for f in files]
        return sorted(found)


def fingerprint(root: Path) -> str:
    digest = hashlib.sha256()
    for name in project_files(root):
        digest.update(name.encode() + b"\0" + (root / name).read_bytes() + b"\0")
    packages = sorted(f"{d.metadata['Name']}=={d.version}@{d.locate_file('')}" for d in metadata.distributions())
    digest.update("\n".join(packages).encode())
    digest.update(f"\0{sys.version}\0{sys.executable}\0{platform.platform()}\0".encode())
    for browser in BROWSERS:  # the binary's size and modification time: a new package changes both
        if os.path.exists(browser):
            info = os.stat(browser)
            digest.update(f"{browser} {info.st_size} {info.st_mtime_ns}\0".encode())
    gpus = sorted(os.listdir("/dev")) if os.path.isdir("/dev") else []  # a GPU added or removed
    digest.update(" ".join(name for name in gpus if name.startswith("nvidia")).encode() + b"\0")
    for name in sorted(os.environ):
        if name.startswith(ENVIRONMENT_PREFIXES) or name in ENVIRONMENT:
            digest.update(f"{name}={os.environ[name]}\0".encode())
    return digest.hexdigest()


def pytest_addoption(parser):
    parser.addoption(
        "--fresh",
        action="store_true",
        default=False,
        help="run every test and snippet, reusing nothing from build/reuse",
    )


def _why_off(config) -> str | None:
    if config.getoption("--fresh") or os.environ.get("DOCS_FRESH") == "1":
        return "--fresh"
    if config.getoption("--update-outputs", False):
        return "--update-outputs"
    if config.getoption("--require-cuda", False):
        return "--require-cuda"
    results = (config.rootpath / config.getoption("--results-dir", "build/results")).resolve()
    if results == (config.rootpath / "docs" / "results").resolve():
        return "the results go to docs/results"
    if config.option.collectonly:
        return "--collect-only"
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    if _why_off(config) is not None or hasattr(config, "workerinput"):
        return
    root = config.rootpath
    key = fingerprint(root)
    stored = root / FOLDER / f"{key}.json"
    earlier = {"tests": [], "runs": {}}
    if stored.is_file():
        with contextlib.suppress(OSError, ValueError):  # unreadable: run everything
            earlier = json.loads(stored.read_text(encoding="utf-8"))
    state = {
        "key": key,
        "tests": set(earlier.get("tests", [])),  # node ids that passed with this fingerprint
        "passed": set(),  # node ids that pass in this run (reused ones included)
        "failed": set(),
        "reused_tests": 0,
    }
    config.stash[_STATE] = state
    if earlier.get("torch_facts"):  # torch's version and CUDA, as the child of the forkserver said
        torch_facts._FACTS = earlier["torch_facts"]
    sandbox.REUSE = {"earlier": earlier.get("runs", {}), "now": {}, "reused": 0}


def _reusable(item) -> bool:
    """Tests of the project's own code; snippet, notebook and copied-block items reuse their runs."""
    return not type(item).__module__.startswith("harness.")


def reused(item) -> bool:
    """True when ``item`` passed in an earlier run with this fingerprint and will not run now."""
    state = item.config.stash.get(_STATE, None)
    return state is not None and _reusable(item) and item.nodeid in state["tests"]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    if not reused(item):
        return None
    state = item.config.stash[_STATE]
    state["reused_tests"] += 1
    state["passed"].add(item.nodeid)
    hook = item.ihook
    hook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    for when in ("setup", "call", "teardown"):
        report = pytest.TestReport(
            item.nodeid, item.location, {}, "passed", None, when, duration=0.0, start=0.0, stop=0.0
        )
        hook.pytest_runtest_logreport(report=report)
    hook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    state = item.config.stash.get(_STATE, None)
    if state is not None:
        if report.outcome == "passed" and report.when == "call":
            state["passed"].add(item.nodeid)
        elif report.outcome != "passed" or report.when == "call":
            state["failed"].add(item.nodeid)
    return report


def pytest_sessionfinish(session):
    state = session.config.stash.get(_STATE, None)
    memo, sandbox.REUSE = sandbox.REUSE, None
    if state is None or memo is None:
        return
    state["reused_runs"] = memo["reused"]
    root = session.config.rootpath
    if fingerprint(root) != state["key"]:
        return  # the project changed during the run: what passed belongs to no fingerprint
    tests = sorted((state["tests"] | state["passed"]) - state["failed"])  # a deselected pass stays
    runs = {**memo["earlier"], **memo["now"]}
    folder = root / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.json"):  # only the latest fingerprint is worth keeping
        old.unlink(missing_ok=True)
    data = {"fingerprint": state["key"], "tests": tests, "runs": runs, "torch_facts": torch_facts._FACTS}
    (folder / f"{state['key']}.json").write_text(json.dumps(data) + "\n", encoding="utf-8")


def pytest_terminal_summary(terminalreporter, config):
    state = config.stash.get(_STATE, None)
    why = _why_off(config)
    if state is None:
        if why and why != "--collect-only":
            terminalreporter.write_line(f"reuse: off ({why}): every test and snippet ran")
        return
    runs = state.get("reused_runs", 0)
    if state["reused_tests"] or runs:
        terminalreporter.write_line(
            f"reuse: {state['reused_tests']} tests and {runs} sandboxed runs passed in an earlier run with the same "
            f"fingerprint ({state['key'][:12]}: project files, packages, Python, browser) and were not run again; "
            "--fresh runs everything"
        )
