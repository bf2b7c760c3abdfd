"""`#> ` output comments: what a snippet prints is shown under the print, and checked.

A snippet prints a value a reader wants to see and writes the exact output right under the
print call, one `#> ` line per printed line:

    print(type(logits.grad_fn).__name__)
    #> AddmmBackward0

In the snippet's process, `install` wraps `sys.stdout` and records each write with the line of
the snippet that made it (the innermost frame in the snippet's file). After the run, `problems`
compares, for each print site, everything it printed (every iteration of a loop, in order) with
the `#> ` lines directly under its statement. A mismatch fails the snippet with a diff naming
file:line, and so does a `#> ` block with no print above it. `pytest --update-outputs` rewrites
the `#> ` lines from the run instead (`rewrite`).

The child side (`install`, `Recorder`, `recorded`) is a few lines run in the snippet's process.
"""

from __future__ import annotations

import ast
import difflib
import re
import sys
from dataclasses import dataclass

import pytest

CAP = 64_000  # characters recorded per run; beyond it outputs are not compared
_OUTPUT = re.compile(r"^(?P<indent>[ \t]*)#>(?: (?P<text>.*))?$")


# --- in the snippet's process ------------------------------------------------------------------


class Recorder:
    """Stands in for sys.stdout: passes writes through and records (snippet line, text)."""

    def __init__(self, stream, filename: str):
        self._stream, self._filename = stream, filename
        self.records: list[tuple[int, str]] = []
        self.size = 0

    def write(self, text: str) -> int:
        frame = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename != self._filename:
            frame = frame.f_back
        if frame is not None and text and self.size <= CAP:
            self.size += len(text)
            line = frame.f_lineno
            if self.records and self.records[-1][0] == line:
                self.records[-1] = (line, self.records[-1][1] + text)
            else:
                self.records.append((line, text))
        return self._stream.write(text)

    def flush(self) -> None:
        self._stream.flush()

    def __getattr__(self, name):
        return getattr(self._stream, name)


def install(filename: str) -> Recorder:
    sys.stdout = Recorder(sys.stdout, filename)
    return sys.stdout


def recorded(recorder: Recorder) -> list[tuple[int, str]]:
    """What goes back to the parent: the records, or one (0, ...) entry when over the cap."""
    if recorder.size > CAP:
        return [(0, f"printed more than {CAP} characters")]
    return recorder.records


# --- in the parent: compare with the `#> ` lines -----------------------------------------------


@dataclass
class Shown:
    """A run of `#> ` lines."""

    line: int  # first line, 1-based
    end: int  # last line
    indent: str
    lines: list[str]


def shown_blocks(source: str) -> dict[int, Shown]:
    """`#> ` blocks by first line."""
    blocks: dict[int, Shown] = {}
    current: Shown | None = None
    for number, text in enumerate(source.split("\n"), 1):
        match = _OUTPUT.match(text)
        if match is None:
            current = None
            continue
        if current is None:
            current = Shown(number, number, match["indent"], [])
            blocks[number] = current
        current.end = number
        current.lines.append((match["text"] or "").rstrip())
    return blocks


def _statements(tree: ast.AST) -> list[ast.stmt]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.stmt)]


def _innermost(statements: list[ast.stmt], line: int) -> ast.stmt | None:
    around = [s for s in statements if s.lineno <= line <= (s.end_lineno or s.lineno)]
    return min(around, key=lambda s: ((s.end_lineno or s.lineno) - s.lineno, -s.lineno), default=None)


def _prints(node: ast.AST) -> bool:
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "print" for n in ast.walk(node)
    )


@dataclass
class Site:
    end: int  # the line the statement(s) that printed end on: `#> ` lines start right after it
    line: int  # the printing statement's first line, for messages
    indent: str
    text: str  # everything printed there, in order


def sites(source: str, records: list[tuple[int, str]]) -> dict[int, Site]:
    lines = source.split("\n")
    statements = _statements(ast.parse(source))
    found: dict[int, Site] = {}
    for line, text in records:
        stmt = _innermost(statements, line) if line > 0 else None
        if stmt is None:
            continue
        end = stmt.end_lineno or stmt.lineno
        if end not in found:
            indent = re.match(r"[ \t]*", lines[stmt.lineno - 1])[0]
            found[end] = Site(end, stmt.lineno, indent, "")
        found[end].text += text
    return found


