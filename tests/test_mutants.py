"""The counter-case engine: a claim that no change of the code can make fail fails the suite.

Each test writes a small snippet into a temporary project and runs the engine on it in-process
(the mutants run in the sandbox's forkserver, like the suite's `counter-cases` items); one test
runs pytest on a temporary copy of the project to show the suite itself fails.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness import counter, ledger, mutants
from harness.snippet import SnippetError, parse

ROOT = Path(__file__).resolve().parents[1]

VACUOUS = '''"""A vacuous claim: its assert holds whatever the code does.

Claims:
    demo.vacuous: Under `torch.no_grad()` the result has the input's shape.
"""

import torch

x = torch.ones(2, requires_grad=True)
with torch.no_grad():
    y = x.detach() * 2
assert y.shape == (2,)
'''

SOUND = '''"""A sound claim: removing no_grad makes its assert fail.

Claims:
    demo.sound: Under `torch.no_grad()` the result has no `grad_fn`.
"""

import torch

x = torch.ones(2, requires_grad=True)
with torch.no_grad():
    y = x * 2
assert y.grad_fn is None
'''


def write(root: Path, name: str, text: str) -> Path:
    path = root / "snippets" / "demo" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def check(root: Path, name: str, text: str) -> tuple[dict, list[str]]:
    report, problems = mutants.problems_of(write(root, name, text), root)
    assert report is not None, problems
    return report, problems


def test_vacuous_claim_fails_naming_snippet_claim_and_mutants_tried(tmp_path):
    report, problems = check(tmp_path, "vacuous.py", VACUOUS)
    assert report["unkillable"] == ["demo.vacuous"]
    [problem] = problems
    assert problem.startswith("snippets/demo/vacuous.py: claim demo.vacuous: no mutant and no declared counter-case")
    assert "mutants tried (3):" in problem
    # A report that fails the run is not cached: it is checked again next time.
    assert not list((tmp_path / "build" / "mutants").glob("*.json"))
    assert "with `requires_grad=False` instead of `requires_grad=True` (line 9): survived" in problem
    assert "without `torch.no_grad()` (line 10): survived" in problem
    assert "without `.detach()` (line 11): survived" in problem


def test_sound_claim_passes_and_says_in_words_what_failed(tmp_path):
    report, problems = check(tmp_path, "sound.py", SOUND)
    assert problems == []
    assert report["claims"]["demo.sound"][0]["sentence"] == (
        "without `torch.no_grad()` (line 10) this assert fails: `y.grad_fn is None`"
    )
    assert report["counts"]["killed"] == 1 and report["score"] == 0.5  # the requires_grad flip survives
    assert report["survivors"] == [
        "snippets/demo/sound.py:9: with `requires_grad=False` instead of `requires_grad=True` "
        "(survived: every assert still passes)"
    ]


def test_the_suite_fails_on_a_vacuous_claim(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(
        ROOT / "tests" / "harness", project / "tests" / "harness", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", project)
    write(project, "vacuous.py", VACUOUS)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "snippets"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 1, result.stdout[-3000:]
    assert "snippets/demo/vacuous.py::counter-cases" in result.stdout
    assert "claim demo.vacuous: no mutant and no declared counter-case makes its asserts fail" in result.stdout
    assert "without `torch.no_grad()` (line 10): survived" in result.stdout
    data = json.loads((project / "build" / "results" / "cpu.json").read_text())
    assert data["mutants"]["unkillable"] == ["demo.vacuous"]
    assert data["mutants"]["snippets"]["snippets/demo/vacuous.py"]["survived"] == 3


def declared(line: str, claims: str = "    demo.one: A statement.\n") -> str:
    return (
        f'"""Case.\n\nClaims:\n{claims}\nCounter-cases:\n{line}\n"""\n\n'
        "import torch\n\nx = torch.ones(2)  # unique\ny = x * 2\ny = x * 2\nassert y.sum() == 4\n"
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("    demo.one: x = torch.zeros(2) -> x", "malformed counter-case 'demo.one: x = torch.zeros(2) -> x'"),
        (
            "    demo.other: `y = x * 2` -> `y = x`",
            "counter-case names claim demo.other, which the docstring does not declare",
        ),
        (
            "    demo.one: `z = 3` -> `z = 4`",
            "the old line `z = 3` must match exactly one line of the code, it matches no line",
        ),
        ("    demo.one: `y = x * 2` -> `y = x`", "it matches lines 13, 14 (make it unique with a trailing comment)"),
        ("    demo.one: `y = x * 2` -> `y = x * 2`", "changes nothing"),
    ],
    ids=["malformed", "unknown-claim", "no-line", "two-lines", "no-change"],
)
def test_declared_counter_case_errors_name_file_and_line(tmp_path, line, message):
    path = write(tmp_path, "declared.py", declared(line))
    with pytest.raises(SnippetError) as caught:
        counter.parse(path, path.read_text(), {"demo.one"})
    assert caught.value.line == 7  # the counter-case's line in the docstring
    assert message in caught.value.message
    _, problems = mutants.problems_of(path, tmp_path)
    assert problems[0].startswith("snippets/demo/declared.py:7: ")


def test_declared_counter_case_kills_its_claim_or_fails(tmp_path):
    good = declared("    demo.one: `x = torch.ones(2)  # unique` -> `x = torch.zeros(2)`")
    report, problems = check(tmp_path, "good.py", good)
    assert problems == []
    assert report["claims"]["demo.one"][0] == {
        "sentence": "with `x = torch.ones(2)  # unique` replaced by `x = torch.zeros(2)` (line 12) this assert fails: "
        "`y.sum() == 4`",
        "origin": "declared",
        "line": 12,
    }
    useless = declared("    demo.one: `x = torch.ones(2)  # unique` -> `x = torch.ones(2) * 1`")
    _, problems = check(tmp_path, "useless.py", useless)
    assert any(
        p.startswith("snippets/demo/useless.py:12: declared counter-case for demo.one (with `x = torch.ones(2)  # unique` "
                     "replaced by `x = torch.ones(2) * 1`) does not make an assert of that claim fail: survived")
        for p in problems
    ), problems  # fmt: skip
    invalid = declared("    demo.one: `x = torch.ones(2)  # unique` -> `x = (`")
    report, problems = check(tmp_path, "invalid.py", invalid)
    assert report["results"][-1]["outcome"] == "invalid"
    assert any("does not make an assert of that claim fail: invalid" in p for p in problems), problems


def test_an_edited_assert_counts_only_when_another_assert_fails(tmp_path):
    text = declared("    demo.one: `assert y.sum() == 4` -> `assert y.sum() == 5`")
    _, problems = check(tmp_path, "own.py", text)
    assert any("does not make an assert of that claim fail: killed" in p for p in problems), problems
    text = declared("    demo.one: `assert x.sum() == 2  # the call inside` -> `assert x.mul_(2).sum() == 4`")
    text = text.replace("y = x * 2\ny = x * 2\n", "assert x.sum() == 2  # the call inside\ny = x * 2\n")
    report, problems = check(tmp_path, "other.py", text)
    assert problems == []
    assert report["claims"]["demo.one"][0]["sentence"].endswith("(line 13) this assert fails: `y.sum() == 4`")


def test_future_imports_and_functions_are_instrumented(tmp_path):
    text = SOUND.replace("import torch\n", "from __future__ import annotations\n\nimport torch\n", 1)
    text = text.replace("assert y.grad_fn is None", "def check(t):\n    assert t.grad_fn is None\n\n\ncheck(y)")
    report, problems = check(tmp_path, "future.py", text)
    assert problems == [] and report["claims"]["demo.sound"][0]["sentence"].endswith("`t.grad_fn is None`")


def test_expected_exception_no_longer_raised_kills_through_the_handler_assert(tmp_path):
    text = '''"""Case.

