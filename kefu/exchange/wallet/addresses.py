"""Address and memo validation for each chain family, without touching the database.

Checks run in the order a customer's mistakes happen: nothing typed, stray whitespace or
invisible characters from a copy-paste, characters no address uses, then the network's
own encoding and checksum (Base58Check, Bech32/Bech32m, EIP-55, Tron's Base58Check,
Solana's 32-byte key, XRP's Base58Check). A string that fails for the chosen network but
is valid on another one is named: "this looks like a Tron (TRC-20) address".

Decoding and checksums come from bip-utils; this module only decides and explains.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from bip_utils import (  # type: ignore[import-untyped]
    CoinsConf,
    EthAddrDecoder,
    P2PKHAddrDecoder,
    P2SHAddrDecoder,
    SolAddrDecoder,
    TrxAddrDecoder,
    XrpAddrDecoder,
)
from bip_utils.bech32 import SegwitBech32Decoder  # type: ignore[import-untyped]
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kefu.exchange.wallet.chains import ChainKind, MemoRule

MAX_ADDRESS_CHARS = 128
MAX_MEMO_CHARS = 64
XRP_TAG_MAX = 2**32 - 1

CHAIN_LABELS: dict[str, str] = {
    ChainKind.BITCOIN: "Bitcoin",
    ChainKind.ETHEREUM: "Ethereum (ERC-20)",
    ChainKind.TRON: "Tron (TRC-20)",
    ChainKind.SOLANA: "Solana",
    ChainKind.XRP: "XRP Ledger",
}

_ETH_RE = re.compile(r"^0x[0-9a-fA-F]{40}$")
_BASE58_RE = re.compile(r"^[1-9A-HJ-NP-Za-km-z]+$")
_XRP_RE = re.compile(r"^r[1-9A-HJ-NP-Za-km-z]{24,34}$")
_BECH32_RE = re.compile(r"^(bc1|BC1)[0-9A-Za-z]{8,87}$")
_MEMO_RE = re.compile(r"^[\x21-\x7e]+$")


class AddressError(ValueError):
    """Why an address (or memo) is refused. ``code`` is stable; ``message`` is for people."""

    def __init__(self, code: str, message: Promise | str, *, looks_like: str = "") -> None:
        super().__init__(str(code))
        self.code = code
        self.message = message
        self.looks_like = looks_like

    @property
    def is_memo_problem(self) -> bool:
        return self.code.startswith("memo")

    @property
    def is_other_network(self) -> bool:
        return self.code == "other_network"


@dataclass(frozen=True)
class _Invalid(Exception):
    kind: str  # "format" | "checksum" | "case" | "unsupported"


def _classify(exc: Exception) -> _Invalid:
    text = str(exc).lower()
    if "mixed case" in text:
        return _Invalid("case")
    if "checksum" in text:
        return _Invalid("checksum")
    return _Invalid("format")


def _bitcoin(address: str) -> None:
    conf = CoinsConf.BitcoinMainNet
    if _BECH32_RE.match(address):
        try:
            version, program = SegwitBech32Decoder.Decode(conf.ParamByKey("p2wpkh_hrp"), address)
        except Exception as exc:
            raise _classify(exc) from exc
        # v0: P2WPKH (20 bytes) or P2WSH (32); v1: Taproot (32). Later versions have no
        # agreed meaning yet and funds sent there may be unspendable.
        if (version, len(program)) not in {(0, 20), (0, 32), (1, 32)}:
            raise _Invalid("unsupported")
        return
    if not _BASE58_RE.match(address) or address[0] not in "13":
        raise _Invalid("format")
    decoder: type[P2PKHAddrDecoder] | type[P2SHAddrDecoder]
    decoder, key = (P2PKHAddrDecoder, "p2pkh_net_ver") if address[0] == "1" else (
        P2SHAddrDecoder, "p2sh_net_ver")
    try:
        decoder.DecodeAddr(address, net_ver=conf.ParamByKey(key))
    except Exception as exc:
        raise _classify(exc) from exc


def _ethereum(address: str) -> None:
    if not _ETH_RE.match(address):
        raise _Invalid("format")
    body = address[2:]
    # EIP-55: an all-lower or all-upper address carries no checksum and is valid as is;
    # mixed case is the checksum and must match exactly.
    unchecked = body == body.lower() or body == body.upper()
    try:
        EthAddrDecoder.DecodeAddr(address, skip_chksum_enc=unchecked)
    except Exception as exc:
        raise _Invalid("case") from exc


def _tron(address: str) -> None:
    if not _BASE58_RE.match(address) or not address.startswith("T") or len(address) != 34:
        raise _Invalid("format")
    try:
        TrxAddrDecoder.DecodeAddr(address)
    except Exception as exc:
        raise _classify(exc) from exc


def _solana(address: str) -> None:
    if not _BASE58_RE.match(address) or not 32 <= len(address) <= 44:
        raise _Invalid("format")
    try:
        SolAddrDecoder.DecodeAddr(address)
    except Exception as exc:
        raise _Invalid("format") from exc


def _xrp(address: str) -> None:
    if not _XRP_RE.match(address):
        raise _Invalid("format")
    try:
        XrpAddrDecoder.DecodeAddr(address)
    except Exception as exc:
        raise _classify(exc) from exc


_CHECKS: dict[str, Callable[[str], None]] = {
    ChainKind.BITCOIN: _bitcoin,
    ChainKind.ETHEREUM: _ethereum,
    ChainKind.TRON: _tron,
    ChainKind.SOLANA: _solana,
    ChainKind.XRP: _xrp,
}


def is_valid_for(chain: str, address: str) -> bool:
    try:
        _CHECKS[chain](address)
    except _Invalid:
        return False
    return True


def detect_chains(address: str) -> list[str]:
    """Every chain family on which ``address`` is a valid address."""
    return [str(chain) for chain in _CHECKS if is_valid_for(chain, address)]


def _character_problem(address: str) -> AddressError | None:
    for char in address:
        category = unicodedata.category(char)
        if category in {"Cf", "Cc", "Co", "Cn"} or char in "\u2028\u2029":
            return AddressError(
                "invisible",
                _("The address contains an invisible character (such as a zero-width or "
                  "text-direction mark), often added by copying from a web page or chat. "
                  "Type or copy it again from the receiving wallet."),
            )
        if char.isspace():
            return AddressError(
                "whitespace",
                _("The address contains a space or line break. Addresses never contain "
                  "spaces: copy it again in one piece."),
            )
    if not address.isascii():
        return AddressError(
            "characters",
            _("The address contains characters that no address uses (for example full-width "
              "or look-alike letters). Copy it again from the receiving wallet."),
        )
    return None


def _invalid_message(chain: str, kind: str) -> AddressError:
    label = CHAIN_LABELS[chain]
    if kind == "checksum":
        return AddressError(
            "checksum",
            _("This is not a valid %(network)s address: its checksum does not match, so at "
              "least one character is wrong. Copy it again instead of typing it.")
            % {"network": label},
        )
    if kind == "case":
        if chain == ChainKind.ETHEREUM:
            return AddressError(
                "case",
                _("The mix of capital and small letters does not match this address's EIP-55 "
                  "checksum, so a character was probably changed. Copy the address again."),
            )
        return AddressError(
            "case",
            _("The address mixes capital and small letters, which a %(network)s address "
              "never does. Copy it again.") % {"network": label},
        )
    if kind == "unsupported":
        return AddressError(
            "unsupported",
            _("This %(network)s address type is not supported for withdrawals. Use a "
              "legacy, SegWit (bc1q…) or Taproot (bc1p…) address.") % {"network": label},
        )
    return AddressError(
        "invalid",
        _("This is not a valid %(network)s address. Check that it is complete and copied "
          "from the right network.") % {"network": label},
    )


def validate_address(chain: str, raw: str) -> str:
    """The address to store (surrounding whitespace trimmed) or :class:`AddressError`."""
    # Trim only ordinary spaces and line breaks at the ends, the usual paste leftovers;
    # anything inside, or any invisible character anywhere, is refused below.
    address = raw.strip(" \t\r\n")
    if not address:
        raise AddressError("empty", _("Enter the destination address."))
    if len(address) > MAX_ADDRESS_CHARS:
        raise AddressError("too_long", _("This is too long to be an address."))
    problem = _character_problem(address)
    if problem is not None:
        raise problem
    try:
        _CHECKS[chain](address)
    except _Invalid as invalid:
        others = [c for c in detect_chains(address) if c != chain]
        if others:
            raise AddressError(
                "other_network",
                _("This looks like an address on %(other)s, but you chose %(chosen)s. "
                  "Sending to another network can lose the funds.")
                % {"other": CHAIN_LABELS[others[0]], "chosen": CHAIN_LABELS[chain]},
                looks_like=others[0],
            ) from None
        raise _invalid_message(chain, invalid.kind) from None
    return address


def validate_memo(chain: str, rule: str, raw: str) -> str:
    """The memo/tag to store ("" when none) or :class:`AddressError`."""
    memo = raw.strip(" \t\r\n")
    if rule == MemoRule.NONE:
        if memo:
            raise AddressError(
                "memo_not_used",
                _("This network does not use a memo. Leave it empty; if the receiving "
                  "platform asks for one, you probably chose the wrong network."),
            )
        return ""
    if not memo:
        if rule == MemoRule.REQUIRED:
            raise AddressError(
                "memo_missing",
                _("This network needs a memo (tag). Without it the receiving platform cannot "
                  "tell which account to credit. Copy it from their deposit page."),
            )
        return ""
    problem = _character_problem(memo)
    if problem is not None:
        raise AddressError("memo_characters", problem.message)
    if len(memo) > MAX_MEMO_CHARS or not _MEMO_RE.match(memo):
        raise AddressError("memo_invalid", _("This memo is not valid."))
    if chain == ChainKind.XRP and (not memo.isdigit() or int(memo) > XRP_TAG_MAX
                                   or (len(memo) > 1 and memo[0] == "0")):
        raise AddressError(
            "memo_invalid",
            _("An XRP destination tag is a whole number from 0 to 4294967295, "
              "with no letters or leading zeros."),
        )
    return memo
