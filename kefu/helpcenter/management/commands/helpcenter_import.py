from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.helpcenter.content import ContentError, load_bundle
from kefu.helpcenter.content.importer import import_bundle


class Command(BaseCommand):
    help = (
        "Import the help center from a JSON file or a Markdown folder "
        "(docs/helpcenter-content.md). All or nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Validate only; write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        try:
            bundle = load_bundle(path)
        except ContentError as exc:
            raise CommandError(f"Import stopped, nothing was changed: {exc}") from None
        if options["dry_run"]:
            found = f"{len(bundle.categories)} categories, {len(bundle.articles)} articles"
            self.stdout.write(f"{path}: valid ({found})")
            return
        counts = import_bundle(bundle, source=str(path))
        summary = ", ".join(f"{value} {key}" for key, value in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Imported {path}: {summary}"))
