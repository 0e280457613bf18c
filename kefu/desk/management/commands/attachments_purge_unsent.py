"""``manage.py attachments_purge_unsent``: remove uploaded files never sent with a message.

The hourly task ``attachments_unsent_clean_up`` does the same; this is for installations
that run no scheduler, or to clean up at once (from cron, for example).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from kefu.desk.services.attachments import attachments_unsent_purge


class Command(BaseCommand):
    help = "Remove attachments uploaded more than KEFU_ATTACHMENT_UNSENT_MAX_AGE seconds ago " \
           "and never sent with a message."

    def handle(self, *args: Any, **options: Any) -> None:
        removed = attachments_unsent_purge()
        hours = int(settings.KEFU_ATTACHMENT_UNSENT_MAX_AGE) / 3600
        self.stdout.write(f"Removed {removed} unsent attachment(s) older than {hours:g} h.")
