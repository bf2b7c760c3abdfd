"""What a page may include: only named sections of files the suite runs.

pymdownx.snippets will paste any file into a page: a whole file, a line range, a text file, a
file nobody tests. Shown code would then be code that never ran. This module finds every include
of a page, in a fence or not, in either of pymdownx's notations (an inline `--8<-- "file"` line,
or a block of file names between two `--8<--` lines), and refuses with page:line:

- a whole-file include, or a line range (`file.py:3:9`): name a section (`file.py:name`);
- a file that is not Python, or a Python file the suite does not run (snippets/**/*.py and the
  notebook pages docs/**/*.py are run; nothing else is);
- a URL; a missing file or section; a section with no code in it;
- an include line inside an included section (pymdownx would expand it too).

The patterns follow pymdownx.snippets (its RE_ALL_SNIPPETS and RE_SNIPPET_FILE).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from harness.snippet import SnippetError, check_sections

_ALL = re.compile(
    r"""(?x)
    ^(?P<space>[ \t]*)
    (?P<escape>;*)
    (?P<all>
        (?P<inline_marker>-{1,}8<-{1,}[ \t]+)
        (?P<snippet>(?:"(?:\\"|[^"\n\r])+?"|'(?:\\'|[^'\n\r])+?'))(?![ \t]) |
        (?P<block_marker>-{1,}8<-{1,})(?![ \t])
    )\r?$
    """
)
_FILE = re.compile(
    r"(?i)(.*?)(?:((?::-?[0-9]*){1,2}(?:(?:,(?=[-0-9:])-?[0-9]*)(?::-?[0-9]*)?)*)|(:[a-z][-_0-9a-z]*))?$"
)


@dataclass(frozen=True)
class Include:
    line: int  # 1-based line of the page
    target: str  # as written: path, optionally :section or :line ranges


def find(text: str) -> list[Include]:
    """Every include of a page, as pymdownx.snippets reads them."""
    found, block = [], False
    for number, line in enumerate(text.splitlines(), 1):
        match = _ALL.match(line)
        if match:
            if match["escape"]:
                continue  # `;--8<--` is shown, not expanded
            if match["inline_marker"]:
                if not block:
                    found.append(Include(number, match["snippet"][1:-1].strip()))
            else:
                block = not block
            continue
        if block:
            target = line.strip()
            if target and not target.startswith(";"):
                found.append(Include(number, target))
    return found


def runs(path: Path, root: Path) -> bool:
    """Whether the suite runs ``path``: a snippet file or a notebook page."""
    if path.suffix != ".py" or "__pycache__" in path.parts:
        return False
    return any(folder in path.parents for folder in (root / "snippets", root / "docs"))


def problems(page: Path, root: Path, text: str | None = None) -> list[str]:
    """Every include of ``page`` the rules above refuse, as `page:line: message`."""
    text = page.read_text(encoding="utf-8") if text is None else text
    rel = page.relative_to(root).as_posix() if page.is_absolute() else page.as_posix()
    return [f"{rel}:{inc.line}: {message}" for inc in find(text) for message in target_problems(inc.target, root)]


def target_problems(target: str, root: Path) -> list[str]:
    shown = f"include {target!r}"
    if target.lower().startswith(("http://", "https://")):
        return [f"{shown}: a URL; include a named section of a snippet file"]
    match = _FILE.match(target)
    name, ranges, section = (match[1].strip(), match[2], match[3]) if match else (target, None, None)
    path = (root / name).resolve()
    if not path.is_file():
        return [f"{shown}: no file {name}"]
    if path.suffix != ".py":
        return [f"{shown}: {name} is not a Python file: pages include only named sections of snippets"]
    if not runs(path, root.resolve()):
        return [f"{shown}: the suite does not run {name}: pages include only sections of snippets/ and notebook pages"]
    if ranges:
        return [
            f"{shown}: a line range; name a section instead (`# --8<-- [start:NAME]` in the file, then {name}:NAME)"
        ]
    if not section:
        return [f"{shown}: a whole-file include; include a named section ({name}:NAME)"]
    section = section[1:]
    source = path.read_text(encoding="utf-8")
    try:
        sections = check_sections(path, source)
    except SnippetError as exc:
        return [f"{shown}: {name}:{exc.line}: {exc.message}"]
    if section not in sections:
        return [f"{shown}: {name} has no section {section!r} (sections: {', '.join(sorted(sections)) or 'none'})"]
    start, end = sections[section]
    body = source.splitlines()[start : end - 1]
    found = []
    nested = [start + 1 + i for i, line in enumerate(body) if _ALL.match(line) and not _ALL.match(line)["escape"]]
    if nested:
        found.append(f"{shown}: {name}:{nested[0]}: an include line inside the section; pymdownx would expand it")
    if not any(line.strip() and not line.strip().startswith("#") for line in body):
        found.append(f"{shown}: {name}:{start}: section {section!r} is empty: it has no code to show")
    return found
