"""Fences no collector would run, and includes that point nowhere, fail the suite.

pytest-markdown-docs runs top-level ```python fences. It silently skips fences indented inside
content tabs or admonitions, fences with a misspelt info string, and fences marked `notest`; and
it cannot expand `--8<--` includes. This module finds each of those cases in a page and reports
it with the page's file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.snippet import SnippetError, asserts_something, check_sections

PYTHON = {"python", "py", "python3"}
OTHER_LANGUAGES = {
    "text", "console", "bash", "sh", "shell", "yaml", "toml", "json", "ini", "markdown", "md",
    "html", "css", "diff", "pycon", "output", "mermaid",
}  # fmt: skip
MAX_INLINE_LINES = 3
_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")
_INCLUDE = re.compile(r"^\s*-{1,}8<-{1,}\s+\"(?P<target>[^\"]+)\"\s*$")
_NOTEST_REASON = re.compile(r"<!--\s*notest:\s*\S.*-->")


@dataclass
class Fence:
    line: int  # 1-based line of the opening fence
    indent: str
    language: str
    options: set[str]
    body: list[str]

    @property
    def includes(self) -> list[str]:
        return [m["target"] for text in self.body if (m := _INCLUDE.match(text))]

    @property
    def is_include(self) -> bool:
        code = [text for text in self.body if text.strip()]
        return bool(code) and len(self.includes) == len(code)


def parse_info(info: str) -> tuple[str, set[str]]:
    info = info.strip()
    if info.startswith("{"):
        words = re.findall(r'[^\s"]+(?:="[^"]*")?', info.strip("{}"))
        language = next((w[1:] for w in words if w.startswith(".")), "")
        return language, {w for w in words if not w.startswith(".") and "=" not in w}
    words = info.split()
    return (words[0] if words else ""), set(words[1:])


def find_fences(text: str) -> list[Fence]:
    fences, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        match = _OPEN.match(lines[i])
        if not match:
            i += 1
            continue
        fence, indent = match["fence"], match["indent"]
        language, options = parse_info(match["info"])
        body, j = [], i + 1
        close = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        while j < len(lines) and not close.match(lines[j]):
            body.append(lines[j])
            j += 1
        fences.append(Fence(i + 1, indent, language, options, body))
        i = j + 1
    return fences


def problems(page: Path, root: Path) -> list[str]:
    """Every fence or include in ``page`` that the suite would not run or could not resolve."""
    text = page.read_text(encoding="utf-8")
    lines = text.splitlines()
    rel = page.relative_to(root)
    found = []
    for fence in find_fences(text):
        where = f"{rel}:{fence.line}"
        for target in fence.includes:
            found += [f"{where}: {p}" for p in include_problems(target, root)]
        if fence.language not in PYTHON:
            if not fence.language:
                found.append(f"{where}: fence without a language: write ```text if it is not code")
            elif fence.language not in OTHER_LANGUAGES:
                found.append(
                    f"{where}: unknown fence language {fence.language!r}: no collector runs it "
                    f"(python fences are written ```python; others: {', '.join(sorted(OTHER_LANGUAGES))})"
                )
            continue
        if fence.is_include:
            if "notest" not in fence.options:
                found.append(
                    f"{where}: include fence must be marked {{.python notest}}: the included snippet is the test"
                )
            continue
        if "notest" in fence.options:
            before = lines[fence.line - 2] if fence.line >= 2 else ""
            if not _NOTEST_REASON.search(before):
                found.append(f"{where}: notest fence without a reason: put `<!-- notest: why -->` on the line above")
            continue
        if fence.indent:
            found.append(
                f"{where}: python fence indented inside a tab or admonition is never run "
                "(pytest-markdown-docs skips it): move the code to snippets/ and include it"
            )
        code = [t for t in fence.body if t.strip()]
        if len(code) > MAX_INLINE_LINES:
            found.append(
                f"{where}: inline fence of {len(code)} lines: code beyond {MAX_INLINE_LINES} lines lives in snippets/"
            )
        if not asserts_something("\n".join(t[len(fence.indent) :] for t in fence.body)):
            found.append(f"{where}: fence asserts nothing: the site's code proves claims")
    return found


def include_problems(target: str, root: Path) -> list[str]:
    name, _, section = target.partition(":")
    path = root / name
    if not path.is_file():
        return [f"include {target!r}: no file {name}"]
    if not section or section.isdigit() or re.match(r"^\d*:\d*$", section):
        return []  # whole file or a line range
    try:
        sections = check_sections(path, path.read_text(encoding="utf-8"))
    except SnippetError as exc:
        return [f"include {target!r}: {exc}"]
    if section not in sections:
        return [
            f"include {target!r}: {name} has no section {section!r} (sections: {', '.join(sorted(sections)) or 'none'})"
        ]
    return []


class PageChecks(pytest.File):
    def collect(self):
        yield FencesItem.from_parent(self, name="fences")


class FencesItem(pytest.Item):
    def runtest(self):
        found = problems(self.path, self.config.rootpath)
        if found:
            raise FenceProblems("\n".join(found))

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, FenceProblems):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, 0, f"fences of {self.path.relative_to(self.config.rootpath)}"


class FenceProblems(Exception):
    pass
