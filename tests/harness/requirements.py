"""Requirements: CUDA snippets, and snippets for a torch version range, skip with a stated reason.

Under --require-cuda a CUDA snippet that cannot run fails instead of skipping.

`Requires: cuda` is accepted only on a snippet that uses CUDA: it must fail when CUDA is hidden,
or a CPU claim could hide behind the skip. Where CUDA is missing the snippet is run as it is (CUDA
is hidden already) before it is skipped; on a CUDA machine it is also run once in a fresh
interpreter with `CUDA_VISIBLE_DEVICES=""`. Passing there fails the snippet at its `Requires:` line.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from harness import torch_facts

_REQUIRES_LINE = re.compile(r"^\s*Requires:.*\bcuda\b", re.MULTILINE)
# A fresh interpreter, sockets blocked as in the sandbox, CUDA hidden by the environment.
_HIDDEN = (
    "import runpy, sys, pytest_socket; pytest_socket.disable_socket(allow_unix_socket=False); "
    "sys.argv = [sys.argv[1]]; runpy.run_path(sys.argv[0], run_name='__main__')"
)


def pytest_addoption(parser):
    parser.addoption(
        "--require-cuda",
        action="store_true",
        default=os.environ.get("DOCS_REQUIRE_CUDA", "") not in ("", "0"),
        help="fail if CUDA is unavailable or any CUDA snippet would be skipped (also: DOCS_REQUIRE_CUDA=1)",
    )


def cuda_available() -> bool:
    """Asked of a forked child, once per run (harness.torch_facts): this process does not import torch."""
    return torch_facts.facts()["cuda"]


def missing_reason() -> str:
    return f"needs CUDA: torch.cuda.is_available() is False (torch {torch_facts.facts()['torch']})"


def torch_version():
    """The running torch's version, without its local part (`+cpu`)."""
    from packaging.version import Version

    return Version(torch_facts.facts()["torch"].split("+")[0])


def pytest_sessionstart(session):
    if session.config.getoption("--require-cuda") and not cuda_available():
        raise pytest.UsageError(
            f"--require-cuda was given, but this machine cannot run CUDA snippets: {missing_reason()}"
        )


def passes_without_cuda(path: Path, timeout: float, run_here=None) -> bool:
    """Whether the snippet at ``path`` passes with CUDA hidden. ``run_here(path)`` runs it in the
    sandbox (used where CUDA is missing: hidden already); else a fresh interpreter hides it."""
    if run_here is not None and not cuda_available():
        return run_here(path).status == "passed"
    with tempfile.TemporaryDirectory() as cwd:
        try:
            done = subprocess.run(
                [sys.executable, "-c", _HIDDEN, str(path)],
                cwd=cwd,
                env={**os.environ, "CUDA_VISIBLE_DEVICES": ""},
                capture_output=True,
                timeout=timeout + 30,
            )
        except subprocess.TimeoutExpired:
            return False
    return done.returncode == 0


def check_uses_cuda(item, source: str, timeout: float, run_here=None) -> None:
    """Fail a `Requires: cuda` snippet that passes with CUDA hidden, naming its `Requires:` line."""
    if not passes_without_cuda(item.path, timeout, run_here):
        return
    match = _REQUIRES_LINE.search(source)
    line = source.count("\n", 0, match.start()) + 1 if match else 1
    rel = item.path.relative_to(item.config.rootpath)
    pytest.fail(
        f"{rel}:{line}: declares `Requires: cuda` but passes with CUDA hidden: a claim that holds without CUDA "
        "must run on the CPU (drop the requirement), or the snippet must use CUDA",
        pytrace=False,
    )


def check(item, requires: set[str], torch_range: str = "", uses_cuda=None) -> None:
    """Skip (or fail, under --require-cuda) an item whose requirements this machine lacks.

    ``uses_cuda``, called for a `Requires: cuda` snippet in range, checks that it needs CUDA."""
    if torch_range:
        from packaging.specifiers import SpecifierSet

        version = torch_version()
        if version not in SpecifierSet(torch_range):
            raise pytest.skip.Exception(
                f"applies to torch {torch_range}; this is torch {version}", _use_item_location=True
            )
    if "cuda" in requires and uses_cuda is not None:
        uses_cuda()
    if "cuda" in requires and not cuda_available():
        if item.config.getoption("--require-cuda"):
            pytest.fail(f"{item.path}: {missing_reason()}, and --require-cuda forbids skipping it", pytrace=False)
        # Reported at the snippet's location, not this line.
        raise pytest.skip.Exception(missing_reason(), _use_item_location=True)
