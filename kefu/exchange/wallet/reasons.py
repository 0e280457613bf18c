"""The fixed taxonomy of withdrawal failures, with what the customer reads for each.

A reason is stored as its code; the explanation and the next step are looked up here at
display time, so a corrected text reaches old withdrawals too.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class FailureReason(models.TextChoices):
    INSUFFICIENT_BALANCE = "insufficient_balance", _("Balance too low once the fee is counted")
    INVALID_ADDRESS = "invalid_address", _("Invalid address")
    WRONG_NETWORK_ADDRESS = "wrong_network_address", _("Address of another network")
    MEMO_MISSING_OR_INVALID = "memo_missing_or_invalid", _("Memo or tag missing or invalid")
    BELOW_MINIMUM = "below_minimum", _("Below the minimum withdrawal")
    DAILY_LIMIT_EXCEEDED = "daily_limit_exceeded", _("Over the daily withdrawal limit")
    NETWORK_SUSPENDED = "network_suspended", _("Network suspended")
    NETWORK_MAINTENANCE = "network_maintenance", _("Network under maintenance")
    NODE_ERROR = "node_error", _("Node or network error")
    RISK_REVIEW_HOLD = "risk_review_hold", _("Held for risk review")
    SECURITY_COOLDOWN = "security_cooldown", _("Security cool-down active")
    ACCOUNT_FROZEN = "account_frozen", _("Account frozen")
    ADDRESS_NOT_WHITELISTED = "address_not_whitelisted", _("Address not in the address book")


# Worth trying again unchanged: the fault was on the way, not in the request.
TRANSIENT = frozenset({FailureReason.NODE_ERROR})
# The customer can fix these by sending to a corrected address (or memo).
ADDRESS_FIXABLE = frozenset({
    FailureReason.INVALID_ADDRESS,
    FailureReason.WRONG_NETWORK_ADDRESS,
    FailureReason.MEMO_MISSING_OR_INVALID,
    FailureReason.ADDRESS_NOT_WHITELISTED,
})


@dataclass(frozen=True)
class ReasonText:
    title: Promise
    explanation: Promise
    next_step: Promise


TEXTS: dict[FailureReason, ReasonText] = {
    FailureReason.INSUFFICIENT_BALANCE: ReasonText(
        FailureReason.INSUFFICIENT_BALANCE.label,
        _("Your available balance does not cover the amount plus the network fee."),
        _("Lower the amount so that amount + fee fits your available balance, "
          "or deposit more first."),
    ),
    FailureReason.INVALID_ADDRESS: ReasonText(
        FailureReason.INVALID_ADDRESS.label,
        _("The destination address is not a valid address for this network "
          "(wrong checksum, typo or missing characters)."),
        _("Copy the address again from the receiving wallet or platform and resubmit "
          "with the corrected address."),
    ),
    FailureReason.WRONG_NETWORK_ADDRESS: ReasonText(
        FailureReason.WRONG_NETWORK_ADDRESS.label,
        _("The destination address belongs to a different network than the one you chose. "
          "Sending across networks can lose the funds."),
        _("Choose the network the receiving platform supports for this address, "
          "or get an address for this network from them."),
    ),
    FailureReason.MEMO_MISSING_OR_INVALID: ReasonText(
        FailureReason.MEMO_MISSING_OR_INVALID.label,
        _("This network needs a memo (tag) to tell the receiving platform which account to "
          "credit, and it was missing or not accepted."),
        _("Get the memo/tag from the receiving platform's deposit page and resubmit with it."),
    ),
    FailureReason.BELOW_MINIMUM: ReasonText(
        FailureReason.BELOW_MINIMUM.label,
        _("The amount is below the minimum withdrawal for this network."),
        _("Withdraw at least the minimum shown on the withdrawal form."),
    ),
    FailureReason.DAILY_LIMIT_EXCEEDED: ReasonText(
        FailureReason.DAILY_LIMIT_EXCEEDED.label,
        _("This withdrawal would take you over your 24-hour withdrawal limit for this asset."),
        _("Withdraw a smaller amount now, or wait until earlier withdrawals are more than "
          "24 hours old."),
    ),
    FailureReason.NETWORK_SUSPENDED: ReasonText(
        FailureReason.NETWORK_SUSPENDED.label,
        _("Withdrawals on this network are suspended for now."),
        _("Use another network for this asset if the receiving platform supports it, "
          "or check the announcement and try later."),
    ),
    FailureReason.NETWORK_MAINTENANCE: ReasonText(
        FailureReason.NETWORK_MAINTENANCE.label,
        _("This network is under maintenance; your funds are back in your available balance."),
        _("Try again after the maintenance ends, or use another network."),
    ),
    FailureReason.NODE_ERROR: ReasonText(
        FailureReason.NODE_ERROR.label,
        _("Our node could not reach the network. This is temporary and nothing was sent."),
        _("We retry automatically. If it still failed, press Retry; your funds are safe."),
    ),
    FailureReason.RISK_REVIEW_HOLD: ReasonText(
        FailureReason.RISK_REVIEW_HOLD.label,
        _("The withdrawal is held for a routine security review."),
        _("Contact support about this withdrawal; an agent will check it with you."),
    ),
    FailureReason.SECURITY_COOLDOWN: ReasonText(
        FailureReason.SECURITY_COOLDOWN.label,
        _("A recent security change (password, 2FA, unfreeze) pauses withdrawals for a while "
          "to protect your funds."),
        _("Wait until the cool-down ends (shown on your security page); "
          "if you did not make the change, freeze your account and contact support."),
    ),
    FailureReason.ACCOUNT_FROZEN: ReasonText(
        FailureReason.ACCOUNT_FROZEN.label,
        _("Your account is frozen, so no funds can leave it."),
        _("Contact support to verify your identity and unfreeze the account."),
    ),
    FailureReason.ADDRESS_NOT_WHITELISTED: ReasonText(
        FailureReason.ADDRESS_NOT_WHITELISTED.label,
        _("You chose to withdraw only to saved addresses, and this address is not saved "
          "(or its safety hold has not ended)."),
        _("Save the address in your address book and wait for the hold to end, "
          "or pick a saved address."),
    ),
}


def reason_text(reason: str) -> ReasonText:
    return TEXTS[FailureReason(reason)]
