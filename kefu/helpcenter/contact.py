"""Contact channels' live status, and the "is this channel really official?" check.

Both read the ContactChannel / OfficialDomain tables with a fixed number of queries and
return plain frozen dataclasses whose text is already in the active language, so
templates only read attributes.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal, NamedTuple
from urllib.parse import parse_qs, urlsplit

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.business_hours import (
    ChannelStatus,
    Schedule,
    SpecialDateRow,
    WeeklyRow,
    schedule_for,
    status_at,
    upcoming_special_dates,
    weekly_summary,
)
from kefu.core.i18n import current_language
from kefu.core.models import SpecialDate
from kefu.helpcenter.models import ChannelKind, ContactChannel, OfficialDomain

# --- live status ------------------------------------------------------------------------

SPECIAL_DATES_AHEAD_DAYS = 60


@dataclass(frozen=True)
class ChannelView:
    """One channel for the contact page, with text in the active language.

    ``is_open`` is None for channels without working hours (e-mail and the like, answered
    later); their ``status_label`` is the channel description.
    """

    channel: ContactChannel
    key: str
    kind: str
    kind_label: str
    name: str
    handle: str
    url: str
    description: str
    is_live: bool  # has working hours
    is_open: bool | None
    status: ChannelStatus | None
    status_label: str  # "Open now" / "Closed" / the description
    status_detail: str  # "until 21:00 (UTC+8)" / "Opens tomorrow at 09:00 (UTC+8)" / ""
    opens_at: datetime | None
    closes_at: datetime | None
    time_zone: str  # "Asia/Shanghai", "" without working hours
    utc_offset: str  # "UTC+8" at the moment shown, "" without working hours
    always_open: bool
    weekly_hours: tuple[WeeklyRow, ...]
    special_dates: tuple[SpecialDateRow, ...]


def _channels_with_calendars(today: date) -> list[ContactChannel]:
    # Past special dates never matter for "now"; local dates are at most a day behind the
    # UTC date ``today`` (UTC-12), so one day of slack covers every time zone.
    recent = SpecialDate.objects.filter(date__gte=today - timedelta(days=1))
    return list(
        ContactChannel.objects.filter(is_active=True)
        .select_related("calendar")
        .prefetch_related(
            "calendar__weekly_hours", Prefetch("calendar__special_dates", queryset=recent)
        )
        .order_by("position", "id")
    )


def channel_statuses(at: datetime | None = None) -> list[ChannelView]:
    """Active channels in display order with their status at ``at`` (default: now).

    Three queries whatever the number of channels.
    """
    moment = at if at is not None else timezone.now()
    language = current_language()
    schedules: dict[int, Schedule] = {}
    views: list[ChannelView] = []
    for channel in _channels_with_calendars(moment.astimezone(UTC).date()):
        calendar = channel.calendar
        schedule: Schedule | None = None
        if calendar is not None:
            if calendar.pk not in schedules:
                schedules[calendar.pk] = schedule_for(calendar)
            schedule = schedules[calendar.pk]
        views.append(_channel_view(channel, schedule, moment, language))
    return views


def _channel_view(
    channel: ContactChannel, schedule: Schedule | None, moment: datetime, language: str
) -> ChannelView:
    description = channel.tr("description", language)
    status = status_at(schedule, moment, language) if schedule is not None else None
    return ChannelView(
        channel=channel,
        key=channel.key,
        kind=channel.kind,
        kind_label=str(channel.get_kind_display()),
        name=channel.tr("name", language),
        handle=channel.handle,
        url=channel.url,
        description=description,
        is_live=schedule is not None,
        is_open=status.is_open if status else None,
        status=status,
        status_label=status.label if status else description,
        status_detail=status.detail if status else "",
        opens_at=status.opens_at if status else None,
        closes_at=status.closes_at if status else None,
        time_zone=channel.calendar.time_zone if channel.calendar else "",
        utc_offset=status.utc_offset if status else "",
        always_open=schedule.always_open if schedule else False,
        weekly_hours=tuple(weekly_summary(schedule, language)) if schedule else (),
        special_dates=tuple(
            upcoming_special_dates(
                schedule, moment, days=SPECIAL_DATES_AHEAD_DAYS, language=language
            )
        )
        if schedule
        else (),
    )


# --- official-channel check --------------------------------------------------------------

VerifyStatus = Literal["official", "not_official", "lookalike"]

# Longer input cannot be an identifier; cutting it keeps every step below cheap.
MAX_INPUT_CHARS = 2000
SIMILARITY_THRESHOLD = 0.8
# difflib is quadratic: only strings of handle/domain length are compared by ratio.
MAX_RATIO_CHARS = 120
MIN_BRAND_CHARS = 4

TELEGRAM, X, FACEBOOK = (
    ChannelKind.TELEGRAM.value,
    ChannelKind.X.value,
    ChannelKind.FACEBOOK.value,
)
SOCIAL_KINDS = frozenset({TELEGRAM, X, FACEBOOK})
TELEGRAM_HOSTS = frozenset({"t.me", "telegram.me", "telegram.dog"})
X_HOSTS = frozenset({"x.com", "twitter.com", "mobile.twitter.com", "mobile.x.com"})
FACEBOOK_HOSTS = frozenset(
    {"facebook.com", "fb.com", "m.facebook.com", "fb.me", "web.facebook.com"}
)
X_RESERVED_PATHS = frozenset(
    {"i", "home", "intent", "share", "search", "hashtag", "explore", "settings", "messages"}
)
GENERIC_SECOND_LEVEL = frozenset({"com", "net", "org", "co", "gov", "edu", "ac", "www"})

_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
_EMAIL = re.compile(r"^[^@\s/:]+@([^@\s/:]+\.[^@\s/:]+)$")
_PHONE = re.compile(r"^[+()\d\s.\-]+$")
_HOSTLIKE = re.compile(r"^[^\s/@]+\.[^\s/@.]{2,}(?:[/?#:]|$)")
_HANDLE = re.compile(r"^[\w.]{1,64}$")

# Letters that look alike in a browser's address bar or a chat app's name field.
_CONFUSABLES = str.maketrans(
    {
        "0": "o", "1": "l", "i": "l", "|": "l", "!": "l",
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "і": "l", "ї": "l", "ј": "j",
        "ѕ": "s", "ԁ": "d", "ӏ": "l", "ɡ": "g", "ɩ": "l",
        "α": "a", "β": "b", "ε": "e", "ι": "l", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
        "τ": "t", "υ": "u", "χ": "x",
        "_": None, "-": None, ".": None, " ": None,
    }
)  # fmt: skip


class Identifier(NamedTuple):
    """A parsed identifier: ``kind`` is a ChannelKind social kind, "handle" (platform
    unknown), "email", "phone", "link", "unsafe_link", "unknown" or "empty"."""

    kind: str
    value: str  # handle without @, e-mail address, phone key, host[/path], or text
    host: str = ""  # links and e-mails: ASCII (punycode) host
    display_host: str = ""  # links and e-mails: host as Unicode, for look-alike checks
    raw_netloc: str = ""  # links: everything between // and the path (user@host:port)


@dataclass(frozen=True)
class VerifyResult:
    value: str  # the input as checked, shortened for display
    status: VerifyStatus
    kind: str  # see Identifier.kind
    normalized: str
    channel: ContactChannel | None  # the matching official channel
    channel_name: str
    domain: str  # official domain matched (official) or imitated (lookalike), else ""
    similar_to: str  # the official identifier a look-alike imitates, else ""
    message: str
    advice: tuple[str, ...]

    @property
    def is_official(self) -> bool:
        return self.status == "official"

    @property
    def is_lookalike(self) -> bool:
        return self.status == "lookalike"


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text[:MAX_INPUT_CHARS])
    # Zero-width and control characters are invisible copy-paste debris, never part of
    # a handle or address.
    text = "".join(ch for ch in text if unicodedata.category(ch) not in {"Cf", "Cc"})
    return text.strip().strip("\"'<>“”‘’「」").strip().casefold()


def skeleton(text: str) -> str:
    """Fold look-alike characters together: "DemoExchange" == "dem0-exchange" == "dеmo…"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.translate(_CONFUSABLES).replace("rn", "m").replace("vv", "w")


