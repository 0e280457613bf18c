"""Who is on the other end of a request: IP, browser and device, approximate place."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from ua_parser import parse

from kefu.exchange.accounts.crypto import keyed_hash

logger = logging.getLogger(__name__)

DEVICE_COOKIE = "kefu_device"
MAX_UA_CHARS = 300


@dataclass(frozen=True)
class ClientInfo:
    ip: str | None
    user_agent: str = ""
    device_token: str = ""

    @classmethod
    def from_request(cls, request: HttpRequest) -> ClientInfo:
        return cls(
            ip=request.META.get("REMOTE_ADDR") or None,
            user_agent=request.headers.get("user-agent", "")[:MAX_UA_CHARS],
            device_token=request.COOKIES.get(DEVICE_COOKIE, "")[:64],
        )

    @property
    def device_label(self) -> str:
        return describe_user_agent(self.user_agent)

    @property
    def device_fingerprint(self) -> str:
        return keyed_hash("device", self.device_token) if self.device_token else ""

    @property
    def location(self) -> str:
        return locate(self.ip)


@functools.lru_cache(maxsize=512)
def describe_user_agent(user_agent: str) -> str:
    """"Chrome 120 on Windows 10" style label; empty when nothing is recognised."""
    if not user_agent:
        return ""
    result = parse(user_agent)
    parts: list[str] = []
    if result.user_agent is not None and result.user_agent.family != "Other":
        version = result.user_agent.major or ""
        parts.append(f"{result.user_agent.family} {version}".strip())
    if result.os is not None and result.os.family != "Other":
        os_version = result.os.major or ""
        parts.append(f"{result.os.family} {os_version}".strip())
    if result.device is not None and result.device.family not in {"Other", "Mac", ""}:
        parts.append(result.device.family)
    return " · ".join(parts)


def locate(ip: str | None) -> str:
    """City and country from the GeoIP database named by KEFU_GEOIP_PATH, if any."""
    path: str | None = settings.KEFU_GEOIP_PATH
    if not path or not ip:
        return ""
    try:
        import geoip2.database
        import geoip2.errors

        with geoip2.database.Reader(path) as reader:
            city = reader.city(ip)
    except (OSError, ValueError) as exc:
        logger.debug("no location for %s: %s", ip, exc)
        return ""
    except Exception:  # geoip2.errors.AddressNotFoundError and friends
        return ""
    names = [city.city.name, city.country.name]
    return ", ".join(n for n in names if n)[:120]
