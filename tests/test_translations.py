"""Every interface string exists in Simplified Chinese: no empty or fuzzy catalog entry."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOGS = sorted(
    [
        *ROOT.glob("locale/*/LC_MESSAGES/django.po"),
        *ROOT.glob("kefu/**/locale/*/LC_MESSAGES/django.po"),
    ]
)


def test_there_is_a_chinese_catalog() -> None:
    assert any("zh_Hans" in str(path) for path in CATALOGS)


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_catalog_is_complete(path: Path) -> None:
    with path.open("rb") as handle:
        catalog = read_po(handle)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        if message.fuzzy or not all(strings):
            problems.append(message.id)
    assert problems == []
