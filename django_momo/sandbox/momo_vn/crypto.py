"""MoMo Vietnam signatures (HMAC-SHA256) and ``disbursementMethod`` decryption, sandbox side.

Written from MoMo's published rules, independently of the client in ``providers/``:

* ``raw`` is ``key=value`` pairs joined by ``&`` over a fixed field list per operation, keys a-z,
  values verbatim (no URL-encoding, no trimming), an empty or missing value kept as ``key=``,
  ``accessKey`` always taken from the merchant's configuration; the signature is the lowercase hex
  HMAC-SHA256 of the UTF-8 ``raw`` under the merchant's secret key.
* ``disbursementMethod`` is standard base64 of one RSAES-PKCS1-v1_5 block (never OAEP) holding a
  JSON object, encrypted with the merchant's copy of MoMo's public key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .. import presets

# Signed fields per operation, already in a-z order (MoMo's documented raw strings).
SIGNED_FIELDS: dict[str, tuple[str, ...]] = {
    "verify": (
        "accessKey", "disbursementMethod", "orderId", "partnerCode", "requestId", "requestType",
    ),
    "balance": ("accessKey", "orderId", "partnerCode", "requestId"),
    "pay": (
        "accessKey", "amount", "disbursementMethod", "extraData", "orderId", "orderInfo",
        "partnerCode", "requestId", "requestType",
    ),
    "query": ("accessKey", "orderId", "partnerCode", "requestId"),
    "ipn": (
        "accessKey", "amount", "extraData", "message", "orderId", "orderInfo", "orderType",
        "partnerCode", "requestId", "responseTime", "resultCode", "transId",
    ),
}  # fmt: skip


def wire_text(value: Any) -> str:
    """A JSON value as it appears in ``raw``: integers in base 10, ``None`` as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def raw_string(operation: str, data: dict[str, Any], access_key: str) -> str:
    """The string MoMo signs for ``operation`` (``accessKey`` from configuration)."""
    values = dict(data, accessKey=access_key)
    return "&".join(f"{name}={wire_text(values.get(name))}" for name in SIGNED_FIELDS[operation])


def sign(operation: str, data: dict[str, Any], access_key: str, secret_key: str) -> str:
    """Lowercase hex HMAC-SHA256 of ``raw_string(...)`` under ``secret_key``."""
    raw = raw_string(operation, data, access_key)
    return hmac.new(secret_key.encode("utf-8"), raw.encode("utf-8"), hashlib.sha256).hexdigest()


def signature_matches(
    operation: str, data: dict[str, Any], access_key: str, secret_key: str
) -> bool:
    """True when ``data["signature"]`` is the right signature (constant-time compare)."""
    given = data.get("signature")
    if not isinstance(given, str):
        return False
    expected = sign(operation, data, access_key, secret_key)
    return hmac.compare_digest(expected, given.lower())


class DecryptionError(ValueError):
    """``disbursementMethod`` is not base64 of one PKCS#1 v1.5 block holding a JSON object."""


class SandboxKeyPair:
    """The sandbox's RSA key pair (MoMo's side): serves the public half, decrypts with the other."""

    def __init__(self, bits: int = 2048) -> None:
        if bits not in (2048, 4096):
            raise ValueError("key bits must be 2048 or 4096")
        self.bits = bits
        private_path: Path = (
            presets.MOMO_PRIVATE_KEY_PEM_PATH
            if bits == 2048
            else presets.MOMO_PRIVATE_KEY_4096_PEM_PATH
        )
        key = serialization.load_pem_private_key(private_path.read_bytes(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("sandbox MoMo key is not an RSA key")
        self._key = key
        self.public_pem = presets.momo_public_key_pem(bits)

    def __repr__(self) -> str:
        return f"SandboxKeyPair(bits={self.bits})"

    def decrypt_json(self, text: Any) -> dict[str, Any]:
        """Decrypt a ``disbursementMethod`` value into its JSON object."""
        if not isinstance(text, str) or not text:
            raise DecryptionError("disbursementMethod must be a non-empty base64 string")
        try:
            cipher = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise DecryptionError("disbursementMethod is not valid base64") from exc
        if len(cipher) != self._key.key_size // 8:
            raise DecryptionError("disbursementMethod is not one block of MoMo's key")
        try:
            plain = self._key.decrypt(cipher, padding.PKCS1v15())
        except ValueError as exc:
            raise DecryptionError("disbursementMethod could not be decrypted") from exc
        # OpenSSL's implicit rejection turns bad padding into random bytes instead of an error;
        # those never parse as a JSON object, so the JSON check below is the real gate.
        try:
            data = json.loads(plain.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise DecryptionError("disbursementMethod could not be decrypted") from exc
        if not isinstance(data, dict):
            raise DecryptionError("disbursementMethod does not hold a JSON object")
        return data
