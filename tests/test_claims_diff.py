"""The claims diff: two commits in a temporary repository, one section per changed claim."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from harness import claims_diff

SNIPPET_A = '''"""Two claims.

Claims:
    page.one: The first value is one.
    page.two: The second value is two.
"""

# claim: page.one
x = 1
assert x == 1

# claim: page.two
y = 2
assert y == 2
'''

SNIPPET_B = '''"""Third.

Claims:
    page.three: Three is three.
"""

assert 3 == 3
'''

SNIPPET_C = '''"""Fourth.

Claims:
    page.four: Four is four.
"""

assert 4 == 4
'''

PAGE = """# Page

One is one. [claim: page.one] Two is two. [claim: page.two]

Three is three. [claim: page.three]
"""

MYTHS = """- myth: Three is not three.
  verdict: "false"
  why: It is.
  claims: [page.three]
"""


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout.strip()


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "test@example.invalid")
    git(root, "config", "user.name", "test")
    write(
        root,
        {
            "snippets/page/a.py": SNIPPET_A,
            "snippets/page/b.py": SNIPPET_B,
            "docs/page.md": PAGE,
            "docs/myths.yml": MYTHS,
            "docs/results/cpu.json": json.dumps(
                {
                    "platform": "cpu",
                    "torch": "2.13.0",
                    "claims": {c: {"status": "passed"} for c in ("page.one", "page.two", "page.three")},
                }
            ),
        },
    )
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    return root


def change_four_claims(root: Path) -> None:
    """One statement changed, another's snippet changed, one added, one removed."""
    text = SNIPPET_A.replace("The first value is one.", "The first value is exactly one, as an int.")
    text = text.replace("assert y == 2", "assert y == 2 and isinstance(y, int)")
    write(root, {"snippets/page/a.py": text, "snippets/page/c.py": SNIPPET_C})
    (root / "snippets/page/b.py").unlink()
    write(root, {"docs/page.md": PAGE.replace("Three is three. [claim: page.three]", "Four. [claim: page.four]")})


def test_four_changes_give_exactly_four_sections_with_their_warnings(repo: Path):
    change_four_claims(repo)
    report = claims_diff.run(repo, "main", None)
    sections = [line for line in report.splitlines() if line.startswith("## ")]
    assert sorted(sections) == [
        "## added: `page.four`",
        "## changed: `page.one`",
        "## changed: `page.two`",
        "## removed: `page.three`",
    ]
    assert "1 added, 1 removed, 2 changed; 0 unchanged" in report
    assert "`page.one`: the statement changed but the asserts did not" in report
    assert "`page.two`: the asserts changed but the statement did not" in report
    assert "`page.three`: removed while a myth still cites it" in report
    assert "The first value is ~~one.~~ **exactly one, as an int.**" in report
    assert "+assert y == 2 and isinstance(y, int)" in report  # the region's diff
    assert "| cpu, torch 2.13.0 | passed | not run |" in report  # no results for this run: not run


def test_nothing_changed_counts_and_lists_nothing(repo: Path):
    report = claims_diff.run(repo, "main", None)
    assert "0 added, 0 removed, 0 changed; 3 unchanged" in report
    assert "## " not in report


def test_a_page_sentence_change_alone_is_flagged(repo: Path):
    write(repo, {"docs/page.md": PAGE.replace("One is one.", "One is always one, everywhere.")})
    report = claims_diff.run(repo, "main", None)
    assert "## changed: `page.one`" in report
    assert "the page sentence changed but neither the statement nor the snippet did" in report
    assert "**Page sentence (after)**: One is always one, everywhere." in report


def test_a_stale_result_is_named(repo: Path):
    results = repo / "build" / "results"
    write(
        repo,
        {
            "build/results/cpu.json": json.dumps(
                {
                    "platform": "cpu",
                    "torch": "2.13.0",
                    "claims": {"page.one": {"status": "passed", "snippet_sha256": "0" * 64}},
                }
            )
        },
    )
    report = claims_diff.run(repo, "main", results)
    assert "stale (recorded passed for other code)" in report


def test_text_from_the_change_is_escaped(repo: Path):
    hostile = "The first value is <script>alert(1)</script> [x](javascript:y) `code` | pipe."
    write(repo, {"snippets/page/a.py": SNIPPET_A.replace("The first value is one.", hostile)})
    report = claims_diff.run(repo, "main", None)
    assert "<script>" not in report and "&lt;script&gt;" in report
    assert "[x](javascript" not in report and "\\[x\\](javascript" in report
    assert "\\| pipe" in report


def test_a_base_that_does_not_exist_is_an_error(repo: Path, capsys):
    assert claims_diff.main(["no-such-ref", "--root", str(repo)]) == 2
    assert "BASE 'no-such-ref' is not a commit in this repository" in capsys.readouterr().err


def test_a_shallow_clone_without_base_says_so(repo: Path, tmp_path: Path, capsys):
    git(repo, "commit", "-q", "--allow-empty", "-m", "second")
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", repo.as_uri(), str(shallow)], check=True)
    assert claims_diff.main(["HEAD~1", "--root", str(shallow)]) == 2
    assert "This clone is shallow" in capsys.readouterr().err


def test_a_claim_declared_twice_is_an_error(repo: Path, capsys):
    write(repo, {"snippets/page/c.py": SNIPPET_C.replace("page.four", "page.one")})
    assert claims_diff.main(["main", "--root", str(repo)]) == 2
    assert "claim page.one is declared more than once" in capsys.readouterr().err


def test_missing_results_on_both_sides_are_stated(repo: Path):
    (repo / "docs/results/cpu.json").unlink()
    git(repo, "commit", "-qam", "no results")
    report = claims_diff.run(repo, "main", None)
    assert report.count("no results file: every claim is shown as not run") == 2
