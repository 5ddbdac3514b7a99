"""Credentials the sandbox knows from the start, so the demo and tests need no provisioning.

These are sandbox values, public by design: they open nothing but this simulator. The MoMo key
pair lives in ``keys/`` (PEM); the sandbox decrypts with the private half, clients encrypt with
the public half, exactly as with MoMo's real key that a merchant downloads from its portal.
"""

from __future__ import annotations

from pathlib import Path

KEYS_DIR = Path(__file__).resolve().parent / "keys"

# --- MTN MoMo Open API -------------------------------------------------------------------------
MTN_TARGET_ENVIRONMENT = "sandbox"
MTN_CURRENCY = "EUR"
# One subscription key per product, as MTN issues them (primary keys of three subscriptions).
MTN_SUBSCRIPTION_KEYS: dict[str, str] = {
    "collection": "c0llect10n5ub5cr1pt10nk3y0000001",
    "disbursement": "d15bur53m3nt5ub5cr1pt10nk3y00001",
    "remittance": "r3m1tt4nc35ub5cr1pt10nk3y0000001",
}
# A pre-provisioned API user (valid for every product, as in MTN's sandbox) and its API key.
MTN_API_USER = "ff80f18e-d701-4b00-8b58-ba5419001675"
MTN_API_KEY = "f1db798c98df4bcf83b538175893bbf0"
# providerCallbackHost of the preset API user: callback URLs must use this host name.
MTN_CALLBACK_HOST = "127.0.0.1"

# --- MoMo Vietnam --------------------------------------------------------------------------------
MOMO_PARTNER_CODE = "MOMOSBX20261122"
MOMO_ACCESS_KEY = "sbxAccessKey2026"
MOMO_SECRET_KEY = "sbxSecretKey2026sbxSecretKey2026"
MOMO_PUBLIC_KEY_PEM_PATH = KEYS_DIR / "momo_vn_public_2048.pem"
MOMO_PRIVATE_KEY_PEM_PATH = KEYS_DIR / "momo_vn_private_2048.pem"
MOMO_PUBLIC_KEY_4096_PEM_PATH = KEYS_DIR / "momo_vn_public_4096.pem"
MOMO_PRIVATE_KEY_4096_PEM_PATH = KEYS_DIR / "momo_vn_private_4096.pem"
# Opening balance of the merchant's disbursement account (VND, whole dong).
MOMO_OPENING_BALANCE = 50_000_000_000


def momo_public_key_pem(bits: int = 2048) -> str:
    """MoMo's (sandbox) public key, PEM text, as a merchant would paste it into settings."""
    path = MOMO_PUBLIC_KEY_PEM_PATH if bits == 2048 else MOMO_PUBLIC_KEY_4096_PEM_PATH
    return path.read_text()
