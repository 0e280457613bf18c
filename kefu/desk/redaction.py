"""Secret redaction for inbound text: the hook the trust-and-safety work extends.

Customers under stress paste their seed phrase or private key into a chat. Kefu must
never store them: :func:`redact` runs in the inbound pipeline before anything is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

PLACEHOLDER = "[已隐藏助记词 / seed phrase hidden]"
KEY_PLACEHOLDER = "[已隐藏私钥 / private key hidden]"
MNEMONIC_LENGTHS = (24, 21, 18, 15, 12)
MIN_WORDS = min(MNEMONIC_LENGTHS)  # fewer wordlist words in a row are not masked

_HEX_KEY = re.compile(r"\b(?:0x)?[0-9a-fA-F]{64}\b")
_WORD = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True)
class Finding:
    kind: str  # "seed_phrase" | "private_key"
    words: int = 0


@cache
def bip39_english() -> frozenset[str]:
    path = resources.files("bip_utils.bip.bip39") / "wordlist" / "english.txt"
    return frozenset(path.read_text(encoding="utf-8").split())


# What may stand between two words of a phrase (after the letters end, before the next).
SEPARATORS = " \t\r\n,.;:-"


def _redact_mnemonics(text: str, findings: list[Finding]) -> str:
    # Each join of two phrase words takes at least one separator: fewer than a phrase's
    # joins (ids, hex strings, one-line names) cannot hold one, and need no word scan.
    if sum(map(text.count, SEPARATORS)) < MIN_WORDS - 1:
        return text
    words = list(_WORD.finditer(text))
    wordlist = bip39_english()
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        # Longest run of consecutive wordlist words, separated only by spaces/punctuation.
        j = i
        while j < len(words) and words[j].group().lower() in wordlist:
            if j > i and text[words[j - 1].end():words[j].start()].strip(SEPARATORS) != "":
                break
            j += 1
        run = j - i
        if run >= MIN_WORDS:
            spans.append((words[i].start(), words[j - 1].end()))
            findings.append(Finding("seed_phrase", run))
            i = j
        else:
            i += 1
    for start, end in reversed(spans):
        text = text[:start] + PLACEHOLDER + text[end:]
    return text


@cache
def shortest_secret() -> int:
    """Fewer characters than this cannot hold anything :func:`redact` masks: the shortest
    phrase is the shortest words, one separator between each; a key is 64 hex digits."""
    phrase = MIN_WORDS * min(len(word) for word in bip39_english()) + (MIN_WORDS - 1)
    return min(phrase, 64)


def redact(text: str) -> tuple[str, list[Finding]]:
    """Mask BIP-39 seed phrases (12+ consecutive English wordlist words) and 64-hex keys.

    A run of 12 or more wordlist words is masked whole even when its length is not a
    valid mnemonic length: a phrase with a word missing is still a secret.
    """
    findings: list[Finding] = []
    if len(text) < shortest_secret():  # most chat lines, names, ids: nothing to scan
        return text, findings
    text = _redact_mnemonics(text, findings)

    def _key(match: re.Match[str]) -> str:
        findings.append(Finding("private_key"))
        return KEY_PLACEHOLDER

    text = _HEX_KEY.sub(_key, text)
    return text, findings
