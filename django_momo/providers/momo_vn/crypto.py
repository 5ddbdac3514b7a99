"""RSA encryption of ``disbursementMethod``: PKCS#1 v1.5 with MoMo's public key, base64 output.

MoMo decrypts with RSAES-PKCS1-v1_5 (every official sample; OAEP yields "hash decryption
failed"). The plaintext must fit one block: k - 11 bytes (245 for 2048-bit, 501 for 4096-bit).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key, load_pem_public_key

from django_momo.providers.base import ConfigurationError, InvalidInputError
from django_momo.providers.sensitive import sensitive_variables

PKCS1_V15_OVERHEAD = 11
_PADDING = padding.PKCS1v15()


class PublicKeyError(ConfigurationError):
    """MoMo's public key cannot be used; ``reason`` says why, as a phrase for a settings check.

    Neither the message nor the reason quotes the key's text: it may be a secret pasted by
    mistake.
    """

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message, provider="momo_vn")
        self.reason = reason


@sensitive_variables("text", "raw", "der")
def load_public_key(text: str | bytes) -> rsa.RSAPublicKey:
    """Parse MoMo's RSA public key given as PEM or as bare base64 DER SubjectPublicKeyInfo.

    Raises ``PublicKeyError`` (a ``ConfigurationError``). The client parses its key here, and
    the settings check (``public_key_problem``) too, so the two never disagree.
    """
    raw = text.encode("ascii", "replace") if isinstance(text, str) else bytes(text)
    try:
        if b"-----BEGIN" in raw:
            key = load_pem_public_key(raw.strip())
        else:
            der = base64.b64decode(b"".join(raw.split()), validate=True)
            key = load_der_public_key(der)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise PublicKeyError(
            "MoMo public key is neither a PEM nor a base64 DER SubjectPublicKeyInfo",
            reason=f"it cannot be parsed ({type(exc).__name__})",
        ) from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise PublicKeyError("MoMo public key is not an RSA key", reason="it is not an RSA key")
    if key.key_size < 2048:
        raise PublicKeyError(
            f"MoMo public key has {key.key_size} bits; MoMo issues 2048 or 4096",
            reason=f"it has {key.key_size} bits, MoMo uses 2048 or 4096",
        )
    return key


@sensitive_variables("text")
def public_key_problem(text: str | bytes) -> str | None:
    """Why ``load_public_key`` refuses ``text`` (e.g. ``"it is not an RSA key"``), or ``None``."""
    try:
        load_public_key(text)
    except PublicKeyError as exc:
        return exc.reason
    return None


# The receiver's wallet, bank account or card number and personal id travel in ``method``.
@sensitive_variables("method")
def method_plaintext(method: Mapping[str, Any]) -> bytes:
    """Compact UTF-8 JSON of ``disbursementMethod`` (raw diacritics, key order kept)."""
    return json.dumps(method, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def max_plaintext_bytes(key: rsa.RSAPublicKey) -> int:
    """The largest plaintext one PKCS#1 v1.5 block can hold with ``key``."""
    return key.key_size // 8 - PKCS1_V15_OVERHEAD


@sensitive_variables("plaintext")
def encrypt_plaintext(key: rsa.RSAPublicKey, plaintext: bytes) -> str:
    """Encrypt ``plaintext`` in one PKCS#1 v1.5 block; single-line standard base64."""
    limit = max_plaintext_bytes(key)
    if len(plaintext) > limit:
        raise InvalidInputError(
            "disbursementMethod",
            f"encoded receiver details are {len(plaintext)} bytes; a {key.key_size}-bit key "
            f"holds at most {limit} bytes: shorten the name or other receiver fields",
        )
    return base64.b64encode(key.encrypt(plaintext, _PADDING)).decode("ascii")


@sensitive_variables("method")
def encrypt_method(key: rsa.RSAPublicKey, method: Mapping[str, Any]) -> str:
    """Encrypt the ``disbursementMethod`` object for MoMo."""
    return encrypt_plaintext(key, method_plaintext(method))
