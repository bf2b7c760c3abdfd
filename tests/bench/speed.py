"""The suite's speed targets, measured side by side in fresh clones of the committed project.

    nox -s speed                           # measure; writes docs/results/speed-cpu.json and the README table
    python tests/bench/speed.py --readme   # rewrite the README's table from that file

Each step runs the command the nox session runs, with this interpreter (the test virtualenv):
`python -m pytest -p no:cacheprovider -q --results-dir build/tmp` (`nox -R -s docs-test`) and
`python -m mkdocs build --strict` (`nox -R -s docs`), in a temporary `git clone` of HEAD:

1. the strict build, twice (the second is the warm figure);
2. the suite in the fresh clone (cold: empty `build/`), then again with nothing changed (warm);
3. the same with generated snippets added until there are 200, each a claim with its page section,
   in a copy of that clone: cold, then warm, and the warm build;
4. the suite with `--fresh` (nothing reused) while two busy loops take both cores.

Wall times are single runs on a shared machine: the load average before and after each is recorded
next to it. Nothing here is asserted: the figures are reported, never bounded.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from readme_table import replace_section  # tests/bench, next to this script

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "docs" / "results" / "speed-cpu.json"
README = ROOT / "README.md"
START, END = "<!-- speed:start -->", "<!-- speed:end -->"
SUITE = ["-m", "pytest", "-p", "no:cacheprovider", "-q", "--results-dir", "build/tmp"]
BUILD = ["-m", "mkdocs", "build", "--strict", "--site-dir"]
TARGET_SNIPPETS = 200

GENERATED = '''"""Generated for the speed benchmark (never committed): snippet {n}.

Claims:
    growth.claim-{n}: Under `torch.no_grad()` an op on a tensor that requires grad records no `grad_fn`.
