"""MTN sandbox accounts: API users and keys, access tokens, consent (CIBA) requests, statistics."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import threading
import time
import uuid
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .. import presets

# Memory bounds: the oldest tokens / consent requests are forgotten first (a client holding one
# of those gets a 401 and fetches a new one, as after a real expiry).
MAX_TOKENS = 100_000
MAX_AUTH_REQUESTS = 10_000
MAX_API_KEYS_PER_USER = 16


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class ApiUser:
    """A provisioned API user: its id, its callback host and the digests of its API keys."""

    user_id: str
    callback_host: str
    key_digests: list[str] = field(default_factory=list)

    def has_key(self, key: str) -> bool:
        """True when ``key`` is one of this user's API keys (constant-time compare)."""
        wanted = _digest(key)
        return any(hmac.compare_digest(wanted, d) for d in self.key_digests)


@dataclass(frozen=True)
class Token:
    """An issued bearer token: ``access`` (client credentials) or ``oauth2`` (user consent)."""

    product: str
    api_user: str
    kind: str
    expires_at: float
    scope: str = ""
    login_hint: str = ""


@dataclass(frozen=True)
class AuthRequest:
    """A bc-authorize request waiting to be exchanged at ``/oauth2/token/``."""

    product: str
    api_user: str
    login_hint: str
    scope: str
    expires_at: float


class Accounts:
    """Thread-safe store of API users, tokens and consent requests of the MTN sandbox."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users: dict[str, ApiUser] = {}
        self._tokens: OrderedDict[str, Token] = OrderedDict()
        self._auth: OrderedDict[str, AuthRequest] = OrderedDict()
        self._issued: Counter[tuple[str, str]] = Counter()
        self._oauth2_issued: Counter[tuple[str, str]] = Counter()
        self._requests: Counter[str] = Counter()
        self._faults: Counter[str] = Counter()
        self._revocations = 0
        self.reset()

    def reset(self) -> None:
        """Forget everything but the preset API user."""
        with self._lock:
            self._users = {
                presets.MTN_API_USER: ApiUser(
                    presets.MTN_API_USER,
                    presets.MTN_CALLBACK_HOST,
                    [_digest(presets.MTN_API_KEY)],
                )
            }
            self._tokens.clear()
            self._auth.clear()
            self._issued.clear()
            self._oauth2_issued.clear()
            self._requests.clear()
            self._faults.clear()
            self._revocations = 0

    # -- API users ------------------------------------------------------------------------------
    def create_user(self, user_id: str, callback_host: str) -> bool:
        """Provision an API user; False when the id is taken."""
        with self._lock:
            if user_id in self._users:
                return False
            self._users[user_id] = ApiUser(user_id, callback_host)
            return True

    def get_user(self, user_id: str) -> ApiUser | None:
        """The API user ``user_id`` or None."""
        with self._lock:
            return self._users.get(user_id)

    def new_key(self, user_id: str) -> str | None:
        """Generate an API key for ``user_id`` (earlier keys stay valid); None if unknown."""
        key = secrets.token_hex(16)
        with self._lock:
            user = self._users.get(user_id)
            if user is None:
                return None
            user.key_digests.append(_digest(key))
            del user.key_digests[:-MAX_API_KEYS_PER_USER]
        return key

    def check_basic(self, header: str | None) -> ApiUser | None:
        """The API user authenticated by an ``Authorization: Basic`` header, or None."""
        if not header or not header.startswith("Basic "):
            return None
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        user_id, sep, key = decoded.partition(":")
        if not sep:
            return None
        user = self.get_user(user_id)
        if user is None or not user.has_key(key):
            return None
        return user

    # -- tokens ---------------------------------------------------------------------------------
    def issue_token(
        self,
        product: str,
        user: ApiUser,
        ttl: float,
        *,
        kind: str = "access",
        scope: str = "",
        login_hint: str = "",
    ) -> str:
        """Issue an opaque JWT-like bearer token for ``product`` valid ``ttl`` seconds."""
        now = time.time()
        session = str(uuid.uuid4())
        header = _b64(json.dumps({"typ": "JWT", "alg": "R256"}).encode())
        claims = {
            "clientId": user.user_id,
            "expires": datetime.fromtimestamp(now + ttl, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3],
            "sessionId": session,
        }
        payload = _b64(json.dumps(claims).encode())
        token = f"{header}.{payload}.{_b64(secrets.token_bytes(48))}"
        with self._lock:
            self._tokens[token] = Token(product, user.user_id, kind, now + ttl, scope, login_hint)
            while len(self._tokens) > MAX_TOKENS:
                self._tokens.popitem(last=False)
            counter = self._issued if kind == "access" else self._oauth2_issued
            counter[(product, user.user_id)] += 1
        return token

    def check_bearer(self, header: str | None, product: str, kind: str) -> tuple[Token | None, str]:
        """The valid token of an ``Authorization: Bearer`` header, or ``(None, error)``."""
        if not header or not header.startswith("Bearer "):
            return None, "invalid_token"
        with self._lock:
            token = self._tokens.get(header[7:].strip())
        if token is None or token.product != product or token.kind != kind:
            return None, "invalid_token"
        if time.time() >= token.expires_at:
            return None, "access_token_expired"
        return token, ""

    def revoke_all(self) -> int:
        """Invalidate every issued token; returns how many were live."""
        with self._lock:
            count = len(self._tokens)
            self._tokens.clear()
            self._revocations += 1
            return count

    # -- consent (CIBA) -------------------------------------------------------------------------
    def new_auth_request(
        self, product: str, user_id: str, login_hint: str, scope: str, ttl: float
    ) -> str:
        """Record a bc-authorize request; returns its ``auth_req_id``."""
        auth_req_id = str(uuid.uuid4())
        with self._lock:
            self._auth[auth_req_id] = AuthRequest(
                product, user_id, login_hint, scope, time.time() + ttl
            )
            while len(self._auth) > MAX_AUTH_REQUESTS:
                self._auth.popitem(last=False)
        return auth_req_id

    def take_auth_request(self, auth_req_id: str, product: str, user_id: str) -> AuthRequest | None:
        """The live consent request ``auth_req_id`` of this product and user (used once)."""
        with self._lock:
            req = self._auth.get(auth_req_id)
            if req is None or req.product != product or req.api_user != user_id:
                return None
            del self._auth[auth_req_id]
        return req if time.time() < req.expires_at else None

    # -- statistics -----------------------------------------------------------------------------
    def count(self, endpoint: str) -> None:
        """Count one request to ``endpoint`` (a route name, so the key set stays small)."""
        with self._lock:
            self._requests[endpoint] += 1

    def count_fault(self, kind: str) -> None:
        """Count one request that suffered the fault ``kind``."""
        with self._lock:
            self._faults[kind] += 1

    def stats(self) -> dict[str, Any]:
        """Token issuances per product and API user, request counts per endpoint, faults."""

        def nested(counter: Counter[tuple[str, str]]) -> dict[str, dict[str, int]]:
            out: dict[str, dict[str, int]] = {}
            for (product, user_id), n in counter.items():
                out.setdefault(product, {})[user_id] = n
            return out

        with self._lock:
            return {
                "token_issuances": nested(self._issued),
                "token_issuances_total": sum(self._issued.values()),
                "oauth2_token_issuances": nested(self._oauth2_issued),
                "requests": dict(self._requests),
                "requests_total": sum(self._requests.values()),
                "faults": dict(self._faults),
                "live_tokens": len(self._tokens),
                "revocations": self._revocations,
                "api_users": len(self._users),
            }
