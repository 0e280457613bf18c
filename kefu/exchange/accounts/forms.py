"""Input checks for the account pages; errors in the visitor's language."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from kefu.exchange.accounts.identifiers import normalize_email, normalize_phone, parse_identifier

MAX_PASSWORD = 128


class IdentifierField(forms.CharField):
    """An email address or a phone number; cleaned to (kind, normalised value)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Email or phone number"))
        kwargs.setdefault("max_length", 254)
        super().__init__(**kwargs)
        self.widget.attrs.update({"autocomplete": "username", "inputmode": "email"})

    def clean(self, value: Any) -> str:
        text: str = super().clean(value)
        if "@" not in text and not re.fullmatch(r"[\d\s+()\-.]{5,32}", text):
            raise ValidationError(
                _("Enter an email address or a phone number with country code, e.g. +86."),
                code="invalid_identifier",
            )
        return parse_identifier(text)[1]


def _password_field(label: StrOrPromise, autocomplete: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=MAX_PASSWORD,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


class NewPasswordMixin(forms.Form):
    password = _password_field(_("New password"), "new-password")
    password2 = _password_field(_("Repeat the password"), "new-password")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password, again = data.get("password"), data.get("password2")
        if password and again and password != again:
            self.add_error("password2", _("The two passwords differ."))
        elif password:
            try:
                validate_password(password)
            except ValidationError as exc:
                self.add_error("password", exc)
        return data


class SignUpForm(NewPasswordMixin):
    identifier = IdentifierField()
    field_order = ["identifier", "password", "password2"]


class LoginForm(forms.Form):
    identifier = IdentifierField()
    password = _password_field(_("Password"), "current-password")


def _code_field(label: StrOrPromise = "", max_length: int = 12) -> forms.CharField:
    return forms.CharField(
        label=label or _("Code"),
        max_length=max_length,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class SecondFactorForm(forms.Form):
    code = _code_field(_("Code from your authenticator app, SMS, or a backup code"))


class ResetRequestForm(forms.Form):
    identifier = IdentifierField()


class ResetConfirmForm(NewPasswordMixin):
    code = _code_field(_("The 6-digit code we sent you"), 6)
    field_order = ["code", "password", "password2"]

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"].strip()
        if not re.fullmatch(r"\d{6}", code):
            raise ValidationError(_("The code has 6 digits."), code="invalid_code")
        return code


class TotpConfirmForm(forms.Form):
    code = _code_field(_("6-digit code shown by the app"), 6)


class AntiPhishingForm(forms.Form):
    value = forms.CharField(
        label=_("Your anti-phishing code"),
        min_length=4,
        max_length=20,
        help_text=_("4 to 20 letters or digits, something only you would choose."),
    )
    code = _code_field(_("2FA code"))

    def clean_value(self) -> str:
        value: str = self.cleaned_data["value"].strip()
        if not re.fullmatch(r"[A-Za-z0-9\u4e00-\u9fff]{4,20}", value):
            raise ValidationError(
                _("Use only letters, digits or Chinese characters."), code="invalid_value"
            )
        return value


class SmsCodeForm(forms.Form):
    code = _code_field(_("The 6-digit code we texted you"), 6)


class _SensitiveForm(forms.Form):
    """Current password (where asked) and a second factor (dropped when 2FA is off)."""

    current_password = _password_field(_("Current password"), "current-password")
    code = _code_field(_("2FA code: authenticator app, backup code or SMS code"), 16)

    def __init__(self, *args: Any, two_factor: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not two_factor:
            del self.fields["code"]


class PasswordChangeForm(NewPasswordMixin, _SensitiveForm):
    field_order = ["current_password", "password", "password2", "code"]


class EmailChangeForm(_SensitiveForm):
    new_email = forms.CharField(
        label=_("New email address"), max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    field_order = ["new_email", "current_password", "code"]

    def clean_new_email(self) -> str:
        return normalize_email(self.cleaned_data["new_email"])


class PhoneChangeForm(_SensitiveForm):
    new_phone = forms.CharField(
        label=_("New phone number, with country code"), max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    field_order = ["new_phone", "current_password", "code"]

    def clean_new_phone(self) -> str:
        return normalize_phone(self.cleaned_data["new_phone"])


class SmsOffForm(_SensitiveForm):
    pass


class ConfirmAddressForm(forms.Form):
    code = _code_field(_("The 6-digit code we sent to the new address"), 6)

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"].strip()
        if not re.fullmatch(r"\d{6}", code):
            raise ValidationError(_("The code has 6 digits."), code="invalid_code")
        return code
