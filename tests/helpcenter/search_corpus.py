"""A small bilingual help center for the search tests (fixtures live in test_search.py)."""

from __future__ import annotations

from dataclasses import dataclass

from kefu.helpcenter.models import Article, ArticleStatus, Category

SYNONYMS = [
    "提现, 提币, 取款, 出金, withdraw, withdrawal, withdrawals, cash out",
    "充值, 充币, 入金, deposit, deposits, top up",
    "到账, 入账, 没到账, arrived, credited, received",
    "锁定, 冻结, 封号, 被锁, 被封, locked, frozen, lock, freeze, suspended, blocked",
    "2FA, 两步验证, 双重验证, 谷歌验证, 谷歌验证器, 身份验证器, authenticator, "
    "Google Authenticator, two-factor",
    "客服, 人工客服, 在线客服, support, customer service, agent",
    "助记词, 私钥, seed phrase, mnemonic, recovery phrase, private key",
    "账户, 账号, 帐号, 帐户, account",
    "防钓鱼码, 防伪码, anti-phishing code",
]


@dataclass(frozen=True)
class Doc:
    slug: str
    zh: tuple[str, str, str]  # title, summary, body
    en: tuple[str, str, str]
    keywords: str = ""
    status: str = ArticleStatus.PUBLISHED


CORPUS = [
    Doc(
        "account-locked",
        (
            "账户被锁定了怎么办？",
            "连续输错密码后账户会被临时锁定，本文说明原因和解锁方法。",
            "## 为什么会被锁定\n\n连续 **5 次**输错登录密码后，为保护资产，系统会暂时锁定登录。\n\n"
            "## 如何解锁\n\n1. 等待 2 小时后再试；\n"
            "2. 或通过[重置密码](article:reset-password)立即解锁。",
        ),
        (
            "My account is locked — what now?",
            "After several wrong passwords your account is locked for a while.",
            "## Why it happens\n\nAfter **5** wrong passwords in a row we pause sign-in to protect "
            "your funds.\n\n## How to get back in\n\n1. Wait two hours and try again;\n"
            "2. or [reset your password](article:reset-password).",
        ),
        keywords="登不上, cannot log in",
    ),
    Doc(
        "withdrawal-failed",
        (
            "提币失败怎么办？",
            "提币被退回或一直处理中时，请按本文逐项检查。",
            "提币失败最常见的原因：地址或网络选错、缺少备注（Memo）、低于最小提币数量、"
            "矿工费不足。请在区块浏览器中用交易哈希查询状态。",
        ),
        (
            "Why did my withdrawal fail?",
            "A withdrawal that is returned or stays pending: check these points.",
            "Most failures come from a wrong address or network, a missing memo, an amount "
            "below the minimum withdrawal amount, or a network fee that is too low. Look the "
            "transaction hash up in a block explorer.",
        ),
    ),
    Doc(
        "lost-2fa",
        (
            "谷歌验证器丢失或换手机怎么办？",
            "手机丢失或重装后无法获取两步验证码时，可以申请重置。",
            "如果您丢失了谷歌验证器（2FA），请先尝试使用备份密钥恢复。无法恢复时，提交身份资料申请重置，"
            "审核通过后 24 小时内可重新绑定。",
        ),
        (
            "Lost your authenticator app or changed phone?",
            "If you can no longer get two-factor codes, you can ask for a reset.",
            "If you lost your Google Authenticator (2FA) device, first try your backup key. "
            "Otherwise request a reset with your ID; after review you can bind a new device.",
        ),
    ),
    Doc(
        "contact-support",
        (
            "如何联系人工客服？",
            "在线客服 7×24 小时为您服务。",
            "点击页面右下角的对话按钮即可联系人工客服。客服不会通过私信主动联系您，也不会索要您的密码。",
        ),
        (
            "How to contact customer support",
            "Our live chat is staffed around the clock.",
            "Click the chat button at the bottom right of any page to reach an agent. Support "
            "staff never message you first and never ask for your password.",
        ),
    ),
    Doc(
        "deposit-not-credited",
        (
            "充值未到账怎么办？",
            "充值长时间没有到账时的排查步骤。",
            "充值需要达到网络确认数后才会入账。请核对充值地址与网络，并在区块浏览器中查询交易状态。",
        ),
        (
            "Deposit not credited yet",
            "What to check when a deposit has not arrived.",
            "Deposits are credited after enough network confirmations. Check the deposit "
            "address and network and look the transaction up in a block explorer.",
        ),
    ),
    Doc(
        "anti-phishing-code",
        (
            "设置防钓鱼码",
            "防钓鱼码会出现在所有官方邮件中，帮助您识别假冒邮件。",
            "在 安全设置 中设置防钓鱼码。之后所有官方邮件都会显示该码；没有该码的邮件都是假冒的。",
        ),
        (
            "Set up an anti-phishing code",
            "Your anti-phishing code appears in every official email.",
            "Set the code under Security settings. Every official email will show it; an "
            "email without it is fake.",
        ),
    ),
    Doc(
        "seed-phrase",
        (
            "官方人员绝不会索要您的助记词",
            "任何人索要助记词都是诈骗。",
            "助记词可以完全控制您的钱包。请勿截图、请勿发送给任何人，包括自称客服的人员。",
        ),
        (
            "We will never ask for your seed phrase",
            "Anyone asking for your seed phrase is a scammer.",
            "Your seed phrase controls your wallet. Never share it or type it into a website, "
            "not even for someone who says they are from support.",
        ),
    ),
    Doc(
        "withdrawal-whitelist",
        (
            "地址白名单设置",
            "开启白名单后只能向地址簿中的地址转出资产。",
            "在 安全设置 中开启后，新地址需要等待 24 小时才能使用。",
        ),
        (
            "Address whitelist",
            "With the whitelist on, funds only go to saved addresses.",
            "Turn it on under Security settings; new addresses wait 24 hours.",
        ),
    ),
    Doc(
        "network-fees",
        (
            "矿工费说明",
            "提币时收取的网络费用。",
            "矿工费由区块链网络收取，随网络拥堵变化。白名单地址与普通地址的费用相同，白名单不影响费用。",
        ),
        (
            "Network fees explained",
            "The fee charged when you withdraw.",
            "Network fees go to the blockchain and change with congestion. Whitelisted "
            "addresses pay the same fee; the whitelist does not change fees.",
        ),
    ),
    Doc(
        "draft-withdrawal",
        (
            "提币失败草稿样稿",
            "草稿样稿不应出现在结果中。",
            "提币失败 提币失败 提币失败 草稿样稿。",
        ),
        (
            "Withdrawal failed draft placeholder",
            "Placeholder draft.",
            "Withdrawal failed withdrawal failed placeholder.",
        ),
        status=ArticleStatus.DRAFT,
    ),
]


def make_article(doc: Doc, category: Category) -> Article:
    return Article.objects.create(
        slug=doc.slug,
        category=category,
        status=doc.status,
        title_zh_hans=doc.zh[0],
        summary_zh_hans=doc.zh[1],
        body_zh_hans=doc.zh[2],
        title_en=doc.en[0],
        summary_en=doc.en[1],
        body_en=doc.en[2],
        keywords=doc.keywords,
    )
