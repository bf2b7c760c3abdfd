"""A result belongs to the code it verified: hashes, stale results, partial runs, strict builds,
not-verified claims, `Requires: cuda`, and results files checked on load.

Each case is built in a temporary copy of the project (a git repository, so results name a
commit), and the suite or the build is run on it as a contributor would.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from test_engine import GOOD_SNIPPET, build, make_project, run_suite, snippet, write

CLAIM = "demo.grad-fn-recorded"
CUDA_SNIPPET = snippet(
    "demo.cuda-only", "import torch\n\nassert torch.ones(1, device='cuda').is_cuda\n", "Requires: cuda\n"
)
OLD_TORCH = snippet("demo.old-torch", "import torch\n\nassert torch.ones(1).sum() == 1\n", "Torch: <1.0\n")
HOME = (
    "# Demo\n\n<!-- ledger-counts -->\n\nAn op records a graph. [claim: demo.grad-fn-recorded]\n\n"
    "On CUDA too. [claim: demo.cuda-only]\n\nOnce. [claim: demo.old-torch]\n\n"
    '```{.python notest}\n--8<-- "snippets/demo/good.py:main"\n```\n'
)


def git(project: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=project, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def commit_all(project: Path, message: str) -> str:
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", message)
    return git(project, "rev-parse", "HEAD")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """A project with a passing, a CUDA-only and an out-of-range claim, committed, run completely."""
    project = make_project(tmp_path_factory.mktemp("provenance"))
    write(project, "docs/index.md", HOME)
    write(project, "snippets/extra/cuda_only.py", CUDA_SNIPPET)
    write(project, "snippets/extra/old_torch.py", OLD_TORCH)
    (project / ".gitignore").write_text("build/\nsite/\n__pycache__/\n")
    git(project, "init", "-q")
    commit = commit_all(project, "start")
    result = run_suite(project, "snippets", "docs")
    assert result.returncode == 0, result.stdout[-3000:]
    data = json.loads((project / "build" / "results" / "cpu.json").read_text())
    return project, commit, data


def copy_of(recorded, tmp_path: Path) -> Path:
    project = tmp_path / "copy"
    shutil.copytree(recorded[0], project, symlinks=True)
    return project


def publish(project: Path, data: dict) -> None:
    """Put a results file where the published site reads it, and no local run."""
    shutil.rmtree(project / "build", ignore_errors=True)
    write(project, "docs/results/cpu.json", json.dumps(data, indent=1))


def test_claim_entry_stores_hashes_commit_torch_platform(recorded):
    project, commit, data = recorded
    entry = data["claims"][CLAIM]
    assert entry["snippet_sha256"] == hashlib.sha256(GOOD_SNIPPET.encode()).hexdigest()
    statement = "An op on a tensor that requires grad records a `grad_fn`."
    assert entry["statement_sha256"] == hashlib.sha256(statement.encode()).hexdigest()
    assert (entry["commit"], entry["dirty"], entry["platform"]) == (commit, False, "cpu")
    assert entry["torch"] == data["torch"] and entry["torch"].startswith("2.")
    assert data["complete"] is True and data["partial_reason"] is None


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["snippets/demo"], r"did not run, e\.g\. snippets/extra/cuda_only\.py"),  # a subset of paths
        (["snippets", "docs", "-k", "good"], r"-k 'good' selected a subset"),
        (["snippets", "docs", "-x"], r"--maxfail=1"),
        (["snippets", "docs", "--update-outputs"], r"--update-outputs rewrote"),
    ],
    ids=["subset-of-paths", "-k", "-x", "--update-outputs"],
)
def test_partial_run_writes_another_file_and_keeps_the_complete_one(recorded, tmp_path, args, reason):
    project = copy_of(recorded, tmp_path)
    complete = (project / "build" / "results" / "cpu.json").read_bytes()
    result = run_suite(project, *args)
    assert result.returncode == 0, result.stdout[-2000:]
    assert (project / "build" / "results" / "cpu.json").read_bytes() == complete
    partial = json.loads((project / "build" / "results" / "cpu.partial.json").read_text())
    assert partial["complete"] is False and re.search(reason, partial["partial_reason"])
    assert "partial results file (not the complete record" in result.stdout
    # A partial file is never read as the record, even alone.
    (project / "build" / "results" / "cpu.json").unlink()
    built = build(project, DOCS_REQUIRE_RESULTS="1")
    assert built.returncode != 0
    assert f"snippets/demo/good.py:4: claim {CLAIM} has no CPU result" in built.stderr


def badge(project: Path, claim: str) -> str:
    page = (project / "site" / "index.html").read_text(encoding="utf-8")
    match = re.search(rf'<a class="claim-badge ([^"]*)" id="{re.escape(claim)}"[^>]*>([^<]*)</a>', page)
    assert match, page[-2000:]
    return f"{match[1]} | {match[2]}"


def test_fresh_result_shows_green_and_strict_build_passes(recorded, tmp_path):
    project = copy_of(recorded, tmp_path)
    publish(project, recorded[2])
    built = build(project, DOCS_REQUIRE_RESULTS="1")
    assert built.returncode == 0, built.stderr[-3000:]
    assert badge(project, CLAIM) == "passed | CPU ✓ · CUDA …"


@pytest.mark.parametrize(
    ("old", "new", "why"),
    [
        ("assert (w * 2).grad_fn is not None", "assert (w * 3).grad_fn is not None", "its snippet changed"),
        ("records a `grad_fn`.", "records a `grad_fn` and more.", "its snippet changed and its statement changed"),
    ],
    ids=["snippet-changed", "statement-changed"],
)
def test_changed_claim_is_stale_never_an_older_pass(recorded, tmp_path, old, new, why):
    project = copy_of(recorded, tmp_path)
    publish(project, recorded[2])
    good = project / "snippets" / "demo" / "good.py"
    good.write_text(good.read_text().replace(old, new))
    commit_all(project, "change the claim")
    built = build(project)
    assert built.returncode == 0, built.stderr[-3000:]
    assert badge(project, CLAIM) == "pending not-verified | not verified · CPU stale · CUDA …"
    ledger = (project / "site" / "ledger" / "index.html").read_text()
    assert re.search(rf"passed at {recorded[1][:12]}, but {why} since: not re-run", ledger)
    assert "with a result recorded for earlier code (stale)" in ledger
    strict = build(project, DOCS_REQUIRE_RESULTS="1")
    assert strict.returncode != 0
    assert f"snippets/demo/good.py:4: claim {CLAIM} has no CPU result for its code as it is now (stale" in strict.stderr


def test_strict_build_fails_without_cpu_results(recorded, tmp_path):
    project = copy_of(recorded, tmp_path)
    shutil.rmtree(project / "build")
    assert build(project).returncode == 0  # a preview says "not verified"; the published site refuses
    result = build(project, DOCS_REQUIRE_RESULTS="1")
    assert result.returncode != 0
    assert f"snippets/demo/good.py:4: claim {CLAIM} has no CPU result" in result.stderr
    assert "(not-recorded: no CPU results recorded yet)" in result.stderr


def test_never_passed_claims_say_not_verified_and_are_counted(recorded, tmp_path):
    project = copy_of(recorded, tmp_path)
    built = build(project)
    assert built.returncode == 0, built.stderr[-3000:]
    cuda, old = badge(project, "demo.cuda-only"), badge(project, "demo.old-torch")
    assert cuda == "pending not-verified | not verified · CUDA …"
    assert old == "pending not-verified | not verified · CPU – · CUDA …"
    assert "✓" not in cuda + old
    counts = "3 claims: 1 verified (passed on at least one platform, for their code as it is now); 2 not verified"
    assert counts in (project / "site" / "index.html").read_text()
    assert counts in (project / "site" / "ledger" / "index.html").read_text()


def test_old_format_results_are_not_used_and_named(recorded, tmp_path):
    project = copy_of(recorded, tmp_path)
    old = {k: v for k, v in recorded[2].items() if k not in ("commit", "dirty", "complete", "partial_reason")}
    publish(project, {**old, "schema": 1})
    built = build(project)
    assert built.returncode == 0, built.stderr[-3000:]
    message = "docs/results/cpu.json: schema 1, written before results were tied to the code they verified"
    assert message in built.stderr and "nox -s docs-test -- snippets docs --results-dir docs/results" in built.stderr
    assert badge(project, CLAIM).startswith("pending not-verified")
    strict = build(project, DOCS_REQUIRE_RESULTS="1")
    assert strict.returncode != 0 and message in strict.stderr


def edit(data: dict, how: str) -> dict:
    data = json.loads(json.dumps(data))
    entry = data["claims"][CLAIM]
    if how == "unknown-top-key":
        data["verified_by"] = "me"
    elif how == "unknown-claim-key":
        entry["trust"] = True
    elif how == "unknown-claim":
        data["claims"]["demo.invented"] = dict(entry)
    elif how == "hash-matches-nothing":
        entry["snippet_sha256"] = "0" * 64
    elif how == "wrong-statement":
        entry["statement_sha256"] = hashlib.sha256(b"another statement").hexdigest()
    elif how == "bad-status":
        entry["status"] = "proven"
    elif how == "partial-as-record":
        data["complete"], data["partial_reason"] = False, "-k 'good' selected a subset"
    elif how == "missing-hash":
        del entry["snippet_sha256"]
    elif how == "other-commit":
        entry["commit"] = "f" * 40
    elif how == "claim-status-flipped":
        entry["status"] = "not-run"
    elif how == "summary-edited":
        data["summary"]["failed"] += 1
    elif how == "claim-without-snippet-entry":
        data["snippets"] = [e for e in data["snippets"] if e["path"] != "snippets/demo/good.py"]
    return data


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        ("unknown-top-key", r"docs/results/cpu\.json: \(top level\): unknown key\(s\): 'verified_by'"),
        ("unknown-claim-key", rf"docs/results/cpu\.json: claims\.{CLAIM}: unknown key\(s\): 'trust'"),
        (
            "unknown-claim",
            r"docs/results/cpu\.json: claims\.demo\.invented: snippets/demo/good\.py as it is now does not declare",
        ),
        ("hash-matches-nothing", rf"claims\.{CLAIM}\.snippet_sha256: matches no snippet"),
        ("wrong-statement", rf"claims\.{CLAIM}\.statement_sha256: matches no statement of claim {CLAIM}"),
        ("bad-status", rf"claims\.{CLAIM}\.status: 'proven' is not one of"),
        ("partial-as-record", r"docs/results/cpu\.json: complete: false: a partial run"),
        ("missing-hash", rf"claims\.{CLAIM}: 'snippet_sha256' is a required property"),
        ("other-commit", rf"claims\.{CLAIM}\.commit: 'f{{40}}' differs from the file's commit"),
        ("claim-status-flipped", rf"claims\.{CLAIM}\.status: 'not-run', but its snippet passed"),
        ("summary-edited", r"docs/results/cpu\.json: summary: .* does not count snippets\[\]"),
        ("claim-without-snippet-entry", rf"claims\.{CLAIM}: no entry of snippets\[\] for snippets/demo/good\.py"),
    ],
)
def test_hand_edited_results_file_fails_the_build_naming_file_and_field(recorded, tmp_path, how, expected):
    project = copy_of(recorded, tmp_path)
    publish(project, edit(recorded[2], how))
    result = build(project)
    assert result.returncode != 0
    assert re.search(expected, result.stderr), result.stderr[-3000:]


def test_result_for_an_earlier_commit_is_stale_not_fabricated(recorded, tmp_path):
    """The hash of an earlier version is checked against that commit: stale, not an error."""
    project = copy_of(recorded, tmp_path)
    good = project / "snippets" / "demo" / "good.py"
    good.write_text(good.read_text().replace("* 2", "* 4"))
    commit_all(project, "change the snippet")
    publish(project, recorded[2])
    built = build(project)
    assert built.returncode == 0, built.stderr[-3000:]
    assert "CPU stale" in badge(project, CLAIM)
    # The same file claiming a commit whose snippet had other code is a fabrication.
    forged = json.loads(json.dumps(recorded[2]))
    forged["commit"] = forged["claims"][CLAIM]["commit"] = git(project, "rev-parse", "HEAD")
    for entry in forged["claims"].values():
        entry["commit"] = forged["commit"]
    publish(project, forged)
    result = build(project)
    assert result.returncode != 0
    assert f"claims.{CLAIM}.snippet_sha256: matches no snippet" in result.stderr


def test_requires_cuda_on_a_cpu_claim_fails(tmp_path):
    project = make_project(tmp_path)
    body = "import torch\n\nassert torch.ones(2).sum() == 2\n"
    write(project, "snippets/demo/hides.py", snippet("demo.hides", body, "Requires: cuda\n"))
    write(project, "snippets/demo/cuda_only.py", CUDA_SNIPPET)
    result = run_suite(project, "snippets")
    assert result.returncode == 1
    assert re.search(r"snippets/demo/hides\.py:5: declares `Requires: cuda` but passes with CUDA hidden", result.stdout)
    assert re.search(r"SKIPPED \[1\] snippets/demo/cuda_only\.py.*needs CUDA", result.stdout)


def test_cuda_is_hidden_in_a_fresh_interpreter(tmp_path):
    """The check a CUDA machine runs: CUDA_VISIBLE_DEVICES='' in a fresh interpreter."""
    from harness import requirements

    uses = tmp_path / "uses.py"
    uses.write_text(CUDA_SNIPPET)
    hides = tmp_path / "hides.py"
    hides.write_text(snippet("demo.hides", "import torch\n\nassert torch.ones(2).sum() == 2\n", "Requires: cuda\n"))
    assert requirements.passes_without_cuda(uses, 60) is False
    assert requirements.passes_without_cuda(hides, 60) is True


def test_home_page_states_the_counts_even_without_the_marker(tmp_path):
    project = make_project(tmp_path)  # its home page has no `<!-- ledger-counts -->` line
    built = build(project)
    assert built.returncode == 0, built.stderr[-3000:]
    home = (project / "site" / "index.html").read_text()
    assert "1 claims: 0 verified (passed on at least one platform, for their code as it is now); 1 not verified" in home


def test_a_pass_on_another_torch_release_verifies_the_claim(recorded, tmp_path):
    """`nox -s torch-versions` records docs/results/versions/*/: a claim outside this torch's range
    that passed there is verified; a hand-edited file there fails the build like any other."""
    project = copy_of(recorded, tmp_path)
    other = json.loads(json.dumps(recorded[2]))
    other["torch"] = "0.9.0"
    for entry in other["claims"].values():
        entry["torch"] = "0.9.0"
    other["claims"]["demo.old-torch"].update(status="passed", reason=None)
    ran = next(e for e in other["snippets"] if e["path"] == "snippets/extra/old_torch.py")
    ran.update(status="passed", reason=None)
    other["summary"] = {s: sum(e["status"] == s for e in other["snippets"]) for s in other["summary"]}
    write(project, "docs/results/versions/torch-0.9.0/cpu.json", json.dumps(other))
    built = build(project)
    assert built.returncode == 0, built.stderr[-3000:]
    assert badge(project, "demo.old-torch") == "passed | CPU – · CUDA …"
    assert "passed on CPU, torch 0.9.0" in (project / "site" / "ledger" / "index.html").read_text()
    assert "3 claims: 2 verified" in (project / "site" / "index.html").read_text()
    other["claims"]["demo.old-torch"]["statement_sha256"] = "0" * 64
    write(project, "docs/results/versions/torch-0.9.0/cpu.json", json.dumps(other))
    result = build(project)
    assert result.returncode != 0
    assert "docs/results/versions/torch-0.9.0/cpu.json: claims.demo.old-torch.statement_sha256" in result.stderr


def test_required_cuda_results_let_a_stale_pass_through_shown_as_stale(recorded, tmp_path):
    """Main builds with the previous night's CUDA run: a changed claim shows CUDA stale, a missing
    CUDA result still stops the deploy."""
    project = copy_of(recorded, tmp_path)
    cuda = json.loads(json.dumps(recorded[2]))
    cuda["platform"] = "cuda"
    for entry in cuda["claims"].values():
        entry.update(platform="cuda", status="passed", reason=None)
    for ran in cuda["snippets"]:
        ran.update(status="passed", reason=None)
    cuda["summary"] = {s: sum(e["status"] == s for e in cuda["snippets"]) for s in cuda["summary"]}
    publish(project, recorded[2])
    write(project, "docs/results/cuda.json", json.dumps(cuda))
    good = project / "snippets" / "demo" / "good.py"
    good.write_text(good.read_text().replace("* 2", "* 5"))
    commit_all(project, "change the snippet")
    built = build(project, DOCS_REQUIRE_CUDA_RESULTS="1")
    assert built.returncode == 0, built.stderr[-3000:]
    assert badge(project, CLAIM) == "pending not-verified | not verified · CPU stale · CUDA stale"
    del cuda["claims"]["demo.cuda-only"]
    cuda["snippets"] = [e for e in cuda["snippets"] if e["path"] != "snippets/extra/cuda_only.py"]
    cuda["summary"] = {s: sum(e["status"] == s for e in cuda["snippets"]) for s in cuda["summary"]}
    write(project, "docs/results/cuda.json", json.dumps(cuda))
    result = build(project, DOCS_REQUIRE_CUDA_RESULTS="1")
    assert result.returncode != 0
    assert "claim demo.cuda-only has no passed CUDA result (not-recorded)" in result.stderr
