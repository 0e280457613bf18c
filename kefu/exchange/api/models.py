"""What the facade remembers: the answer to each action request, by idempotency key."""

from __future__ import annotations

from django.db import models


class ActionRequest(models.Model):
    """One action request (unlock, retry a withdrawal, ...) and the answer it got.

    The unique key is the de-duplication: a retried request with the same
    ``Idempotency-Key`` gets the stored answer and the action runs once. ``fingerprint``
    (method, path, body hash) catches a key reused for a different request.
    """

    key = models.CharField(max_length=200, unique=True)
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "exchange API action request"

    def __str__(self) -> str:
        return f"{self.key} → {self.status}"
