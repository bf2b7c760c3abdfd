"""Timeouts grow with the machine's load (harness.load): a busy machine does not turn a correct run red."""

from __future__ import annotations

from harness import load, sandbox


def test_factor_is_at_least_one_and_bounded(monkeypatch):
    monkeypatch.delenv("DOCS_TIMEOUT_SCALE", raising=False)
    assert 1.0 <= load.factor() <= load.MAX_FACTOR
    monkeypatch.setenv("DOCS_TIMEOUT_SCALE", "3")
    assert load.factor() == 3.0 and load.scaled(10) == (30.0, " (x3.0 for this machine's load: 30 s)")
    monkeypatch.setenv("DOCS_TIMEOUT_SCALE", "0.5")  # never shorter than declared
    assert load.scaled(10) == (10, "")


def test_a_hang_under_a_scaled_timeout_still_names_its_line(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCS_TIMEOUT_SCALE", "2")
    path = tmp_path / "hangs.py"
    path.write_text("import time\n\nwhile True:\n    time.sleep(0.05)\nassert 1 + 1 == 2\n", encoding="utf-8")
    outcome = sandbox.run(path, 0.5, tmp_path)
    assert outcome.status == "timeout" and outcome.line == 4
    assert outcome.message == "did not finish within its timeout of 0.5 s (x2.0 for this machine's load: 1 s)"
    assert outcome.duration >= 1.0