def _phone_key(digits: str) -> str:
    """National number: no international prefix, +86/+852 country code or trunk 0."""
    if digits.startswith("00"):
        digits = digits[2:]
    if digits.startswith("852") and len(digits) == 11:
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) >= 11:
        digits = digits[2:]
    return digits.lstrip("0")


def _hosts(netloc_host: str) -> tuple[str, str]:
    """(ASCII host, Unicode host) for a host as typed; punycode either way round."""
    host = netloc_host.strip(".")
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        ascii_host = host
    labels = []
    for label in ascii_host.split("."):
        try:
            labels.append(
                label.encode("ascii").decode("idna") if label.startswith("xn--") else label
            )
        except UnicodeError:
            labels.append(label)
    return ascii_host, ".".join(labels)


def _strip_prefix(host: str) -> str:
    for prefix in ("www.", "m.", "mobile."):
        if host.startswith(prefix):
            return host[len(prefix) :]
    return host


def _parse_url(text: str) -> Identifier:
    try:
        parts = urlsplit(text if "://" in text else f"https://{text}")
        hostname = parts.hostname or ""
    except ValueError:
        return Identifier("unknown", text[:200])
    if parts.scheme not in {"http", "https"} or not hostname:
        return Identifier("unsafe_link", text[:200])
    host, display_host = _hosts(hostname)
    segments = [seg for seg in parts.path.split("/") if seg]
    site = _strip_prefix(host)
    social = _social_handle(site, segments, parts.query)
    if social is not None:
        return Identifier(social[0], social[1], host, display_host, parts.netloc)
    path = "/".join(segments)
    value = f"{host}/{path}" if path else host
    return Identifier("link", value, host, display_host, parts.netloc)


