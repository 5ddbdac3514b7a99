"""MTN MoMo Open API configuration: products, target environments, credentials."""

from __future__ import annotations

from dataclasses import dataclass, field

SANDBOX_BASE_URL = "https://sandbox.momodeveloper.mtn.com"
# The legacy internet gateway; it is migrating (to https://momoapi.momo.africa), and some
# countries use their own host, so the base URL is always configuration, never hard-coded.
LEGACY_PRODUCTION_BASE_URL = "https://proxy.momoapi.mtn.com"

PRODUCTS: tuple[str, ...] = ("collection", "disbursement", "remittance")

# MTN's test installation (sandbox.momodeveloper.mtn.com) and its X-Target-Environment.
SANDBOX_TARGET_ENVIRONMENT = "sandbox"

# Every X-Target-Environment value MTN publishes, spelt exactly as MTN spells them.
TARGET_ENVIRONMENTS: tuple[str, ...] = (
    SANDBOX_TARGET_ENVIRONMENT,
    "mtnuganda",
    "mtnghana",
    "mtnivorycoast",
    "mtnzambia",
    "mtncameroon",
    "mtnbenin",
    "mtncongo",
    "mtnswaziland",
    "mtnguineaconakry",
    "mtnsouthafrica",
    "mtnliberia",
    "mtnsouthsudan",
    "mtnnigeria",
    "mtnrwanda",
)

# The sandbox settles in EUR whatever country one pretends to test.
SANDBOX_CURRENCY = "EUR"

# Refresh a token this many seconds before it expires (MTN: 60-minute tokens, refresh 10 early).
DEFAULT_TOKEN_REFRESH_MARGIN = 600.0

# MTN caps status queries at 10 per second per subscription.
STATUS_QUERIES_PER_SECOND = 10


@dataclass(frozen=True, slots=True)
class MtnCredentials:
    """One product's credentials. ``repr`` never shows the keys."""

    subscription_key: str = field(repr=False)
    api_user: str
    api_key: str = field(repr=False)

    def __repr__(self) -> str:
        return f"MtnCredentials(api_user={self.api_user!r}, subscription_key='***', api_key='***')"

    @property
    def secrets(self) -> tuple[str, ...]:
        """The values that must never appear in a message or log."""
        return (self.subscription_key, self.api_key)
