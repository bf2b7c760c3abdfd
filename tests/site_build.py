"""A strict MkDocs build in this process, through MkDocs' Python API (`mkdocs build --strict`).

A new interpreter per build pays MkDocs', Material's and the plugins' imports every time (~0.5 s
of a small project's ~0.7 s); here they are paid once. What the command line would print (the
log records of `mkdocs` and its plugins, and the error that stopped the build) is collected.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Built:
    ok: bool
    log: str  # every log record of the build, one per line, and the exception that stopped it


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname}: {record.getMessage()}")


def strict_build(project: Path, site_dir: Path | None = None) -> Built:
    """Build ``project``'s mkdocs.yml strictly into ``site_dir`` (default: project/site)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    collect = _Collect()
    logger = logging.getLogger("mkdocs")
    level, path = logger.level, sys.path.copy()
    logger.addHandler(collect)
    logger.setLevel(logging.INFO)
    ok = False
    try:
        with contextlib.chdir(project):
            config = load_config(
                config_file=str(project / "mkdocs.yml"), strict=True, site_dir=str(site_dir or project / "site")
            )
            build(config)
        ok = True
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - mkdocs' Abort is a SystemExit; report any
        collect.lines += traceback.format_exception_only(type(exc), exc)
    finally:
        logger.removeHandler(collect)
        logger.setLevel(level)
        sys.path[:] = path  # the hooks put their folder first
    return Built(ok, "\n".join(collect.lines))