Claims:
    demo.leaf: An in-place update of a leaf that requires grad raises outside `torch.no_grad()`.

Counter-cases:
    demo.leaf: `w.add_(1)` -> `w.detach().add_(1)`
"""

import torch

w = torch.ones(2, requires_grad=True)
try:
    w.add_(1)
except RuntimeError as error:
    assert "leaf Variable" in str(error)
'''
    report, problems = check(tmp_path, "leaf.py", text)
    assert problems == []
    [result] = [r for r in report["results"] if r["origin"] == "declared"]
    assert result["kind"] == "not-run" and result["at"] == 16
    assert result["sentence"].endswith(
        '(line 14) the assert on line 16 no longer runs: `"leaf Variable" in str(error)`'
    )


def test_equivalent_comment_marks_a_survivor_and_a_stale_one_fails(tmp_path):
    text = SOUND.replace(
        "x = torch.ones(2, requires_grad=True)",
        "x = torch.ones(2, requires_grad=True)  # equivalent: no_grad records nothing either way",
    )
    report, problems = check(tmp_path, "equivalent.py", text)
    assert problems == []
    assert report["counts"]["equivalent"] == 1 and report["counts"]["survived"] == 0 and report["score"] == 1.0
    stale = text.replace("    y = x * 2", "    y = x * 2  # equivalent: stale")
    _, problems = check(tmp_path, "stale.py", stale)
    assert problems == [
        "snippets/demo/stale.py:11: `# equivalent:` comment, but no mutant of this line survives: remove it"
    ]


def test_a_counter_case_may_quote_a_line_with_an_equivalent_comment(tmp_path):
    line = "with torch.no_grad():  # equivalent: grad mode is already off"
    text = f"""\"\"\"Nested no_grad: removing the inner block changes nothing; enabling grad there does.

