"""``Authorization: Api-Key <key>``: how a shop's backend authenticates without a password.

The django-momo API views try this class first, then the project's
``DEFAULT_AUTHENTICATION_CLASSES`` (session, basic ...), so both keep working. Being first also
makes a missing or refused credential a 401 with ``WWW-Authenticate: Api-Key`` (DRF takes that
header from the first authentication class); an authenticated key lacking a permission is a 403.
"""

from __future__ import annotations

import logging
from typing import Any

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from django_momo.models.api_keys import ApiKey, InvalidApiKey

logger = logging.getLogger("django_momo")

KEYWORD = "Api-Key"


class ApiKeyAuthentication(BaseAuthentication):
    """``Authorization: Api-Key mk_live_...`` authenticates as the key's owner; auth is the key."""

    keyword = KEYWORD

    def authenticate(self, request: Request) -> tuple[Any, ApiKey] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None  # another scheme (or none): the next authentication class decides
        if len(parts) != 2:
            raise AuthenticationFailed(
                f"malformed {self.keyword} header: expected '{self.keyword} <key>'"
            )
        try:
            presented = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed("malformed API key: it is not ASCII") from None
        try:
            key = ApiKey.authenticate(presented)
        except InvalidApiKey as exc:
            # The message names the public prefix at most, never the secret.
            logger.info("API key refused: %s", exc)
            raise AuthenticationFailed(str(exc)) from None
        return key.owner, key

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


def with_api_keys(classes: Any) -> list[Any]:
    """``classes`` (authentication classes) with ``ApiKeyAuthentication`` first, once."""
    listed = [c for c in classes if c is not ApiKeyAuthentication]
    return [ApiKeyAuthentication, *listed]