def _social_handle(site: str, segments: list[str], query: str) -> tuple[str, str] | None:
    if not segments:
        return None
    first = segments[0]
    if site in TELEGRAM_HOSTS:
        if first == "s" and len(segments) > 1:
            return TELEGRAM, segments[1]
        if first == "joinchat" and len(segments) > 1:
            return TELEGRAM, "+" + segments[1]
        return TELEGRAM, first
    if site in X_HOSTS:
        return None if first in X_RESERVED_PATHS else (X, first)
    if site in FACEBOOK_HOSTS:
        if first == "profile.php":
            ids = parse_qs(query).get("id")
            return (FACEBOOK, f"id:{ids[0]}") if ids else None
        return FACEBOOK, first
    return None


def parse_identifier(text: str) -> Identifier:
    """Recognise what a customer pasted. Never raises."""
    value = _clean(text)
    if not value:
        return Identifier("empty", "")
    scheme_match = _SCHEME.match(value)
    scheme = scheme_match.group(1) if scheme_match else ""
    if scheme == "mailto":
        value = value.split(":", 1)[1].split("?", 1)[0].strip()
    elif scheme == "tel":
        value = value.split(":", 1)[1].strip()
    elif scheme == "tg":  # tg://resolve?domain=name, as Telegram's own links are written
        try:
            domain = parse_qs(urlsplit(value).query).get("domain")
        except ValueError:
            domain = None
        if domain:
            return Identifier(TELEGRAM, domain[0])
        return Identifier("unsafe_link", value[:200])
    elif scheme in {"http", "https"}:
        return _parse_url(value)
    elif scheme and "." not in scheme:
        # javascript:, data:, file: and friends; "example.com:8080" has a dot and is a host.
        return Identifier("unsafe_link", value[:200])
    if email := _EMAIL.match(value):
        host, display_host = _hosts(email.group(1))
        local = value.rsplit("@", 1)[0]
        return Identifier("email", f"{local}@{host}", host, display_host)
    if _PHONE.match(value):
        digits = re.sub(r"\D", "", value)
        if len(digits) >= 5:
            return Identifier("phone", _phone_key(digits))
    if _HOSTLIKE.match(value):
        return _parse_url(value)
    handle = value.removeprefix("@")
    if _HANDLE.match(handle):
        return Identifier("handle", handle)
    return Identifier("unknown", value[:200])


# --- official identifiers ------------------------------------------------------------------


class _Official(NamedTuple):
    channel: ContactChannel
    ident: Identifier

    @property
    def label(self) -> str:
        return self.channel.handle


