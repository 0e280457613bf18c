"""Help-center search benchmark: index build time and per-query latency percentiles.

    DJANGO_SETTINGS_MODULE=kefu.config.settings.test .venv/bin/python bench/search_bench.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kefu DJANGO_SETTINGS_MODULE=... \
        .venv/bin/python bench/search_bench.py --articles 10000

Creates a throwaway database (a temporary SQLite file, or ``test_<name>_bench`` on
PostgreSQL), fills it with generated articles (half Chinese, half English, drawn from a
domain vocabulary with a Zipf-like distribution so documents differ and common words are
common), builds the index, runs a fixed query set and drops the database again.
Latency is measured around ``search_articles`` in-process: parsing, SQL and excerpts.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.config.settings.test")

from bench._throwaway_db import throwaway_database

ZH_WORDS = [
    "提币",
    "充值",
    "账户",
    "账号",
    "锁定",
    "冻结",
    "解冻",
    "密码",
    "登录",
    "验证码",
    "两步验证",
    "谷歌验证器",
    "身份验证器",
    "人工客服",
    "在线客服",
    "客服",
    "助记词",
    "私钥",
    "钱包",
    "地址",
    "网络",
    "备注",
    "标签",
    "矿工费",
    "手续费",
    "到账",
    "失败",
    "成功",
    "处理中",
    "审核",
    "实名认证",
    "身份证",
    "护照",
    "人脸识别",
    "防钓鱼码",
    "邮件",
    "短信",
    "手机",
    "邮箱",
    "安全",
    "设置",
    "绑定",
    "解绑",
    "重置",
    "修改",
    "申请",
    "提交",
    "资料",
    "时间",
    "小时",
    "工作日",
    "区块",
    "确认数",
    "交易",
    "哈希",
    "区块浏览器",
    "白名单",
    "地址簿",
    "限额",
    "额度",
    "最小",
    "数量",
    "金额",
    "资产",
    "余额",
    "合约",
    "现货",
    "杠杆",
    "理财",
    "法币",
    "划转",
    "订单",
    "撤销",
    "风控",
    "异常",
    "设备",
    "会话",
    "退出",
    "重新",
    "联系",
    "官方",
    "诈骗",
    "假冒",
    "链接",
    "网站",
    "下载",
    "应用",
    "版本",
    "更新",
    "通知",
    "公告",
    "维护",
    "暂停",
    "恢复",
    "说明",
    "步骤",
    "页面",
    "按钮",
    "点击",
    "选择",
    "输入",
    "填写",
    "核对",
    "检查",
    "注意",
    "请勿",
    "泄露",
    "保护",
    "资金",
    "用户",
    "平台",
]
EN_WORDS = [
    "withdrawal",
    "withdrawals",
    "withdraw",
    "withdrawing",
    "deposit",
    "deposits",
    "deposited",
    "account",
    "accounts",
    "locked",
    "lock",
    "unlock",
    "frozen",
    "freeze",
    "password",
    "passwords",
    "login",
    "sign",
    "verification",
    "code",
    "codes",
    "authenticator",
    "two-factor",
    "2FA",
    "support",
    "agent",
    "chat",
    "seed",
    "phrase",
    "private",
    "key",
    "wallet",
    "address",
    "addresses",
    "network",
    "memo",
    "tag",
    "fee",
    "fees",
    "credited",
    "arrived",
    "failed",
    "failure",
    "pending",
    "review",
    "identity",
    "passport",
    "selfie",
    "anti-phishing",
    "email",
    "emails",
    "phone",
    "security",
    "settings",
    "bind",
    "unbind",
    "reset",
    "change",
    "request",
    "submit",
    "documents",
    "hours",
    "business",
    "days",
    "block",
    "confirmations",
    "transaction",
    "hash",
    "explorer",
    "whitelist",
    "limit",
    "limits",
    "minimum",
    "amount",
    "balance",
    "assets",
    "futures",
    "spot",
    "margin",
    "earn",
    "fiat",
    "transfer",
    "order",
    "cancel",
    "risk",
    "device",
    "devices",
    "session",
    "sessions",
    "official",
    "scam",
    "fake",
    "link",
    "website",
    "download",
    "app",
    "version",
    "update",
    "notice",
    "maintenance",
    "suspended",
    "restore",
    "guide",
    "steps",
    "page",
    "button",
    "click",
    "select",
    "enter",
    "check",
    "never",
    "share",
    "protect",
    "funds",
    "user",
    "platform",
]
QUERIES: dict[str, list[tuple[str, str]]] = {
    "zh": [
        ("提币失败", "zh-hans"),
        ("人工客服", "zh-hans"),
        ("防钓鱼码", "zh-hans"),
        ("助记词 泄露", "zh-hans"),
        ("实名认证 审核 时间", "zh-hans"),
        ("我的充值怎么还没到账", "zh-hans"),
        ("白名单", "zh-hans"),
    ],
    "en": [
        ("withdrawal failed", "en"),
        ("account locked", "en"),
        ("seed phrase", "en"),
        ("deposit not credited", "en"),
        ("anti-phishing code", "en"),
        ("how do I reset my password", "en"),
    ],
    "prefix": [
        ("withdr", "en"),
        ("authent", "en"),
        ("confirm", "en"),
        ("whitel", "en"),
    ],
    "synonym": [
        ("提现", "zh-hans"),
        ("取款失败", "zh-hans"),
        ("身份验证器", "zh-hans"),
        ("frozen", "en"),
        ("mnemonic", "en"),
        ("cash out", "en"),
    ],
    "traditional": [
        ("帳號被鎖定", "zh-hans"),
        ("提幣失敗", "zh-hans"),
        ("實名認證", "zh-hans"),
        ("充值沒到賬", "zh-hans"),
    ],
    "mixed/fallback": [
        ("我的withdrawal失败了", "zh-hans"),
        ("explorer", "zh-hans"),
        ("提币 火星人", "zh-hans"),
    ],
}

SYNONYMS = [
    "提现, 提币, 取款, 出金, withdraw, withdrawal, withdrawals, cash out",
    "充值, 充币, 入金, deposit, deposits, top up",
    "到账, 入账, 没到账, arrived, credited, received",
    "锁定, 冻结, 封号, 被锁, locked, frozen, lock, freeze, suspended, blocked",
    "2FA, 两步验证, 谷歌验证, 谷歌验证器, 身份验证器, authenticator, Google Authenticator",
    "客服, 人工客服, 在线客服, support, customer service, agent",
    "助记词, 私钥, seed phrase, mnemonic, recovery phrase, private key",
    "实名认证, 身份认证, KYC, identity verification",
    "账户, 账号, 帐号, account",
    "防钓鱼码, 防伪码, anti-phishing code",
]


COMMON_HAN = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下"
    "过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两"
    "体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线"
    "内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并"
    "提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见"
)


def _zipf_weights(count: int, exponent: float = 1.0) -> list[float]:
    return [1.0 / (rank + 1) ** exponent for rank in range(count)]


def _vocabularies(rng: random.Random) -> tuple[list[str], list[str]]:
    """Generic words around the domain terms: Chinese character pairs, English pseudo-words."""
    zh = list(dict.fromkeys(rng.choice(COMMON_HAN) + rng.choice(COMMON_HAN) for _ in range(3000)))
    onsets, vowels, codas = (
        ["b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w"],
        ["a", "e", "i", "o", "u"],
        [
            "",
            "n",
            "r",
            "s",
            "t",
            "l",
            "ng",
            "ed",
            "ing",
            "s",
            "tion",
            "ly",
        ],
    )
    en = list(
        dict.fromkeys(
            "".join(rng.choice(onsets) + rng.choice(vowels) for _ in range(rng.randint(1, 3)))
            + rng.choice(codas)
            for _ in range(3000)
        )
    )
    return zh[:1500], en[:1500]


class _Writer:
    """Text for one article: its topic words (a few domain terms) within generic prose."""

    def __init__(self, rng: random.Random, domain: list[str], generic: list[str], sep: str):
        self.rng, self.generic, self.sep = rng, generic, sep
        self.topic = list(
            dict.fromkeys(rng.choices(domain, weights=_zipf_weights(len(domain), 0.5), k=5))
        )
        self.generic_cumulative = list(itertools.accumulate(_zipf_weights(len(generic))))

    def words(self, count: int, topic_share: float) -> str:
        out = []
        for index in range(count):
            if self.rng.random() < topic_share:
                out.append(self.rng.choice(self.topic))
            else:
                out.append(self.rng.choices(self.generic, cum_weights=self.generic_cumulative)[0])
            if index % 12 == 11:
                out.append("。" if not self.sep else ".")
        return self.sep.join(out)

    def body(self) -> str:
        return "\n\n".join(
            "## " + self.words(3, 0.7) + "\n\n" + self.words(self.rng.randint(60, 140), 0.25)
            for _ in range(3)
        )


def generate(count: int, seed: int = 7) -> None:
    from kefu.helpcenter.models import Article, ArticleStatus, Category, SynonymGroup

    rng = random.Random(seed)
    zh_generic, en_generic = _vocabularies(rng)
    category = Category.objects.create(slug="bench", name_zh_hans="基准", name_en="Bench")
    SynonymGroup.objects.bulk_create([SynonymGroup(terms=terms) for terms in SYNONYMS])
    articles = []
    for index in range(count):
        fields = dict.fromkeys(
            [
                "title_zh_hans",
                "summary_zh_hans",
                "body_zh_hans",
                "title_en",
                "summary_en",
                "body_en",
            ],
            "",
        )
        suffix, writer = (
            ("zh_hans", _Writer(rng, ZH_WORDS, zh_generic, ""))
            if index % 2 == 0
            else ("en", _Writer(rng, EN_WORDS, en_generic, " "))
        )
        fields[f"title_{suffix}"] = writer.words(rng.randint(3, 6), 0.7)
        fields[f"summary_{suffix}"] = writer.words(14, 0.4)
        fields[f"body_{suffix}"] = writer.body()
        articles.append(
            Article(
                slug=f"bench-{index}",
                category=category,
                status=ArticleStatus.PUBLISHED if rng.random() > 0.05 else ArticleStatus.DRAFT,
                **fields,
            )
        )
    Article.objects.bulk_create(articles, batch_size=1000)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def run(articles: int, repeats: int) -> None:
    from django.db import connection

    from kefu.helpcenter.search import rebuild_index, search_articles

    started = time.perf_counter()
    generate(articles)
    print(f"database: {connection.vendor}, articles: {articles}")
    print(f"generated in {time.perf_counter() - started:.1f}s")

    started = time.perf_counter()
    indexed = rebuild_index()
    build = time.perf_counter() - started
    print(
        f"index build: {indexed} published articles in {build:.1f}s "
        f"({build / max(indexed, 1) * 1000:.2f} ms/article)"
    )

    for queries in QUERIES.values():  # warm up: segmenter, synonyms, page cache
        for query, language in queries:
            search_articles(query, language=language)

    timings: dict[str, list[float]] = defaultdict(list)
    hit_counts: dict[str, int] = {}
    for _ in range(repeats):
        for kind, queries in QUERIES.items():
            for query, language in queries:
                start = time.perf_counter()
                hits = search_articles(query, language=language)
                timings[kind].append((time.perf_counter() - start) * 1000)
                hit_counts[query] = len(hits)
    every = [value for values in timings.values() for value in values]
    print(f"\n{'query type':<16}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for kind, values in [*timings.items(), ("overall", every)]:
        print(
            f"{kind:<16}{len(values):>6}{statistics.median(values):>9.2f}"
            f"{percentile(values, 95):>9.2f}{percentile(values, 99):>9.2f}{max(values):>9.2f}"
        )
    empty = [query for query, count in hit_counts.items() if count == 0]
    print(f"\nqueries with no hits: {empty or 'none'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=30, help="runs of the whole query set")
    args = parser.parse_args()

    with throwaway_database("bench"):
        run(args.articles, args.repeats)


if __name__ == "__main__":
    main()
