"""Text normalisation shared by indexing, queries and excerpts.

Both sides of the index go through :func:`normalize`, so any folding done here can only
make more things match, never fewer: full-width forms become ASCII (NFKC), case is
folded, and Traditional Chinese becomes Simplified so Hong Kong and Taiwan customers
find the Simplified articles.
"""

from __future__ import annotations

import re
import threading
import unicodedata

import opencc

# NUL, other C0 controls and lone surrogates: never part of a word, and lone surrogates
# cannot even be encoded for OpenCC.
_JUNK = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")

# OpenCC's t2s keeps 帐 (帳) where mainland usage writes 账 for accounts; folding it here
# lets 帳號 find 账号. The fold maps one character to one, so excerpt offsets still line up.
_VARIANTS = (("帐", "账"),)

_converter = opencc.OpenCC("t2s")
# The binding gives no thread-safety guarantee; conversions are microseconds, so a lock
# costs nothing measurable.
_converter_lock = threading.Lock()


def to_simplified(text: str) -> str:
    with _converter_lock:
        converted: str = _converter.convert(text)
    return converted


def fold(text: str) -> str:
    """NFKC and case folding only (no script conversion)."""
    return unicodedata.normalize("NFKC", _JUNK.sub(" ", text)).casefold()


def normalize(text: str) -> str:
    """The form every text is segmented from: NFKC, casefolded, Simplified Chinese."""
    folded = fold(text)
    if not folded.isascii():
        folded = fold_variants(to_simplified(folded))
    return folded


def fold_variants(text: str) -> str:
    # str.replace runs in C; str.translate with a dict would call back per character.
    for variant, standard in _VARIANTS:
        text = text.replace(variant, standard)
    return text
