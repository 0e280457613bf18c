"""Excerpts: a short window of an article's own text around the first matched term.

Matching runs on the normalised text (so a Traditional or full-width body still shows
where a Simplified query matched) but the window and the marks are cut from the original
text. Every piece of text is HTML-escaped before the ``<mark>`` tags are put around it.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Sequence
from itertools import islice

from kefu.helpcenter.search.normalize import fold, fold_variants, normalize, to_simplified
from kefu.helpcenter.search.plaintext import markdown_to_text
from kefu.helpcenter.search.segment import is_latin

WINDOW_CHARS = 120
LEAD_CHARS = 30  # context shown before the first match
MAX_SOURCE_CHARS = 20_000  # excerpts come from the start of very long articles
# Markdown is stripped only from this much raw text around a match: stripping whole
# bodies for twenty hits would cost more than the search itself.
_CHUNK_BEFORE, _CHUNK_AFTER = 150, 250
_MATCHES_TRIED = 5
_SNAP_CHARS = 15
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


def build_excerpt(sources: Sequence[str], terms: frozenset[str]) -> str:
    """Escaped HTML: the first source with a match, marked; else the start of the first text."""
    pattern = _term_pattern(terms)
    if pattern is not None:
        for source in sources:
            raw = source[:MAX_SOURCE_CHARS]
            normalized, starts = _normalized(raw)
            for match in islice(pattern.finditer(normalized), _MATCHES_TRIED):
                at = _original(starts, match.start(), len(raw))
                chunk_start, chunk_end = max(0, at - _CHUNK_BEFORE), at + _CHUNK_AFTER
                text = markdown_to_text(raw[chunk_start:chunk_end])
                text_normalized, text_starts = _normalized(text)
                first = pattern.search(text_normalized)
                if first is not None:  # else the match was markup (a link target): try the next
                    return _render(
                        text,
                        text_normalized,
                        text_starts,
                        pattern,
                        first.start(),
                        more_before=chunk_start > 0,
                        more_after=chunk_end < len(raw),
                    )
    for source in sources:
        if text := markdown_to_text(source[: WINDOW_CHARS * 3]):
            return html.escape(text[:WINDOW_CHARS]) + ("…" if len(text) > WINDOW_CHARS else "")
    return ""


@functools.lru_cache(maxsize=512)
def _term_pattern(terms: frozenset[str]) -> re.Pattern[str] | None:
    alternatives: list[str] = []
    for term in sorted(terms, key=lambda t: (-len(t), t)):
        if _HAN.search(term) or not is_latin(term):
            alternatives.append(re.escape(term))
            continue
        stems = [term]
        if term.endswith("i") and len(term) > 2:
            stems.append(term[:-1] + "y")  # snowball: happy → happi
        for stem in stems:
            # Stems are word beginnings: mark the whole word they start.
            alternatives.append(rf"(?<![a-z0-9]){re.escape(stem)}[a-z0-9]*")
    if not alternatives:
        return None
    return re.compile("|".join(alternatives))


def _normalized(text: str) -> tuple[str, list[int] | None]:
    """The text normalised for matching, and where each of its characters came from.

    ``None`` means one-to-one (the usual case). Otherwise characters are folded one by
    one to keep the mapping, and Traditional→Simplified is applied only if it keeps the
    length (it almost always does).
    """
    normalized = normalize(text)
    if len(normalized) == len(text):
        return normalized, None
    pieces = [fold(char) for char in text]
    starts = [index for index, piece in enumerate(pieces) for _ in piece]
    folded = "".join(pieces)
    simplified = to_simplified(folded) if not folded.isascii() else folded
    chosen = simplified if len(simplified) == len(folded) else folded
    return fold_variants(chosen), starts


def _original(starts: list[int] | None, position: int, length: int) -> int:
    if starts is None:
        return position
    return starts[position] if position < len(starts) else length


def _render(
    text: str,
    normalized: str,
    starts: list[int] | None,
    pattern: re.Pattern[str],
    first: int,
    *,
    more_before: bool,
    more_after: bool,
) -> str:
    def original(position: int) -> int:
        return _original(starts, position, len(text))

    end = min(len(normalized), max(0, first - LEAD_CHARS) + WINDOW_CHARS)
    start = max(0, end - WINDOW_CHARS)
    marks = [
        (original(match.start()), original(match.end()))
        for match in pattern.finditer(normalized, start, end)
        if match.end() > match.start()
    ]
    window_start, window_end = _snap(text, original(start), original(end), original(first))
    out: list[str] = ["…"] if window_start > 0 or more_before else []
    cursor = window_start
    for mark_start, mark_end in marks:
        mark_start, mark_end = max(mark_start, cursor), min(mark_end, window_end)
        if mark_start >= mark_end:
            continue
        out.append(html.escape(text[cursor:mark_start]))
        out.append("<mark>" + html.escape(text[mark_start:mark_end]) + "</mark>")
        cursor = mark_end
    out.append(html.escape(text[cursor:window_end]))
    if window_end < len(text) or more_after:
        out.append("…")
    return "".join(out).strip()


def _snap(text: str, start: int, end: int, first: int) -> tuple[int, int]:
    """Avoid cutting an English word in half at either edge of the window."""
    if 0 < start < len(text) and text[start - 1].isalnum() and text[start].isalnum():
        space = text.find(" ", start, min(first, start + _SNAP_CHARS))
        if space != -1:
            start = space + 1
    if 0 < end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
        space = text.rfind(" ", max(start, end - _SNAP_CHARS), end)
        if space > first:
            end = space
    return start, end
