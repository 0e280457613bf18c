from kefu.helpcenter.models.articles import Article, ArticleFeedback, ArticleStatus, Category
from kefu.helpcenter.models.contact import ChannelKind, ContactChannel, OfficialDomain
from kefu.helpcenter.models.search import SearchDocument, SynonymGroup

__all__ = [
    "Article",
    "ArticleFeedback",
    "ArticleStatus",
    "Category",
    "ChannelKind",
    "ContactChannel",
    "OfficialDomain",
    "SearchDocument",
    "SynonymGroup",
]
