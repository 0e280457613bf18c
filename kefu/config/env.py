"""Strict parsing of settings from environment variables.

A value that cannot be parsed stops the start with an error naming the variable: a typo in
``KEFU_SECURE_COOKIES=ture`` must not silently fall back to a default. Secrets may be given
as ``NAME_FILE`` pointing at a file (Docker/Kubernetes secrets), never both.
"""

from __future__ import annotations

import builtins
import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


class EnvError(ImproperlyConfigured):
    """A setting given in the environment is missing or malformed."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"Environment variable {name}: {problem}")
        self.name = name


class Env:
    """Reads typed values from a mapping (``os.environ`` by default)."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = os.environ if environ is None else environ

    def _raw(self, name: str) -> str | None:
        file_name = f"{name}_FILE"
        direct = self._environ.get(name)
        path = self._environ.get(file_name)
        if direct is not None and path is not None:
            raise EnvError(name, f"set either {name} or {file_name}, not both")
        if path is not None:
            try:
                return Path(path).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise EnvError(file_name, f"cannot read {path!r}: {exc.strerror}") from exc
        return direct

    def str(self, name: str, default: str | None = None) -> str:
        value = self._raw(name)
        if value is None or value == "":
            if default is None:
                raise EnvError(name, "is required")
            return default
        return value

    def optional_str(self, name: builtins.str) -> builtins.str | None:
        value = self._raw(name)
        return value or None

    def bool(self, name: builtins.str, default: builtins.bool) -> builtins.bool:
        value = self._raw(name)
        if value is None or value == "":
            return default
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise EnvError(name, f"expected true or false, got {value!r}")

    def int(
        self,
        name: builtins.str,
        default: builtins.int,
        *,
        minimum: builtins.int | None = None,
        maximum: builtins.int | None = None,
    ) -> builtins.int:
        value = self._raw(name)
        if value is None or value == "":
            return default
        try:
            number = int(value.strip(), 10)
        except ValueError:
            raise EnvError(name, f"expected a whole number, got {value!r}") from None
        if minimum is not None and number < minimum:
            raise EnvError(name, f"must be at least {minimum}, got {number}")
        if maximum is not None and number > maximum:
            raise EnvError(name, f"must be at most {maximum}, got {number}")
        return number

    def list(
        self, name: builtins.str, default: builtins.list[builtins.str] | None = None
    ) -> builtins.list[builtins.str]:
        value = self._raw(name)
        if value is None or value.strip() == "":
            return list(default or [])
        items = [item.strip() for item in value.split(",")]
        if any(not item for item in items):
            raise EnvError(name, f"empty item in comma-separated list {value!r}")
        return items

    def ints(
        self, name: builtins.str, default: tuple[builtins.int, ...], *,
        minimum: builtins.int | None = None,
    ) -> tuple[builtins.int, ...]:
        """Comma-separated whole numbers, exactly as many as ``default`` has."""
        value = self._raw(name)
        if value is None or value.strip() == "":
            return default
        try:
            numbers = tuple(int(item.strip(), 10) for item in value.split(","))
        except ValueError:
            raise EnvError(name, f"expected comma-separated whole numbers, got {value!r}") from None
        if len(numbers) != len(default):
            raise EnvError(name, f"expected {len(default)} numbers, got {len(numbers)}")
        if minimum is not None and any(n < minimum for n in numbers):
            raise EnvError(name, f"every number must be at least {minimum}, got {value!r}")
        return numbers

    def url(self, name: builtins.str, *, schemes: set[builtins.str]) -> builtins.str | None:
        value = self._raw(name)
        if value is None or value.strip() == "":
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in schemes:
            allowed = ", ".join(sorted(schemes))
            raise EnvError(name, f"scheme must be one of {allowed}, got {parts.scheme or 'none'!r}")
        if not parts.hostname and parts.scheme not in {"sqlite", "memory"}:
            raise EnvError(name, "has no host name")
        return value.strip()

    def choice(
        self, name: builtins.str, default: builtins.str, choices: set[builtins.str]
    ) -> builtins.str:
        value = self.str(name, default)
        if value not in choices:
            raise EnvError(name, f"must be one of {', '.join(sorted(choices))}, got {value!r}")
        return value


env = Env()
