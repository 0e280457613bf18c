"""Small builders for help-center rows used across tests."""

from __future__ import annotations

from typing import Any

from kefu.helpcenter.models import Article, ArticleStatus, Category


def make_category(slug: str = "account-access", **fields: Any) -> Category:
    defaults = {"name_zh_hans": "账户与登录", "name_en": "Account & login", "position": 1}
    return Category.objects.create(slug=slug, **{**defaults, **fields})


def make_article(slug: str, category: Category | None = None, **fields: Any) -> Article:
    defaults: dict[str, Any] = {
        "title_zh_hans": "账户被锁定怎么办",
        "title_en": "My account is locked",
        "body_zh_hans": "连续输错密码后账户会被锁定。",
        "body_en": "After several wrong passwords the account is locked.",
        "status": ArticleStatus.PUBLISHED,
    }
    return Article.objects.create(
        slug=slug, category=category or make_category(), **{**defaults, **fields}
    )
