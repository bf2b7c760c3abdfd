"""The security rules for .github/workflows, checked rather than hoped for.

Each rule reads one parsed workflow and returns messages that name the file and the job. The same
rules run over the real workflows and over small broken workflows written to tmp_path, so every
rule is shown to catch what it claims to catch. Offline and fast: PyYAML only.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
GPU_LABEL = "run-gpu"

FULL_SHA = re.compile(r"[0-9a-f]{40}")
EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
STATUS_FUNCTION = re.compile(r"\b(always|failure|cancelled)\(\)")
COMPARISON = re.compile(r"(\S+) (==|!=) (\S+)")
PR_TRIGGERS = {"pull_request", "pull_request_target"}
PRIVILEGED_TRIGGERS = {
    "pull_request_target": "runs with a write token and secrets on behalf of pull requests",
    "workflow_run": "runs with a write token and secrets after workflows that pull requests can trigger",
}


# --- reading workflows ---------------------------------------------------------------------------


def load(path: Path) -> dict:
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    return workflow if isinstance(workflow, dict) else {}


def triggers(workflow: dict) -> dict:
    # YAML 1.1 reads a bare `on:` key as the boolean True.
    on = workflow.get("on", workflow.get(True))
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    return on if isinstance(on, dict) else {}


def jobs(workflow: dict) -> dict[str, dict]:
    found = workflow.get("jobs")
    return {name: job for name, job in found.items() if isinstance(job, dict)} if isinstance(found, dict) else {}


def steps(job: dict) -> list[dict]:
    return [step for step in job.get("steps") or [] if isinstance(step, dict)]


def write_scopes(permissions: object) -> set[str]:
    if permissions == "write-all":
        return {"write-all"}
    if isinstance(permissions, dict):
        return {scope for scope, level in permissions.items() if level == "write"}
    return set()


def runner_labels(job: dict) -> set[str]:
    runs_on = job.get("runs-on")
    if isinstance(runs_on, dict):
        runs_on = [runs_on.get("group", ""), *(runs_on.get("labels") or [])]
    if isinstance(runs_on, str):
        runs_on = [runs_on]
    return {str(label) for label in runs_on or []}


# --- reading `if:` conditions --------------------------------------------------------------------
# A condition is read as top-level `||` alternatives of top-level `&&` terms. A term counts only if
# it is exactly one of the comparisons below, so anything cleverer is treated as "may run".


def normalize(condition: object) -> str:
    if condition is None:
        return "true"
    text = str(condition).strip()
    wrapped = re.fullmatch(r"\$\{\{(.*)\}\}", text, re.DOTALL)
    if wrapped:
        text = wrapped.group(1)
    return " ".join(text.replace('"', "'").split())


def _balanced(text: str) -> bool:
    depth, quoted = 0, False
    for char in text:
        if char == "'":
            quoted = not quoted
        elif not quoted and char in "()":
            depth += 1 if char == "(" else -1
            if depth < 0:
                return False
    return depth == 0


def _strip_parens(text: str) -> str:
    text = text.strip()
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1].strip()
    return text


def _split(text: str, operator: str) -> list[str]:
    parts, depth, quoted, start, i = [], 0, False, 0, 0
    while i < len(text):
        char = text[i]
        if char == "'":
            quoted = not quoted
        elif not quoted and char in "()":
            depth += 1 if char == "(" else -1
        elif not quoted and depth == 0 and text.startswith(operator, i):
            parts.append(text[start:i])
            start = i = i + len(operator)
            continue
        i += 1
    parts.append(text[start:])
    return [_strip_parens(part) for part in parts]


def alternatives(condition: object) -> list[list[str]]:
    return [_split(alternative, "&&") for alternative in _split(_strip_parens(normalize(condition)), "||")]


def _comparison(term: str) -> tuple[str, str, str] | None:
    match = COMPARISON.fullmatch(term)
    if not match:
        return None
    left, operator, right = match.groups()
    return (right, operator, left) if left.startswith("'") else (left, operator, right)


def excludes_pull_requests(term: str) -> bool:
    comparison = _comparison(term)
    if comparison is None:
        return False
    left, operator, right = comparison
    if left == "github.event_name":
        if operator == "!=":
            return right == "'pull_request'"
        return right.startswith("'") and right.strip("'") not in PR_TRIGGERS
    # On a pull request github.ref is refs/pull/<n>/merge, never a branch.
    return left == "github.ref" and operator == "==" and right.startswith("'refs/heads/")


def requires_gpu_label(term: str) -> bool:
    if _comparison(term) == ("github.event.label.name", "==", f"'{GPU_LABEL}'"):
        return True
    return term == f"contains(github.event.pull_request.labels.*.name, '{GPU_LABEL}')"


def requires_same_repository(term: str) -> bool:
    comparison = _comparison(term)
    return (
        comparison is not None
        and comparison[1] == "=="
        and {comparison[0], comparison[2]} == {"github.event.pull_request.head.repo.full_name", "github.repository"}
    )


def never_on_pull_request(condition: object) -> bool:
    return all(any(excludes_pull_requests(term) for term in terms) for terms in alternatives(condition))


def gpu_gated(condition: object) -> bool:
    return all(
        any(excludes_pull_requests(term) for term in terms)
        or (any(requires_gpu_label(term) for term in terms) and any(requires_same_repository(term) for term in terms))
        for terms in alternatives(condition)
    )


def pull_request_jobs(workflow: dict) -> set[str]:
    """Jobs that can run for a pull request: their own `if:` or a skipped `needs:` does not stop them."""
    if not PR_TRIGGERS & set(triggers(workflow)):
        return set()
    all_jobs = jobs(workflow)
    memo: dict[str, bool] = {}

    def reachable(name: str) -> bool:
        if name not in memo:
            memo[name] = True  # a cycle is invalid anyway; assume the worst
            job = all_jobs[name]
            condition = job.get("if")
            needs = job.get("needs") or []
            needs = [needs] if isinstance(needs, str) else needs
            blocked = never_on_pull_request(condition) or (
                not STATUS_FUNCTION.search(normalize(condition))
                and any(not reachable(need) for need in needs if need in all_jobs)
            )
            memo[name] = not blocked
        return memo[name]

    return {name for name in all_jobs if reachable(name)}


# --- the rules -----------------------------------------------------------------------------------


def rule_top_level_permissions(workflow: dict) -> list[str]:
    if "permissions" not in workflow:
        return ["no top-level `permissions:` block (start from `permissions: {}` and grant per job)"]
    granted = write_scopes(workflow["permissions"])
    if granted:
        return [f"top-level permissions grant write ({', '.join(sorted(granted))}); grant write per job instead"]
    return []


def rule_job_permissions(workflow: dict) -> list[str]:
    problems = []
    on_pull_request = pull_request_jobs(workflow)
    for name, job in jobs(workflow).items():
        granted = write_scopes(job.get("permissions"))
        deploys = any(str(step.get("uses", "")).startswith("actions/deploy-pages@") for step in steps(job))
        pages = granted & {"pages", "id-token", "write-all"}
        if pages and not deploys:
            problems.append(f"job `{name}`: {', '.join(sorted(pages))} write outside the Pages deploy job")
        if granted and name in on_pull_request:
            problems.append(f"job `{name}`: runs on pull_request with write permissions ({', '.join(sorted(granted))})")
    return problems


def rule_pinned_actions(workflow: dict) -> list[str]:
    problems = []
    for name, job in jobs(workflow).items():
        for uses in [job.get("uses"), *(step.get("uses") for step in steps(job))]:
            if not uses or str(uses).startswith("./"):
                continue
            uses = str(uses)
            if uses.startswith("docker://"):
                pinned = "@sha256:" in uses
            else:
                pinned = "@" in uses and FULL_SHA.fullmatch(uses.rsplit("@", 1)[1]) is not None
            if not pinned:
                problems.append(f"job `{name}`: `{uses}` is not pinned to a full commit SHA")
    return problems


def rule_no_privileged_triggers(workflow: dict) -> list[str]:
    return [
        f"uses `{trigger}`, which {why}; use `pull_request`"
        for trigger, why in PRIVILEGED_TRIGGERS.items()
        if trigger in triggers(workflow)
    ]


def rule_checkout_without_credentials(workflow: dict) -> list[str]:
    problems = []
    for name, job in jobs(workflow).items():
        for step in steps(job):
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                persist = (step.get("with") or {}).get("persist-credentials")
                if persist not in (False, "false"):
                    problems.append(f"job `{name}`: actions/checkout without `persist-credentials: false`")
    return problems


def rule_no_expressions_in_run(workflow: dict) -> list[str]:
    # Text such as a pull request title or branch name expanded into a script becomes code. The
    # simplest safe rule: no expression at all in `run:`; pass values through `env:`.
    problems = []
    for name, job in jobs(workflow).items():
        for step in steps(job):
            for expression in EXPRESSION.findall(str(step.get("run", ""))):
                problems.append(
                    f"job `{name}`: run: script expands `${{{{{expression}}}}}`; pass it through `env:` instead"
                )
    return problems


def rule_no_secrets_on_pull_request(workflow: dict) -> list[str]:
    problems = []
    on_pull_request = pull_request_jobs(workflow)
    if on_pull_request and "secrets." in yaml.safe_dump(workflow.get("env") or {}):
        problems.append("workflow `env:` reads secrets and jobs run on pull_request")
    for name in sorted(on_pull_request):
        job = jobs(workflow)[name]
        if "secrets" in job or "secrets." in yaml.safe_dump(job):
            problems.append(f"job `{name}`: runs on pull_request and can read secrets")
    return problems


def rule_gpu_gate(workflow: dict) -> list[str]:
    if not PR_TRIGGERS & set(triggers(workflow)):
        return []
    return [
        f"job `{name}`: self-hosted job can run on pull_request without the `{GPU_LABEL}` label "
        "and same-repository gate in its `if:`"
        for name, job in jobs(workflow).items()
        if "self-hosted" in runner_labels(job) and not gpu_gated(job.get("if"))
    ]


RULES = [
    rule_top_level_permissions,
    rule_job_permissions,
    rule_pinned_actions,
    rule_no_privileged_triggers,
    rule_checkout_without_credentials,
    rule_no_expressions_in_run,
    rule_no_secrets_on_pull_request,
    rule_gpu_gate,
]


def check(path: Path) -> list[str]:
    workflow = load(path)
    if not jobs(workflow):
        return [f"{path.name}: not a workflow (no `jobs:`)"]
    return [f"{path.name}: {problem}" for rule in RULES for problem in rule(workflow)]


# --- the real workflows --------------------------------------------------------------------------

WORKFLOW_FILES = sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])


def test_the_workflows_exist():
    assert {path.name for path in WORKFLOW_FILES} >= {"tests-cpu.yml", "tests-cuda.yml", "pages.yml"}


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda path: path.name)
def test_workflow_follows_the_security_rules(path: Path):
    problems = check(path)
    assert not problems, "\n".join(problems)


def _step_runs(workflow: dict) -> str:
    return "\n".join(str(step.get("run", "")) for job in jobs(workflow).values() for step in steps(job))


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def test_cpu_matrix_covers_the_supported_range():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    oldest_python = re.search(r'requires-python\s*=\s*">=\s*([\d.]+)"', pyproject).group(1)
    pinned_torch = re.search(r'"torch==([\d.]+)"', pyproject).group(1)
    workflow = load(WORKFLOWS / "tests-cpu.yml")
    matrix = jobs(workflow)["docs-test"]["strategy"]["matrix"]
    pythons, torches = matrix["python"], matrix["torch"]
    assert min(pythons, key=_version) == oldest_python, "the oldest Python in the matrix is not requires-python"
    assert max(torches, key=_version) == pinned_torch, "the newest torch in the matrix is not the pinned torch"
    assert "nox -s lint" in _step_runs(workflow) and "nox -s docs-test" in _step_runs(workflow)
    # The Pages build publishes the artifact of the newest combination.
    newest = f"results-cpu-py{max(pythons, key=_version)}-torch{pinned_torch}"
    assert newest in _step_runs(load(WORKFLOWS / "pages.yml"))


def test_pull_requests_get_the_claims_diff_in_the_job_summary():
    job = jobs(load(WORKFLOWS / "tests-cpu.yml"))["docs-test"]
    checkout = next(s for s in steps(job) if str(s.get("uses", "")).startswith("actions/checkout@"))
    assert checkout["with"].get("fetch-depth") == 0, "docs-test: the claims diff needs the base commit (fetch-depth: 0)"
    diff = [s for s in steps(job) if "nox -s claims-diff" in str(s.get("run", ""))]
    assert len(diff) == 1, "docs-test: no step runs `nox -s claims-diff`"
    step = diff[0]
    assert "pull_request" in step.get("if", ""), "the claims diff runs on pull requests"
    assert step.get("env", {}).get("BASE_SHA") == "${{ github.event.pull_request.base.sha }}"
    assert '"$BASE_SHA"' in step["run"] and '>> "$GITHUB_STEP_SUMMARY"' in step["run"]
    upload = [s for s in steps(job) if (s.get("with") or {}).get("name") == "claims-diff"]
    assert upload and upload[0]["with"]["path"] == "build/claims-diff.md"


def test_cuda_job_fails_without_cuda_and_uploads_its_results():
    workflow = load(WORKFLOWS / "tests-cuda.yml")
    assert "nox -s docs-test -- --require-cuda" in _step_runs(workflow)
    uploads = [step.get("with", {}) for job in jobs(workflow).values() for step in steps(job) if "with" in step]
    assert any(upload.get("path") == "build/results/cuda.json" for upload in uploads)


# --- each rule catches what it claims to catch ---------------------------------------------------

SHA = "3d3c42e5aac5ba805825da76410c181273ba90b1"
TEST_JOB = f"""
  test:
    runs-on: ubuntu-24.04
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@{SHA}
        with:
          persist-credentials: false
      - run: echo "$GITHUB_REF"
