"""What a run ran on: platform, device, versions, date. No pytest here: the bench uses it too."""

from __future__ import annotations

import datetime
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path


def environment(torch_facts: dict | None = None) -> dict:
    """``torch_facts`` as harness.torch_facts gives them (the suite: asked of a child); None asks
    torch here (the bench imports it anyway)."""
    facts = torch_facts or ask_torch()
    cuda = facts["cuda"]
    gpu = None
    if cuda:
        gpu = {
            "name": facts["gpu"]["name"],
            "driver": _nvidia_driver(),
            "cuda": facts["cuda_version"],
            "memory_bytes": facts["gpu"]["memory_bytes"],
        }
    return {
        "platform": "cuda" if cuda else "cpu",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "torch": facts["torch"],
        "python": platform.python_version(),
        "packages": _package_versions(),
        "os": f"{platform.system()} {platform.release()}",
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "gpu": gpu,
        "command": " ".join(["pytest", *sys.argv[1:]]),
    }


def ask_torch() -> dict:
    """torch's version, whether CUDA is available, the GPU: imports torch (harness.torch_facts asks a child)."""
    import torch

    cuda = torch.cuda.is_available()
    gpu = None
    if cuda:
        props = torch.cuda.get_device_properties(0)
        gpu = {"name": props.name, "memory_bytes": props.total_memory}
    return {"torch": torch.__version__, "cuda": cuda, "cuda_version": torch.version.cuda, "gpu": gpu}


# The libraries whose behaviour pages claim (docs/accuracy.md, docs/libraries.md): their versions
# belong with the results. Read from the installed metadata, without importing them.
LIBRARIES = ("torchmetrics", "lightning", "transformers")


def _package_versions() -> dict:
    from importlib import metadata

    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _nvidia_driver() -> str | None:
    if not shutil.which("nvidia-smi"):
        return None
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=20,
        )
        return out.stdout.strip().splitlines()[0] if out.returncode == 0 and out.stdout.strip() else None
    except (OSError, subprocess.SubprocessError):
        return None
