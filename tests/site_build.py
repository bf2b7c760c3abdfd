"""A strict MkDocs build in this process, through MkDocs' Python API (`mkdocs build --strict`).

A new interpreter per build pays MkDocs', Material's and the plugins' imports every time (~0.5 s
of a small project's ~0.7 s); here they are paid once. What the command line would print (the
log records of `mkdocs` and its plugins, and the error that stopped the build) is collected.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Built:
    ok: bool
    log: str  # every log record of the build, one per line, and the exception that stopped it

    # As subprocess.run's result reads, for tests written against the command line.
    returncode = property(lambda self: 0 if self.ok else 1)
    stdout = stderr = property(lambda self: self.log)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname}: {record.getMessage()}")


def strict_build(project: Path, site_dir: Path | None = None, **env: str) -> Built:
    """Build ``project``'s mkdocs.yml strictly into ``site_dir`` (default: project/site), with the
    environment variables ``env`` set for the build only (the hooks read DOCS_* there)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    collect = _Collect()
    logger = logging.getLogger("mkdocs")
    level, path = logger.level, sys.path.copy()
    logger.addHandler(collect)
    logger.setLevel(logging.INFO)
    ok = False
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
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
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        logger.removeHandler(collect)
        logger.setLevel(level)
        sys.path[:] = path  # the hooks put their folder first
    return Built(ok, "\n".join(collect.lines))
