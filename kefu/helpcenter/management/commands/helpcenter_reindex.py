"""``manage.py helpcenter_reindex [--article ID ...]``: rebuild the help-center search index."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kefu.helpcenter.search import index_article, rebuild_index


class Command(BaseCommand):
    help = "Rebuild the help-center search index (all published articles, or the ones given)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--article",
            type=int,
            action="append",
            default=[],
            metavar="ID",
            help="Reindex only this article id (repeatable).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        article_ids: list[int] = options["article"]
        if article_ids:
            for article_id in article_ids:
                index_article(article_id)
            count = len(article_ids)
        else:
            count = rebuild_index()
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"Indexed {count} article(s) in {elapsed:.1f}s."))
