"""TOTP arithmetic on top of pyotp: ±1 time step of drift, no replay of a used step.

Shared by the exchange's customers and the desk's agents (core, so neither imports the
other).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import io
from datetime import datetime

import pyotp
import qrcode  # type: ignore[import-untyped]
import qrcode.image.svg  # type: ignore[import-untyped]

SECRET_LENGTH = 32  # base32 characters = 160 bits, RFC 4226's recommendation
VALID_WINDOW = 1


def new_secret() -> str:
    return pyotp.random_base32(length=SECRET_LENGTH)


def is_valid_secret(secret: str) -> bool:
    if len(secret) != SECRET_LENGTH:
        return False
    try:
        base64.b32decode(secret, casefold=False)
    except (binascii.Error, ValueError):
        return False
    return True


def matching_step(secret: str, code: str, *, last_step: int, now: datetime) -> int | None:
    """The time step whose code equals ``code`` and is newer than ``last_step``, if any."""
    code = code.strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    found = None
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        # Check every step (no early exit), so timing does not tell which one matched.
        if hmac.compare_digest(totp.generate_otp(step), code) and step > last_step:
            found = step
    return found


def code_matches_used_step(secret: str, code: str, *, last_step: int, now: datetime) -> bool:
    """True when ``code`` is right but its step was already used: a replay."""
    code = code.strip().replace(" ", "")
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    return any(
        hmac.compare_digest(totp.generate_otp(step), code) and step <= last_step
        for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1)
    )


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def qr_svg(data: str) -> str:
    """Inline SVG markup of a QR code (no script, no external image: fits the CSP)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    # Drop the XML declaration so the markup can sit inside HTML.
    return svg[svg.index("<svg"):] if "<svg" in svg else svg
