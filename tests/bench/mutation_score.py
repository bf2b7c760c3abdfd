"""The README's mutation score, rendered from the recorded CPU run (docs/results/cpu.json, `mutants`).

    python tests/bench/mutation_score.py --readme   # rewrite the README's table from that file

The figures are what the complete snippet run recorded (`pytest snippets docs --results-dir
docs/results`); `nox -s mutants` prints the same report for the working tree.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from readme_table import replace_section  # tests/bench, next to this script

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "docs" / "results" / "cpu.json"
README = ROOT / "README.md"
START, END = "<!-- mutants:start -->", "<!-- mutants:end -->"


def table(data: dict) -> str:
    m = data["mutants"]
    o = m["overall"]
    rows = [
        f"Recorded {data['date'][:10]} with torch {data['torch']} ({data['platform'].upper()}, {data['cpu_count']} "
        f"cores) at commit `{data['commit'][:7]}`, from `docs/results/cpu.json` (`mutants`):",
        "",
        "| what | figure |",
        "| --- | --- |",
        f"| mutants (CUDA snippets are not mutated without CUDA) | {o['mutants']} over {len(m['snippets'])} snippets, "
        f"{o['invalid']} invalid |",
        f"| killed | {o['killed']}: {o['by_assert']} by a failing assert of the mutated claim, {o['by_not_run']} by an "
        f"assert of that claim that no longer runs, {o['by_error']} by another error (those prove no claim by "
        f"themselves), {o['by_timeout']} by a hang |",
        f"| equivalent (survived; each carries an `# equivalent: reason` comment a reviewer can check) | "
        f"{o['equivalent']} |",
        f"| survived | {o['survived'] + o['hung']} |",
        f"| kill rate over applicable mutants | {100 * o['score']:.0f}% of {o['applicable']} |",
        f"| declared counter-cases | {o['declared']} |",
        f"| claims no change made fail | {len(m['unkillable'])} of {len(m['claims'])} |",
        "",
        "<details><summary>Per snippet</summary>",
        "",
        "| snippet | mutants | killed | equivalent | survived | score |",
        "| --- | --: | --: | --: | --: | --: |",
    ]
    for path, s in m["snippets"].items():
        score = f"{100 * s['score']:.0f}%" if s["score"] is not None else "–"
        rows.append(
            f"| `{path}` | {s['mutants']} | {s['killed']} | {s['equivalent']} | {s['survived'] + s['hung']} | {score} |"
        )
    rows += ["", "</details>"]
    return "\n".join(rows)


def readme_with_table(readme: str, data: dict) -> str:
    return replace_section(readme, START, END, table(data))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--readme", action="store_true", help="rewrite the README table from the results file")
    parser.parse_args()
    README.write_text(readme_with_table(README.read_text(encoding="utf-8"), json.loads(RESULTS.read_text())))


if __name__ == "__main__":
    main()
