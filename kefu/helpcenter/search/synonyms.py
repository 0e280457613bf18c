"""The admin-editable synonym table, cached per process and shared through a version key.

Saving or deleting a :class:`~kefu.helpcenter.models.SynonymGroup` bumps a version in the
Django cache (see :func:`invalidate_synonyms`, connected in ``HelpcenterConfig.ready``).
Each process keeps the parsed table and a segmenter that knows every synonym as a word;
it reloads both when it sees a new version. Because synonyms also change segmentation,
the index should be rebuilt after editing them (``manage.py helpcenter_reindex``).
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import transaction

from kefu.helpcenter.models import SynonymGroup
from kefu.helpcenter.search.normalize import normalize
from kefu.helpcenter.search.segment import Segmenter, get_segmenter, tokenize

VERSION_KEY = "helpcenter:search:synonyms:version"

Phrase = tuple[str, ...]


@dataclass(frozen=True)
class Analyzer:
    """Everything one search or one indexing run needs, consistent with each other."""

    segmenter: Segmenter
    # token sequence of a synonym term → indexes into ``groups``
    lookup: dict[Phrase, frozenset[int]] = field(default_factory=dict)
    groups: tuple[tuple[Phrase, ...], ...] = ()
    longest: int = 0

    def tokens(self, text: str, *, for_index: bool) -> list[str]:
        return tokenize(normalize(text), self.segmenter, for_index=for_index)


_local_lock = threading.Lock()
_local: dict[str, Any] = {"version": None, "analyzer": None}


def invalidate_synonyms(**_: Any) -> None:
    """Make every process reload synonyms. Usable as a post_save/post_delete receiver."""
    reload_synonyms()
    # Other processes must not reload before the change is visible to them.
    transaction.on_commit(reload_synonyms)


def reload_synonyms() -> None:
    """Drop the cached table here and, through the shared version, in every process."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)
    with _local_lock:
        _local["version"] = None


def current_analyzer() -> Analyzer:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        if not cache.add(VERSION_KEY, version, None):
            version = cache.get(VERSION_KEY, version)
    with _local_lock:
        if _local["version"] == version and _local["analyzer"] is not None:
            analyzer: Analyzer = _local["analyzer"]
            return analyzer
    analyzer = _load()
    with _local_lock:
        _local["version"], _local["analyzer"] = version, analyzer
    return analyzer


def _load() -> Analyzer:
    term_lists = [group.term_list() for group in SynonymGroup.objects.order_by("id")]
    words = frozenset(
        normalize(term).strip() for terms in term_lists for term in terms if " " not in term.strip()
    )
    segmenter = get_segmenter(frozenset(word for word in words if word))
    lookup: dict[Phrase, set[int]] = {}
    groups: list[tuple[Phrase, ...]] = []
    for terms in term_lists:
        phrases = tuple(
            dict.fromkeys(
                phrase
                for term in terms
                if (phrase := tuple(tokenize(normalize(term), segmenter, for_index=False)))
            )
        )
        if len(phrases) < 2:
            continue
        for phrase in phrases:
            lookup.setdefault(phrase, set()).add(len(groups))
        groups.append(phrases)
    return Analyzer(
        segmenter=segmenter,
        lookup={phrase: frozenset(ids) for phrase, ids in lookup.items()},
        groups=tuple(groups),
        longest=max((len(phrase) for phrase in lookup), default=0),
    )


def connect_signals() -> None:
    """Reload synonyms everywhere when an editor changes them (called from the app config)."""
    from django.db.models.signals import post_delete, post_save

    post_save.connect(invalidate_synonyms, sender=SynonymGroup, dispatch_uid="helpcenter-syn-save")
    post_delete.connect(invalidate_synonyms, sender=SynonymGroup, dispatch_uid="helpcenter-syn-del")
