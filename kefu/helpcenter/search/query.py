"""Parse what a customer typed into groups of alternative phrases.

A query is a conjunction of :class:`TermGroup`s; each group is "this term or any of its
synonyms". Phrases hold only tokens produced by :mod:`.segment` (letters and digits),
so the backends can quote them without ever seeing raw user input.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from kefu.helpcenter.search.segment import is_latin
from kefu.helpcenter.search.synonyms import Analyzer, Phrase

MAX_GROUPS = 12
MIN_PREFIX_CHARS = 3


@dataclass(frozen=True)
class Alternative:
    tokens: Phrase
    prefix: bool = False  # the last token also matches longer words ("withdr" → "withdraw")


@dataclass(frozen=True)
class TermGroup:
    alternatives: tuple[Alternative, ...]


@dataclass(frozen=True)
class ParsedQuery:
    groups: tuple[TermGroup, ...]

    def __bool__(self) -> bool:
        return bool(self.groups)

    def highlight_terms(self) -> frozenset[str]:
        return frozenset(
            token for group in self.groups for alt in group.alternatives for token in alt.tokens
        )


def parse_query(raw: str, analyzer: Analyzer) -> ParsedQuery:
    text = raw[: settings.KEFU_SEARCH_MAX_QUERY_CHARS]
    tokens = analyzer.tokens(text, for_index=False)
    groups: list[TermGroup] = []
    seen: set[TermGroup] = set()
    position = 0
    while position < len(tokens) and len(groups) < MAX_GROUPS:
        span, group_ids = _longest_synonym(tokens, position, analyzer)
        own = tuple(tokens[position : position + span])
        position += span
        prefix = span == 1 and len(own[0]) >= MIN_PREFIX_CHARS and _wordlike(own[0])
        alternatives = [Alternative(own, prefix=prefix)]
        for group_id in sorted(group_ids):
            alternatives.extend(
                Alternative(phrase) for phrase in analyzer.groups[group_id] if phrase != own
            )
        group = TermGroup(tuple(dict.fromkeys(alternatives)))
        if group not in seen:
            seen.add(group)
            groups.append(group)
    return ParsedQuery(tuple(groups))


def _wordlike(token: str) -> bool:
    # Prefix matching helps people still typing a word; digits-only tokens (amounts,
    # order numbers) must match exactly.
    return is_latin(token) and not token.isdigit()


def _longest_synonym(
    tokens: list[str], position: int, analyzer: Analyzer
) -> tuple[int, frozenset[int]]:
    for span in range(min(analyzer.longest, len(tokens) - position), 0, -1):
        group_ids = analyzer.lookup.get(tuple(tokens[position : position + span]))
        if group_ids:
            return span, group_ids
    return 1, frozenset()
