"""Turn normalised text into search tokens: Chinese words (rjieba) and stemmed English words.

The same function tokenises articles and queries, so both sides agree on every token.
Tokens contain only letters and digits, which is what lets the backends quote them
safely and lets the FTS5 ``ascii`` tokenizer and PostgreSQL's ``simple`` parser read the
space-joined text back as exactly these tokens.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterable, Iterator
from importlib import resources

import rjieba
import snowballstemmer

DEFAULT_WORD_FREQ = 20000
MAX_TOKEN_CHARS = 64

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# A run of Han characters, or a run of other letters/digits (Latin, digits, kana, ...).
_RUNS = re.compile(rf"(?P<han>[{_HAN}]+)|(?P<word>[^\W_{_HAN}]+)")
_LATIN_WORD = re.compile(r"[a-z0-9]+")


def _data_lines(name: str) -> list[str]:
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@functools.cache
def stop_words() -> frozenset[str]:
    return frozenset(_data_lines("stopwords.txt"))


@functools.cache
def domain_words() -> tuple[tuple[str, int], ...]:
    words = []
    for line in _data_lines("userdict.txt"):
        word, _, freq = line.partition(" ")
        words.append((word, int(freq) if freq.strip() else DEFAULT_WORD_FREQ))
    return tuple(words)


class Segmenter:
    """One rjieba instance with the domain dictionary and a fixed set of extra words.

    Instances are never mutated after construction: when the synonym table changes a new
    one is built and swapped in, so every process segments the same text the same way
    whatever words it saw earlier (rjieba cannot remove a word once added).
    """

    def __init__(self, extra_words: frozenset[str]) -> None:
        self._jieba = rjieba.Jieba()
        for word, freq in domain_words():
            self._jieba.add_word(word, freq, "n")
        domain = {word for word, _ in domain_words()}
        for word in sorted(extra_words - domain):
            # Just enough frequency to keep the word whole on its own, not so much that
            # it swallows neighbours ("被锁" must not turn 被锁定 into 被锁 + 定).
            self._jieba.add_word(word, max(int(self._jieba.suggest_freq(word)), 1), "n")
        # Guards against rjieba's Rust borrow checks if a call ever runs without the GIL.
        self._lock = threading.Lock()

    def cut(self, text: str, *, for_index: bool) -> list[str]:
        with self._lock:
            if for_index:
                # Search mode also emits the shorter dictionary words inside long ones
                # (谷歌验证器 → 验证, 谷歌验证器), so a query for the part finds the whole.
                return list(self._jieba.cut_for_search(text))
            return list(self._jieba.cut(text))


@functools.lru_cache(maxsize=2)
def get_segmenter(extra_words: frozenset[str] = frozenset()) -> Segmenter:
    return Segmenter(extra_words)


_stemmers = threading.local()


@functools.lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    # Snowball stemmer objects keep state between calls: one per thread.
    stemmer = getattr(_stemmers, "english", None)
    if stemmer is None:
        stemmer = _stemmers.english = snowballstemmer.stemmer("english")
    result: str = stemmer.stemWord(word)
    return result


def is_latin(token: str) -> bool:
    return _LATIN_WORD.fullmatch(token) is not None


def tokenize(normalized: str, segmenter: Segmenter, *, for_index: bool) -> list[str]:
    """Tokens of already-normalised text, stop words dropped, English stemmed."""
    return list(_tokens(normalized, segmenter, for_index=for_index))


def _tokens(normalized: str, segmenter: Segmenter, *, for_index: bool) -> Iterator[str]:
    stops = stop_words()
    for match in _RUNS.finditer(normalized):
        han = match.group("han")
        words: Iterable[str] = segmenter.cut(han, for_index=for_index) if han else (match[0],)
        for word in words:
            if word in stops or len(word) > MAX_TOKEN_CHARS or not word.strip():
                continue
            if not han and len(word) == 1 and word.isascii() and word.isalpha():
                continue  # a lone Latin letter: initials, list labels, noise in queries
            yield stem(word) if not han else word
