"""What the MTN client logs for an operator: retries, tokens, 409s, giving up; never a secret."""

from __future__ import annotations

import logging

import pytest

from django_momo.providers.base import RejectedError, SubmissionState, TransientError
from django_momo.providers.mtn import DisbursementClient
from django_momo.providers.mtn.client import basic_auth
from django_momo.sandbox import presets
from django_momo.sandbox.control import SandboxHandle

from ..logs import assert_no_secret, messages
from .conftest import MakeClient, new_ref

LOGGER = "django_momo.providers.mtn"
NOTE = {"payer_message": "Payout 9", "payee_note": "Payout 9"}


@pytest.fixture(autouse=True)
def _capture_info(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="django_momo")


def transfer(client: DisbursementClient, ref: str) -> SubmissionState:
    return client.transfer(
        ref, amount="9", payee="46733000209", external_id=f"x-{ref[:8]}", **NOTE
    ).state


def secrets_of(client: DisbursementClient, *tokens: str) -> list[str]:
    """Every secret of the preset credentials, in every shape it travels in."""
    basic = basic_auth(presets.MTN_API_USER, presets.MTN_API_KEY)
    cached = client.tokens.cached()
    return [
        presets.MTN_SUBSCRIPTION_KEYS["disbursement"],
        presets.MTN_API_KEY,
        basic,
        basic.removeprefix("Basic "),
        *tokens,
        *((cached.access_token,) if cached is not None else ()),
    ]


def test_a_retry_names_operation_reference_attempt_reason_and_delay(
    disbursement: DisbursementClient,
    momo_sandbox: SandboxHandle,
    caplog: pytest.LogCaptureFixture,
) -> None:
    disbursement.get_access_token()
    momo_sandbox.control.set_faults(error_before_booking={"next": 1, "provider": "mtn"})
    ref = new_ref()
    assert transfer(disbursement, ref) is SubmissionState.ACCEPTED
    [line] = [m for m in messages(caplog, LOGGER) if "failed" in m]
    assert line.startswith(f"MTN disbursement transfer {ref}: attempt 1 of 4 failed (HTTP 5")
    assert "code=SERVICE_UNAVAILABLE" in line or "code=INTERNAL_PROCESSING_ERROR" in line
    assert "retrying under the same reference in " in line
    assert line.endswith(" s")
    [record] = [r for r in caplog.records if r.name == LOGGER and "failed" in r.getMessage()]
    assert record.levelno == logging.WARNING
    assert_no_secret(caplog, secrets_of(disbursement))


def test_a_rate_limit_waits_as_long_as_retry_after_says(
    make_client: MakeClient, momo_sandbox: SandboxHandle, caplog: pytest.LogCaptureFixture
) -> None:
    waits: list[float] = []
    client = make_client("disbursement", sleep=waits.append)
    client.get_access_token()
    momo_sandbox.control.set_faults(rate_limited={"next": 1})
    ref = new_ref()
    assert transfer(client, ref) is SubmissionState.ACCEPTED
    assert waits == [1.0]  # the sandbox's Retry-After: 1 (longer than any 0.2 s backoff)
    [line] = [m for m in messages(caplog, LOGGER) if "failed" in m]
    assert "attempt 1 of 4 failed (HTTP 429" in line
    assert "(rate limited)" in line
    assert line.endswith("in 1.00 s")
    # A 429 did not reach MTN: the answer is not ambiguous, nothing logged as such.
    assert not [m for m in messages(caplog, LOGGER) if "ambiguous" in m]
    assert_no_secret(caplog, secrets_of(client))


