"""Agents' TOTP second factor: enrolment, checks, the session flag, demo secrets."""

from __future__ import annotations


def demo_secrets() -> dict[str, str]:
    """Username → TOTP secret of the demo agents ("agent", "admin") that have a device.

    For the demo start-up banner only: print ``pyotp.TOTP(secret).now()`` or the
    otpauth URI (``kefu.core.totp.provisioning_uri``). Never call it in production.
    """
    from kefu.desk.models import AgentTotpDevice

    devices = AgentTotpDevice.objects.filter(
        user__username__in=("agent", "admin"), confirmed_at__isnull=False
    ).select_related("user")
    return {device.user.get_username(): device.secret for device in devices}
