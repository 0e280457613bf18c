"""Address and memo validation: real public addresses, and the ways they get corrupted."""

from __future__ import annotations

import pytest
from django.utils import translation

from kefu.exchange.wallet.addresses import (
    AddressError,
    detect_chains,
    validate_address,
    validate_memo,
)

VALID = [
    ("bitcoin", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"),  # P2PKH, genesis block
    ("bitcoin", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"),  # P2SH
    ("bitcoin", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"),  # P2WPKH, Bech32
    ("bitcoin", "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4"),  # upper case is valid Bech32
    ("bitcoin", "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3"),  # P2WSH
    ("bitcoin", "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297"),  # Taproot
    ("ethereum", "0xdAC17F958D2ee523a2206206994597C13D831ec7"),  # USDT contract, EIP-55
    ("ethereum", "0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045"),
    ("ethereum", "0xdac17f958d2ee523a2206206994597c13d831ec7"),  # all lower: no checksum
    ("ethereum", "0xDAC17F958D2EE523A2206206994597C13D831EC7"),  # all upper: no checksum
    ("tron", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"),
    ("tron", "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7"),
    ("solana", "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"),
    ("solana", "So11111111111111111111111111111111111111112"),
    ("solana", "11111111111111111111111111111111"),
    ("xrp", "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh"),
    ("xrp", "rEb8TK3gBgk5auZkwc6sHnwrGVJH8DuaLh"),
]


@pytest.mark.parametrize(("chain", "address"), VALID)
def test_real_addresses_are_valid(chain: str, address: str) -> None:
    assert validate_address(chain, address) == address
    assert detect_chains(address) == [chain]


@pytest.mark.parametrize(("chain", "address"), VALID)
def test_surrounding_spaces_from_a_paste_are_trimmed(chain: str, address: str) -> None:
    assert validate_address(chain, f"  {address}\n") == address


@pytest.mark.parametrize(("chain", "address", "code"), [
    ("bitcoin", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", "checksum"),
    ("bitcoin", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLz", "checksum"),
    ("bitcoin", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr", "checksum"),
    ("bitcoin", "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3298", "checksum"),
    # Version 0 program with a Bech32m checksum (BIP-350 test vector): refused.
    ("bitcoin", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh", "checksum"),
    ("bitcoin", "bc1qAR0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "case"),
    ("bitcoin", "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", "unsupported"),  # witness v2
    ("bitcoin", "1A1zP1eP5QGefi2DMPTfTL5SLmv7Divf", "checksum"),
    ("ethereum", "0xdAC17F958D2ee523a2206206994597C13D831eC7", "case"),  # one letter flipped
    ("ethereum", "0xdAC17F958D2ee523a2206206994597C13D831ec", "invalid"),
    ("ethereum", "0xdAC17F958D2ee523a2206206994597C13D831ecG", "invalid"),
    ("ethereum", "dAC17F958D2ee523a2206206994597C13D831ec7", "invalid"),
    ("tron", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u", "checksum"),
    ("tron", "tr7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "invalid"),
    # Solana keys carry no checksum: only the length (32 bytes) and alphabet are checked.
    ("solana", "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGk", "invalid"),
    ("solana", "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt0v", "invalid"),
    ("solana", "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v0", "invalid"),
    ("xrp", "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTx", "checksum"),
])
def test_corrupted_addresses_are_refused(chain: str, address: str, code: str) -> None:
    with pytest.raises(AddressError) as caught:
        validate_address(chain, address)
    assert caught.value.code == code
    assert str(caught.value.message)


@pytest.mark.parametrize(("chain", "address", "looks_like", "en", "zh"), [
    ("ethereum", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "tron",
     "This looks like an address on Tron (TRC-20)", "这看起来是 Tron (TRC-20) 地址"),
    ("tron", "0xdAC17F958D2ee523a2206206994597C13D831ec7", "ethereum",
     "This looks like an address on Ethereum (ERC-20)", "这看起来是 Ethereum (ERC-20) 地址"),
    ("solana", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "bitcoin",
     "This looks like an address on Bitcoin", "这看起来是 Bitcoin 地址"),
    ("bitcoin", "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh", "xrp",
     "This looks like an address on XRP Ledger", "这看起来是 XRP Ledger 地址"),
    ("tron", "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", "solana",
     "This looks like an address on Solana", "这看起来是 Solana 地址"),
])
def test_an_address_of_another_network_is_named(
    chain: str, address: str, looks_like: str, en: str, zh: str
) -> None:
    for language, expected in (("en", en), ("zh-hans", zh)):
        with translation.override(language), pytest.raises(AddressError) as caught:
            validate_address(chain, address)
        assert caught.value.code == "other_network"
        assert caught.value.looks_like == looks_like
        assert expected in str(caught.value.message)


TRON = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"


@pytest.mark.parametrize(("address", "code"), [
    ("", "empty"),
    ("   ", "empty"),
    (TRON[:10] + " " + TRON[10:], "whitespace"),
    (TRON[:10] + "\u00a0" + TRON[10:], "whitespace"),  # no-break space
    (TRON[:10] + "\u3000" + TRON[10:], "whitespace"),  # ideographic space
    (TRON[:10] + "\u200b" + TRON[10:], "invisible"),  # zero-width space
    (TRON + "\u200d", "invisible"),  # zero-width joiner at the end: not trimmed
    ("\ufeff" + TRON, "invisible"),  # byte-order mark
    ("\u202e" + TRON, "invisible"),  # right-to-left override
    (TRON[:10] + "\u2066" + TRON[10:], "invisible"),  # bidi isolate
    (TRON[:5] + "\x00" + TRON[5:], "invisible"),
    ("ＴR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "characters"),  # full-width T
    ("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6т", "characters"),  # Cyrillic т
    ("T" * 200, "too_long"),
])
def test_whitespace_and_invisible_characters_are_refused(address: str, code: str) -> None:
    with pytest.raises(AddressError) as caught:
        validate_address("tron", address)
    assert caught.value.code == code


def test_error_messages_exist_in_both_languages() -> None:
    texts = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            with pytest.raises(AddressError) as caught:
                validate_address("tron", TRON[:10] + "\u200b" + TRON[10:])
            texts[language] = str(caught.value.message)
    assert "invisible" in texts["en"]
    assert "不可见" in texts["zh-hans"]


@pytest.mark.parametrize(("chain", "rule", "memo", "result"), [
    ("xrp", "required", "12345", "12345"),
    ("xrp", "required", " 0 ", "0"),
    ("xrp", "required", "4294967295", "4294967295"),
    ("tron", "optional", "", ""),
    ("tron", "optional", "invoice-42", "invoice-42"),
    ("tron", "none", "", ""),
])
def test_valid_memos(chain: str, rule: str, memo: str, result: str) -> None:
    assert validate_memo(chain, rule, memo) == result


@pytest.mark.parametrize(("chain", "rule", "memo", "code"), [
    ("xrp", "required", "", "memo_missing"),
    ("xrp", "required", "4294967296", "memo_invalid"),
    ("xrp", "required", "12a", "memo_invalid"),
    ("xrp", "required", "-1", "memo_invalid"),
    ("xrp", "required", "007", "memo_invalid"),
    ("xrp", "required", "1\u200b2", "memo_characters"),
    ("tron", "optional", "a b", "memo_characters"),
    ("tron", "none", "123", "memo_not_used"),
    ("tron", "optional", "x" * 65, "memo_invalid"),
])
def test_invalid_memos(chain: str, rule: str, memo: str, code: str) -> None:
    with pytest.raises(AddressError) as caught:
        validate_memo(chain, rule, memo)
    assert caught.value.code == code
