"""Shared fixtures for the engine's own tests.

The real site is built once per run, by `mkdocs build --strict` in a background process started
as soon as collection ends; the test modules that read it run last, so the build overlaps the
snippets instead of holding up the first browser test.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from harness import reuse

ROOT = Path(__file__).resolve().parents[1]
BUILD_TIMEOUT = 900  # seconds; a quiet machine needs ~10-25, one with both cores busy a few times more
# The build process adopts its own orphans (a notebook kernel left behind): they must not become the
# pytest process's (harness.sandbox is a subreaper and would blame the snippet running at the time).
_BUILD = (
    "import ctypes, runpy, sys; ctypes.CDLL(None).prctl(36, 1, 0, 0, 0); "
    "sys.argv = ['mkdocs', *sys.argv[1:]]; runpy.run_module('mkdocs', run_name='__main__')"
)
_SITE = pytest.StashKey[dict]()


def _needs_site(item) -> bool:
    return "built_site" in getattr(item, "fixturenames", ()) and not reuse.reused(item)


def pytest_collection_modifyitems(session, config, items):
    modules = {item.path for item in items if _needs_site(item)}
    if not modules or config.option.collectonly:
        return
    late = [item for item in items if item.path in modules]
    items[:] = [item for item in items if item.path not in modules] + late
    out = Path(tempfile.mkdtemp(prefix="site-"))
    config.add_cleanup(lambda: shutil.rmtree(out, ignore_errors=True))
    log = open(out.with_suffix(".log"), "w+")  # noqa: SIM115 - read when the fixture waits
    config.add_cleanup(lambda: (log.close(), out.with_suffix(".log").unlink(missing_ok=True)))
    process = subprocess.Popen(
        [sys.executable, "-c", _BUILD, "build", "--strict", "--site-dir", str(out / "site")],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    config.add_cleanup(lambda: process.poll() is None and (process.kill(), process.wait()))
    config.stash[_SITE] = {"process": process, "log": log, "site": out / "site", "started": time.perf_counter()}


@pytest.fixture(scope="session")
def built_site(pytestconfig) -> Path:
    """The real site, built once with `mkdocs build --strict` (started when collection ended)."""
    build = pytestconfig.stash.get(_SITE, None)
    if build is None:
        pytest.fail("the site build was not started at collection", pytrace=False)
    try:
        code = build["process"].wait(BUILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        build["process"].kill()
        code = None
    build["log"].seek(0)
    if code != 0:
        why = f"did not finish within {BUILD_TIMEOUT} s" if code is None else "failed"
        pytest.fail(f"mkdocs build --strict {why}:\n{build['log'].read()}", pytrace=False)
    return build["site"]
