"""Fixtures for the MoMo Vietnam client tests: preset sandbox credentials and key pairs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from django_momo.providers.momo_vn import MomoCredentials, MomoDisbursementClient
from django_momo.sandbox import presets


def private_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    """The sandbox's private half, to decrypt what the client encrypted."""
    path = presets.MOMO_PRIVATE_KEY_PEM_PATH
    if bits == 4096:
        path = presets.MOMO_PRIVATE_KEY_4096_PEM_PATH
    key = load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def make_credentials(base_url: str = "http://127.0.0.1:9", bits: int = 2048) -> MomoCredentials:
    """Credentials of the sandbox's preset merchant."""
    return MomoCredentials(
        base_url=base_url,
        partner_code=presets.MOMO_PARTNER_CODE,
        access_key=presets.MOMO_ACCESS_KEY,
        secret_key=presets.MOMO_SECRET_KEY,
        public_key=presets.momo_public_key_pem(bits),
    )


@pytest.fixture
def credentials() -> MomoCredentials:
    """Preset credentials pointing at a closed port (for tests that must not reach a server)."""
    return make_credentials()


@pytest.fixture
def offline_client(credentials: MomoCredentials) -> Iterator[MomoDisbursementClient]:
    """A client whose base URL answers nothing: only preparing and validating work."""
    client = MomoDisbursementClient(credentials)
    yield client
    client.close()
