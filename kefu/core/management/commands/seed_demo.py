"""Load the demo: staff, a customer with funds, help center, desk. Safe to run again."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from kefu.desk.demo import seed_demo_desk
from kefu.desk.otp import demo_secrets
from kefu.exchange.accounts.demo import seed_demo_customer
from kefu.exchange.accounts.models import Customer
from kefu.exchange.wallet.demo import seed_demo_wallet
from kefu.helpcenter.content import import_path
from kefu.helpcenter.models import Article

DEMO_CONTENT = Path(settings.BASE_DIR) / "kefu" / "helpcenter" / "demo_content"

# Staff accounts; the demo customer is a customer of the built-in exchange, created by
# kefu.exchange.accounts.demo (customers and staff are separate populations).
DEMO_USERS = [
    # username, role, staff, superuser, group
    ("admin", "admin", True, True, None),
    ("agent", "agent", True, False, "Agents"),
]


class Command(BaseCommand):
    help = "Create the demo users and help-center content (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reload-content",
            action="store_true",
            help="Re-import the demo help center even if articles exist.",
        )

    @property
    def credentials_file(self) -> Path:
        return Path(settings.DATA_DIR) / "demo-credentials.txt"

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.KEFU_DEMO:
            raise CommandError("seed_demo only runs with KEFU_DEMO=true (never in production).")
        credentials = self._users()
        if options["reload_content"] or not Article.objects.exists():
            counts = import_path(DEMO_CONTENT)
            self.stdout.write(
                f"help center: {counts['articles']} articles, {counts['channels']} contact channels"
            )
        customer_email, customer_password = seed_demo_customer()
        seed_demo_wallet(Customer.objects.get(email=customer_email))
        seed_demo_desk(agent_username="agent")
        totp_secrets = demo_secrets()
        site = settings.KEFU_SITE_URL
        lines = ["", f"Demo accounts (staff passwords are also in {self.credentials_file}):"]
        lines += [
            f"  {role:<9} user: {name:<9} password: {password}"
            for name, role, password in credentials
        ]
        lines += [
            f"  customer  e-mail: {customer_email}  password: {customer_password}",
            f"  customer sign-in: {site}/zh-hans/account/login/",
            f"  agent console: {site}/zh-hans/desk/  (sign in as agent, then a TOTP code)",
            *(
                f"  {name:<9} TOTP secret: {secret}  (add it to an authenticator app, or run "
                f"`.venv/bin/python manage.py demo_totp {name}` for the current code)"
                for name, secret in sorted(totp_secrets.items())
            ),
            f"  admin site:  {site}/admin/",
            f"  help center: {site}/zh-hans/help/  ·  {site}/en/help/",
            f"  demo website with the chat widget: {site}/zh-hans/demo-site/  ·  "
            f"{site}/en/demo-site/",
            "",
        ]
        self.stdout.write("\n".join(lines))

    @transaction.atomic
    def _users(self) -> list[tuple[str, str, str]]:
        """Create missing demo users with random passwords kept in the data directory."""
        stored = self._read_credentials()
        user_model = get_user_model()
        result = []
        agents, _ = Group.objects.get_or_create(name="Agents")
        agents.permissions.set(
            Permission.objects.filter(
                content_type__app_label="helpcenter",
                codename__in=[
                    "view_article",
                    "change_article",
                    "add_article",
                    "view_category",
                    "view_synonymgroup",
                    "view_contactchannel",
                ],
            )
        )
        for name, role, staff, superuser, group in DEMO_USERS:
            password = stored.get(name)
            user = user_model.objects.filter(username=name).first()
            if user is None or password is None:
                password = secrets.token_urlsafe(9)
                user = user or user_model(username=name)
                user.is_staff, user.is_superuser = staff, superuser
                user.set_password(password)
                user.save()
            if group == "Agents":
                user.groups.add(agents)
            result.append((name, role, password))
        self.credentials_file.parent.mkdir(parents=True, exist_ok=True)
        self.credentials_file.write_text("".join(f"{n}\t{r}\t{p}\n" for n, r, p in result))
        self.credentials_file.chmod(0o600)
        return result

    def _read_credentials(self) -> dict[str, str]:
        if not self.credentials_file.exists():
            return {}
        stored = {}
        for line in self.credentials_file.read_text().splitlines():
            parts = line.split("\t")
            if len(parts) == 3:
                stored[parts[0]] = parts[2]
        return stored
