"""RSA PKCS#1 v1.5 encryption of ``disbursementMethod``: round trips, key formats, size limit."""

from __future__ import annotations

import base64
import json
import textwrap

import pytest
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_der_private_key,
)

from django_momo.providers.base import ConfigurationError, InvalidInputError
from django_momo.providers.momo_vn.crypto import (
    encrypt_method,
    encrypt_plaintext,
    load_public_key,
    max_plaintext_bytes,
    method_plaintext,
)
from django_momo.sandbox import presets

from .conftest import private_key
from .keys import DEV_PRIVATE_KEY_B64, DEV_PUBLIC_KEY_B64

WALLET = {
    "walletId": "0901234567",
    "walletName": "Nguyễn Văn Á",
    "validatePersonalId": False,
}


def decrypt(key: rsa.RSAPrivateKey, ciphertext_b64: str) -> dict:
    return json.loads(key.decrypt(base64.b64decode(ciphertext_b64), padding.PKCS1v15()))


@pytest.mark.parametrize(("bits", "chars"), [(2048, 344), (4096, 684)])
def test_round_trip_with_sandbox_key_pair(bits: int, chars: int) -> None:
    key = load_public_key(presets.momo_public_key_pem(bits))
    assert key.key_size == bits
    ciphertext = encrypt_method(key, WALLET)
    # Single-line standard base64 of one block.
    assert len(ciphertext) == chars
    assert "\n" not in ciphertext
    assert decrypt(private_key(bits), ciphertext) == WALLET


def test_round_trip_with_momo_published_dev_pair_in_bare_base64() -> None:
    key = load_public_key(DEV_PUBLIC_KEY_B64)
    dev_private = load_der_private_key(base64.b64decode(DEV_PRIVATE_KEY_B64), password=None)
    assert isinstance(dev_private, rsa.RSAPrivateKey)
    bank = {
        "bankAccountNo": "9704150961516941",
        "bankAccountHolderName": "Trần Thị Bích Ngọc",
        "bankCode": "CTG",
    }
    assert decrypt(dev_private, encrypt_method(key, bank)) == bank


def test_pem_and_bare_base64_der_give_the_same_key() -> None:
    pem = presets.momo_public_key_pem(2048)
    from_pem = load_public_key(pem)
    der = from_pem.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    b64 = base64.b64encode(der).decode()
    wrapped = "\n".join(textwrap.wrap(b64, 64))  # as pasted from a portal, with line breaks
    for text in (b64, wrapped, pem.encode()):
        assert load_public_key(text).public_numbers() == from_pem.public_numbers()


def test_ciphertext_differs_each_call_but_decrypts_the_same() -> None:
    key = load_public_key(presets.momo_public_key_pem(2048))
    first, second = encrypt_method(key, WALLET), encrypt_method(key, WALLET)
    assert first != second
    assert decrypt(private_key(), first) == decrypt(private_key(), second) == WALLET


def test_plaintext_is_compact_utf8_json_in_key_order() -> None:
    assert (
        method_plaintext(WALLET)
        == (
            '{"walletId":"0901234567","walletName":"Nguyễn Văn Á","validatePersonalId":false}'
        ).encode()
    )


@pytest.mark.parametrize(("bits", "limit"), [(2048, 245), (4096, 501)])
def test_plaintext_limit_is_k_minus_11(bits: int, limit: int) -> None:
    key = load_public_key(presets.momo_public_key_pem(bits))
    assert max_plaintext_bytes(key) == limit
    encrypt_plaintext(key, b"x" * limit)
    with pytest.raises(InvalidInputError) as info:
        encrypt_plaintext(key, b"x" * (limit + 1))
    assert info.value.field == "disbursementMethod"
    assert f"at most {limit} bytes" in str(info.value)


def test_vietnamese_names_count_in_bytes_not_characters() -> None:
    key = load_public_key(presets.momo_public_key_pem(2048))
    # 80 characters of 3-byte letters: 240 bytes of name alone, over the 245-byte block.
    with pytest.raises(InvalidInputError, match="bytes"):
        encrypt_method(key, {"walletId": "0901234567", "walletName": "ữ" * 80})


@pytest.mark.parametrize(
    "text",
    ["not a key", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", "QUJD"],
)
def test_malformed_keys_raise_configuration_error(text: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        load_public_key(text)
    assert text not in str(info.value)
