"""Forms of the wallet pages. They only shape input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.exchange.wallet.models import Asset, Network
from kefu.exchange.wallet.selectors import STATUS_GROUPS

STATUS_LABELS = {
    "in_progress": _("In progress"),
    "completed": _("Completed"),
    "failed": _("Failed"),
    "cancelled": _("Cancelled"),
}


class RecordFilterForm(forms.Form):
    asset = forms.ChoiceField(label=_("Asset"), required=False)
    kind = forms.ChoiceField(label=_("Type"), required=False, choices=[
        ("", _("All types")), ("deposit", _("Deposits")), ("withdrawal", _("Withdrawals"))])
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[
        ("", _("All statuses")), *[(key, STATUS_LABELS[key]) for key in STATUS_GROUPS]])
    date_from = forms.DateField(label=_("From"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        codes = Asset.objects.values_list("code", flat=True)
        self.fields["asset"].choices = [("", _("All assets")), *[(c, c) for c in codes]]  # type: ignore[attr-defined]


def network_choices() -> list[tuple[int, str]]:
    return [(n.pk, f"{n.asset.code} · {n.display_name}")
            for n in Network.objects.select_related("asset")]


class WithdrawForm(forms.Form):
    network = forms.TypedChoiceField(label=_("Asset and network"), coerce=int)
    address = forms.CharField(label=_("Destination address"), max_length=200, strip=False,
                              widget=forms.TextInput(attrs={
                                  "autocomplete": "off", "spellcheck": "false",
                                  "autocapitalize": "off", "class": "mono"}))
    memo = forms.CharField(label=_("Memo / tag"), required=False, max_length=100, strip=False,
                           help_text=_("Only for networks that need one, such as XRP."))
    amount = forms.CharField(label=_("Amount"), max_length=60, strip=False,
                             widget=forms.TextInput(attrs={"inputmode": "decimal",
                                                           "autocomplete": "off"}))
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["network"].choices = network_choices()  # type: ignore[attr-defined]


class CodeForm(forms.Form):
    code = forms.CharField(label=_("2FA code"), max_length=20, widget=forms.TextInput(attrs={
        "autocomplete": "one-time-code", "inputmode": "numeric"}))


class ResubmitForm(forms.Form):
    address = forms.CharField(label=_("Corrected address"), max_length=200, strip=False,
                              widget=forms.TextInput(attrs={"autocomplete": "off",
                                                            "spellcheck": "false",
                                                            "class": "mono"}))
    memo = forms.CharField(label=_("Memo / tag"), required=False, max_length=100, strip=False)
    code = forms.CharField(label=_("2FA code"), max_length=20, widget=forms.TextInput(attrs={
        "autocomplete": "one-time-code", "inputmode": "numeric"}))


class AddressForm(forms.Form):
    network = forms.TypedChoiceField(label=_("Asset and network"), coerce=int)
    label = forms.CharField(label=_("Name"), max_length=40)
    address = forms.CharField(label=_("Address"), max_length=200, strip=False)
    memo = forms.CharField(label=_("Memo / tag"), required=False, max_length=100, strip=False)
    code = forms.CharField(label=_("2FA code"), max_length=20)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["network"].choices = network_choices()  # type: ignore[attr-defined]
