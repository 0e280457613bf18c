"""The "is this channel really official?" check (kefu.helpcenter.contact.verify_identifier)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils.translation import override

from kefu.helpcenter.contact import parse_identifier, skeleton, verify_identifier
from kefu.helpcenter.models import ChannelKind, ContactChannel, OfficialDomain


def channel(key: str, kind: str, handle: str, url: str = "", extra: str = "") -> ContactChannel:
    return ContactChannel.objects.create(
        key=key,
        kind=kind,
        name_zh_hans=f"{key} 官方",
        name_en=f"Official {key}",
        handle=handle,
        url=url,
        extra_identifiers=extra,
    )


@pytest.fixture
def official(db: None) -> None:
    """The demo exchange's channels (see demo_content/contact.yaml)."""
    channel(
        "web-chat",
        ChannelKind.WEB_CHAT,
        "help.demo-exchange.example",
        "https://help.demo-exchange.example/help/contact/",
        "https://help.demo-exchange.example\nhttps://www.demo-exchange.example",
    )
    channel(
        "app-chat",
        ChannelKind.APP_CHAT,
        "示例交易所 App / Demo Exchange app",
        "https://www.demo-exchange.example/download",
    )
    channel(
        "email",
        ChannelKind.EMAIL,
        "support@demo-exchange.example",
        "mailto:support@demo-exchange.example",
    )
    channel(
        "telegram",
        ChannelKind.TELEGRAM,
        "@DemoExchangeSupport",
        "https://t.me/DemoExchangeSupport",
        "t.me/DemoExchangeSupport\n@DemoExchangeSupport\nhttps://telegram.me/DemoExchangeSupport",
    )
    channel(
        "x",
        ChannelKind.X,
        "@DemoExchangeHelp",
        "https://x.com/DemoExchangeHelp",
        "twitter.com/DemoExchangeHelp",
    )
    channel(
        "facebook",
        ChannelKind.FACEBOOK,
        "DemoExchangeOfficial",
        "https://www.facebook.com/DemoExchangeOfficial",
    )
    channel("hotline-cn", ChannelKind.HOTLINE, "+86 400-800-1234", extra="4008001234")
    channel("hotline-intl", ChannelKind.HOTLINE, "+852 3001 2345")
    retired = channel("retired", ChannelKind.TELEGRAM, "@DemoExchangeOld")
    retired.is_active = False
    retired.save()
    for domain in ("demo-exchange.example", "www.demo-exchange.example"):
        OfficialDomain.objects.create(domain=domain)


OFFICIAL_CHANNELS = [
    ("@DemoExchangeSupport", "telegram"),
    ("demoexchangesupport", "telegram"),
    ("  @DemoExchangeSupport\u200b  ", "telegram"),  # zero-width space from a copy-paste
    ("＠ＤｅｍｏＥｘｃｈａｎｇｅＳｕｐｐｏｒｔ", "telegram"),  # full-width, NFKC folds it
    ("https://t.me/DemoExchangeSupport", "telegram"),
    ("t.me/DemoExchangeSupport", "telegram"),
    ("https://t.me/s/DemoExchangeSupport", "telegram"),
    ("telegram.me/demoexchangesupport/", "telegram"),
    ("tg://resolve?domain=DemoExchangeSupport", "telegram"),
    ("@DemoExchangeHelp", "x"),
    ("https://x.com/DemoExchangeHelp", "x"),
    ("https://twitter.com/DemoExchangeHelp/status/1234567890", "x"),
    ("mobile.twitter.com/demoexchangehelp", "x"),
    ("https://www.facebook.com/DemoExchangeOfficial", "facebook"),
    ("fb.com/DemoExchangeOfficial", "facebook"),
    ("DemoExchangeOfficial", "facebook"),
    ("support@demo-exchange.example", "email"),
    ("SUPPORT@Demo-Exchange.Example", "email"),
    ("mailto:support@demo-exchange.example", "email"),
    ("+86 400-800-1234", "hotline-cn"),
    ("400 800 1234", "hotline-cn"),
    ("0086 400 800 1234", "hotline-cn"),
    ("tel:+864008001234", "hotline-cn"),
    ("+852 3001 2345", "hotline-intl"),
    ("3001-2345", "hotline-intl"),
    ("(852) 3001 2345", "hotline-intl"),
    ("https://help.demo-exchange.example/help/contact/", "web-chat"),
]


