"""Each page's meta description (search engines, link previews): its short answer, in plain words.

The description is the first sentences of the page's "Short answer" box, with Markdown and
`[claim: ID]` tokens removed, cut at a sentence end to at most ``LIMIT`` characters. Pages
without one keep the site's description.
"""

from __future__ import annotations

import re

LIMIT = 160
_BOX = re.compile(r'^!!! \w+ "Short answer"\n((?:\n|    .*\n)+)', re.MULTILINE)
_CLAIM = re.compile(r"\[claim: [^\]]+\]")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")


def plain(markdown: str) -> str:
    text = _LINK.sub(r"\1", _CLAIM.sub("", markdown))
    text = re.sub(r"^\s*[-*]\s+", "", text, flags=re.MULTILINE)  # bullet marks
    text = re.sub(r"`|\*{1,2}", "", text)  # code and emphasis marks; underscores are in API names
    return re.sub(r"\s+", " ", text).strip()


def description(markdown: str) -> str | None:
    box = _BOX.search(markdown)
    if not box:
        return None
    text = plain(box[1])
    if len(text) <= LIMIT:
        return text
    sentences = re.split(r"(?<=[.!?])\s+", text)
    out = sentences[0]
    for sentence in sentences[1:]:
        if len(out) + 1 + len(sentence) > LIMIT:
            break
        out += " " + sentence
    return out if len(out) <= LIMIT else out[: LIMIT - 1].rsplit(" ", 1)[0] + "…"
