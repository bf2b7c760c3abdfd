"""Sessions: docs-test (every test), docs (strict build), serve, lint, bench, claims-diff, mutants, lighthouse.

Virtualenvs are reused between runs: a fresh one costs ~40 s (torch alone is most of it).
TORCH_VERSION overrides the pinned torch, for the CI matrix.
"""

import os
import shutil
from pathlib import Path

import nox

nox.options.reuse_venv = "yes"
nox.options.sessions = ["lint", "docs-test"]

PYPROJECT = nox.project.load_toml("pyproject.toml")


# Each release newer than the pinned CPU build (docs/results/cpu.json) that this machine can run: `nox -s torch-versions`
# records a results file per release (not part of `docs-test`; see the README for its cost).
TORCH_RELEASES = ["2.14.1", "2.15.0"]


def install(session: nox.Session, group: str, torch: str | None = None) -> None:
    requirements = nox.project.dependency_groups(PYPROJECT, group)
    torch = torch or os.environ.get("TORCH_VERSION")
    if torch:
        requirements = [f"torch=={torch}" if r.startswith("torch==") else r for r in requirements]
    session.install(*requirements)


@nox.session(name="docs-test")
def docs_test(session: nox.Session) -> None:
    """Run every snippet, fence and notebook, check every page, build the site strictly."""
    install(session, "test")
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session(name="torch-versions")
@nox.parametrize("torch", TORCH_RELEASES)
def torch_versions(session: nox.Session, torch: str) -> None:
    """Run every snippet and notebook on one torch release; record docs/results/versions/torch-<v>/<platform>.json.

    A release above this machine's pip cap needs the cap lifted for the install (README, "torch releases").
    """
    install(session, "test", torch)
    out = Path("build", "versions", f"torch-{torch}")
    shutil.rmtree(out, ignore_errors=True)
    # --fresh: a recorded file is what ran now, never a run reused from build/reuse
    session.run("python", "-m", "pytest", "snippets", "docs", "-p", "no:cacheprovider", "-q", "--fresh",
                "--results-dir", str(out), *session.posargs)  # fmt: skip
    recorded = sorted(out.glob("*.json"))
    partial = [p for p in recorded if p.name.endswith(".partial.json")]
    if partial or not recorded:
        session.error(f"not a complete run, nothing recorded: {[p.name for p in recorded]}")
    target = Path("docs", "results", "versions", f"torch-{torch}")
    target.mkdir(parents=True, exist_ok=True)
    for path in recorded:
        shutil.copy(path, target / path.name)
        session.log(f"recorded {target / path.name}")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the site into site/, failing on any warning."""
    install(session, "docs")
    session.run("mkdocs", "build", "--strict", "--site-dir", "site", *session.posargs)


@nox.session
def serve(session: nox.Session) -> None:
    """Serve the site with live reload on http://127.0.0.1:8000."""
    install(session, "docs")
    # mkdocs serve mounts the site at site_url's path; serve it at the root, as the README says.
    session.run(
        "mkdocs", "serve", "--dev-addr", "127.0.0.1:8000", *session.posargs, env={"SITE_URL": "http://127.0.0.1:8000/"}
    )


@nox.session
def lint(session: nox.Session) -> None:
    """ruff over snippets, tests and the noxfile; zizmor and a schema check over the workflows."""
    install(session, "lint")
    session.run("ruff", "check", "snippets", "tests", "noxfile.py")
    session.run("ruff", "format", "--check", "tests", "noxfile.py")
    workflows = sorted(str(p) for p in Path(".github/workflows").glob("*.yml"))
    if workflows:
        session.run("zizmor", "--offline", "--config", ".github/zizmor.yml", *workflows)
        session.run("check-jsonschema", "--builtin-schema", "vendor.github-workflows", *workflows)
        session.run(
            "python", "-m", "pytest", "-p", "no:harness.plugin", "-o", "addopts=", "tests/test_workflows.py", "-q"
        )


@nox.session(name="claims-diff")
def claims_diff(session: nox.Session) -> None:
    """Markdown report of the claims added, changed or removed since BASE (default: merge base with main)."""
    install(session, "claims-diff")
    session.run("python", "-m", "harness.claims_diff", *session.posargs, env={"PYTHONPATH": "tests"})


LIGHTHOUSE = "lighthouse@12.8.2"  # from the npm registry; drives the system's chromium


@nox.session
def lighthouse(session: nox.Session) -> None:
    """Lighthouse accessibility, performance and page weight of every page; writes docs/results/lighthouse.json."""
    install(session, "docs")
    session.run("npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", "build/node", LIGHTHOUSE,
                external=True)  # fmt: skip
    session.run("python", "tests/bench/lighthouse.py", "--lighthouse", "build/node/node_modules/.bin/lighthouse")


@nox.session
def mutants(session: nox.Session) -> None:
    """Every snippet's mutants and declared counter-cases: survivors, claims no change makes fail, kill rate."""
    install(session, "test")
    session.run(
        "python", "-m", "harness.mutants", "--json", "build/mutants/totals.json", *session.posargs,
        env={"PYTHONPATH": "tests"},
    )  # fmt: skip


@nox.session
def bench(session: nox.Session) -> None:
    """Measure memory, speed and metrics; writes docs/results/bench-<platform>.json."""
    install(session, "bench")
    session.run("python", "tests/bench/run.py", *session.posargs)


@nox.session
def speed(session: nox.Session) -> None:
    """The suite's speed targets in fresh clones of HEAD; writes docs/results/speed-cpu.json and the README table."""
    install(session, "test")
    session.run("python", "tests/bench/speed.py", *session.posargs)
