"""What a reader sees and copies in a code block: no engine markers; output blocks have no copy button.

`# claim: ID` markers and section markers (`# --8<-- [start:NAME]`) are for the engine. They are
removed in one place, `strip_markers`, used both by the site build (a Markdown preprocessor that
runs right after pymdownx.snippets has expanded the includes) and by the suite's copy-and-run
check, so the text the suite runs is the text the page shows.

Output and error text (```text and ```output fences) is not code: the same preprocessor gives
those fences Material's `.no-copy` class, so they get no copy button.
"""

from __future__ import annotations

import re

from markdown import Extension
from markdown.preprocessors import Preprocessor

from harness.snippet import CLAIM_ID

# A `# claim: ID` comment, alone on its line or after code.
_CLAIM = re.compile(rf"\s*#\s*claim:\s*{CLAIM_ID}\s*$")
# A section marker, as pymdownx.snippets recognises it: it drops the whole line (`;--8<--` escapes it).
_SECTION = re.compile(r"(?i)^.*?(?<![;\-])-+8<-+[ \t]+\[[ \t]*(?:start|end)[ \t]*:[ \t]*[a-z][-_0-9a-z]*[ \t]*\]")
_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`]*?)[ \t]*$")
PYTHON = {"python", "py", "python3"}
OUTPUT = {"text", "output"}  # fences that show what code printed or raised: no copy button


def strip_markers(code: str) -> str:
    """``code`` without claim and section markers, as the reader sees and copies it.

    A marker alone on its line removes the line (and one blank line, where it sat between two);
    a marker after code removes only the comment.
    """
    lines = code.split("\n")
    kept: list[str] = []
    skip_blank = False
    for text in lines:
        if skip_blank and not text.strip():
            skip_blank = False
            continue
        skip_blank = False
        if _SECTION.match(text):
            rest = ""
        elif claim := _CLAIM.search(text):
            rest = text[: claim.start()].rstrip()
        else:
            kept.append(text)
            continue
        if rest.strip():
            kept.append(rest)  # code with a trailing marker comment
        elif not kept or not kept[-1].strip():
            skip_blank = True  # the marker line sat after a blank line (or first): drop one blank after it
    while kept and not kept[0].strip():
        kept.pop(0)
    return "\n".join(kept)


def fence_language(info: str) -> str:
    info = info.strip()
    if info.startswith("{"):
        words = re.findall(r'[^\s"]+(?:="[^"]*")?', info.strip("{}"))
        return next((w[1:] for w in words if w.startswith(".")), "")
    return info.split()[0] if info.split() else ""


def no_copy_info(info: str) -> str:
    """The fence's info string with Material's `.no-copy` class added."""
    info = info.strip()
    if "no-copy" in info:
        return info
    if info.startswith("{"):
        return "{" + info[1:].rstrip("}").strip() + " .no-copy}"
    words = info.split()
    return "{" + " ".join([f".{words[0]}", *words[1:], ".no-copy"]) + "}"


def rewrite(lines: list[str]) -> list[str]:
    """Markdown lines with engine markers removed from python fences and `.no-copy` on output fences."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match or not match["info"]:
            out.append(lines[i])
            i += 1
            continue
        indent, fence, info = match["indent"], match["fence"], match["info"]
        close = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        end = i + 1
        while end < len(lines) and not close.match(lines[end]):
            end += 1
        body = lines[i + 1 : end]
        language = fence_language(info)
        if language in PYTHON:
            # The body carries the fence's indentation (tabs, admonitions): strip markers inside it.
            width = len(indent)
            stripped = strip_markers("\n".join(line[width:] if line[:width].isspace() else line for line in body))
            body = [indent + line if line else line for line in stripped.split("\n")] if stripped else []
            out.append(lines[i])
        elif language in OUTPUT:
            out.append(f"{indent}{fence}{no_copy_info(info)}")
        else:
            out.append(lines[i])
        out += body
        if end < len(lines):
            out.append(lines[end])
        i = end + 1
    return out


class _ReaderCode(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        return rewrite(lines)


class ReaderCodeExtension(Extension):
    """Registered by harness/site.py. Priority 31.5: after pymdownx.snippets (32) expands the
    includes, before superfences (25, and its raw-block pass at 31.05) reads the fences."""

    def extendMarkdown(self, md):  # noqa: N802 - Markdown's API
        md.preprocessors.register(_ReaderCode(md), "reader_code", 31.5)
