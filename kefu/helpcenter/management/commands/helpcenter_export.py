from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kefu.helpcenter.content import export_json, export_markdown


class Command(BaseCommand):
    help = "Export the whole help center to a Markdown folder or one JSON file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--format",
            choices=["markdown", "json"],
            default=None,
            help="Default: json when PATH ends in .json, markdown otherwise.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        fmt = options["format"] or ("json" if path.suffix == ".json" else "markdown")
        if fmt == "json":
            export_json(path)
        else:
            export_markdown(path)
        self.stdout.write(self.style.SUCCESS(f"Exported the help center to {path} ({fmt})"))
