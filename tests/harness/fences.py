"""Fences no collector would run, and includes the rules refuse, fail the suite.

pytest-markdown-docs runs top-level ```python fences. It silently skips fences indented inside
content tabs or admonitions, fences with a misspelt info string, and fences marked `notest`; and
it cannot expand `--8<--` includes. This module finds each of those cases in a page and reports
it with the page's file and line:

- `notest` is allowed only on include fences (the included snippet is the test);
- python is spelt ```python: other python-looking fences (`py`, `python3`, `pycon`, `ipython`)
  are refused, and so is a `>>> ` session shown in a fence of another language (output nobody
  checks); write a ```python fence that asserts, or show values as `#> ` lines in a snippet;
- `retry:N` and `runner:` options, which make a failing fence pass or run it differently;
- every include of the page is checked by harness.includes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness import includes
from harness.snippet import asserts_something

PYTHON = {"python"}
# Python by another name: pytest-markdown-docs runs `py` and `python3` too, and nothing runs the
# others; one spelling keeps every rule below in one place.
PYTHON_LOOKING = {"py", "python3", "py3", "pycon", "ipython", "ipython3", "python2", "py2"}
OTHER_LANGUAGES = {
    "text", "console", "bash", "sh", "shell", "yaml", "toml", "json", "ini", "markdown", "md",
    "html", "css", "diff", "output", "mermaid",
}  # fmt: skip
REFUSED_OPTIONS = ("retry:", "runner:")
MAX_INLINE_LINES = 3
_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")
_INCLUDE = re.compile(r"""^\s*-{1,}8<-{1,}[ \t]+(?P<q>["'])(?P<target>.+?)(?P=q)\s*$""")
_PROMPT = re.compile(r"^\s*>>>( |$)")


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
    """Every fence or include in ``page`` that the suite would not run or that the rules refuse."""
    text = page.read_text(encoding="utf-8")
    rel = page.relative_to(root)
    found = includes.problems(page, root, text)
    for fence in find_fences(text):
        where = f"{rel}:{fence.line}"
        refused = sorted(o for o in fence.options if o.startswith(REFUSED_OPTIONS))
        if refused:
            found.append(f"{where}: fence option {refused[0]!r} is refused: a fence passes by running once, as written")
        if fence.language in PYTHON_LOOKING:
            found.append(
                f"{where}: ```{fence.language} fence is refused: write ```python with asserts "
                "(or a snippet with `#> ` output lines), so the code is run and checked"
            )
            continue
        if fence.language not in PYTHON:
            if "notest" in fence.options:
                found.append(f"{where}: notest is allowed only on python include fences")
            if not fence.language:
                found.append(f"{where}: fence without a language: write ```text if it is not code")
            elif fence.language not in OTHER_LANGUAGES:
                found.append(
                    f"{where}: unknown fence language {fence.language!r}: no collector runs it "
                    f"(python fences are written ```python; others: {', '.join(sorted(OTHER_LANGUAGES))})"
                )
            elif any(_PROMPT.match(t) for t in fence.body):
                found.append(
                    f"{where}: a `>>> ` Python session in a ```{fence.language} fence is never run: write a "
                    "```python fence with asserts, or show values as `#> ` lines in a snippet"
                )
            continue
        if fence.is_include:
            if "notest" not in fence.options:
                found.append(
                    f"{where}: include fence must be marked {{.python notest}}: the included snippet is the test"
                )
            continue
        if "notest" in fence.options:
            found.append(
                f"{where}: notest is allowed only on include fences: this code would never run "
                "(put it in a snippet and include a section of it)"
            )
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
    return sorted(found, key=_line_of)


def _line_of(problem: str) -> int:
    match = re.match(r"^[^:]+:(\d+):", problem)
    return int(match[1]) if match else 0


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