"""

# --8<-- [start:main]
import torch

w = torch.ones(3, requires_grad=True)
with torch.no_grad():
    y = w * {n}
# claim: growth.claim-{n}
assert y.grad_fn is None
# --8<-- [end:main]
'''


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def _timed(command: list[str], cwd: Path, env: dict | None = None) -> dict:
    before = _load()
    usage = os.times()
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    after = os.times()
    tail = (done.stdout + done.stderr).strip().splitlines()
    summary = next((line for line in reversed(tail) if re.search(r"\d+ (passed|failed)", line)), "")
    return {
        "wall_s": round(wall, 2),
        "cpu_children_s": round(
            (after.children_user - usage.children_user) + (after.children_system - usage.children_system), 2
        ),
        "load_before": before,
        "load_after": _load(),
        "exit_status": done.returncode,
        "summary": summary.strip("= "),
        "timeouts": sum("did not finish within its timeout" in line for line in tail),
    }


def _suite(clone: Path, *extra: str) -> dict:
    return _timed([sys.executable, *SUITE, *extra], clone)


def _build(clone: Path, site: Path) -> dict:
    return _timed([sys.executable, *BUILD, str(site)], clone)


def _count_snippets(clone: Path) -> int:
    return sum(1 for p in (clone / "snippets").rglob("*.py") if "__pycache__" not in p.parts)


def grow(clone: Path, total: int) -> int:
    """Add generated snippets (and one page that includes them all) until there are ``total``."""
    added = total - _count_snippets(clone)
    folder = clone / "snippets" / "growth"
    folder.mkdir(parents=True)
    page = ["# Generated page", ""]
    for n in range(added):
        (folder / f"claim_{n:03d}.py").write_text(GENERATED.format(n=n), encoding="utf-8")
        page += [f"Claim {n}. [claim: growth.claim-{n}]", "", "```{.python notest}",
                 f'--8<-- "snippets/growth/claim_{n:03d}.py:main"', "```", ""]  # fmt: skip
    (clone / "docs" / "growth.md").write_text("\n".join(page), encoding="utf-8")
    config = (clone / "mkdocs.yml").read_text(encoding="utf-8")
    (clone / "mkdocs.yml").write_text(config.replace("  - Claims ledger: ledger.md\n",
                                                     "  - Claims ledger: ledger.md\n  - Generated: growth.md\n"))  # fmt: skip
    return added


def record() -> dict:
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    data = {
        "schema": 1,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "commit": commit,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "torch": subprocess.run(
            [sys.executable, "-c", "import torch; print(torch.__version__)"], capture_output=True, text=True
        ).stdout.strip(),  # fmt: skip
    }
    with tempfile.TemporaryDirectory(prefix="speed-") as tmp:
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        data["snippets"] = _count_snippets(clone)
        _build(clone, Path(tmp) / "site")
        data["build_warm"] = _build(clone, Path(tmp) / "site")
        data["suite_cold"] = _suite(clone)
        data["suite_warm"] = _suite(clone)

        grown = Path(tmp) / "grown"
        shutil.copytree(clone, grown, symlinks=True, ignore=shutil.ignore_patterns("build"))
        data["growth"] = {"added": grow(grown, TARGET_SNIPPETS), "snippets": _count_snippets(grown)}
        _build(grown, Path(tmp) / "site-grown")
        data["growth"]["build_warm"] = _build(grown, Path(tmp) / "site-grown")
        data["growth"]["suite_cold"] = _suite(grown)
        data["growth"]["suite_warm"] = _suite(grown)

        hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
        try:
            time.sleep(5)  # let the load average see them
            data["suite_fresh_under_load"] = _suite(clone, "--fresh")
        finally:
            for hog in hogs:
                hog.kill()
                hog.wait()
    return data


def _s(step: dict) -> str:
    return f"{step['wall_s']:.1f} s (load {step['load_before']:g} → {step['load_after']:g})"


def table(data: dict) -> str:
    build, cold, warm = data["build_warm"], data["suite_cold"], data["suite_warm"]
    growth = data["growth"]
    added = growth["added"]
    per_suite = (growth["suite_warm"]["wall_s"] - warm["wall_s"]) / added
    per_build = (growth["build_warm"]["wall_s"] - build["wall_s"]) / added
    per_cold = (growth["suite_cold"]["wall_s"] - cold["wall_s"]) / added
    loaded = data["suite_fresh_under_load"]
    rows = [
        ("strict build, warm (`nox -R -s docs`)", "", _s(build)),
        ("suite, warm: second run, nothing changed (`nox -R -s docs-test`)", "≤ 3× the build",
         f"{_s(warm)}: {warm['wall_s'] / build['wall_s']:.2f}× the build; {warm['summary']}"),
        ("suite, cold: fresh clone, empty `build/`", "well inside CI's limit", f"{_s(cold)}; {cold['summary']}"),
        (f"growth to {growth['snippets']} snippet files ({added} generated), warm suite", "≤ 0.1 s per snippet",
         f"{_s(growth['suite_warm'])}: {per_suite:+.3f} s per added snippet"),
        (f"growth to {growth['snippets']} snippet files, warm build", "≤ 0.02 s per snippet",
         f"{_s(growth['build_warm'])}: {per_build:+.3f} s per added snippet"),
        (f"growth to {growth['snippets']} snippet files, cold suite", "", f"{_s(growth['suite_cold'])}: {per_cold:+.2f} s per added snippet"),
        ("suite with `--fresh` (nothing reused) and two busy loops on both cores", "passes, no timeout fires",
         f"{_s(loaded)}; {loaded['summary']}; {loaded['timeouts']} timeouts"),
    ]  # fmt: skip
    lines = [
        f"Recorded {data['date'][:10]} by `nox -s speed` at commit `{data['commit'][:7]}` on {data['machine']['cpus']} "
        f"cores ({data['machine']['platform']}), Python {data['machine']['python']}, torch {data['torch']}, "
        f"{data['snippets']} files under `snippets/`; from `docs/results/speed-cpu.json`.",
        "",
        "| target | goal | measured |",
        "| --- | --- | --- |",
        *[f"| {a} | {b} | {c} |" for a, b, c in rows],
    ]
    return "\n".join(lines)


def readme_with_table(readme: str, data: dict) -> str:
    return replace_section(readme, START, END, table(data))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--readme", action="store_true", help="only rewrite the README table from the results file")
    args = parser.parse_args()
    if not args.readme:
        RESULTS.write_text(json.dumps(record(), indent=2) + "\n", encoding="utf-8")
    README.write_text(readme_with_table(README.read_text(encoding="utf-8"), json.loads(RESULTS.read_text())))


if __name__ == "__main__":
    main()
