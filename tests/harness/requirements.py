"""Requirements: CUDA snippets, and snippets for a torch version range, skip with a stated reason.

Under --require-cuda a CUDA snippet that cannot run fails instead of skipping.
"""

from __future__ import annotations

import os

import pytest


def pytest_addoption(parser):
    parser.addoption(
        "--require-cuda",
        action="store_true",
        default=os.environ.get("DOCS_REQUIRE_CUDA", "") not in ("", "0"),
        help="fail if CUDA is unavailable or any CUDA snippet would be skipped (also: DOCS_REQUIRE_CUDA=1)",
    )


def cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


def missing_reason() -> str:
    import torch

    return f"needs CUDA: torch.cuda.is_available() is False (torch {torch.__version__})"


def pytest_sessionstart(session):
    if session.config.getoption("--require-cuda") and not cuda_available():
        raise pytest.UsageError(
            f"--require-cuda was given, but this machine cannot run CUDA snippets: {missing_reason()}"
        )


def check(item, requires: set[str], torch_range: str = "") -> None:
    """Skip (or fail, under --require-cuda) an item whose requirements this machine lacks."""
    if torch_range:
        import torch
        from packaging.specifiers import SpecifierSet
        from packaging.version import Version

        version = Version(torch.__version__.split("+")[0])
        if version not in SpecifierSet(torch_range):
            raise pytest.skip.Exception(
                f"applies to torch {torch_range}; this is torch {version}", _use_item_location=True
            )
    if "cuda" in requires and not cuda_available():
        if item.config.getoption("--require-cuda"):
            pytest.fail(f"{item.path}: {missing_reason()}, and --require-cuda forbids skipping it", pytrace=False)
        # Reported at the snippet's location, not this line.
        raise pytest.skip.Exception(missing_reason(), _use_item_location=True)