Claims:
    demo.nested: Inside nested `torch.no_grad()` blocks the result has no `grad_fn`.

Counter-cases:
    demo.nested: `{line}` -> `with torch.enable_grad():`
\"\"\"

import torch

x = torch.ones(2, requires_grad=True)
with torch.no_grad():
    {line}
        y = x * 2
assert y.grad_fn is None
"""
    report, problems = check(tmp_path, "nested.py", text)
    assert problems == []  # the docstring's quote of the comment is not a stale comment
    assert report["counts"]["equivalent"] == 1  # the inner block's removal
    [declared] = [r for r in report["results"] if r["origin"] == "declared"]
    assert declared["outcome"] == "killed"


def test_a_mutant_is_what_code_reading_its_own_source_sees(tmp_path):
    """TorchScript compiles a function from its source text: it must be the mutant's, not the file's."""
    text = '''"""A scripted function honours a no_grad block.

Claims:
    demo.scripted: A `with torch.no_grad()` block inside a scripted function is honoured.

Counter-cases:
    demo.scripted: `with torch.no_grad():  # inside the scripted function` -> `if True:`
"""

import warnings

import torch

warnings.filterwarnings("ignore", message="`torch.jit.script` is")


@torch.jit.script
def double(w):
    with torch.no_grad():  # inside the scripted function
        y = w * 2
    return y


assert double(torch.ones(3, requires_grad=True)).grad_fn is None
'''
    report, problems = check(tmp_path, "scripted.py", text)
    assert problems == []
    assert all(r["outcome"] == "killed" for r in report["results"]), report["results"]


def test_cache_reuses_outcomes_until_the_key_changes(tmp_path, monkeypatch):
    first, _ = check(tmp_path, "sound.py", SOUND)
    again, _ = check(tmp_path, "sound.py", SOUND)
    assert first["cached"] is False and again["cached"] is True
    assert len(list((tmp_path / "build" / "mutants").glob("*.json"))) == 1
    changed, _ = check(tmp_path, "sound.py", SOUND + "# a changed byte\n")
    assert changed["cached"] is False  # the snippet's bytes are in the key
    snippet = parse(tmp_path / "snippets" / "demo" / "sound.py")
    harness = tmp_path / "harness"
    shutil.copytree(Path(mutants.__file__).parent, harness)
    key = mutants.cache_key(snippet, harness)
    with (harness / "sandbox.py").open("a") as handle:
        handle.write("# changed\n")
    assert mutants.cache_key(snippet, harness) != key  # so is the harness code
    monkeypatch.setattr(mutants, "_torch_version", lambda: "0.0.0")
    assert mutants.cache_key(snippet, harness) != key  # and torch's version
    rerun, _ = check(tmp_path, "sound.py", SOUND + "# a changed byte\n")
    assert rerun["cached"] is False
    helper = write(tmp_path, "helper.py", "VALUE = 1\n")  # a file the snippet imports is in the key too
    importing = write(tmp_path, "importing.py", SOUND.replace("import torch\n", "import helper\nimport torch\n", 1))
    assert mutants._helpers(parse(importing)) == [helper]


HANG = '''"""Case.

Claims:
    demo.first: Under `torch.no_grad()` nothing requires grad.
    demo.second: A later claim.