"""
DEPLOY_JOB = f"""
  deploy:
    if: github.event_name != 'pull_request'
    needs: test
    runs-on: ubuntu-24.04
    permissions:
      pages: write
      id-token: write
    environment: github-pages
    steps:
      - uses: actions/deploy-pages@{SHA}
"""
GPU_JOB = """
  gpu:
    if: {condition}
    runs-on: [self-hosted, linux, x64, gpu, cuda]
    permissions:
      contents: read
    steps:
      - run: nvidia-smi
"""
SAME_REPO = "github.event.pull_request.head.repo.full_name == github.repository"


def workflow_text(jobs_text: str, on: str = "[push, pull_request]", permissions: str = "{}") -> str:
    header = f"name: case\non: {on}\n"
    if permissions is not None:
        header += f"permissions: {permissions}\n"
    return header + "jobs:" + textwrap.indent(textwrap.dedent(jobs_text), "  ")


def gpu(condition: str) -> str:
    return GPU_JOB.format(condition=f'"{condition}"')


GOOD = {
    "test-and-deploy": workflow_text(TEST_JOB + DEPLOY_JOB),
    "gpu-gated-by-new-label": workflow_text(
        gpu(f"github.event_name != 'pull_request' || (github.event.label.name == '{GPU_LABEL}' && {SAME_REPO})")
    ),
    "gpu-gated-by-labels": workflow_text(
        gpu(
            "github.event_name != 'pull_request' || "
            f"(contains(github.event.pull_request.labels.*.name, '{GPU_LABEL}') && {SAME_REPO})"
        )
    ),
    "gpu-never-on-pull-request": workflow_text(gpu("github.ref == 'refs/heads/main'")),
    "secrets-only-on-push": workflow_text(
        TEST_JOB
        + """
  publish:
    if: github.event_name == 'push'
    runs-on: ubuntu-24.04
    steps:
      - run: echo publishing
        env:
          TOKEN: ${{ secrets.TOKEN }}