@dataclass
class _Registry:
    identifiers: list[_Official]
    domains: list[str]  # official: the domain and its subdomains
    channel_hosts: list[str]  # official: exactly this host

    @classmethod
    def load(cls) -> _Registry:
        identifiers: list[_Official] = []
        hosts: list[str] = []
        for channel in ContactChannel.objects.filter(is_active=True).order_by("position", "id"):
            for ident in _channel_identifiers(channel):
                identifiers.append(_Official(channel, ident))
                if ident.kind == "link" and ident.host:
                    hosts.append(ident.host)
        domains = [_hosts(d)[0] for d in OfficialDomain.objects.values_list("domain", flat=True)]
        return cls(identifiers, domains, hosts)

    def of_kind(self, *kinds: str) -> Iterable[_Official]:
        return (item for item in self.identifiers if item.ident.kind in kinds)

    def official_domain(self, host: str) -> str | None:
        if host.startswith("xn--") or ".xn--" in host:
            return None  # an IDN never passes for one of our ASCII domains
        for domain in self.domains:
            if host == domain or host.endswith("." + domain):
                return domain
        return host if host in self.channel_hosts else None

    def brands(self) -> list[tuple[str, str]]:
        """(brand skeleton, domain) pairs: "demo-exchange.example" -> "demoexchange"."""
        found: list[tuple[str, str]] = []
        for domain in [*self.domains, *self.channel_hosts]:
            labels = [lb for lb in domain.split(".")[:-1] if lb not in GENERIC_SECOND_LEVEL]
            if labels:
                brand = skeleton(labels[-1])
                if len(brand) >= MIN_BRAND_CHARS and (brand, domain) not in found:
                    found.append((brand, domain))
        return found


def _channel_identifiers(channel: ContactChannel) -> list[Identifier]:
    lines = [channel.handle, channel.url, *channel.extra_identifiers.splitlines()]
    found: list[Identifier] = []
    for line in lines:
        ident = parse_identifier(line)
        if ident.kind in {"empty", "unsafe_link"}:
            continue
        if ident.kind == "handle" and channel.kind in SOCIAL_KINDS:
            ident = ident._replace(kind=channel.kind)  # "@Name" on the Telegram channel
        found.append(ident)
    return found


def _similar(candidate: str, official: str) -> bool:
    cand, off = skeleton(candidate), skeleton(official)
    if not cand or not off:
        return False
    if cand == off or (len(off) >= MIN_BRAND_CHARS and off in cand):
        return True  # homoglyph swap, or the official name with "_support", digits...
    if max(len(candidate), len(official)) > MAX_RATIO_CHARS:
        return False
    matcher = difflib.SequenceMatcher(None, candidate, official, autojunk=False)
    return matcher.real_quick_ratio() >= SIMILARITY_THRESHOLD and (
        matcher.ratio() >= SIMILARITY_THRESHOLD
    )


def _handle_imitates(registry: _Registry, handle: str) -> tuple[str, str] | None:
    """(official label, domain) that a handle or name imitates."""
    for item in registry.of_kind(*SOCIAL_KINDS, "handle"):
        if _similar(handle, item.ident.value):
            return item.label, ""
    for brand, domain in registry.brands():
        if len(skeleton(handle)) >= MIN_BRAND_CHARS and _similar(handle, brand):
            return domain, domain
    return None


def _domain_imitates(registry: _Registry, ident: Identifier) -> str | None:
    host_skeleton = skeleton(ident.display_host)
    for domain in [*registry.domains, *registry.channel_hosts]:
        if (
            domain in ident.host
            or domain in ident.raw_netloc  # https://demo-exchange.example@evil.test/
            or host_skeleton == skeleton(domain)
            or _similar(ident.display_host, domain)
        ):
            return domain
    for brand, domain in registry.brands():
        if brand in host_skeleton:
            return domain
    return None


class _Match(NamedTuple):
    status: VerifyStatus
    channel: ContactChannel | None = None
    domain: str = ""
    similar_to: str = ""