@pytest.mark.parametrize(("value", "key"), OFFICIAL_CHANNELS)
def test_official_channels(official: None, value: str, key: str) -> None:
    result = verify_identifier(value)
    assert result.status == "official", result
    assert result.is_official
    assert result.channel is not None
    assert result.channel.key == key


OFFICIAL_DOMAINS = [
    ("demo-exchange.example", "demo-exchange.example"),
    ("https://www.demo-exchange.example/download?ref=1", "www.demo-exchange.example"),
    ("https://login.demo-exchange.example/path", "demo-exchange.example"),
    ("HTTPS://Deep.Sub.Demo-Exchange.Example.", "demo-exchange.example"),
    ("help.demo-exchange.example/articles/reset-password", "demo-exchange.example"),
    ("noreply@demo-exchange.example", "demo-exchange.example"),
    ("notice@mail.demo-exchange.example", "demo-exchange.example"),
]


@pytest.mark.parametrize(("value", "domain"), OFFICIAL_DOMAINS)
def test_official_domains(official: None, value: str, domain: str) -> None:
    result = verify_identifier(value)
    assert (result.status, result.domain) == ("official", domain), result


NOT_OFFICIAL = [
    "@binance",
    "@someone_else",
    "https://t.me/SomeoneElse",
    "https://x.com/home",
    "https://google.com",
    "example.org",
    "random.person@gmail.com",
    "+1 555 0100 999",
    "13800138000",
    "hello world 你好",
    "@exchange_news",
    "@demo",
    "demo.example.org",
    "https://t.me/",
]


@pytest.mark.parametrize("value", NOT_OFFICIAL)
def test_not_official(official: None, value: str) -> None:
    result = verify_identifier(value)
    assert result.status == "not_official", result
    assert result.channel is None


LOOKALIKES = [
    "@DemoExchangeSupport_official",
    "@DemoExchangeSupport2",
    "@Real_DemoExchangeSupport",
    "t.me/DemoExchange_Support",
    "@DemoExchangeSupp0rt",  # 0 for o
    "@DernoExchangeSupport",  # rn for m
    "@DemoExchangeHe1p",  # 1 for l
    "@DemoExchangeHeIp",  # capital I for l
    "@DemoExchangeSuport",  # one letter missing
    "@DеmoExchangeSupport",  # Cyrillic е
    "https://x.com/DemoExchangeSupport",  # our Telegram name, but nobody we know on X
    "https://t.me/DemoExchangeHelp",  # our X name on Telegram
    "facebook.com/DemoExchangeOfficial.Support",
    "@DemoExchange",
    "@DemoExchangeOld",  # a retired (inactive) channel is no longer ours, but uses our name
    "https://demo-exchange.example.com.evil/login",
    "https://demo-exchange-support.example",
    "https://demoexchange.example",
    "http://dem0-exchange.example",
    "https://help-demo-exchange.example/verify",
    "https://dеmo-exchange.example",  # Cyrillic е, IDN
    "https://xn--dmo-exchange-sck.example",  # the same, as punycode
    "https://demo-exchange.example@evil.test/",  # user-info trick
    "support@demo-exchange.example.evil",
    "support@dem0-exchange.example",
    "demoexchange.support@gmail.com",
    "DemoExchangeSupport@outlook.example",
    "+86 400-800-1235",
    "+852 3001 2346",
]


@pytest.mark.parametrize("value", LOOKALIKES)
def test_lookalikes(official: None, value: str) -> None:
    result = verify_identifier(value)
    assert result.status == "lookalike", result
    assert result.is_lookalike
    assert result.channel is None
    assert result.similar_to


MALICIOUS = [
    "",
    "   ",
    "\u200b",
    "@",
    "+",
    "..",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.cookie)",
    " javascript:alert('https://t.me/DemoExchangeSupport')",
    "data:text/html,<script>alert(1)</script>",
    "file:///etc/passwd",
    "vbscript:msgbox",
    "<script>alert(1)</script>",
    "mailto:",
    "tel:",
    "tg://resolve",
    "tg://[",
    "http://[::1",
    "https://",
    "http://%%%",
    "http://a..b",
    "http://" + "a" * 300 + ".com",
    "https://xn--",
    "https://xn--80ak6aa92e.com",
    "xn--zz.example",
    "https://例子.测试/",
    "😀" * 3000,
    "a" * 10_000,
    "@" + "demoexchangesupport" * 500,
    "https://t.me/" + "x" * 10_000,
    "a@" * 5000,
    "1" * 10_000,
    "\x00\x01\x02",
    "\ud800",  # a lone surrogate
    "https://t.me/DemoExchangeSupport\n" * 100,
]


