"""The run cannot change the project: watched files are hashed around every snippet run.

- Every file under `snippets/`, `docs/`, `tests/` and the results folder is hashed (sha256)
  before and after each sandboxed run (re-read only when its status, ctime included, changed) (harness.sandbox calls `snapshot` and `changes`); a file
  created, changed or deleted during the run fails that run, naming the file.
- pytest must never import code from `snippets/` or `docs/` as test modules: a `test_*.py`,
  `*_test.py` or `conftest.py` there stops the session before any conftest is loaded, naming it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

WATCHED = ("snippets", "docs", "tests")
_IMPORTED_BY_PYTEST = ("conftest.py",)


def snapshot(folders) -> dict[str, str]:
    """{path: sha256} of every file under the folders.

    A file is read again only when its status changed: size, modification time, inode, and the
    change time (ctime), which every write updates and no process can set back. So a run that
    edits a file and restores its modification time is still seen, and a warm snapshot costs a
    `stat` per file.
    """
    hashes = {}
    for folder in folders:
        for parent, dirs, files in os.walk(folder):
            dirs.sort()
            for name in files:
                path = os.path.join(parent, name)
                try:
                    info = os.stat(path)
                    signature = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev)
                    known = _KNOWN.get(path)
                    if known is None or known[0] != signature:
                        with open(path, "rb") as handle:
                            known = (signature, hashlib.file_digest(handle, "sha256").hexdigest())
                        _KNOWN[path] = known
                    hashes[path] = known[1]
                except OSError:
                    hashes[path] = "unreadable"
    return hashes


_KNOWN: dict[str, tuple[tuple, str]] = {}  # path: (status signature, sha256)


def changes(before: dict[str, str], after: dict[str, str]) -> list[str]:
    found = []
    for path in sorted(before.keys() | after.keys()):
        old, new = before.get(path), after.get(path)
        if old != new:
            what = "created" if old is None else "deleted" if new is None else "modified"
            found.append(f"{_relative(path)} ({what})")
    return found


_ROOT: Path | None = None


def _relative(path: str) -> str:
    if _ROOT is not None:
        try:
            return Path(path).relative_to(_ROOT).as_posix()
        except ValueError:
            pass
    return path


def importable(root: Path) -> list[str]:
    """Files under snippets/ or docs/ that pytest would import as test modules or conftests."""
    found = []
    for folder in ("snippets", "docs"):
        for path in sorted((root / folder).rglob("*.py")):
            name = path.name
            if name in _IMPORTED_BY_PYTEST or name.startswith("test_") or name.endswith("_test.py"):
                found.append(path.relative_to(root).as_posix())
    return found


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    """Runs before pytest imports any conftest.py: refuse code it would import from the content."""
    found = importable(Path(early_config.rootpath))
    if found:
        raise pytest.UsageError(
            "pytest would import these files as test code; snippets and pages must not contain "
            "test modules or conftest files: " + ", ".join(found)
        )


def pytest_configure(config):
    from harness import sandbox

    global _ROOT
    _ROOT = Path(config.rootpath)
    results = _ROOT / config.getoption("--results-dir", "build/results")
    sandbox.WATCH[:] = [str(_ROOT / name) for name in WATCHED] + [str(results)]
