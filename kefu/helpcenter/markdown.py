"""Markdown → safe HTML for help-center articles.

Content is written by staff, but it is still data, not markup we trust: raw HTML in the
source is not rendered, link schemes are restricted, and the result goes through nh3
(Ammonia) as a second line of defence. ``article:slug`` links become the URL of that
article in the reader's language.
"""

from __future__ import annotations

from typing import Any

import nh3
from django.urls import NoReverseMatch, reverse
from markdown_it import MarkdownIt
from markdown_it.token import Token

ALLOWED_TAGS = {
    "a",
    "blockquote",
    "br",
    "code",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
    "del",
    "img",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"style"},
    "td": {"style"},
}
ALLOWED_SCHEMES = {"http", "https", "mailto"}
_SAFE_LINK_PREFIXES = ("http://", "https://", "mailto:", "/", "#", "article:")


def _validate_link(url: str) -> bool:
    return url.strip().lower().startswith(_SAFE_LINK_PREFIXES)


def _article_url(slug: str) -> str:
    try:
        return reverse("helpcenter:article", kwargs={"slug": slug})
    except NoReverseMatch:
        return "#"


def _rewrite_links(tokens: list[Token]) -> None:
    for token in tokens:
        if token.children:
            _rewrite_links(token.children)
        if token.type == "link_open":
            href = str(token.attrGet("href") or "")
            if href.startswith("article:"):
                token.attrSet("href", _article_url(href.removeprefix("article:")))
            elif href.startswith(("http://", "https://")):
                token.attrSet("rel", "noopener noreferrer")


_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)
_md.validateLink = _validate_link  # type: ignore[method-assign]


def render_markdown(source: str) -> str:
    """Render Markdown to sanitised HTML. Headings start at h2 (the page has the h1)."""
    env: dict[str, Any] = {}
    tokens = _md.parse(source, env)
    for token in tokens:
        if token.type in {"heading_open", "heading_close"} and token.tag == "h1":
            token.tag = "h2"
    _rewrite_links(tokens)
    html = _md.renderer.render(tokens, _md.options, env)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer",
    )