@pytest.mark.parametrize("value", MALICIOUS)
def test_malicious_and_garbage_input_never_passes_or_crashes(official: None, value: str) -> None:
    result = verify_identifier(value)
    assert result.status in {"not_official", "lookalike"}
    assert result.message
    assert len(result.value) <= 80


@pytest.mark.parametrize("value", ["javascript:alert(1)", "data:text/html,x", "file:///etc"])
def test_script_links_are_called_out(official: None, value: str) -> None:
    result = verify_identifier(value)
    assert result.kind == "unsafe_link"
    with override("en"):
        assert verify_identifier(value).message == "This is not a normal web link. Do not open it."


def test_no_query_for_input_that_cannot_match(
    official: None, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(0):
        verify_identifier("javascript:alert(1)")
    with django_assert_num_queries(2):
        verify_identifier("@DemoExchangeSupport")


def test_messages_in_english(official: None) -> None:
    with override("en"):
        result = verify_identifier("@DemoExchangeSupport")
        assert result.message == "@DemoExchangeSupport is an official channel: Official telegram."
        assert result.channel_name == "Official telegram"
        assert result.advice == (
            "We never ask for your password, 2FA codes or seed phrase — not even on official "
            "channels.",
        )
        fake = verify_identifier("@DemoExchangeSupport_official")
        assert fake.message.startswith("@DemoExchangeSupport_official is NOT official.")
        assert "@DemoExchangeSupport" in fake.message
        assert any("Report impostors" in line for line in fake.advice)
        assert verify_identifier("@binance").message == (
            "@binance is not one of our official channels."
        )
        assert verify_identifier("noreply@demo-exchange.example").message == (
            "noreply@demo-exchange.example is an address on our official domain "
            "demo-exchange.example."
        )


def test_messages_in_chinese(official: None) -> None:
    with override("zh-hans"):
        assert verify_identifier("@DemoExchangeSupport").message == (
            "@DemoExchangeSupport 是官方渠道：telegram 官方。"
        )
        fake = verify_identifier("t.me/DemoExchange_Support")
        assert fake.message.startswith("t.me/DemoExchange_Support 不是官方渠道！")
        assert fake.advice[-1] == "请通过“联系我们”页面上的官方渠道向我们举报仿冒者。"
        assert "助记词" in fake.advice[1]
        assert verify_identifier("https://google.com").message == (
            "https://google.com 不是我们的官方渠道。"
        )
        assert verify_identifier("").message == "请输入要核实的账号、链接、邮箱地址或电话号码。"


def test_long_input_is_shortened_for_display(official: None) -> None:
    result = verify_identifier("@" + "x" * 500)
    assert result.value.endswith("…")
    assert len(result.value) == 80


@pytest.mark.parametrize(
    ("value", "kind", "normalized"),
    [
        ("@Name", "handle", "name"),
        ("https://t.me/joinchat/AbC", "telegram", "+abc"),
        ("https://www.facebook.com/profile.php?id=42", "facebook", "id:42"),
        ("MAILTO:A@B.Example?subject=hi", "email", "a@b.example"),
        ("+86 138-0013-8000", "phone", "13800138000"),
        ("010-1234 5678", "phone", "1012345678"),
        ("https://Example.COM/Path/", "link", "example.com/path"),
        ("example.com:8443/x", "link", "example.com/x"),
        ("https://例子.测试/", "link", "xn--fsqu00a.xn--0zwm56d"),
        ("what is this?", "unknown", "what is this?"),
    ],
)
def test_parse_identifier(value: str, kind: str, normalized: str) -> None:
    ident = parse_identifier(value)
    assert (ident.kind, ident.value) == (kind, normalized)


def test_skeleton_folds_lookalike_characters() -> None:
    assert skeleton("Dem0-Exchange_Supp1y") == skeleton("demoexchangesupply")
    assert skeleton("rnodern") == skeleton("modem")
    assert skeleton("dеmo") == skeleton("demo")  # Cyrillic е
    assert skeleton("binance") != skeleton("demo")