"""
    ),
}

BAD = {
    "no-top-level-permissions": (workflow_text(TEST_JOB, permissions=None), "no top-level `permissions:`"),
    "write-all-at-top": (workflow_text(TEST_JOB, permissions="write-all"), "top-level permissions grant write"),
    "contents-write-at-top": (
        workflow_text(TEST_JOB, permissions="{contents: write}"),
        "top-level permissions grant write (contents)",
    ),
    "pages-write-outside-deploy": (
        workflow_text(TEST_JOB.replace("contents: read", "contents: read\n      pages: write"), on="push"),
        "job `test`: pages write outside the Pages deploy job",
    ),
    "deploy-reachable-from-pull-request": (
        workflow_text(TEST_JOB + DEPLOY_JOB.replace("if: github.event_name != 'pull_request'", "if: always()")),
        "job `deploy`: runs on pull_request with write permissions",
    ),
    "deploy-after-pull-request-gate-bypassed": (
        workflow_text(
            TEST_JOB + DEPLOY_JOB.replace("github.event_name != 'pull_request'", "github.actor == 'x' || true")
        ),
        "job `deploy`: runs on pull_request with write permissions",
    ),
    "action-pinned-to-tag": (
        workflow_text(TEST_JOB.replace(f"checkout@{SHA}", "checkout@v4")),
        "`actions/checkout@v4` is not pinned",
    ),
    "action-pinned-to-short-sha": (
        workflow_text(TEST_JOB.replace(f"checkout@{SHA}", f"checkout@{SHA[:7]}")),
        "is not pinned to a full commit SHA",
    ),
    "docker-action-by-tag": (
        workflow_text(TEST_JOB + "      - uses: docker://alpine:3\n"),
        "`docker://alpine:3` is not pinned",
    ),
    "pull-request-target": (
        workflow_text(TEST_JOB, on="pull_request_target"),
        "uses `pull_request_target`",
    ),
    "workflow-run": (workflow_text(TEST_JOB, on="{workflow_run: {workflows: [x]}}"), "uses `workflow_run`"),
    "checkout-keeps-credentials": (
        workflow_text(TEST_JOB.replace("persist-credentials: false", "fetch-depth: 1")),
        "job `test`: actions/checkout without `persist-credentials: false`",
    ),
    "checkout-persists-credentials": (
        workflow_text(TEST_JOB.replace("persist-credentials: false", "persist-credentials: true")),
        "without `persist-credentials: false`",
    ),
    "pull-request-title-in-run": (
        workflow_text(TEST_JOB.replace('"$GITHUB_REF"', '"${{ github.event.pull_request.title }}"')),
        "expands `${{ github.event.pull_request.title }}`",
    ),
    "head-ref-in-run": (
        workflow_text(TEST_JOB.replace('"$GITHUB_REF"', "${{github.head_ref}}")),
        "expands `${{github.head_ref}}`",
    ),
    "secret-in-pull-request-job": (
        workflow_text(TEST_JOB + "        env:\n          TOKEN: ${{ secrets.TOKEN }}\n"),
        "job `test`: runs on pull_request and can read secrets",
    ),
    "secrets-inherited-on-pull-request": (
        workflow_text(f"\n  call:\n    uses: org/repo/.github/workflows/x.yml@{SHA}\n    secrets: inherit\n"),
        "job `call`: runs on pull_request and can read secrets",
    ),
    "secret-in-workflow-env": (
        workflow_text(TEST_JOB).replace("jobs:", "env:\n  TOKEN: ${{ secrets.TOKEN }}\njobs:"),
        "workflow `env:` reads secrets",
    ),
    "gpu-without-gate": (workflow_text(gpu("true")), "job `gpu`: self-hosted job can run on pull_request"),
    "gpu-label-only": (
        workflow_text(gpu(f"contains(github.event.pull_request.labels.*.name, '{GPU_LABEL}')")),
        "without the `run-gpu` label and same-repository gate",
    ),
    "gpu-same-repo-only": (workflow_text(gpu(SAME_REPO)), "self-hosted job can run on pull_request"),
    "gpu-gate-with-or": (
        workflow_text(gpu(f"github.event.label.name == '{GPU_LABEL}' || {SAME_REPO}")),
        "self-hosted job can run on pull_request",
    ),
    "gpu-other-label": (
        workflow_text(gpu(f"github.event.label.name == 'docs' && {SAME_REPO}")),
        "self-hosted job can run on pull_request",
    ),
}


@pytest.mark.parametrize("case", GOOD)
def test_a_sound_workflow_passes(tmp_path: Path, case: str):
    path = tmp_path / f"{case}.yml"
    path.write_text(GOOD[case], encoding="utf-8")
    assert check(path) == []


@pytest.mark.parametrize("case", BAD)
def test_a_broken_workflow_is_caught(tmp_path: Path, case: str):
    text, expected = BAD[case]
    path = tmp_path / f"{case}.yml"
    path.write_text(text, encoding="utf-8")
    problems = check(path)
    assert any(problem.startswith(f"{case}.yml: ") and expected in problem for problem in problems), problems
