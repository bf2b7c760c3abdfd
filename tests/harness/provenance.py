"""What a recorded result is tied to: the code it verified, the statement it proved, the checkout.

A claim's entry in a results file stores the sha256 of its snippet file and of its statement,
the commit (and whether the checkout had uncommitted changes), the torch version and the
platform. The ledger compares those hashes with the files as they are now: a result recorded
for other code is *stale*, never shown as a pass.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from functools import lru_cache
from pathlib import Path

COMMIT = re.compile(r"^[0-9a-f]{40}$")


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_sha256(path: Path) -> str:
    """The snippet's hash: its text as read (so a checkout's line endings do not change it)."""
    return text_sha256(path.read_text(encoding="utf-8"))


def statement_sha256(statement: str) -> str:
    return text_sha256(" ".join(statement.split()))


def _git(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)


def checkout(root: Path) -> dict:
    """The commit the run tested, and whether what ran differs from it (``dirty``)."""
    head = _git(root, "rev-parse", "--verify", "--quiet", "HEAD")
    commit = head.stdout.strip() if head.returncode == 0 else None
    # The results folder itself is left out: re-recording it must not make the next run dirty.
    paths = ["snippets", "docs", "tests", ":(exclude)docs/results"]
    status = _git(root, "status", "--porcelain", "--untracked-files=all", "--", *paths)
    dirty = commit is None or status.returncode != 0 or bool(status.stdout.strip())
    return {"commit": commit, "dirty": dirty}


@lru_cache(maxsize=256)
def _blob(root: str, commit: str, path: str) -> str | None:
    if not COMMIT.match(commit):
        return None
    shown = _git(Path(root), "show", f"{commit}:{path}")
    return shown.stdout if shown.returncode == 0 else None


def text_at(root: Path, commit: str | None, path: str) -> str | None:
    """``path`` as committed in ``commit``, or None when the commit or the file is unknown."""
    if not commit:
        return None
    return _blob(str(root), commit, path)
