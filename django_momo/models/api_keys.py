"""API keys of the REST API: how a shop's own backend calls it without a password.

A key reads ``mk_live_ab12cd34.<secret>``: the prefix is public (it names the key in the admin,
in lists and in logs), the secret after the dot is 32 random bytes (``secrets.token_urlsafe``)
shown once, when the key is issued, and never stored.

The database keeps ``sha256(secret)`` only. A password needs a slow hash because people choose
guessable ones; a 256-bit random secret cannot be guessed, so one SHA-256 is as irreversible as
any slow hash and costs microseconds instead of half a second per request. Keying it with
``SECRET_KEY`` (HMAC) would add nothing against a database leak and would break every key when
that setting is rotated. The comparison is constant-time (``hmac.compare_digest``).

A key acts as its ``owner``; what it may do is what the owner may do *and* what its ``scopes``
name (permission codenames such as ``"django_momo.add_transfer"``). A key with no scopes may
only read. ``accounts`` (empty: all) limits which provider accounts it may read and pay from.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PREFIX_START = "mk_live_"
SEPARATOR = "."
SECRET_BYTES = 32
# last_used_at is written at most this often per key: not a write per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
KEY_PATTERN = re.compile(r"^(mk_live_[0-9a-f]{8})\.([A-Za-z0-9_-]{43})$")


def hash_secret(secret: str) -> str:
    """The stored form of a key's secret: hex SHA-256 (see the module docstring for why)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def known_scopes() -> dict[str, str]:
    """Every permission a key may carry (those of this app): ``{"django_momo.x": "Can x"}``."""
    from django.contrib.auth.models import Permission

    rows = Permission.objects.filter(content_type__app_label="django_momo").order_by("codename")
    return {f"django_momo.{p.codename}": str(p.name) for p in rows}


def check_scopes(scopes: Iterable[str]) -> list[str]:
    """The scopes, sorted; ``ValueError`` naming the first one that is not a known permission."""
    known = known_scopes()
    for scope in scopes:
        if scope not in known:
            raise ValueError(
                f"unknown permission {scope!r}: a scope is a django_momo permission codename "
                f"such as 'django_momo.add_transfer'"
            )
    return sorted(set(scopes))


def check_accounts(accounts: Iterable[str]) -> list[str]:
    """The account names, sorted; ``ValueError`` naming the first one that is not configured."""
    from django_momo.conf import momo_settings

    known = momo_settings.accounts()
    for account in accounts:
        if account not in known:
            names = ", ".join(sorted(known)) or "none configured"
            raise ValueError(f"unknown account {account!r} (known: {names})")
    return sorted(set(accounts))


class InvalidApiKey(Exception):
    """A presented key that may not be used; the message says why and never contains the key."""


class ApiKey(models.Model):
    """A key a backend presents as ``Authorization: Api-Key <key>``; only its hash is kept."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="momo_api_keys",
        verbose_name=_("owner"),
        help_text=_("The user this key acts as."),
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("What the key is for."))
    prefix = models.CharField(_("key id"), max_length=20, unique=True, editable=False)
    secret_hash = models.CharField(_("secret hash"), max_length=64, editable=False)
    scopes = models.JSONField(
        _("scopes"),
        default=list,
        blank=True,
        help_text=_("Permission codenames the key may use, e.g. django_momo.add_transfer."),
    )
    accounts = models.JSONField(
        _("accounts"),
        default=list,
        blank=True,
        help_text=_("Provider accounts the key may use; empty means all."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix} ({self.name})"

    def __repr__(self) -> str:
        return f"<ApiKey {self.prefix} owner={self.owner_id}>"

    @classmethod
    def issue(
        cls,
        *,
        owner: Any,
        name: str,
        scopes: Iterable[str] = (),
        accounts: Iterable[str] = (),
        expires_at: datetime | None = None,
        created_by: Any = None,
    ) -> tuple[ApiKey, str]:
        """Create a key; returns ``(key, plaintext)``. The plaintext exists only in the answer."""
        for _attempt in range(5):
            prefix = PREFIX_START + secrets.token_hex(4)
            secret = secrets.token_urlsafe(SECRET_BYTES)
            key = cls(
                owner=owner,
                name=name,
                prefix=prefix,
                secret_hash=hash_secret(secret),
                scopes=sorted(set(scopes)),
                accounts=sorted(set(accounts)),
                expires_at=expires_at,
                created_by=created_by,
            )
            try:
                with transaction.atomic():
                    key.save()
            except IntegrityError:
                continue  # the 32-bit prefix is taken (rare): draw another
            return key, f"{prefix}{SEPARATOR}{secret}"
        raise IntegrityError("could not draw an unused API key prefix")

    @classmethod
    def authenticate(cls, presented: str, *, now: datetime | None = None) -> ApiKey:
        """The usable key ``presented`` names; raises ``InvalidApiKey`` saying why not."""
        match = KEY_PATTERN.match(presented)
        if match is None:
            raise InvalidApiKey(
                f"malformed API key: expected {PREFIX_START}<8 hex digits>{SEPARATOR}<secret>"
            )
        prefix, secret = match.groups()
        # One indexed lookup per request; no ORDER BY (the prefix is unique), it costs here.
        found = list(cls.objects.select_related("owner").filter(prefix=prefix).order_by()[:1])
        key = found[0] if found else None
        # Hash even for an unknown prefix, so both refusals take the same time.
        presented_hash = hash_secret(secret)
        stored = key.secret_hash if key is not None else "0" * 64
        if not hmac.compare_digest(presented_hash, stored) or key is None:
            raise InvalidApiKey("unknown API key")
        now = now or timezone.now()
        if key.revoked_at is not None:
            raise InvalidApiKey(f"API key {prefix} was revoked")
        if key.expires_at is not None and key.expires_at <= now:
            raise InvalidApiKey(f"API key {prefix} has expired")
        if not key.owner.is_active:
            raise InvalidApiKey(f"the owner of API key {prefix} is inactive")
        key.touch(now)
        return key

    def touch(self, now: datetime) -> None:
        """Record a use, at most once per ``LAST_USED_RESOLUTION`` (one conditional UPDATE)."""
        last = self.last_used_at
        if last is not None and now - last < LAST_USED_RESOLUTION:
            return
        stale = models.Q(last_used_at__isnull=True) | models.Q(
            last_used_at__lt=now - LAST_USED_RESOLUTION
        )
        type(self).objects.filter(stale, pk=self.pk).update(last_used_at=now)
        self.last_used_at = now

    def revoke(self, now: datetime | None = None) -> bool:
        """Revoke the key; False when it was revoked already (the first revocation time stays)."""
        now = now or timezone.now()
        done = type(self).objects.filter(pk=self.pk, revoked_at__isnull=True).update(revoked_at=now)
        if done:
            self.revoked_at = now
        return bool(done)

    @property
    def state(self) -> str:
        """``active``, ``expired`` or ``revoked``."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= timezone.now():
            return "expired"
        return "active"

    def allows_account(self, account: str) -> bool:
        """May this key use provider account ``account``?"""
        return not self.accounts or account in self.accounts
