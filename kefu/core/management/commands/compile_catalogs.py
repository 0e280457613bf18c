"""Compile the gettext catalogs (.po -> .mo) with Babel.

Django's own ``compilemessages`` needs GNU gettext's ``msgfmt``, which a fresh machine
rarely has; Babel does the same in Python, so set-up needs nothing but pip.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Compile the project's and every Kefu app's locale/*/LC_MESSAGES/*.po into .mo files."

    def handle(self, *args: Any, **options: Any) -> None:
        compiled = 0
        from django.apps import apps

        app_locales = [
            Path(app.path) / "locale"
            for app in apps.get_app_configs()
            if app.name.startswith("kefu.")
        ]
        for locale_dir in [*settings.LOCALE_PATHS, *app_locales]:
            for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                try:
                    with po_path.open("rb") as handle:
                        catalog = read_po(handle, locale=po_path.parts[-3], abort_invalid=True)
                except Exception as exc:
                    raise CommandError(f"{po_path}: {exc}") from exc
                with mo_path.open("wb") as handle:
                    write_mo(handle, catalog, use_fuzzy=False)
                compiled += 1
        if compiled:
            self.stdout.write(f"compiled {compiled} catalog(s)")
