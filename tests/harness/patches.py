"""What the proof relies on, by identity: a run that replaces any of it fails.

The static rules refuse `torch.equal = ...` with its line; this is the backstop for what they
cannot see (`modules = [torch]; modules[0].equal = ...`). The forkserver imports this module
after torch (harness.sandbox.PRELOAD), so the snapshot is taken once, before any fork: copying
these namespaces in every child would touch thousands of shared objects (~10-30 ms a run).
"""

from __future__ import annotations

import builtins
import math
import sys

_MISSING = object()


def _spaces() -> dict[str, dict]:
    import torch
    import torch.nn.functional

    return {
        "builtins": builtins.__dict__,
        "math": math.__dict__,
        "torch": torch.__dict__,
        "torch.nn.functional": torch.nn.functional.__dict__,
        "torch.Tensor": torch.Tensor.__dict__,
    }


SNAPSHOT = {name: dict(space) for name, space in _spaces().items()} if "torch" in sys.modules else None


def ensure() -> None:
    """Take the snapshot now if the forkserver did not preload this module."""
    global SNAPSHOT
    if SNAPSHOT is None:
        SNAPSHOT = {name: dict(space) for name, space in _spaces().items()}


def _installed_library(value) -> bool:
    """A replacement made by an installed library other than torch, as importing it does for every
    reader (Lightning wraps `torch.compile`): its code lives in site-packages, not in torch."""
    import os

    import torch

    code = getattr(value, "__code__", None)
    filename = os.path.realpath(code.co_filename) if code else ""
    inside_torch = filename.startswith(os.path.dirname(os.path.realpath(torch.__file__)) + os.sep)
    return ("site-packages" in filename or "dist-packages" in filename) and not inside_torch


def changed() -> list[str]:
    """`module.name` for every attribute replaced or deleted since the snapshot (not by a library)."""
    ensure()
    found = []
    for name, space in _spaces().items():
        for key, value in SNAPSHOT[name].items():
            now = space.get(key, _MISSING)
            if now is not value and not _installed_library(now):
                found.append(f"{name}.{key}")
    return found
