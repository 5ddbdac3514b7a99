"""Account-holder KYC with consent: bc-authorize, the CIBA token grant, then userinfo."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django_momo.providers.base import InvalidInputError, ProviderError, TransientError
from django_momo.providers.mtn import validation as v
from django_momo.providers.mtn.client import MtnProductClient, basic_auth
from django_momo.providers.mtn.errors import PROVIDER
from django_momo.providers.mtn.results import ConsentRequest, UserInfo
from django_momo.providers.sensitive import sensitive_variables

CIBA_GRANT = "urn:openid:params:grant-type:ciba"
ACCESS_TYPES = ("online", "offline")
# OAuth "keep polling" answers of the token endpoint while the holder has not answered yet.
PENDING_ERRORS = frozenset({"authorization_pending", "slow_down"})
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True, slots=True)
class OAuth2Token:
    """A token the account holder's consent released; ``repr`` hides it."""

    access_token: str = field(repr=False)
    token_type: str
    expires_in: int
    scope: str | None = None
    refresh_token: str | None = field(default=None, repr=False)


class ConsentMixin(MtnProductClient):
    """The consent flow, available under every product."""

    def bc_authorize(
        self,
        msisdn: str,
        *,
        scope: str = "profile",
        access_type: str = "offline",
        consent_valid_in: int | None = None,
        callback_url: str | None = None,
    ) -> ConsentRequest:
        """Ask the account holder to consent (``login_hint=ID:<msisdn>/MSISDN``)."""
        form = self._bc_form(msisdn, scope, access_type, consent_valid_in)
        extra = {"Content-Type": FORM}
        target = self._callback(callback_url)
        if target:
            extra["X-Callback-Url"] = target
        response = self._send_with_retries(
            "POST",
            self._url("/v1_0/bc-authorize"),
            operation="bc_authorize",
            headers=self._business_headers(extra),
            data=form,
            bearer=True,
            # Repeating it would prompt the holder twice.
            retry=False,
        )
        data = self._json(response, "bc_authorize")
        if not isinstance(data, dict) or not data.get("auth_req_id"):
            raise TransientError("MTN bc_authorize answered without auth_req_id", provider=PROVIDER)
        return ConsentRequest(
            auth_req_id=str(data["auth_req_id"]),
            interval=_int(data.get("interval"), 1),
            expires_in=_int(data.get("expires_in"), 120),
        )

    @sensitive_variables("headers", "data")
    def create_oauth2_token(self, auth_req_id: str) -> OAuth2Token:
        """Exchange a consented ``auth_req_id`` for an OAuth2 token (CIBA grant)."""
        ident = v.validate_text(auth_req_id, "auth_req_id")
        headers = self._business_headers(
            {
                "Authorization": basic_auth(self.credentials.api_user, self.credentials.api_key),
                "Content-Type": FORM,
            }
        )
        form = urlencode({"grant_type": CIBA_GRANT, "auth_req_id": ident})
        response = self._send_with_retries(
            "POST",
            self._url("/oauth2/token/"),
            operation="create_oauth2_token",
            headers=headers,
            data=form,
        )
        data = self._json(response, "create_oauth2_token")
        if not isinstance(data, dict) or not data.get("access_token"):
            raise TransientError("MTN oauth2 token answer has no access_token", provider=PROVIDER)
        return OAuth2Token(
            access_token=str(data["access_token"]),
            token_type=str(data.get("token_type", "")),
            expires_in=_int(data.get("expires_in"), 3600),
            scope=data.get("scope"),
            refresh_token=data.get("refresh_token"),
        )

    @sensitive_variables("oauth2_token", "token", "headers")
    def get_user_info_with_consent(self, oauth2_token: OAuth2Token | str) -> UserInfo:
        """The consented KYC data, read with the OAuth2 token."""
        token = oauth2_token.access_token if isinstance(oauth2_token, OAuth2Token) else oauth2_token
        headers = self._business_headers({"Authorization": f"Bearer {token}"})
        response = self._send_with_retries(
            "GET", self._url("/oauth2/v1_0/userinfo"), operation="userinfo", headers=headers
        )
        data = self._json(response, "userinfo")
        if not isinstance(data, dict):
            raise TransientError("MTN userinfo answered an unexpected body", provider=PROVIDER)
        return UserInfo.from_json(data)

    def ask_user_info(
        self,
        msisdn: str,
        *,
        scope: str = "profile",
        access_type: str = "offline",
        consent_valid_in: int | None = None,
        timeout: float = 120.0,
    ) -> UserInfo:
        """The whole consent flow: ask, wait for the holder's consent, read the user info."""
        self._bc_form(msisdn, scope, access_type, consent_valid_in)  # validate before any call
        request = self.bc_authorize(
            msisdn, scope=scope, access_type=access_type, consent_valid_in=consent_valid_in
        )
        deadline = time.monotonic() + min(timeout, max(request.expires_in, 1))
        interval = max(request.interval, 0)
        while True:
            try:
                token = self.create_oauth2_token(request.auth_req_id)
                break
            except ProviderError as exc:
                if (exc.code or "").lower() not in PENDING_ERRORS:
                    raise
                if exc.code == "slow_down":
                    interval += 5
                if time.monotonic() + interval > deadline:
                    raise TransientError(
                        "the account holder did not consent in time",
                        provider=PROVIDER,
                        code=exc.code,
                    ) from None
                self._sleep(interval)
        return self.get_user_info_with_consent(token)

    def _bc_form(
        self, msisdn: str, scope: str, access_type: str, consent_valid_in: int | None
    ) -> str:
        number = v.validate_msisdn(msisdn)
        scope_text = v.validate_text(scope, "scope")
        if access_type not in ACCESS_TYPES:
            raise InvalidInputError("access_type", f"must be one of {', '.join(ACCESS_TYPES)}")
        fields = {
            "login_hint": f"ID:{number}/MSISDN",
            "scope": scope_text,
            "access_type": access_type,
        }
        if consent_valid_in is not None:
            if isinstance(consent_valid_in, bool) or not isinstance(consent_valid_in, int):
                raise InvalidInputError("consent_valid_in", "must be a number of seconds")
            if consent_valid_in <= 0 or access_type != "offline":
                raise InvalidInputError(
                    "consent_valid_in", "must be positive and needs access_type='offline'"
                )
            fields["consent_valid_in"] = str(consent_valid_in)
        return urlencode(fields)


def _int(value: object, default: int) -> int:
    try:
        return int(str(value))
    except ValueError:
        return default
