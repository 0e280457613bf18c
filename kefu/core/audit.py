"""Writing audit entries (call inside the transaction that makes the change)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models

from kefu.core.models import AuditEntry


def audit_record(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    action: str,
    target: models.Model | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
    system_label: str = "system",
) -> AuditEntry:
    """Append one audit row. ``actor`` None (or anonymous) records ``system_label``."""
    user = actor if actor is not None and actor.is_authenticated else None
    return AuditEntry.objects.create(
        actor=user,  # type: ignore[misc]
        actor_label=user.get_username() if user is not None else system_label,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        reason=reason,
        data=data or {},
    )
