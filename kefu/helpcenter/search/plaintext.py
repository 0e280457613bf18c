"""Markdown to plain text, for indexing and excerpts (nothing here is ever rendered as HTML)."""

from __future__ import annotations

import re

# (pattern, replacement, characters that must be present for the rule to apply): the
# guards skip most regex passes on ordinary prose, which matters for excerpts.
_RULES: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"<!--.*?-->", re.S), " ", "<"),
    (re.compile(r"^\s*(```|~~~).*$", re.M), " ", "`~"),
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1", "!"),
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1", "["),
    (re.compile(r"\[([^\]]*)\]\[[^\]]*\]"), r"\1", "["),
    (re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+.*$", re.M), " ", "["),
    (re.compile(r"<((?:https?|mailto):[^>\s]+)>"), r"\1", "<"),
    (re.compile(r"^\s{0,3}#{1,6}\s*", re.M), "", "#"),
    (re.compile(r"^\s{0,3}>\s?", re.M), "", ">"),
    (re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])\s+", re.M), "", "-*+.)"),
    (re.compile(r"^\s*(?:[-*_]\s*){3,}$", re.M), " ", "-*_"),
    (re.compile(r"^\s*\|?(?:\s*:?-+:?\s*\|)+\s*:?-*:?\s*$", re.M), " ", "|"),
    (re.compile(r"\*\*|__|~~|[*`]"), "", "*_~`"),
    (re.compile(r"\|"), " ", "|"),
    (re.compile(r"\s+"), " ", " \t\n\r\f\v"),
)


def markdown_to_text(markdown: str) -> str:
    text = markdown
    for pattern, replacement, triggers in _RULES:
        if any(char in text for char in triggers):
            text = pattern.sub(replacement, text)
    return text.strip()
