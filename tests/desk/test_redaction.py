from __future__ import annotations

from kefu.desk.redaction import (
    KEY_PLACEHOLDER,
    PLACEHOLDER,
    Finding,
    bip39_english,
    redact,
    shortest_secret,
)

SEED12 = "abandon ability able about above absent absorb abstract absurd abuse access accident"


def test_a_twelve_word_seed_phrase_is_hidden() -> None:
    text, findings = redact(f"my words are: {SEED12}. 谢谢")
    assert "abandon" not in text
    assert PLACEHOLDER in text
    assert text.startswith("my words are: ")
    assert text.endswith(". 谢谢")
    assert findings[0].kind == "seed_phrase"
    assert findings[0].words == 12


def test_24_words_across_lines_and_commas_are_hidden_whole() -> None:
    words = (SEED12 + " " + SEED12).split()
    text, findings = redact("\n".join(", ".join(words[i:i + 4]) for i in range(0, 24, 4)))
    assert text == PLACEHOLDER
    assert findings[0].words == 24


def test_ordinary_text_is_untouched() -> None:
    sample = "I forgot my password and the account is locked after five attempts, please help me"
    assert redact(sample) == (sample, [])
    assert redact("提现一直显示处理中") == ("提现一直显示处理中", [])


def test_hex_private_key_is_hidden() -> None:
    key = "0x" + "ab" * 32
    text, findings = redact(f"key {key} ok")
    assert text == f"key {KEY_PLACEHOLDER} ok"
    assert findings[0].kind == "private_key"


def test_a_transaction_hash_of_64_hex_is_hidden_too() -> None:
    # Deliberately conservative: a tx hash looks like a key; agents get it from the gateway.
    assert KEY_PLACEHOLDER in redact("f" * 64)[0]


def test_the_shortest_possible_phrase_is_still_masked() -> None:
    # The length fast path must never skip a real secret: twelve of the shortest wordlist
    # words with one separator each is exactly the bound.
    short = sorted(w for w in bip39_english() if len(w) == 3)[:12]
    text = ",".join(short)
    assert len(text) == shortest_secret()
    masked, findings = redact(text)
    assert findings == [Finding("seed_phrase", 12)]
    assert masked == PLACEHOLDER
    assert redact(text[:-1])[1] == []  # one letter less: a word is no longer a word


def test_a_phrase_joined_by_the_fewest_separators_is_still_masked() -> None:
    # The separator count guard must let through a phrase with exactly eleven joins, one
    # character each, of every kind the scan accepts — and skip only what has fewer.
    words = SEED12.split()
    joints = " \t\n,.;:-,.;"
    text = "".join(w + j for w, j in zip(words, joints, strict=False)) + words[-1]
    text = "x" * 40 + "0" + text  # long enough, and the id-like prefix is no separator
    masked, findings = redact(text)
    assert findings == [Finding("seed_phrase", 12)]
    assert masked == "x" * 40 + "0" + PLACEHOLDER
    assert redact("chat:" + "a1" * 28)[1] == []  # an idempotency key: one separator
    assert redact("0x" + "ab" * 32)[1] == [Finding("private_key")]  # none, still a key