def _printed_lines(text: str) -> list[str]:
    return [t.rstrip() for t in text.split("\n")][: -1 if text.endswith("\n") else None]


def problems(source: str, records: list[tuple[int, str]], label: str, line_of=lambda n: n) -> list[str]:
    """Each difference between what ran and the `#> ` lines, as `label:line: ...` with a diff.

    ``line_of`` maps a line of ``source`` to the line reported (a copied block reports its own).
    """
    if records and records[0][0] == 0:
        return [f"{label}: {records[0][1]}; outputs were not compared"]
    blocks = shown_blocks(source)
    found = sites(source, records)
    statements = _statements(ast.parse(source))
    lines = source.split("\n")
    out: list[str] = []
    for end, site in sorted(found.items()):
        block = blocks.pop(end + 1, None)
        expected = block.lines if block else []
        actual = _printed_lines(site.text)
        if expected != actual:
            where = f"{label}:{line_of(site.line)}"
            if block is None:
                head = f"{where}: prints output that is not shown: put its `#> ` lines right under the statement"
            else:
                head = f"{where}: the `#> ` lines under this statement differ from what it printed"
            out.append(_diff(head, lines[site.line - 1].strip(), expected, actual))
    for start, block in sorted(blocks.items()):
        above = [s for s in statements if (s.end_lineno or s.lineno) == start - 1]
        if any(_prints(s) for s in above):
            stmt = min(above, key=lambda s: (s.end_lineno or s.lineno) - s.lineno)
            head = f"{label}:{line_of(stmt.lineno)}: the `#> ` lines under this statement differ from what it printed"
            out.append(_diff(head, lines[stmt.lineno - 1].strip(), block.lines, []))
        else:
            out.append(
                f"{label}:{line_of(start)}: `#> ` block with no print above it: "
                "output lines go directly under the print that writes them"
            )
    return out


def _diff(head: str, code: str, expected: list[str], actual: list[str]) -> str:
    diff = difflib.unified_diff(
        [_comment(t) for t in expected], [_comment(t) for t in actual], "shown", "printed", lineterm="", n=2
    )
    body = [f"    {t}" for t in list(diff)[2:]]
    return "\n".join([head, f"    | {code}", *body])


def _comment(text: str) -> str:
    return f"#> {text}" if text else "#>"


def rewrite(source: str, records: list[tuple[int, str]]) -> str:
    """``source`` with every print site's `#> ` lines replaced by what it printed."""
    lines = source.split("\n")
    blocks = shown_blocks(source)
    found = sites(source, records)
    statements = _statements(ast.parse(source))
    edits: dict[int, tuple[int, list[str]]] = {}  # insert after line: (lines to drop, new lines)
    for end, site in found.items():
        block = blocks.pop(end + 1, None)
        indent = block.indent if block else site.indent
        edits[end] = (len(block.lines) if block else 0, [indent + _comment(t) for t in _printed_lines(site.text)])
    for start, block in blocks.items():  # a print above that printed nothing: drop its lines
        if any(_prints(s) for s in statements if (s.end_lineno or s.lineno) == start - 1):
            edits[start - 1] = (len(block.lines), [])
    for end in sorted(edits, reverse=True):
        drop, new = edits[end]
        lines[end : end + drop] = new
    return "\n".join(lines)


# --- the pytest side: snippets are checked after they pass --------------------------------------


def pytest_addoption(parser):
    parser.addoption(
        "--update-outputs",
        action="store_true",
        default=False,
        help="rewrite the `#> ` output lines in snippets from what they print, instead of failing on a difference",
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    from harness.collect import OUTCOMES, SnippetFailure, SnippetItem

    if isinstance(item, SnippetItem):
        outcome = item.config.stash.get(OUTCOMES, {}).get(item.nodeid, (None, None))[1]
        if outcome is not None and outcome.status == "passed":
            source = item.path.read_text(encoding="utf-8")
            rel = item.path.relative_to(item.config.rootpath).as_posix()
            found = problems(source, outcome.prints, rel)
            if found and item.config.getoption("--update-outputs"):
                item.path.write_text(rewrite(source, outcome.prints), encoding="utf-8")
                found = [f for f in found if "with no print above it" in f]  # the one thing a run cannot fix
            if found:
                update = item.config.getoption("--update-outputs")
                raise SnippetFailure("\n".join(found) + ("" if update else "\n(re-record: pytest --update-outputs)"))
    return result
