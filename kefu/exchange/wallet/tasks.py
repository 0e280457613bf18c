"""Background steps of a withdrawal. Thin: fetch by id, call a service, schedule the next step.

Each step re-enqueues itself with a delay instead of raising ``RetryLater``, so a slow
chain never exhausts the task backend's retry budget.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from kefu.core.tasks import task
from kefu.exchange.wallet.models import WithdrawalState
from kefu.exchange.wallet.services.processing import withdrawal_confirm, withdrawal_process


def _waits_possible() -> bool:
    # The "immediate" backend (tests) runs a delayed task at once: polling for
    # confirmations there would spin forever, so tests drive confirmations themselves.
    backend: str = settings.KEFU_TASK_BACKEND
    return backend != "immediate"


@task
def process_withdrawal(*, withdrawal_id: int) -> None:
    result = withdrawal_process(withdrawal_id=withdrawal_id)
    if result.again_in is None:
        return
    with transaction.atomic():
        if result.state == WithdrawalState.BROADCAST:
            confirm_withdrawal.enqueue(withdrawal_id=withdrawal_id)
        else:
            process_withdrawal.enqueue(withdrawal_id=withdrawal_id, countdown=result.again_in)


@task
def confirm_withdrawal(*, withdrawal_id: int) -> None:
    result = withdrawal_confirm(withdrawal_id=withdrawal_id)
    if result.again_in is not None and _waits_possible():
        with transaction.atomic():
            confirm_withdrawal.enqueue(withdrawal_id=withdrawal_id, countdown=result.again_in)
