"""The real site: one claim, one proof, one explanation; IDs unique; myths point to real claims."""

from pathlib import Path

import pytest

from harness import claims, ledger

ROOT = Path(__file__).resolve().parents[1]


def test_claims_are_declared_once_and_explained_once():
    problems = claims.problems(ROOT)
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def test_every_myth_points_to_existing_claims():
    registry = claims.load(ROOT)
    results = ledger.load_results(ROOT, registry.snippets)
    data = ledger.build(ROOT, registry.snippets, registry.references, results)
    errors = ledger.check_myths(ledger.load_myths(ROOT), data)
    if errors:
        pytest.fail("\n".join(errors), pytrace=False)
