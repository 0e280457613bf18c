"""Texts of the security emails and SMS, in the customer's language.

Every message starts with the customer's anti-phishing code when one is set: a message
without it did not come from us.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.exchange.accounts.links import freeze_url
from kefu.exchange.accounts.models import Customer

CHANGES = {
    "password_reset": gettext_lazy("your password was reset"),
    "password_changed": gettext_lazy("your password was changed"),
    "totp_enabled": gettext_lazy("authenticator app 2FA was turned on"),
    "totp_disabled": gettext_lazy("authenticator app 2FA was turned off"),
    "sms_2fa_enabled": gettext_lazy("SMS 2FA was turned on"),
    "sms_2fa_disabled": gettext_lazy("SMS 2FA was turned off"),
    "backup_codes_regenerated": gettext_lazy(
        "new backup codes were generated; the old ones no longer work"
    ),
    "email_changed": gettext_lazy("the email address of your account was changed"),
    "phone_changed": gettext_lazy("the phone number of your account was changed"),
    "2fa_reset": gettext_lazy("2FA was reset by support"),
    "anti_phishing_set": gettext_lazy("your anti-phishing code was changed"),
}


@dataclass(frozen=True)
class Text:
    subject: str
    body: str


def _platform(language: str) -> str:
    names: dict[str, str] = settings.KEFU_PLATFORM_NAME
    return names.get(language, names["zh-hans"])


def _anti_phishing_line(customer: Customer) -> str:
    if customer.anti_phishing_code:
        return _("Anti-phishing code: %(code)s") % {"code": customer.anti_phishing_code}
    return ""


def _freeze_paragraph(customer: Customer) -> str:
    link = freeze_url(str(customer.public_id), customer.language)
    return _(
        "If this wasn't you, freeze your account at once (no sign-in needed): %(link)s"
    ) % {"link": link}


# One-time codes: (subject, body) per purpose; the body takes %(code)s and %(minutes)d.
CODE_MESSAGES = {
    "reset_code": (
        gettext_lazy("Your password reset code"),
        gettext_lazy(
            "Your code to reset your password is %(code)s. It is valid for %(minutes)d "
            "minutes. Never give it to anyone, including support staff."
        ),
    ),
    "login_code": (
        gettext_lazy("Your sign-in code"),
        gettext_lazy(
            "Your sign-in code is %(code)s, valid for %(minutes)d minutes. "
            "Never give it to anyone."
        ),
    ),
    "verify_code": (
        gettext_lazy("Your verification code"),
        gettext_lazy(
            "Your code to confirm a security change is %(code)s, valid for %(minutes)d "
            "minutes. Never give it to anyone."
        ),
    ),
    "action_code": (
        gettext_lazy("Your code to approve an action"),
        gettext_lazy(
            "Your code to approve a change or withdrawal in your account is %(code)s, "
            "valid for %(minutes)d minutes. Never give it to anyone."
        ),
    ),
    "confirm_new_address": (
        gettext_lazy("Confirm your new contact address"),
        gettext_lazy(
            "Your code to confirm this address for your account is %(code)s, valid for "
            "%(minutes)d minutes. If you did not ask for this, ignore this message."
        ),
    ),
}


def _compose(customer: Customer, kind: str, params: dict[str, Any]) -> Text:
    """Build the text of one message kind; the caller activates the customer's language."""
    if kind in CODE_MESSAGES:
        from kefu.exchange.accounts.services.codes import CODE_LIFETIME

        subject, body = CODE_MESSAGES[kind]
        minutes = int(CODE_LIFETIME.total_seconds() // 60)
        return Text(str(subject), str(body) % {"code": params["code"], "minutes": minutes})
    if kind == "address_changed_notice":
        # Goes to the old address, the one an attacker may have just replaced.
        return Text(
            _("Your account's contact details changed"),
            _("The %(what)s of your account was changed to %(new)s. Withdrawals are paused "
              "for %(hours)d hours.")
            % {
                "what": _("email address") if params.get("field") == "email"
                else _("phone number"),
                "new": params.get("masked", ""),
                "hours": int(params.get("hours", 0)),
            }
            + "\n\n"
            + _freeze_paragraph(customer),
        )
    if kind == "new_device":
        return Text(
            _("New sign-in to your account"),
            _("Your account was signed in from a new device or network: %(device)s, IP %(ip)s.")
            % {"device": params.get("device") or _("unknown device"), "ip": params.get("ip") or "?"}
            + "\n\n"
            + _freeze_paragraph(customer),
        )
    if kind == "locked":
        return Text(
            _("Your account was locked"),
            _(
                "Your account was locked after several wrong passwords. If you are trying "
                "to sign in, reset your password to unlock it now."
            )
            + "\n\n"
            + _freeze_paragraph(customer),
        )
    if kind == "security_change":
        return Text(
            _("A security setting of your account changed"),
            _("Change: %(what)s.") % {"what": CHANGES.get(params.get("what", ""), "")}
            + "\n\n"
            + _freeze_paragraph(customer),
        )
    if kind == "frozen":
        return Text(
            _("Your account is frozen"),
            _(
                "Your account is frozen: nobody can sign in or withdraw, and every session was "
                "ended. Contact support through an official channel to unfreeze it."
            ),
        )
    raise ValueError(f"unknown message kind {kind!r}")


def render_email(customer: Customer, kind: str, params: dict[str, Any]) -> Text:
    with translation.override(customer.language):
        text = _compose(customer, kind, params)
        platform = _platform(customer.language)
        anti_phishing = _anti_phishing_line(customer)
        head = f"{anti_phishing}\n\n" if anti_phishing else ""
        footer = _("— %(platform)s security team") % {"platform": platform}
        body = f"{head}{text.body}\n\n{footer}\n"
        return Text(f"[{platform}] {text.subject}", body)


def render_sms(customer: Customer, kind: str, params: dict[str, Any]) -> str:
    with translation.override(customer.language):
        text = _compose(customer, kind, params)
        prefix = f"【{_platform(customer.language)}】"
        code_line = _anti_phishing_line(customer)
        return f"{prefix}{code_line + ' ' if code_line else ''}{text.body}"
