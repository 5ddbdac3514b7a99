"""Rate limits of the API, by scope, only where the project configured a rate."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

# Scope names for REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], e.g. {"momo_api_create": "60/min"}.
READ_SCOPE = "momo_api"
CREATE_SCOPE = "momo_api_create"


class MomoScopedThrottle(ScopedRateThrottle):
    """``momo_api`` for reads, ``momo_api_create`` for POSTs; a scope without a rate is free."""

    def allow_request(self, request: Request, view: Any) -> bool:
        scope = READ_SCOPE if request.method in SAFE_METHODS else CREATE_SCOPE
        # Read per request (not at import) so that settings overrides apply.
        rates = api_settings.DEFAULT_THROTTLE_RATES or {}
        if not rates.get(scope):
            return True
        self.THROTTLE_RATES = rates  # type: ignore[assignment]
        self.scope = scope
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return SimpleRateThrottle.allow_request(self, request, view)
