"""Print the current TOTP code of a demo staff user (demo installations only)."""

from __future__ import annotations

import time
from typing import Any

import pyotp
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.desk.otp import demo_secrets


class Command(BaseCommand):
    help = "Show the current two-factor code of a demo agent, so the demo needs no phone."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", choices=["agent", "admin"])

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.KEFU_DEMO:
            raise CommandError("demo_totp only runs with KEFU_DEMO=true (never in production).")
        secret = demo_secrets().get(options["username"])
        if secret is None:
            raise CommandError("No TOTP device for that user: run `manage.py seed_demo` first.")
        totp = pyotp.TOTP(secret)
        remaining = totp.interval - int(time.time()) % totp.interval
        self.stdout.write(f"{totp.now()}  (valid for about {remaining} s more)")
