"""Input validation for the console's forms; the services do the rest."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.desk.models import MAX_MESSAGE_CHARS, Category


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
