"""Help-center search: ranking, synonyms, languages, bad input, indexing. Same expectations on
SQLite (FTS5) and PostgreSQL (tsvector)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.test import override_settings

from kefu.helpcenter.models import Article, ArticleStatus, Category, SearchDocument, SynonymGroup
from kefu.helpcenter.search import index_article, rebuild_index, search_articles
from kefu.helpcenter.search.synonyms import reload_synonyms
from kefu.helpcenter.tasks import rebuild_search_index, reindex_article
from tests.helpcenter.search_corpus import CORPUS, SYNONYMS, Doc, make_article

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_synonyms() -> Iterator[None]:
    # Test transactions roll back without post_delete signals: forget cached synonyms.
    reload_synonyms()
    yield
    reload_synonyms()


@pytest.fixture
def category(db: None) -> Category:
    return Category.objects.create(slug="general", name_zh_hans="常见问题", name_en="FAQ")


@pytest.fixture
def synonyms(db: None) -> None:
    for terms in SYNONYMS:
        SynonymGroup.objects.create(terms=terms)


@pytest.fixture
def corpus(category: Category, synonyms: None) -> dict[str, Article]:
    articles = {doc.slug: make_article(doc, category) for doc in CORPUS}
    rebuild_index()
    return articles


def slugs(query: str, language: str) -> list[str]:
    return [hit.article.slug for hit in search_articles(query, language=language)]


@pytest.mark.parametrize(
    ("query", "language", "expected"),
    [
        ("提币失败", "zh-hans", "withdrawal-failed"),
        ("提现失败", "zh-hans", "withdrawal-failed"),  # synonym
        ("取款", "zh-hans", "withdrawal-failed"),  # synonym, not in any text
        ("帳號被鎖定", "zh-hans", "account-locked"),  # Traditional
        ("提幣失敗", "zh-hans", "withdrawal-failed"),  # Traditional
        ("账户被冻结了怎么办", "zh-hans", "account-locked"),  # synonym + stop words
        ("谷歌验证", "zh-hans", "lost-2fa"),
        ("身份验证器", "zh-hans", "lost-2fa"),  # synonym
        ("2FA", "zh-hans", "lost-2fa"),
        ("２ＦＡ", "zh-hans", "lost-2fa"),  # full-width
        ("人工客服", "zh-hans", "contact-support"),
        ("我的withdrawal失败了", "zh-hans", "withdrawal-failed"),  # mixed scripts
        ("充值没到账", "zh-hans", "deposit-not-credited"),
        ("防钓鱼码", "zh-hans", "anti-phishing-code"),
        ("助记词", "zh-hans", "seed-phrase"),
        ("登不上", "zh-hans", "account-locked"),  # editor keyword
        ("withdraw", "en", "withdrawal-failed"),
        ("withdr", "en", "withdrawal-failed"),  # prefix
        ("Withdrawals", "en", "withdrawal-failed"),  # stem
        ("WITHDRAWAL FAILED", "en", "withdrawal-failed"),
        ("locked", "en", "account-locked"),
        ("frozen", "en", "account-locked"),  # synonym
        ("2FA", "en", "lost-2fa"),
        ("google authenticator", "en", "lost-2fa"),
        ("mnemonic", "en", "seed-phrase"),  # synonym → phrase "seed phrase"
        ("contact customer service", "en", "contact-support"),
        ("deposit not credited", "en", "deposit-not-credited"),
        ("anti-phishing", "en", "anti-phishing-code"),
        ("提币", "en", "withdrawal-failed"),  # Chinese synonym on the English page
    ],
)
def test_expected_article_ranks_first(
    corpus: None, query: str, language: str, expected: str
) -> None:
    assert slugs(query, language)[:1] == [expected]


def test_title_beats_body(corpus: None) -> None:
    # 白名单 is in the title of one article and twice in the body of another.
    assert slugs("白名单", "zh-hans")[:2] == ["withdrawal-whitelist", "network-fees"]
    assert slugs("whitelist", "en")[:2] == ["withdrawal-whitelist", "network-fees"]


def test_drafts_are_never_returned(corpus: None) -> None:
    assert "draft-withdrawal" not in slugs("提币失败", "zh-hans")
    assert slugs("草稿样稿", "zh-hans") == []
    assert slugs("placeholder", "en") == []


def test_all_terms_required_when_possible(corpus: None) -> None:
    # 矿工费 alone matches two articles; with 区块链 only the fee article has both.
    assert set(slugs("矿工费", "zh-hans")) == {"withdrawal-failed", "network-fees"}
    assert slugs("矿工费 区块链", "zh-hans") == ["network-fees"]


def test_falls_back_to_any_term(corpus: None) -> None:
    # No article mentions Mars: rather than nothing, show what matches the rest.
    assert slugs("提币失败 火星", "zh-hans")[:1] == ["withdrawal-failed"]


def test_falls_back_to_the_other_language(corpus: None) -> None:
    # "explorer" has no synonyms and appears only in English text.
    hits = search_articles("explorer", language="zh-hans")
    assert {hit.article.slug for hit in hits} == {"withdrawal-failed", "deposit-not-credited"}
    assert "<mark>explorer</mark>" in hits[0].excerpt_html


def test_only_stop_words_find_nothing(corpus: None) -> None:
    assert slugs("怎么办", "zh-hans") == []
    assert slugs("how do I", "en") == []


def test_limit_and_scores(corpus: None) -> None:
    hits = search_articles("提币", language="zh-hans", limit=2)
    assert len(hits) == 2
    assert hits[0].score >= hits[1].score


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   \t\n ",
        "提币" * 5000,
        "withdraw " * 1200,
        "😀🔥💰",
        "提币😀失败",
        "русский 日本語 한국어 提币",
        '"',
        '"提币',
        "*",
        "提币*",
        "NEAR(提币 失败)",
        "withdraw NEAR/2 fail",
        "OR",
        "AND OR NOT",
        "提币 OR 失败",
        "NOT withdraw",
        "-withdraw",
        "^withdraw",
        "title_terms:提币",
        "withdraw:*",
        "(提币",
        "提币)",
        "((( )))",
        "'; DROP TABLE helpcenter_article; --",
        "\\",
        "\\\\' \\x00",
        "提币\x00失败",
        "\x00",
        "\ud800提币",
        "a & b | !c <-> d",
        "'提币':* & '失败'",
        "{}[]<>@#$%^&*()_+=~`",
        "%s %(x)s ?",
        "１２３４５",
    ],
)
@pytest.mark.parametrize("language", ["zh-hans", "en", "fr"])
def test_bad_input_never_errors(corpus: None, query: str, language: str) -> None:
    hits = search_articles(query, language=language)
    assert isinstance(hits, list)
    assert all(hit.article.status == ArticleStatus.PUBLISHED for hit in hits)


def test_bad_input_still_finds_the_words_in_it(corpus: None) -> None:
    assert slugs('"提币" AND (失败) NOT*', "zh-hans")[:1] == ["withdrawal-failed"]
    assert slugs("提币\x00失败", "zh-hans")[:1] == ["withdrawal-failed"]


@override_settings(KEFU_SEARCH_MAX_QUERY_CHARS=4)
def test_query_is_truncated(corpus: None) -> None:
    # Only "提币失败" survives; the junk after it is never looked at.
    assert slugs("提币失败" + " 火星" * 100, "zh-hans")[:1] == ["withdrawal-failed"]


class TestExcerpt:
    def test_marks_matched_terms_in_original_text(self, corpus: None) -> None:
        hit = search_articles("矿工费", language="zh-hans")[0]
        assert "<mark>矿工费</mark>" in hit.excerpt_html
        assert "**" not in hit.excerpt_html

    def test_marks_whole_english_words_for_stems(self, corpus: None) -> None:
        hit = search_articles("failures", language="en")[0]
        assert hit.article.slug == "withdrawal-failed"
        assert "<mark>failures</mark>" in hit.excerpt_html

    def test_escapes_html_before_marking(self, category: Category, synonyms: None) -> None:
        doc = Doc(
            "xss",
            ("安全提示", "", "<script>alert('提币')</script> & <b>提币</b> 提醒"),
            ("Safety tip", "", "<script>alert('withdraw')</script> & <b>withdraw</b>"),
        )
        index_article(make_article(doc, category).pk)
        for query, language in [("提醒", "zh-hans"), ("withdraw", "en")]:
            excerpt = search_articles(query, language=language)[0].excerpt_html
            assert "<script>" not in excerpt
            assert "<b>" not in excerpt
            assert "&lt;script&gt;" in excerpt
            assert "&amp;" in excerpt
            assert excerpt.count("<mark>") == excerpt.count("</mark>") >= 1

    def test_traditional_body_is_marked_for_simplified_query(
        self, category: Category, synonyms: None
    ) -> None:
        doc = Doc("tw", ("帳號安全", "", "請勿將帳號借給他人。"), ("Account safety", "", "."))
        index_article(make_article(doc, category).pk)
        hit = search_articles("账号", language="zh-hans")[0]
        assert "<mark>帳號</mark>" in hit.excerpt_html

    def test_window_is_short_and_centred_on_the_match(
        self, category: Category, synonyms: None
    ) -> None:
        body = "开头" * 200 + "防钓鱼码" + "结尾" * 200
        index_article(make_article(Doc("long", ("长文", "", body), ("Long", "", "x")), category).pk)
        excerpt = search_articles("防钓鱼码", language="zh-hans")[0].excerpt_html
        assert excerpt.startswith("…")
        assert excerpt.endswith("…")
        assert "<mark>防钓鱼码</mark>" in excerpt
        assert len(excerpt.replace("<mark>", "").replace("</mark>", "")) <= 125


class TestIndexing:
    def test_rebuild_counts_published_articles(self, corpus: None) -> None:
        published = sum(doc.status == ArticleStatus.PUBLISHED for doc in CORPUS)
        assert rebuild_index() == published
        assert SearchDocument.objects.count() == 2 * published

    def test_index_article_follows_edits(self, corpus: dict[str, Article]) -> None:
        article = corpus["network-fees"]
        article.title_zh_hans = "燃料费说明"
        article.save()
        index_article(article.pk)
        assert slugs("燃料费", "zh-hans")[:1] == ["network-fees"]

    def test_unpublishing_removes_the_article(self, corpus: dict[str, Article]) -> None:
        article = corpus["withdrawal-failed"]
        article.status = ArticleStatus.DRAFT
        article.save()
        index_article(article.pk)
        assert not SearchDocument.objects.filter(article=article).exists()
        assert "withdrawal-failed" not in slugs("提币失败", "zh-hans")

    def test_status_is_checked_even_if_the_index_is_stale(self, corpus: dict[str, Article]) -> None:
        Article.objects.filter(slug="withdrawal-failed").update(status=ArticleStatus.DRAFT)
        assert "withdrawal-failed" not in slugs("提币失败", "zh-hans")

    def test_missing_article_is_a_no_op(self, corpus: None) -> None:
        index_article(10**9)

    def test_untranslated_article_is_found_from_the_other_page(
        self, category: Category, synonyms: None
    ) -> None:
        doc = Doc("zh-only", ("合约交易规则", "", "合约交易的保证金规则。"), ("", "", ""))
        index_article(make_article(doc, category).pk)
        assert SearchDocument.objects.filter(article__slug="zh-only").count() == 1
        assert slugs("合约", "en") == ["zh-only"]

    def test_task_reindexes_after_commit(
        self, category: Category, django_capture_on_commit_callbacks
    ) -> None:
        article = make_article(CORPUS[0], category)
        with django_capture_on_commit_callbacks(execute=True):
            reindex_article.enqueue(article_id=article.pk)
        assert SearchDocument.objects.filter(article=article).count() == 2
        with django_capture_on_commit_callbacks(execute=True):
            rebuild_search_index.enqueue()
        assert SearchDocument.objects.filter(article=article).count() == 2

    def test_management_command(self, corpus: None, capsys: pytest.CaptureFixture[str]) -> None:
        SearchDocument.objects.all().delete()
        call_command("helpcenter_reindex")
        assert "Indexed 9 article(s)" in capsys.readouterr().out
        assert slugs("提币失败", "zh-hans")[:1] == ["withdrawal-failed"]
        call_command("helpcenter_reindex", article=[10**9])


class TestSynonyms:
    def test_new_synonym_is_used_at_once(self, corpus: None) -> None:
        assert slugs("跑路", "zh-hans") == []
        group = SynonymGroup.objects.create(terms="跑路, 锁定")
        assert slugs("跑路", "zh-hans")[:1] == ["account-locked"]
        group.delete()
        assert slugs("跑路", "zh-hans") == []

    def test_edited_synonym_is_used_at_once(self, corpus: None) -> None:
        group = SynonymGroup.objects.create(terms="火星, 白名单")
        assert slugs("火星", "zh-hans")[:1] == ["withdrawal-whitelist"]
        group.terms = "火星, 助记词"
        group.save()
        assert slugs("火星", "zh-hans")[:1] == ["seed-phrase"]

    def test_multi_word_synonym_is_a_phrase(self, corpus: None) -> None:
        # "recovery phrase" expands to the phrase "seed phrase", not to "seed" OR "phrase".
        assert slugs("recovery phrase", "en") == ["seed-phrase"]
        SynonymGroup.objects.create(terms="wallet words, phrase seed")
        assert slugs("wallet words", "en") == []
