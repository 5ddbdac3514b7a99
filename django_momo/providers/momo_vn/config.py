"""MoMo Vietnam's hosts, currency, languages and retention, and one merchant's credentials."""

from __future__ import annotations

from dataclasses import dataclass, field

TEST_BASE_URL = "https://test-payment.momo.vn"
PRODUCTION_BASE_URL = "https://payment.momo.vn"

# MoMo pays out in Vietnamese dong only.
CURRENCY = "VND"

# The languages of MoMo's answers (``lang``), the default first.
# ``validation.LANGS`` must hold the same values (a test compares them).
LANGS: tuple[str, ...] = ("vi", "en")
DEFAULT_LANG = LANGS[0]

# MoMo keeps a requestId for at least 31 days (its idempotency document): a re-send under the
# same requestId later than that could be processed as a new payout.
REQUEST_ID_RETENTION_DAYS = 31


@dataclass(frozen=True)
class MomoCredentials:
    """Base URL, partner code, access key, secret key and MoMo's RSA public key (PEM or base64).

    The environment is chosen by the host alone: MoMo's keys carry no test/live marker.
    """

    base_url: str
    partner_code: str
    access_key: str = field(repr=False)
    secret_key: str = field(repr=False)
    public_key: str = field(repr=False)

    def __post_init__(self) -> None:
        # Imported here to keep this module free of the validation rules' dependencies.
        from django_momo.providers.base import ConfigurationError

        for name in ("base_url", "partner_code", "access_key", "secret_key", "public_key"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ConfigurationError(f"MomoCredentials.{name} must be a non-empty string")
        if not self.base_url.startswith(("https://", "http://")):
            raise ConfigurationError("MomoCredentials.base_url must start with https:// or http://")
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))

    def __repr__(self) -> str:
        return (
            f"MomoCredentials(base_url={self.base_url!r}, partner_code={self.partner_code!r}, "
            "access_key='***', secret_key='***', public_key='***')"
        )

    @property
    def secrets(self) -> tuple[str, str]:
        """The values that must never appear in a log line or an error message."""
        return (self.access_key, self.secret_key)
