"""Official contact channels and the identifiers that prove a channel is the platform's."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.core.i18n import Bilingual
from kefu.core.models import BusinessCalendar


class ChannelKind(models.TextChoices):
    WEB_CHAT = "web_chat", _("Website live chat")
    APP_CHAT = "app_chat", _("In-app chat")
    EMAIL = "email", _("Support email")
    TELEGRAM = "telegram", _("Telegram")
    X = "x", _("X (Twitter)")
    FACEBOOK = "facebook", _("Facebook")
    HOTLINE = "hotline", _("Hotline")


class ContactChannel(Bilingual, models.Model):
    key = models.SlugField(
        _("key"), max_length=60, unique=True, help_text=_("Stable identifier used by imports.")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ChannelKind.choices)
    name_zh_hans = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    handle = models.CharField(
        _("address shown"),
        max_length=200,
        help_text=_("What customers see: @handle, e-mail address or phone number."),
    )
    url = models.CharField(
        _("link"),
        max_length=200,
        blank=True,
        validators=[
            RegexValidator(
                r"^(https://|http://|mailto:|tel:)\S+$",
                _("Enter a link starting with https://, mailto: or tel:."),
            )
        ],
    )
    extra_identifiers = models.TextField(
        _("other official identifiers"),
        blank=True,
        help_text=_("One per line: other handles, links or numbers of this same channel."),
    )
    description_zh_hans = models.CharField(_("description (Chinese)"), max_length=300, blank=True)
    description_en = models.CharField(_("description (English)"), max_length=300, blank=True)
    calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contact_channels",
        verbose_name=_("working hours"),
        help_text=_("Leave empty for a channel that is never staffed live (answers later)."),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("shown on the contact page"), default=True)

    class Meta:
        verbose_name = _("contact channel")
        verbose_name_plural = _("contact channels")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.handle}"


class OfficialDomain(models.Model):
    """A web or e-mail domain the platform owns (links and senders are checked against it)."""

    domain = models.CharField(_("domain"), max_length=253, unique=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("official domain")
        verbose_name_plural = _("official domains")
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain
