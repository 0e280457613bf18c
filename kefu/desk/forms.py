"""Input validation for the console's forms; the services do the rest."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.desk.models import MAX_MESSAGE_CHARS, Category
from kefu.desk.services.requests import DESCRIPTION_MAX_CHARS


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Reply"), max_length=MAX_MESSAGE_CHARS, strip=True,
        widget=forms.Textarea(attrs={"rows": 4, "id": "reply-body"}),
        error_messages={
            "max_length": _("The message is too long (at most %(limit_value)d characters).")
        },
    )
    kind = forms.ChoiceField(
        choices=[("agent", _("Reply to customer")), ("note", _("Private note"))],
        initial="agent",
        widget=forms.RadioSelect,
    )
    client_msg_id = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)
    # Checked by content in kefu.desk.services.attachments; `accept` only helps the picker.
    attachment = forms.FileField(
        label=_("Attach a file"), required=False,
        widget=forms.ClearableFileInput(attrs={
            "accept": "image/png,image/jpeg,image/webp,image/gif,application/pdf",
        }),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("attachment") and data.get("kind") == "note":
            raise forms.ValidationError(_("Files can be sent with replies to the customer only."))
        return data


class EditForm(forms.Form):
    body = forms.CharField(max_length=MAX_MESSAGE_CHARS, strip=True)


class AssignForm(forms.Form):
    assignee = forms.IntegerField(required=False, min_value=1)
    expected = forms.IntegerField(required=False, min_value=1)


class TransferForm(forms.Form):
    team = forms.IntegerField(min_value=1)


class StatusForm(forms.Form):
    action = forms.ChoiceField(
        choices=[(a, a) for a in ("wait", "snooze", "resolve", "reopen", "close")]
    )
    snooze_hours = forms.IntegerField(required=False, min_value=1, max_value=24 * 30)


class CategoryForm(forms.Form):
    category = forms.ChoiceField(choices=Category.choices)


class RevealForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), min_length=3, max_length=300, strip=True)


class PresenceForm(forms.Form):
    presence = forms.ChoiceField(
        choices=[("online", "online"), ("away", "away"), ("offline", "offline")]
    )


class LabelForm(forms.Form):
    label = forms.IntegerField(min_value=1)
    op = forms.ChoiceField(choices=[("add", "add"), ("remove", "remove")])


class NewRequestForm(forms.Form):
    """The customer's "New request" form. ``record`` is checked by the service, not here:
    only the gateway knows whose withdrawal or event it is."""

    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    record = forms.CharField(label=_("Which one is it about?"), required=False, max_length=150)
    description = forms.CharField(
        label=_("Describe the problem"), max_length=DESCRIPTION_MAX_CHARS, strip=True,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "max_length": _("The description is too long (at most %(limit_value)d characters).")
        },
    )
    email = forms.EmailField(label=_("Email for our reply"), required=False, max_length=254)
    nonce = forms.RegexField(regex=r"^[A-Za-z0-9_-]{16,64}$", widget=forms.HiddenInput)

    def __init__(self, *args: object, anonymous: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["email"].required = anonymous
        if anonymous:
            del self.fields["record"]
