"""A README section between two markers, rewritten from a recorded results file (never typed)."""

from __future__ import annotations

import re


def replace_section(readme: str, start: str, end: str, body: str) -> str:
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(readme):
        raise SystemExit(f"README.md has no {start} ... {end} section")
    return pattern.sub(lambda _: f"{start}\n{body}\n{end}", readme)