def _match(registry: _Registry, ident: Identifier) -> _Match:
    kind = ident.kind
    if kind in SOCIAL_KINDS or kind == "handle":
        kinds = (kind, "handle") if kind in SOCIAL_KINDS else (*SOCIAL_KINDS, "handle")
        for item in registry.of_kind(*kinds):
            if item.ident.value == ident.value:
                return _Match("official", channel=item.channel)
        if imitated := _handle_imitates(registry, ident.value):
            return _Match("lookalike", domain=imitated[1], similar_to=imitated[0])
        return _Match("not_official")
    if kind == "email":
        for item in registry.of_kind("email"):
            if item.ident.value == ident.value:
                return _Match("official", channel=item.channel)
        # Nobody else can send mail from our domain or its subdomains (we own the DNS).
        if domain := registry.official_domain(ident.host):
            return _Match("official", domain=domain)
        for item in registry.of_kind("email"):
            if _similar(ident.value, item.ident.value):
                return _Match("lookalike", similar_to=item.channel.handle)
        if domain := _domain_imitates(registry, ident):
            return _Match("lookalike", domain=domain, similar_to=domain)
        local = ident.value.rsplit("@", 1)[0]
        if imitated := _handle_imitates(registry, local):
            return _Match("lookalike", domain=imitated[1], similar_to=imitated[0])
        return _Match("not_official")
    if kind == "phone":
        for item in registry.of_kind("phone"):
            if item.ident.value == ident.value:
                return _Match("official", channel=item.channel)
        for item in registry.of_kind("phone"):
            official = item.ident.value
            if len(official) >= 7 and len(official) == len(ident.value):
                ratio = difflib.SequenceMatcher(None, ident.value, official).ratio()
                if ratio >= SIMILARITY_THRESHOLD:
                    return _Match("lookalike", similar_to=item.channel.handle)
        return _Match("not_official")
    if kind == "link":
        for item in registry.of_kind("link"):
            if item.ident.value == ident.value and registry.official_domain(ident.host):
                return _Match("official", channel=item.channel, domain=ident.host)
        if domain := registry.official_domain(ident.host):
            return _Match("official", domain=domain)
        if domain := _domain_imitates(registry, ident):
            return _Match("lookalike", domain=domain, similar_to=domain)
        return _Match("not_official")
    return _Match("not_official")


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join(text[:MAX_INPUT_CHARS].split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _message(ident: Identifier, match: _Match, shown: str) -> str:
    if ident.kind == "empty":
        return _("Enter an account name, link, e-mail address or phone number to check.")
    if ident.kind == "unsafe_link":
        return _("This is not a normal web link. Do not open it.")
    if match.status == "official":
        if match.channel is not None:
            return _("%(value)s is an official channel: %(channel)s.") % {
                "value": shown,
                "channel": match.channel.tr("name"),
            }
        if ident.kind == "email":
            return _("%(value)s is an address on our official domain %(domain)s.") % {
                "value": shown,
                "domain": match.domain,
            }
        return _("%(value)s is on our official domain %(domain)s.") % {
            "value": shown,
            "domain": match.domain,
        }
    if match.status == "lookalike":
        return _(
            "%(value)s is NOT official. It imitates our %(official)s — "
            "a trick impostors use to deceive people."
        ) % {"value": shown, "official": match.similar_to}
    if ident.kind == "unknown":
        return _(
            "We could not recognise this as an account, link, e-mail address or phone "
            "number, so it is not one of our official channels."
        )
    return _("%(value)s is not one of our official channels.") % {"value": shown}


def _advice(status: VerifyStatus) -> tuple[str, ...]:
    never_share = _(
        "We never ask for your password, 2FA codes or seed phrase — not even on official channels."
    )
    if status == "official":
        return (never_share,)
    return (
        _("Do not send money, codes or personal details to this contact."),
        never_share,
        _("Report impostors to us through one of the official channels on our contact page."),
    )


def verify_identifier(value: str) -> VerifyResult:
    """Is this handle, link, e-mail address or phone number one of ours?

    "lookalike" means not official *and* close to an official identifier: the typical
    impersonation (extra "_support", digits, 0 for o, a Cyrillic "е", our domain inside
    someone else's). Two queries; never raises on any input.
    """
    ident = parse_identifier(value)
    if ident.kind in {"empty", "unsafe_link", "unknown"}:
        match = _Match("not_official")
    else:
        match = _match(_Registry.load(), ident)
    shown = _shorten(value.strip())
    return VerifyResult(
        value=shown,
        status=match.status,
        kind=ident.kind,
        normalized=ident.value,
        channel=match.channel,
        channel_name=match.channel.tr("name") if match.channel is not None else "",
        domain=match.domain,
        similar_to=match.similar_to,
        message=_message(ident, match, shown),
        advice=_advice(match.status),
    )
