from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.templatetags.static import static
from django.utils.translation import get_language


def platform(request: HttpRequest) -> dict[str, object]:
    """The platform's name in the current language, for headers and titles."""
    names: dict[str, str] = settings.KEFU_PLATFORM_NAME
    return {
        "platform_name": names.get(get_language() or "zh-hans", names["zh-hans"]),
        "kefu_demo": settings.KEFU_DEMO,
        "icons_url": static("kefu/img/icons.svg"),
    }
