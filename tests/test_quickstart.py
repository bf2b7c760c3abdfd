"""The README's Quick start is what CI runs, so a newcomer's two lines are tested on every push."""

import importlib
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def quickstart_lines() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "README's Quick start has no ```bash block"
    return [line for line in block[1].splitlines() if line.strip() and not line.startswith("#")]


def test_quickstart_is_two_lines_serve_and_test():
    lines = quickstart_lines()
    assert len(lines) == 2, lines
    assert lines[0].endswith("nox -s serve") and lines[1].endswith("nox -s docs-test")


def test_ci_runs_the_readme_test_line_verbatim():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert quickstart_lines()[1] in ci


@pytest.mark.parametrize(
    ("script", "results"),
    [("lighthouse", "lighthouse.json"), ("speed", "speed-cpu.json"), ("mutation_score", "cpu.json")],
)
def test_readme_tables_are_the_recorded_runs(script, results, monkeypatch):
    """The README's Lighthouse, speed and mutation figures are rendered from docs/results/, never typed."""
    monkeypatch.syspath_prepend(str(ROOT / "tests" / "bench"))
    bench = importlib.import_module(script)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    data = json.loads((ROOT / "docs" / "results" / results).read_text(encoding="utf-8"))
    assert readme == bench.readme_with_table(readme, data), f"run: python tests/bench/{script}.py --readme"