"""

import torch

# claim: demo.first
x = torch.ones(1, requires_grad=True)
with torch.no_grad():
    y = x * 2
while y.requires_grad:
    pass
assert not y.requires_grad

# claim: demo.second
assert x.requires_grad  # unique
'''


# The loop sits in the second claim's region: a hang there proves nothing about the first.
HANG_ELSEWHERE = HANG.replace(
    "while y.requires_grad:\n    pass\nassert not y.requires_grad", "assert x.requires_grad"
).replace("assert x.requires_grad  # unique", "while y.requires_grad:\n    pass\nassert not y.requires_grad")


def test_hanging_mutant_is_killed_only_in_the_mutated_claims_region(tmp_path, monkeypatch):
    monkeypatch.setattr(mutants, "MIN_TIMEOUT", 1.0)
    report, problems = check(tmp_path, "hang.py", HANG)
    [hung] = [r for r in report["results"] if r["description"] == "without `torch.no_grad()`"]
    assert hung["outcome"] == "killed" and hung["kind"] == "timeout" and hung["claims"] == ["demo.first"]
    assert hung["at"] in (14, 15)
    assert (
        hung["sentence"]
        == f"without `torch.no_grad()` (line 12) the snippet hangs: the timeout fires on line {hung['at']}"
    )
    report, _ = check(tmp_path, "elsewhere.py", HANG_ELSEWHERE)
    [other] = [r for r in report["results"] if r["description"] == "without `torch.no_grad()`"]
    assert other["outcome"] == "hung" and other["at"] in (17, 18)
    assert f"the timeout fired on line {other['at']}, outside the mutated claim's region" in other["detail"]
    assert report["counts"]["hung"] == 1 and not report["cached"]
    assert not list((tmp_path / "build" / "mutants").glob(f"{report['key']}.json"))  # hangs are not cached


def test_mutant_crashing_the_harness_fails_with_its_description(tmp_path):
    text = SOUND.replace(
        "assert y.grad_fn is None", "if y.grad_fn is not None:\n    os._exit(3)\nassert y.grad_fn is None"
    )
    text = text.replace("import torch\n", "import os\n\nimport torch\n")
    path = write(tmp_path, "crash.py", text)
    with pytest.raises(
        mutants.HarnessCrash, match=r"mutant without `torch.no_grad\(\)` \(line 12\) crashed the harness"
    ):
        mutants.problems_of(path, tmp_path)


def test_invalid_mutants_are_skipped_and_counted():
    results = [
        {"origin": "mutator", "outcome": "invalid", "claims": [], "sentence": "", "line": 3, "kind": "", "detail": ""},
        {"origin": "mutator", "outcome": "killed", "claims": ["demo.x"], "sentence": "s", "line": 4, "kind": "assert",
         "detail": ""},
    ]  # fmt: skip

    class Stub:
        claims = [type("C", (), {"id": "demo.x"})()]
        source = "x = 1\n"

    report = mutants._summarize({"snippet": "s.py", "results": results, "problems": []}, Stub())
    assert report["counts"]["invalid"] == 1 and report["counts"]["applicable"] == 1 and report["score"] == 1.0
    assert mutants._valid("x = 1\n", "x = (\n") is False
    assert mutants._valid("x = (1,\n 2)\n", "x = (1)\n") is False  # a line lost: attribution would move


def test_ledger_shows_the_counter_case_in_words():
    sentence = "without `torch.no_grad()` (line 4) this assert fails: `y.grad_fn is None`"
    run = {
        "torch": "2.13.0",
        "python": "3.14",
        "date": "2026-12-06",
        "cpu": "cpu",
        "mutants": {"claims": {"demo.x": [sentence]}},
    }
    row = ledger.Row("demo.x", "A statement.", "snippets/demo/x.py", 4, [], "docs/index.md")
    row.status = {"cpu": ("passed", None), "cuda": ("not-recorded", None)}
    html = ledger.render_ledger(ledger.Ledger({"demo.x": row}, {"cpu": run, "cuda": None}))
    assert "<th>Shown able to fail</th>" in html
    assert "Without <code>torch.no_grad()</code> (line 4) this assert fails: <code>y.grad_fn is None</code>" in html


def test_mutators_cover_the_sites_this_site_explains(tmp_path):
    text = '''"""Case.

Claims:
    demo.sites: A statement.
"""

import torch

model = torch.nn.Linear(2, 2).eval()
w = torch.ones(2, requires_grad=True)
f = torch.no_grad()(lambda t: t * 2)
with torch.inference_mode():
    a = w.clone()
with torch.enable_grad():
    b = (w * 2).sum()
b.backward(retain_graph=True)
c = w.data
loader = torch.utils.data.DataLoader([w])
d = b.item()
e = torch.equal(w, c)
del d
w.requires_grad_()
assert print(w.detach()) is None
'''
    mutants_found = mutants.generate(parse(write(tmp_path, "sites.py", text)), [])
    described = {(m.line, m.description) for m in mutants_found}
    assert described == {
        (9, "`torch.nn.Linear(2, 2).train()` instead of `torch.nn.Linear(2, 2).eval()`"),
        (10, "with `requires_grad=False` instead of `requires_grad=True`"),
        (11, "without `torch.no_grad()`"),
        (12, "without `torch.inference_mode()`"),
        (12, "with `no_grad` instead of `torch.inference_mode()`"),
        (13, "without `.clone()`"),
        (14, "without `torch.enable_grad()`"),
        (14, "with `no_grad` instead of `torch.enable_grad()`"),
        (16, "with `retain_graph=False` instead of `retain_graph=True`"),
        (17, "without `.data`"),
        (19, "without `.item()`"),
        (20, "with `torch.equal` comparing `w` with itself instead of with `c`"),
        (21, "without `del d`"),
        (22, "without `.requires_grad_()`"),
    }  # nothing inside the assert or the print
    assert all(m.source.count("\n") == text.count("\n") for m in mutants_found)  # lines stay where they were
