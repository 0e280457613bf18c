"""Demo data for the desk: called by the lead's ``seed_demo`` command. Idempotent."""

from __future__ import annotations

from typing import TypedDict

from django.contrib.auth.models import User
from django.db import transaction

from kefu.core.models import BusinessCalendar
from kefu.desk.models import (
    AgentProfile,
    CannedResponse,
    Conversation,
    Label,
    Presence,
    Role,
    SlaPolicy,
    Team,
)
from kefu.desk.otp.services import totp_demo_device
from kefu.desk.services.conversations import conversation_open
from kefu.desk.services.customers import identity_add, visitor_create
from kefu.desk.services.messages import message_post

CANNED = [
    ("greeting", "问候", "Greeting",
     "{customer_name}您好，我是{agent_name}，很高兴为您服务。请问有什么可以帮您？",
     "Hello {customer_name}, this is {agent_name}. How can I help you today?"),
    ("withdrawal-pending", "提现处理中", "Withdrawal pending",
     "{customer_name}您好，您的提现正在区块链上确认，通常需要 10–30 分钟。我们会继续跟进。",
     "Hello {customer_name}, your withdrawal is being confirmed on chain; this usually takes "
     "10–30 minutes. We will keep following it."),
    ("never-share", "安全提醒", "Safety reminder",
     "提醒：{platform_name}客服绝不会向您索要密码、短信验证码、二次验证码、助记词或私钥。",
     "Reminder: {platform_name} support will never ask for your password, SMS or 2FA codes, "
     "seed phrase or private keys."),
]

DEMO_CONVERSATIONS = [
    ("王小明", "zh-hans", "withdrawal", "USDT 提现一直显示处理中",
     "我昨天提现了 500 USDT（TRC20），到现在还显示处理中，请帮忙看看。"),
    ("李娜", "zh-hans", "account_access", "账户被锁定了",
     "我输错密码几次后账户被锁定了，收不到短信验证码，怎么办？"),
    ("Alex Chen", "en", "deposit", "Deposit not credited",
     "I sent 0.05 ETH to my deposit address two hours ago and it is not in my balance."),
    ("陈静", "zh-hans", "security", "收到陌生登录提醒",
     "刚收到一封邮件说我的账户在陌生设备登录，不是我本人操作！"),
]


class DemoDesk(TypedDict):
    conversations: int
    canned_responses: int
    # Agent accounts need TOTP: the demo banner prints codes from these secrets.
    totp_secrets: dict[str, str]


@transaction.atomic
def seed_demo_desk(agent_username: str = "agent") -> DemoDesk:
    calendar = BusinessCalendar.objects.filter(name="Live support (UTC+8)").first()
    team, _ = Team.objects.get_or_create(
        slug="support",
        defaults={"name_zh_hans": "客服部", "name_en": "Support", "is_default": True,
                  "calendar": calendar},
    )
    Team.objects.get_or_create(
        slug="security", defaults={"name_zh_hans": "安全团队", "name_en": "Security"}
    )
    secrets: dict[str, str] = {}
    for username, role, name in ((agent_username, Role.AGENT, "小安 Ann"),
                                 ("admin", Role.ADMIN, "管理员 Admin")):
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        profile, _ = AgentProfile.objects.get_or_create(
            user=user, defaults={"display_name": name, "role": role,
                                 "presence": Presence.ONLINE},
        )
        profile.teams.add(team)
        secrets[username] = totp_demo_device(user=user)
    for shortcut, tzh, ten, bzh, ben in CANNED:
        CannedResponse.objects.get_or_create(
            shortcut=shortcut,
            defaults={"title_zh_hans": tzh, "title_en": ten, "body_zh_hans": bzh, "body_en": ben},
        )
    Label.objects.get_or_create(slug="vip", defaults={"name_zh_hans": "VIP", "name_en": "VIP"})
    SlaPolicy.objects.get_or_create(
        name="Default", defaults={"first_response_minutes": 60, "next_response_minutes": 120,
                                  "resolution_minutes": 24 * 60},
    )
    SlaPolicy.objects.get_or_create(
        name="Security", category="security",
        defaults={"first_response_minutes": 15, "next_response_minutes": 30,
                  "resolution_minutes": 4 * 60},
    )
    created = 0
    if not Conversation.objects.filter(context__demo=True).exists():
        for index, (name, language, category, subject, text) in enumerate(DEMO_CONVERSATIONS):
            customer = visitor_create(display_name=name, language=language)
            identity_add(customer=customer, kind="email",
                         address=f"demo{index + 1}@example.com")
            conversation = conversation_open(
                customer=customer, channel="web", category=category, subject=subject,
                context={"demo": True}, team=team, language=language,
            )
            message_post(conversation_id=conversation.pk, kind="customer", body=text,
                         author_customer=customer, client_msg_id=f"demo-{index}")
            created += 1
    return {"conversations": created, "canned_responses": CannedResponse.objects.count(),
            "totp_secrets": secrets}
