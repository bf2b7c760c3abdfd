"""How much longer a run may take on this machine right now: snippet timeouts are multiplied by it.

A snippet runs on one intra-op thread, so a busy machine slows it by about the number of runnable
processes per core. The factor is read when each run starts: the larger of the one-minute load
average and the processes running at that moment (not counting this one), per core, at least 1
and at most MAX_FACTOR. `DOCS_TIMEOUT_SCALE=<number>` sets it instead (CI runners, a slow laptop).
A hang still ends: its timeout is the declared one times this factor, and the report names the
line it hung on and both figures.
"""

from __future__ import annotations

import os

MAX_FACTOR = 8.0


def factor() -> float:
    fixed = os.environ.get("DOCS_TIMEOUT_SCALE", "")
    if fixed:
        return max(1.0, float(fixed))
    try:
        with open("/proc/loadavg") as handle:
            fields = handle.read().split()
        busy = max(float(fields[0]), int(fields[3].split("/")[0]) - 1)
    except (OSError, ValueError, IndexError):
        try:
            busy = os.getloadavg()[0]
        except OSError:
            return 1.0
    return min(MAX_FACTOR, max(1.0, busy / (os.cpu_count() or 1)))


def scaled(timeout: float) -> tuple[float, str]:
    """The limit a run gets, and how to say it when it is not the declared one."""
    f = factor()
    if f <= 1.0:
        return timeout, ""
    return timeout * f, f" (x{f:.1f} for this machine's load: {timeout * f:.0f} s)"
