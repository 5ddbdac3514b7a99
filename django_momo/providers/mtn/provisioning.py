"""Sandbox provisioning: create an API user (its id is ours to choose) and an API key for it.

Only MTN's sandbox offers this; production API users come from the country's Partner Portal.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping

import requests

from django_momo.providers.base import (
    ConfigurationError,
    Submission,
    SubmissionState,
    TransientError,
)
from django_momo.providers.http import HttpTransport
from django_momo.providers.mtn import validation as v
from django_momo.providers.mtn.client import check_base_url
from django_momo.providers.mtn.errors import PROVIDER, error_from_response
from django_momo.providers.mtn.results import ApiUser
from django_momo.providers.sensitive import sensitive_variables


class SandboxProvisioning:
    """Creates sandbox API users and keys with a product subscription key."""

    @sensitive_variables("subscription_key")
    def __init__(
        self,
        *,
        base_url: str,
        subscription_key: str,
        transport: HttpTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = check_base_url(base_url)
        if not isinstance(subscription_key, str) or not subscription_key.strip():
            raise ConfigurationError("subscription_key is required", provider=PROVIDER)
        self._subscription_key = subscription_key.strip()
        self.transport = transport or HttpTransport(provider=PROVIDER)
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"SandboxProvisioning(base_url={self.base_url!r}, subscription_key='***')"

    def create_api_user(self, reference_id: str, provider_callback_host: str) -> Submission:
        """Create API user ``reference_id`` (201 ACCEPTED; 409 if that id exists already)."""
        ref = v.validate_reference_id(reference_id)
        host = v.validate_host(provider_callback_host)
        body = json.dumps({"providerCallbackHost": host}).encode()
        headers = {"X-Reference-Id": ref, "Content-Type": "application/json"}
        response = self._send(
            "POST", "/v1_0/apiuser", "create_api_user", headers, body, ref, ok=(201, 409)
        )
        state = (
            SubmissionState.ALREADY_BOOKED
            if response.status_code == 409
            else SubmissionState.ACCEPTED
        )
        return Submission(ref, state, response.status_code)

    def get_api_user(self, api_user: str) -> ApiUser:
        """The API user's providerCallbackHost and target environment."""
        ref = v.validate_reference_id(api_user, "api_user")
        response = self._send("GET", f"/v1_0/apiuser/{ref}", "get_api_user", {}, None, ref)
        data = _json_object(response, "get_api_user")
        host = data.get("providerCallbackHost")
        env = data.get("targetEnvironment")
        return ApiUser(ref, None if host is None else str(host), None if env is None else str(env))

    @sensitive_variables("key")
    def create_api_key(self, api_user: str) -> str:
        """A new API key for ``api_user`` (MTN cannot show an existing one again)."""
        ref = v.validate_reference_id(api_user, "api_user")
        # No body, explicit length: without it MTN's gateway answers 411.
        headers = {"Content-Length": "0"}
        response = self._send(
            "POST", f"/v1_0/apiuser/{ref}/apikey", "create_api_key", headers, b"", ref, ok=(201,)
        )
        key = _json_object(response, "create_api_key").get("apiKey")
        if not isinstance(key, str) or not key:
            raise TransientError("MTN create_api_key answered without apiKey", provider=PROVIDER)
        return key

    def provision(
        self, provider_callback_host: str, reference_id: str | None = None
    ) -> tuple[str, str]:
        """Create an API user and its key; returns ``(api_user, api_key)``."""
        ref = reference_id or str(uuid.uuid4())
        self.create_api_user(ref, provider_callback_host)
        return ref, self.create_api_key(ref)

    # ``secrets`` is the name the error mapper (called from here) gives the key.
    @sensitive_variables("sent", "secrets")
    def _send(
        self,
        method: str,
        path: str,
        operation: str,
        headers: Mapping[str, str],
        data: bytes | None,
        reference: str,
        ok: tuple[int, ...] = (200,),
    ) -> requests.Response:
        sent = {"Ocp-Apim-Subscription-Key": self._subscription_key, **headers}
        delays = self.transport.backoff_delays()
        while True:
            try:
                response = self.transport.send(
                    method, self.base_url + path, headers=sent, data=data, reference=reference
                )
            except TransientError:
                delay = next(delays, None)
                if delay is None:
                    raise
                self._sleep(delay)
                continue
            if response.status_code in ok:
                return response
            error = error_from_response(
                response,
                operation=operation,
                reference=reference,
                secrets=(self._subscription_key,),
            )
            delay = next(delays, None) if isinstance(error, TransientError) else None
            if delay is None:
                raise error
            self._sleep(delay)


def _json_object(response: requests.Response, operation: str) -> dict[str, object]:
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise TransientError(
            f"MTN {operation} answered a non-JSON body",
            provider=PROVIDER,
            http_status=response.status_code,
        )
    return data
