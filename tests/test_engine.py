"""The engine cannot be fooled: each kind of broken contribution fails loudly, naming its file.

Every case is built in a temporary copy of the project (the harness, the configuration and one
good page with its snippet), then the suite or the build is run on it as a contributor would.
To keep this fast, the suite runs once, as a new process, on one copy holding the good page and
every broken input (each failure must name a broken file; the good items must pass), and the
strict builds run in this process through MkDocs' Python API (site_build).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from site_build import strict_build

from harness import requirements, torch_facts

ROOT = Path(__file__).resolve().parents[1]

GOOD_SNIPPET = '''"""A good snippet.

Claims:
    demo.grad-fn-recorded: An op on a tensor that requires grad records a `grad_fn`.
"""

# --8<-- [start:main]
import torch

w = torch.ones(3, requires_grad=True)
assert (w * 2).grad_fn is not None
# --8<-- [end:main]
'''

GOOD_PAGE = """# Demo

An op records a graph. [claim: demo.grad-fn-recorded]

```{.python notest}
--8<-- "snippets/demo/good.py:main"
```
"""


def snippet(claim: str, body: str, header: str = "") -> str:
    return f'"""Case.\n\nClaims:\n    {claim}: A statement.\n{header}"""\n{body}'


# Broken cases run by the suite: file -> content
SUITE_CASES = {
    "snippets/demo/wrong_claim.py": snippet(
        "demo.wrong", "import torch\n\nw = torch.ones(2, requires_grad=True)\nassert (w * 2).grad_fn is None\n"
    ),
    "snippets/demo/no_assert.py": snippet("demo.no-assert", "import torch\n\nprint(torch.ones(2))\n"),
    "snippets/demo/hangs.py": snippet(
        "demo.hangs", "import time\n\nwhile True:\n    time.sleep(0.05)\nassert 1 + 1 == 2\n", "Timeout: 2\n"
    ),
    "snippets/demo/network.py": snippet(
        "demo.network", 'import socket\n\nsocket.create_connection(("127.0.0.1", 9))\nassert 1 + 1 == 2\n'
    ),
    # `Network: loopback`: loopback sockets work, any other address is refused before connecting
    "snippets/demo/network_loopback.py": snippet(
        "demo.network-loopback",
        'import socket\n\nwith socket.socket() as s:\n    s.bind(("127.0.0.1", 0))\n    assert s.getsockname()[1] > 0\n',
        "Network: loopback\n",
    ),
    "snippets/demo/network_elsewhere.py": snippet(
        "demo.network-elsewhere",
        'import socket\n\nsocket.create_connection(("10.255.255.1", 53), timeout=5)\nassert 1 + 1 == 2\n',
        "Network: loopback\n",
    ),
    "snippets/demo/needs_cuda.py": snippet(
        "demo.cuda", "import torch\n\nassert torch.ones(1, device='cuda').is_cuda\n", "Requires: cuda\n"
    ),
    "snippets/demo/bad_end.py": snippet(
        "demo.bad-end", "# --8<-- [start:main]\nassert 1 + 1 == 2\n# --8<-- [end:mian]\n"
    ),
    "docs/broken.md": (
        "# Broken\n\n"
        '=== "Tab"\n\n    ```python\n    import torch\n    assert torch.ones(1).sum() == 1\n    ```\n\n'
        "```pyhton\nassert 1 + 1 == 2\n```\n\n"
        '```{.python notest}\n--8<-- "snippets/demo/missing.py:main"\n```\n\n'
        "```python\nx = 1 + 1\n```\n"
    ),
    "docs/notebook.py": "# %% [markdown]\n# # A notebook\n\n# %%\nvalue = 1\n\n# %%\nassert value == 2, 'cell fails'\n",
    # A section that needs a name defined in another section does not run when a reader copies it.
    "snippets/demo/split.py": snippet(
        "demo.split",
        "# --8<-- [start:setup]\nimport torch\n\nw = torch.ones(3, requires_grad=True)\n# --8<-- [end:setup]\n\n"
        "# --8<-- [start:use]\nassert (w * 2).grad_fn is not None\n# --8<-- [end:use]\n",
    ),
    "docs/split.md": (
        '# Split\n\n```{.python notest}\n--8<-- "snippets/demo/split.py:setup"\n```\n\n'
        '=== "Use"\n\n    ```{.python notest}\n    --8<-- "snippets/demo/split.py:use"\n    ```\n'
    ),
    # What a print writes must match the `#> ` lines under it.
    "snippets/demo/wrong_output.py": snippet(
        "demo.wrong-output", "import torch\n\nprint(torch.ones(2).sum().item())\n#> 3.0\nassert 1 + 1 == 2\n"
    ),
}


def make_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(
        ROOT / "tests" / "harness", project / "tests" / "harness", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", project)
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    # Let MkDocs derive the navigation from the few pages the copy has.
    config = re.sub(r"(?ms)^nav:\n.*?(?=^\S)", "", config)
    (project / "mkdocs.yml").write_text(config, encoding="utf-8")
    shutil.copytree(ROOT / "docs" / "stylesheets", project / "docs" / "stylesheets")
    write(project, "docs/index.md", GOOD_PAGE)
    write(project, "snippets/demo/good.py", GOOD_SNIPPET)
    return project


def write(project: Path, name: str, text: str) -> None:
    path = project / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def run_suite(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=240,
    )


def build(project: Path, **env: str):
    """`mkdocs build --strict` on the copy, in this process, with ``env`` set; the kernel of an
    executed notebook page talks to it over a local socket (the suite blocks sockets: tests that
    build one enable them)."""
    return strict_build(project, **env)


@pytest.fixture(scope="module")
def broken_run(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("suite"))
    for name, text in SUITE_CASES.items():
        write(project, name, text)
    result = run_suite(project, "-rA", "snippets", "docs")
    results = json.loads((project / "build" / "results" / "cpu.json").read_text())
    return result, results


# The good page's items: the snippet, its counter-cases, the page's fence check and its copy-and-run check.
GOOD_ITEMS = ("snippets/demo/good.py::run", "snippets/demo/good.py::counter-cases", "docs/index.md::fences",
              "docs/index.md::copy-run")  # fmt: skip


def test_good_page_passes_among_the_broken_ones(broken_run):
    result, results = broken_run
    for item in GOOD_ITEMS:
        assert re.search(rf"^PASSED {re.escape(item)}$", result.stdout, re.MULTILINE), result.stdout[-4000:]
    assert results["claims"]["demo.grad-fn-recorded"]["status"] == "passed"
    # Every failure is one of the broken inputs': nothing fails because of the good page or the engine.
    failed = re.findall(r"^(?:FAILED|ERROR) (\S+?)(?:::| )", result.stdout, re.MULTILINE)
    assert failed and set(failed) <= set(SUITE_CASES), failed
    assert re.search(r"^(\d+) failed, (\d+) passed", result.stdout.splitlines()[-1]), result.stdout[-2000:]


def test_good_project_builds_with_badges(tmp_path, socket_enabled):
    project = make_project(tmp_path)
    built = build(project)
    assert built.ok, built.log
    page = (project / "site" / "index.html").read_text()
    assert 'class="claim-badge' in page and 'id="demo.grad-fn-recorded"' in page


@pytest.mark.parametrize(
    "expected",
    [
        # a wrong claim: file and line, claim ID and statement, the code, what was seen
        r"snippets/demo/wrong_claim\.py:9: failed: AssertionError: assert <MulBackward0 object at 0x[0-9a-f]+> is None",
        r"claim demo\.wrong: A statement\.",
        r"9 \| assert \(w \* 2\)\.grad_fn is None",
        r"snippets/demo/no_assert\.py:1: asserts nothing",
        r"snippets/demo/hangs\.py:\d+: timeout: did not finish within its timeout of 2 s",
        r"snippets/demo/network\.py:8: failed: pytest_socket\.SocketBlockedError",
        r"snippets/demo/network_elsewhere\.py:9: failed: harness\.sandbox\.NetworkBlockedError: looking up "
        r"\('10\.255\.255\.1', 53\) refused",
        r"snippets/demo/bad_end\.py:8: end marker for section 'mian' has no matching start \(open sections: main\)",
        r"docs/broken\.md:5: python fence indented inside a tab or admonition is never run",
        r"docs/broken\.md:10: unknown fence language 'pyhton'",
        r"docs/broken\.md:15: include 'snippets/demo/missing\.py:main': no file snippets/demo/missing\.py",
        r"docs/broken\.md:18: fence asserts nothing",
        r"docs/notebook\.py:8: failed: AssertionError: cell fails",
        # a copied block that needs a name from another block: the page, the block, its first line, the error
        r"docs/split\.md, block 2 \(line 9: `assert \(w \* 2\)\.grad_fn is not None`\): failed at line 1 of "
        r"the block: NameError: name 'w' is not defined",
        r"snippets/demo/wrong_output\.py:8: the `#> ` lines under this statement differ from what it printed\n"
        r"    \| print\(torch\.ones\(2\)\.sum\(\)\.item\(\)\)\n    @@ -1 \+1 @@\n    -#> 3\.0\n    \+#> 2\.0",
        r"copyable blocks run alone: \d+ python blocks of \d+ copyable: \d+ passed, [1-9]\d* failed",
    ],
)
def test_broken_input_fails_naming_file_and_line(broken_run, expected):
    result, _ = broken_run
    assert result.returncode == 1
    assert re.search(expected, result.stdout), result.stdout[-4000:]


def test_network_loopback_snippet_passes_in_the_suite(broken_run):
    _, results = broken_run
    entry = next(s for s in results["snippets"] if s["path"] == "snippets/demo/network_loopback.py")
    assert entry["status"] == "passed"


def test_cuda_snippet_is_skipped_with_reason_not_passed(broken_run):
    result, results = broken_run
    entry = next(s for s in results["snippets"] if s["path"] == "snippets/demo/needs_cuda.py")
    assert entry["status"] == "skipped"
    assert entry["reason"].startswith("needs CUDA: torch.cuda.is_available() is False")
    assert results["claims"]["demo.cuda"]["status"] == "skipped"
    assert re.search(r"SKIPPED \[1\] snippets/demo/needs_cuda\.py.*needs CUDA", result.stdout)


def test_results_file_records_claims_per_status(broken_run):
    _, results = broken_run
    assert results["platform"] == "cpu" and results["torch"] and results["date"] and results["python"]
    assert results["claims"]["demo.grad-fn-recorded"]["status"] == "passed"
    assert results["claims"]["demo.wrong"]["status"] == "failed"
    assert results["summary"]["skipped"] == 1


def test_require_cuda_fails_on_a_machine_without_cuda(pytestconfig, monkeypatch):
    # The hook the suite runs at session start, with the option given and CUDA missing (on any machine).
    monkeypatch.setattr(torch_facts, "_FACTS", {"torch": "2.13.0", "cuda": False, "cuda_version": None, "gpu": None})
    session = SimpleNamespace(config=SimpleNamespace(getoption=lambda name: name == "--require-cuda"))
    with pytest.raises(pytest.UsageError, match="--require-cuda was given, but this machine cannot run CUDA snippets"):
        requirements.pytest_sessionstart(session)
    assert requirements.missing_reason() == "needs CUDA: torch.cuda.is_available() is False (torch 2.13.0)"
    # Without the option nothing is refused; the option is registered (and read from DOCS_REQUIRE_CUDA).
    requirements.pytest_sessionstart(SimpleNamespace(config=SimpleNamespace(getoption=lambda name: False)))
    assert pytestconfig.getoption("--require-cuda") in (True, False)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "docs/missing.md",
            '# Missing\n\n```{.python notest}\n--8<-- "snippets/demo/nowhere.py:main"\n```\n',
            r"docs/missing\.md:4: include 'snippets/demo/nowhere\.py:main': no file snippets/demo/nowhere\.py",
        ),
        (
            "snippets/demo/bad_end.py",
            SUITE_CASES["snippets/demo/bad_end.py"],
            r"snippets/demo/bad_end\.py:8: end marker for section 'mian'",
        ),
        ("docs/links.md", "# Links\n\nSee [the missing page](nowhere.md).\n", r"links\.md.*nowhere\.md"),
        (
            "docs/claims.md",
            "# Claims\n\nSee [claim: demo.unknown].\n",
            r"docs/claims\.md:3: \[claim: demo\.unknown\] names a claim",
        ),
        (
            "snippets/demo/unexplained.py",
            snippet("demo.unexplained", "assert True\n"),
            r"claim demo\.unexplained is not referenced by any page",
        ),
        (
            "snippets/demo/twice.py",
            snippet("demo.grad-fn-recorded", "assert True\n"),
            r"claim demo\.grad-fn-recorded is declared more than once",
        ),
        ("docs/notebook.py", SUITE_CASES["docs/notebook.py"], r"cell fails"),
    ],
    ids=[
        "missing-include",
        "unclosed-section",
        "broken-link",
        "unknown-claim",
        "unexplained-claim",
        "duplicate-id",
        "notebook-cell",
    ],
)
def test_broken_site_fails_the_strict_build(tmp_path, socket_enabled, name, text, expected):
    project = make_project(tmp_path)
    write(project, name, text)
    result = build(project)
    assert not result.ok
    assert re.search(expected, result.log), result.log[-3000:]


def test_myth_pointing_to_an_unknown_claim_fails_the_build(tmp_path, socket_enabled):
    project = make_project(tmp_path)
    write(project, "docs/myths.yml", "- myth: A myth.\n  verdict: 'false'\n  why: Because.\n  claims: [demo.nowhere]\n")
    result = build(project)
    assert not result.ok
    assert "docs/myths.yml: myth 1 ('A myth.'): points to claim demo.nowhere, which no snippet declares" in result.log


def test_required_cuda_results_fail_the_build_when_missing(tmp_path, socket_enabled):
    project = make_project(tmp_path)  # without the requirement it builds: test_good_project_builds_with_badges
    result = build(project, DOCS_REQUIRE_CUDA_RESULTS="1", DOCS_RESULTS_DIR=str(tmp_path / "no-results"))
    assert not result.ok
    assert "snippets/demo/good.py:4: claim demo.grad-fn-recorded has no passed CUDA result (not-recorded)" in result.log