def test_token_fetch_and_refresh_are_logged_without_the_token(
    disbursement: DisbursementClient,
    momo_sandbox: SandboxHandle,
    caplog: pytest.LogCaptureFixture,
) -> None:
    first = disbursement.get_access_token()
    [fetched] = [m for m in messages(caplog, LOGGER) if "token fetched" in m]
    assert fetched.startswith("MTN disbursement: access token fetched for API user ")
    assert f"expires in {first.expires_in} s at 20" in fetched
    caplog.clear()
    momo_sandbox.control.post("/_sandbox/mtn/revoke-tokens")
    assert disbursement.get_account_balance().currency == "EUR"
    second = disbursement.tokens.cached()
    assert second is not None
    assert second.access_token != first.access_token
    lines = messages(caplog, LOGGER)
    assert any(
        m.startswith("MTN disbursement balance: access token refused (HTTP 401)") for m in lines
    )
    assert any("access token fetched" in m for m in lines)
    assert_no_secret(caplog, secrets_of(disbursement, first.access_token, second.access_token))


def test_a_409_on_a_resubmission_is_logged_as_already_booked(
    disbursement: DisbursementClient,
    momo_sandbox: SandboxHandle,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ref = new_ref()
    assert transfer(disbursement, ref) is SubmissionState.ACCEPTED
    assert transfer(disbursement, ref) is SubmissionState.ALREADY_BOOKED
    [line] = [m for m in messages(caplog, LOGGER) if "RESOURCE_ALREADY_EXIST" in m]
    assert line == (
        f"MTN disbursement transfer {ref}: HTTP 409 RESOURCE_ALREADY_EXIST on attempt 1: "
        "already booked under this reference"
    )
    assert_no_secret(caplog, secrets_of(disbursement))


def test_a_lost_answer_then_409_says_so(
    disbursement: DisbursementClient,
    momo_sandbox: SandboxHandle,
    caplog: pytest.LogCaptureFixture,
) -> None:
    disbursement.get_access_token()
    momo_sandbox.control.set_faults(lost_after_booking={"next": 1, "provider": "mtn"})
    ref = new_ref()
    assert transfer(disbursement, ref) is SubmissionState.ALREADY_BOOKED
    lines = messages(caplog, LOGGER)
    assert any("attempt 1 of 4 failed (connection lost" in m for m in lines)
    assert (
        f"MTN disbursement transfer {ref}: HTTP 409 RESOURCE_ALREADY_EXIST on attempt 2: "
        "already booked under this reference (an earlier attempt went unanswered)"
    ) in lines
    assert len(momo_sandbox.control.ledger()["entries"]) == 1
    assert_no_secret(caplog, secrets_of(disbursement))


def test_giving_up_is_a_warning_that_says_ambiguous(
    disbursement: DisbursementClient,
    momo_sandbox: SandboxHandle,
    caplog: pytest.LogCaptureFixture,
) -> None:
    disbursement.get_access_token()
    momo_sandbox.control.set_faults(error_before_booking={"next": 10, "provider": "mtn"})
    ref = new_ref()
    with pytest.raises(TransientError) as info:
        transfer(disbursement, ref)
    assert info.value.ambiguous
    lines = messages(caplog, LOGGER)
    assert [m for m in lines if " failed (" in m and "retrying" in m][-1].startswith(
        f"MTN disbursement transfer {ref}: attempt 3 of 4 failed"
    )
    [gave_up] = [m for m in lines if "giving up" in m]
    assert gave_up.startswith(f"MTN disbursement transfer {ref}: giving up after 4 attempts (")
    assert "outcome unknown (ambiguous)" in gave_up
    assert_no_secret(caplog, secrets_of(disbursement))


def test_a_refusal_after_a_lost_attempt_is_logged_as_ambiguous(
    disbursement: DisbursementClient,
    momo_sandbox: SandboxHandle,
    caplog: pytest.LogCaptureFixture,
) -> None:
    disbursement.get_access_token()
    momo_sandbox.control.set_faults(
        lost_after_booking={"next": 1, "provider": "mtn"},
        refuse_retry={"next": 5, "answer": "bad_request"},
    )
    ref = new_ref()
    with pytest.raises(RejectedError) as info:
        transfer(disbursement, ref)
    assert info.value.ambiguous
    [line] = [m for m in messages(caplog, LOGGER) if "went unanswered" in m]
    assert line.startswith(f"MTN disbursement transfer {ref}: attempt 2 failed (HTTP 400")
    assert "outcome unknown (ambiguous)" in line
    assert_no_secret(caplog, secrets_of(disbursement))
