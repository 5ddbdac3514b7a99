"""Small input helpers shared by the validation of every provider: refuse, never repair."""

from __future__ import annotations

from django_momo.providers.base import InvalidInputError
from django_momo.services.errors import InvalidRequest


def text(value: object, field: str) -> str:
    """``value`` when it is a string, ``""`` for ``None``; anything else is refused."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidRequest(field, "must be a string")
    return value


def field_error(exc: InvalidInputError, field: str | None = None) -> InvalidRequest:
    """A provider package's input error as the services' ``InvalidRequest`` on ``field``."""
    name = field or exc.field
    return InvalidRequest(name, exc.message.removeprefix(f"{exc.field}: "))
