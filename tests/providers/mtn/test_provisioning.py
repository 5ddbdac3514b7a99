"""Sandbox provisioning over HTTP, and the ``momo_mtn_provision`` command."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from django_momo.providers.base import AuthenticationError, InvalidInputError, SubmissionState
from django_momo.providers.mtn import SandboxProvisioning
from django_momo.sandbox import presets
from django_momo.sandbox.control import SandboxHandle

from .conftest import MakeClient, new_ref

KEY = presets.MTN_SUBSCRIPTION_KEYS["collection"]


def test_create_read_and_key_a_user_then_use_it(
    momo_sandbox: SandboxHandle, make_client: MakeClient
) -> None:
    prov = SandboxProvisioning(base_url=momo_sandbox.base_url, subscription_key=KEY)
    user = new_ref()
    created = prov.create_api_user(user, "shop.example.com")
    assert created.state is SubmissionState.ACCEPTED
    assert created.http_status == 201
    assert prov.create_api_user(user, "shop.example.com").state is SubmissionState.ALREADY_BOOKED
    details = prov.get_api_user(user)
    assert details.provider_callback_host == "shop.example.com"
    assert details.target_environment == "sandbox"
    api_key = prov.create_api_key(user)
    assert api_key
    client = make_client("disbursement", api_user=user, api_key=api_key)
    assert client.get_account_balance().currency == "EUR"
    assert KEY not in repr(prov)


def test_provisioning_refusals(momo_sandbox: SandboxHandle) -> None:
    with pytest.raises(InvalidInputError):
        SandboxProvisioning(base_url=momo_sandbox.base_url, subscription_key=KEY).create_api_user(
            new_ref(), "https://shop.example.com/cb"
        )
    bad = SandboxProvisioning(base_url=momo_sandbox.base_url, subscription_key="nope-key")
    with pytest.raises(AuthenticationError):
        bad.create_api_user(new_ref(), "shop.example.com")


def test_command_prints_settings_to_paste(momo_sandbox: SandboxHandle) -> None:
    out = io.StringIO()
    user = new_ref()
    call_command(
        "momo_mtn_provision",
        "--base-url",
        momo_sandbox.base_url,
        "--subscription-key",
        KEY,
        "--callback-host",
        "shop.example.com",
        "--api-user",
        user,
        "--product",
        "disbursement",
        stdout=out,
        stderr=io.StringIO(),
    )
    text = out.getvalue()
    assert f"MOMO_MTN_DISBURSEMENT_API_USER={user}" in text
    assert "MOMO_MTN_DISBURSEMENT_API_KEY=" in text
    assert "MOMO_MTN_TARGET_ENVIRONMENT=sandbox" in text
    assert '"DISBURSEMENT": {' in text
    prov = SandboxProvisioning(base_url=momo_sandbox.base_url, subscription_key=KEY)
    assert prov.get_api_user(user).provider_callback_host == "shop.example.com"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--callback-host", "shop.example.com"], "subscription-key"),
        (["--subscription-key", KEY], "callback-host"),
        (["--subscription-key", KEY, "--callback-host", "http://x/y"], "bare host"),
        (["--subscription-key", KEY, "--callback-host", "x.com", "--api-user", "1"], "UUID"),
        (["--subscription-key", "wrong", "--callback-host", "x.com"], "refused"),
    ],
)
def test_command_errors_are_clear(
    momo_sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.delenv("MOMO_MTN_COLLECTION_SUBSCRIPTION_KEY", raising=False)
    monkeypatch.delenv("MOMO_MTN_CALLBACK_HOST", raising=False)
    with pytest.raises(CommandError) as info:
        call_command("momo_mtn_provision", "--base-url", momo_sandbox.base_url, *args)
    assert message in str(info.value)
