"""Includes and fences: a page shows only code that runs.

A page may include only named sections of files the suite runs; `notest` is allowed only on
include fences; python-looking fences other than ```python are refused. Each broken case is
written into a temporary copy of the project; the suite (and, for includes, the strict build)
must fail naming the page and line.
"""

from __future__ import annotations

import re

import pytest
from test_engine import build, make_project, run_suite, snippet, write

EMPTY_SECTION = snippet(
    "demo.empty-section",
    "# --8<-- [start:empty]\n# nothing but a comment\n\n# --8<-- [end:empty]\nassert 1 + 1 == 2\n",
)
NESTED = snippet(
    "demo.nested",
    '# --8<-- [start:main]\ntext = """\n--8<-- "snippets/demo/notes.txt"\n"""\nassert text\n# --8<-- [end:main]\n',
)

# (what is written on the page, the message expected at that line)
INCLUDES = [
    ('--8<-- "snippets/demo/good.py"', r"a whole-file include; include a named section"),
    ('--8<-- "snippets/demo/good.py:8:12"', r"a line range; name a section instead"),
    ('--8<-- "snippets/demo/good.py:3"', r"a line range"),
    ("--8<-- 'snippets/demo/good.py'", r"a whole-file include"),
    ('--8<-- "snippets/demo/notes.txt"', r"notes\.txt is not a Python file"),
    ('--8<-- "tests/harness/ledger.py:main"', r"the suite does not run tests/harness/ledger\.py"),
    ('--8<-- "snippets/../tests/harness/ledger.py:main"', r"the suite does not run"),
    ('--8<-- "https://example.com/x.py:main"', r"a URL"),
    ('--8<-- "snippets/demo/empty.py:empty"', r"snippets/demo/empty\.py:6: section 'empty' is empty"),
    ('--8<-- "snippets/demo/nested.py:main"', r"snippets/demo/nested\.py:8: an include line inside the section"),
    ('--8<-- "snippets/demo/good.py:mian"', r"has no section 'mian' \(sections: main\)"),
]
FENCES = [
    ("```py\nassert 1 + 1 == 2\n```", r"```py fence is refused: write ```python"),
    ("```python3\nassert 1 + 1 == 2\n```", r"```python3 fence is refused"),
    ("```pycon\n>>> 1 + 1\n3\n```", r"```pycon fence is refused"),
    ("```ipython\nIn [1]: 1 + 1\n```", r"```ipython fence is refused"),
    ("```text\n>>> (1 + 1) == 3\nTrue\n```", r"a `>>> ` Python session in a ```text fence is never run"),
    ("```{.python notest}\nassert 1 + 1 == 3\n```", r"notest is allowed only on include fences"),
    ("<!-- notest: an old escape -->\n```{.python notest}\nassert False\n```", r"notest is allowed only on include"),
    ("```{.text notest}\nsome text\n```", r"notest is allowed only on python include fences"),
    ("```{.python retry:50}\nimport random\nassert random.random() < 0.1\n```", r"fence option 'retry:50' is refused"),
]


def page_with(blocks: list[str]) -> tuple[str, list[int]]:
    """A page holding each block; the line of each block's first line."""
    text, lines = "# Cases\n", []
    for block in blocks:
        text += "\n"
        lines.append(text.count("\n") + 1 + (1 if block.startswith("<!--") else 0))
        text += block + "\n"
    return text, lines


def include_blocks() -> list[str]:
    return [
        f"```{{.python notest}}\n{target}\n```" if i % 2 else target  # in a fence and in the prose
        for i, (target, _) in enumerate(INCLUDES)
    ]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("includes"))
    write(project, "snippets/demo/notes.txt", "Not code.\n")
    write(project, "snippets/demo/empty.py", EMPTY_SECTION)
    write(project, "snippets/demo/nested.py", NESTED)
    return project


@pytest.fixture(scope="module")
def suite_run(project):
    includes, _ = page_with(include_blocks())
    fences, _ = page_with([f for f, _ in FENCES])
    block = "# Block\n\n--8<--\nsnippets/demo/good.py\n;snippets/demo/notes.txt\n--8<--\n"
    write(project, "docs/includes.md", includes)
    write(project, "docs/fences.md", fences)
    write(project, "docs/block.md", block)
    result = run_suite(project, "docs")
    for name in ("includes", "fences", "block"):
        (project / "docs" / f"{name}.md").unlink()
    return result


def item(result, page: str) -> str:
    """The failure report of one page's fence check."""
    match = re.search(rf"_+ fences of docs/{page} _+\n(.*?)(?=\n_{{3,}} |\n=+ )", result.stdout, re.S)
    assert match, result.stdout[-3000:]
    return match[1]


@pytest.mark.parametrize(("number", "case"), list(enumerate(INCLUDES)), ids=[t for t, _ in INCLUDES])
def test_refused_include_fails_naming_page_and_line(suite_run, number, case):
    _, lines = page_with(include_blocks())
    line = lines[number] + (1 if number % 2 else 0)  # inside a fence, the include is the fence's second line
    report = item(suite_run, "includes.md")
    assert re.search(rf"^docs/includes\.md:{line}: include .*{case[1]}", report, re.M), report


@pytest.mark.parametrize(("number", "case"), list(enumerate(FENCES)), ids=[f.split("\n")[0] for f, _ in FENCES])
def test_refused_fence_fails_naming_page_and_line(suite_run, number, case):
    _, lines = page_with([f for f, _ in FENCES])
    report = item(suite_run, "fences.md")
    assert re.search(rf"^docs/fences\.md:{lines[number]}: .*{case[1]}", report, re.M), report


def test_block_notation_include_is_checked_and_escapes_ignored(suite_run):
    report = item(suite_run, "block.md")
    assert re.search(r"^docs/block\.md:4: include 'snippets/demo/good\.py': a whole-file include", report, re.M)
    assert "notes.txt" not in report  # `;` comments the line out: pymdownx does not include it


def test_a_named_section_of_a_snippet_passes(suite_run):
    assert "docs/index.md::fences" not in suite_run.stdout, suite_run.stdout[-3000:]


def test_strict_build_refuses_a_line_range_include(tmp_path):
    project = make_project(tmp_path)
    write(project, "docs/range.md", '# Range\n\n```{.python notest}\n--8<-- "snippets/demo/good.py:8:12"\n```\n')
    result = build(project)
    assert result.returncode != 0
    assert "docs/range.md:4: include 'snippets/demo/good.py:8:12': a line range" in result.stderr
