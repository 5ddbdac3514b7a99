"""MTN sandbox: account-holder lookups and the "ask user info with consent" (CIBA) flow."""

from __future__ import annotations

import re
import secrets
from typing import TYPE_CHECKING, Any

from ..frame.web import Request, Response
from . import wire

if TYPE_CHECKING:
    from .protocol import MtnProtocol

CIBA_GRANT = "urn:openid:params:grant-type:ciba"
LOGIN_HINT_RE = re.compile(r"^ID:([^/\s]+)/(MSISDN|EMAIL|PARTY_CODE|ALIAS)$", re.IGNORECASE)
CONSENT_TTL = 300.0
POLL_INTERVAL = 5
REFRESH_TOKEN_TTL = 86_400

UNKNOWN_HOLDER = "46733123450"
INACTIVE_HOLDER = "46733123451"
HOLDER_TYPES = {
    "msisdn": "MSISDN",
    "email": "EMAIL",
    "party_code": "PARTY_CODE",
    "alias": "ALIAS",
    "id": "ALIAS",
}

# The one person MTN's sandbox knows (mtn_momo.md section 4).
SAND_BOX: dict[str, Any] = {
    "sub": "0",
    "name": "Sand Box",
    "given_name": "Sand",
    "family_name": "Box",
    "birthdate": "1976-08-13",
    "locale": "sv_SE",
    "gender": "MALE",
    "updated_at": 1_700_000_000,
}


class Consent:
    """Routes of the consent flow and account-holder queries for one ``MtnProtocol``."""

    def __init__(self, protocol: MtnProtocol) -> None:
        self.protocol = protocol
        self.accounts = protocol.accounts

    def handle(self, request: Request, product: str, rest: list[str]) -> Response:
        """``v1_0/bc-authorize``, ``oauth2/token/``, ``oauth2/v1_0/userinfo``."""
        if rest == ["v1_0", "bc-authorize"] and request.method == "POST":
            return self._bc_authorize(request, product)
        if rest == ["oauth2", "token"] and request.method == "POST":
            return self._oauth2_token(request, product)
        if rest == ["oauth2", "v1_0", "userinfo"] and request.method == "GET":
            self.protocol.business(request, product, kind="oauth2")
            return Response.json(dict(SAND_BOX))
        return wire.apim_error(404, "Resource not found")

    @staticmethod
    def _form(request: Request) -> dict[str, str]:
        ctype = (request.headers.get("Content-Type") or "").lower()
        if "application/x-www-form-urlencoded" not in ctype:
            raise wire.bad_request("Content-Type must be application/x-www-form-urlencoded.")
        try:
            return request.form()
        except UnicodeDecodeError:
            raise wire.bad_request("The form body is not UTF-8.") from None

    def _bc_authorize(self, request: Request, product: str) -> Response:
        user_id = self.protocol.business(request, product)
        self.protocol.callback_url(request, user_id)
        form = self._form(request)
        hint = form.get("login_hint", "")
        match = LOGIN_HINT_RE.match(hint)
        if match is None:
            raise wire.bad_request("login_hint must look like ID:46733123450/MSISDN.")
        wire.check_party_id(match.group(2), match.group(1), "login_hint")
        scope = form.get("scope", "").strip()
        if not scope:
            raise wire.bad_request("scope is missing.")
        if form.get("access_type") not in ("online", "offline"):
            raise wire.bad_request("access_type must be online or offline.")
        auth_req_id = self.accounts.new_auth_request(product, user_id, hint, scope, CONSENT_TTL)
        return Response.json(
            {"auth_req_id": auth_req_id, "interval": POLL_INTERVAL, "expires_in": int(CONSENT_TTL)}
        )

    def _oauth2_token(self, request: Request, product: str) -> Response:
        if "Content-Length" not in request.headers:
            return wire.length_required()
        self.protocol.subscription(request, product)
        user = self.accounts.check_basic(request.headers.get("Authorization"))
        if user is None:
            return wire.token_error(401, "login_failed")
        if request.headers.get("X-Target-Environment") != wire.TARGET_ENVIRONMENT:
            return wire.target_environment_error()
        form = self._form(request)
        if form.get("grant_type") != CIBA_GRANT:
            return wire.token_error(400, "unsupported_grant_type")
        auth = self.accounts.take_auth_request(form.get("auth_req_id", ""), product, user.user_id)
        if auth is None:
            return wire.token_error(400, "invalid_grant")
        match = LOGIN_HINT_RE.match(auth.login_hint)
        if match is not None and match.group(1) == INACTIVE_HOLDER:
            return wire.token_error(400, "access_denied")
        ttl = float(self.protocol.option("mtn_token_ttl", 3600.0))
        token = self.accounts.issue_token(
            product, user, ttl, kind="oauth2", scope=auth.scope, login_hint=auth.login_hint
        )
        return Response.json(
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": int(ttl),
                "scope": auth.scope,
                "refresh_token": secrets.token_urlsafe(32),
                "refresh_token_expired_in": REFRESH_TOKEN_TTL,
            }
        )

    def account_holder(self, request: Request, product: str, rest: list[str]) -> Response:
        """``accountholder/{type}/{id}/active`` and ``.../basicuserinfo``."""
        self.protocol.business(request, product)
        if len(rest) != 3 or rest[2] not in ("active", "basicuserinfo"):
            return wire.apim_error(404, "Resource not found")
        kind = HOLDER_TYPES.get(rest[0].lower())
        if kind is None:
            raise wire.bad_request("accountHolderIdType must be msisdn, email or party_code.")
        wire.check_party_id(kind, rest[1], "accountHolderId")
        if rest[1] == UNKNOWN_HOLDER:
            return wire.wallet_error(404, "RESOURCE_NOT_FOUND", "Account holder is not found")
        if rest[2] == "active":
            return Response.json({"result": rest[1] != INACTIVE_HOLDER})
        info = dict(SAND_BOX)
        info["status"] = "INACTIVE" if rest[1] == INACTIVE_HOLDER else "ACTIVE"
        return Response.json(info)
