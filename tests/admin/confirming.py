"""Confirming an admin action as the page does: ask for the page, then post its token back."""

from __future__ import annotations

from typing import Any

from django_momo.admin.confirmation import TOKEN_FIELD

from .conftest import post_action


def confirmation(client: Any, url: str, action: str, ids: list[int], **extra: Any) -> Any:
    """The confirmation page of ``action`` for ``ids``; asserts that it was shown."""
    page = post_action(client, url, action, ids, **extra)
    assert page.status_code == 200, page.status_code
    assert page.context["token"], "the page carries no token"
    return page


def token_of(page: Any) -> str:
    """The signed token a confirmation page carries."""
    return str(page.context["token"])


def submit(client: Any, url: str, action: str, ids: list[int], page: Any, **extra: Any) -> Any:
    """POST the confirmation of ``page`` (with its token) and the form fields in ``extra``."""
    data = {"confirm": "yes", TOKEN_FIELD: token_of(page), **extra}
    return post_action(client, url, action, ids, **data)


def confirm(client: Any, url: str, action: str, ids: list[int], **extra: Any) -> Any:
    """Show the confirmation page for ``ids`` and submit it with the fields in ``extra``."""
    page = confirmation(client, url, action, ids)
    return submit(client, url, action, ids, page, **extra)
