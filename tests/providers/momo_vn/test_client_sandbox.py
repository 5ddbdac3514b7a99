"""The client against the sandbox over real HTTP: every result path, lost answers, IPNs.

Magic receivers (documented by the sandbox): wallet ``090000xxxx`` and bank number ``990000xxxx``
end in result code ``xxxx``; every other receiver is paid.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from django_momo.providers.base import (
    AuthenticationError,
    InvalidInputError,
    Outcome,
    TransientError,
)
from django_momo.providers.momo_vn import (
    IpnFieldError,
    IpnSignatureError,
    MomoCredentials,
    MomoDisbursementClient,
)
from django_momo.sandbox import presets
from django_momo.sandbox.control import SandboxHandle

from .conftest import make_credentials

pytest.importorskip("django_momo.sandbox.momo_vn")

_ids = itertools.count(1)


def ids() -> dict[str, str]:
    n = next(_ids)
    return {"request_id": f"req-{n:06d}", "order_id": f"ORD-{n:06d}"}


IPN_URL = "http://127.0.0.1:9/momo/ipn/"  # nothing listens: deliveries are read from the log


@pytest.fixture
def client(momo_sandbox: SandboxHandle) -> Iterator[MomoDisbursementClient]:
    client = MomoDisbursementClient(make_credentials(momo_sandbox.base_url), sleep=lambda _: None)
    yield client
    client.close()


def wallet_kw(momo_sandbox: SandboxHandle, wallet_id: str = "0901234567", **extra: Any) -> dict:
    return {
        **ids(),
        "amount": Decimal(50000),
        "wallet_id": wallet_id,
        "wallet_name": "Nguyễn Văn Á",
        "order_info": "Thanh toán lương tháng 11",
        "ipn_url": f"{momo_sandbox.base_url}/ipn-sink/",
        **extra,
    }


def momo_entries(momo_sandbox: SandboxHandle) -> list[dict[str, Any]]:
    ledger = momo_sandbox.control.ledger()
    assert ledger["violations"] == []
    return [e for e in ledger["entries"] if e["provider"] == "momo_vn"]


def test_wallet_payout_succeeds_and_is_booked_once(
    client: MomoDisbursementClient, momo_sandbox: SandboxHandle
) -> None:
    kw = wallet_kw(momo_sandbox)
    result = client.pay_to_wallet(**kw)
    assert result.outcome is Outcome.SUCCESSFUL
    assert result.result_code == 0
    assert result.final
    assert isinstance(result.trans_id, int)
    assert result.amount == Decimal(50000)
    assert result.balance is None or isinstance(result.balance, Decimal)
    assert result.responded_at is not None
    [entry] = momo_entries(momo_sandbox)
    assert entry["reference"] == kw["request_id"]
    assert entry["external_id"] == kw["order_id"]
    assert Decimal(entry["amount"]) == Decimal(50000)


def test_bank_payout_by_account_and_by_card(
    client: MomoDisbursementClient, momo_sandbox: SandboxHandle
) -> None:
    common = {"amount": 25000, "holder_name": "Trần Thị Bích Ngọc", "bank_code": "VCB"}
    by_account = client.pay_to_bank(
        **ids(),
        **common,
        bank_account_no="0011004123456",
        order_info="Lương tháng 11",
        ipn_url=IPN_URL,
    )
    by_card = client.pay_to_bank(
        **ids(),
        **common,
        bank_card_no="9704000000000018",
        order_info="Lương tháng 11",
        ipn_url=IPN_URL,
    )
    assert by_account.outcome is by_card.outcome is Outcome.SUCCESSFUL
    assert len(momo_entries(momo_sandbox)) == 2


WALLET_CODES = [
    (7000, Outcome.PENDING),
    (7002, Outcome.PENDING),
    (9000, Outcome.PENDING),
    (99, Outcome.UNKNOWN),
    (1001, Outcome.FAILED),
    (1007, Outcome.FAILED),
    (1008, Outcome.FAILED),
    (1100, Outcome.FAILED),
    (1507, Outcome.FAILED),
    (4001, Outcome.FAILED),
    (4002, Outcome.FAILED),
    (4003, Outcome.FAILED),
]


@pytest.mark.parametrize(("code", "outcome"), WALLET_CODES)
def test_wallet_result_codes(
    client: MomoDisbursementClient, momo_sandbox: SandboxHandle, code: int, outcome: Outcome
) -> None:
    result = client.pay_to_wallet(**wallet_kw(momo_sandbox, f"090000{code:04d}"))
    assert result.result_code == code
    assert result.outcome is outcome
    assert result.message


@pytest.mark.parametrize(("code", "outcome"), [(1507, Outcome.FAILED), (7002, Outcome.PENDING)])
def test_bank_result_codes(
    client: MomoDisbursementClient, momo_sandbox: SandboxHandle, code: int, outcome: Outcome
) -> None:
    result = client.pay_to_bank(
        **ids(),
        amount=30000,
        holder_name="Nguyễn Văn Á",
        bank_code="ACB",
        bank_account_no=f"990000{code:04d}",
        order_info="Thanh toán lương tháng 11",
        ipn_url=IPN_URL,
    )
    assert (result.result_code, result.outcome) == (code, outcome)


def test_unknown_bank_code_fails_with_1507(client: MomoDisbursementClient) -> None:
    result = client.pay_to_bank(
        **ids(),
        amount=30000,
        holder_name="Nguyễn Văn Á",
        bank_code="ZZZ",
        bank_account_no="0011004123456",
        order_info="Lương",
        ipn_url=IPN_URL,
    )
    assert (result.result_code, result.outcome) == (1507, Outcome.FAILED)


def test_lost_answer_is_resolved_by_resending_the_identical_body(
    client: MomoDisbursementClient, momo_sandbox: SandboxHandle
) -> None:
    prepared = client.prepare_pay_to_wallet(**wallet_kw(momo_sandbox))
    stored = bytes(prepared.body)  # what the service layer keeps before sending
    momo_sandbox.control.set_faults(lost_after_booking={"next": 1, "provider": "momo_vn"})
    with pytest.raises(TransientError) as info:
        client.send(prepared, retries=0)
    assert info.value.reference == prepared.request_id
    assert info.value.ambiguous
    result = client.resend(stored)
    assert result.outcome is Outcome.SUCCESSFUL
    again = client.send(prepared)
    assert again.outcome is Outcome.SUCCESSFUL
    assert again.trans_id == result.trans_id
    [entry] = momo_entries(momo_sandbox)
    assert entry["reference"] == prepared.request_id


def test_server_error_before_booking_then_resend(
    client: MomoDisbursementClient, momo_sandbox: SandboxHandle
) -> None:
    prepared = client.prepare_pay_to_wallet(**wallet_kw(momo_sandbox))
    momo_sandbox.control.set_faults(error_before_booking={"next": 1, "provider": "momo_vn"})
    with pytest.raises(TransientError) as info:
        client.send(prepared, retries=0)
    assert info.value.http_status is not None
    assert info.value.http_status >= 500
    assert momo_entries(momo_sandbox) == []
    assert client.send(prepared).outcome is Outcome.SUCCESSFUL
    assert len(momo_entries(momo_sandbox)) == 1


def test_reused_order_id_under_a_new_request_is_never_failed(
    client: MomoDisbursementClient, momo_sandbox: SandboxHandle
) -> None:
    kw = wallet_kw(momo_sandbox)
    assert client.pay_to_wallet(**kw).outcome is Outcome.SUCCESSFUL
    second = client.pay_to_wallet(**{**kw, "request_id": kw["request_id"] + "-b"})
    assert second.result_code == 41
    assert second.outcome is Outcome.UNKNOWN
    assert len(momo_entries(momo_sandbox)) == 1


def test_wrong_secret_is_an_authentication_error(momo_sandbox: SandboxHandle) -> None:
    good = make_credentials(momo_sandbox.base_url)
    bad = MomoCredentials(
        base_url=good.base_url,
        partner_code=good.partner_code,
        access_key=good.access_key,
        secret_key="not-the-secret-key-at-all",
        public_key=good.public_key,
    )
    client = MomoDisbursementClient(bad)
    with pytest.raises(AuthenticationError) as info:
        client.pay_to_wallet(**wallet_kw(momo_sandbox))
    assert "not-the-secret-key-at-all" not in str(info.value)
    assert momo_entries(momo_sandbox) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("wallet_id", "84901234567"), ("amount", 500.0), ("order_id", "bad id"), ("lang", "de")],
)
def test_bad_input_never_reaches_the_sandbox(
    client: MomoDisbursementClient, momo_sandbox: SandboxHandle, field: str, value: Any
) -> None:
    with pytest.raises(InvalidInputError) as info:
        client.pay_to_wallet(**{**wallet_kw(momo_sandbox), field: value})
    assert info.value.field == field
    assert momo_sandbox.control.ledger()["entries"] == []


def test_check_wallet(client: MomoDisbursementClient) -> None:
    ok = client.check_wallet(**ids(), wallet_id="0901234567", wallet_name="Nguyễn Văn Á")
    assert ok.eligible
    assert ok.result_code == 0
    for code in (1007, 4001, 4003):
        check = client.check_wallet(**ids(), wallet_id=f"090000{code:04d}")
        assert (check.eligible, check.result_code) == (False, code)


@pytest.mark.parametrize("code", [10, 99])
def test_check_wallet_without_usable_answer_raises_transient(
    client: MomoDisbursementClient, code: int
) -> None:
    with pytest.raises(TransientError):
        client.check_wallet(**ids(), wallet_id=f"090000{code:04d}")


def test_balance_drops_by_the_payout(
    client: MomoDisbursementClient, momo_sandbox: SandboxHandle
) -> None:
    before = client.get_balance(**ids())
    assert before.amount == Decimal(presets.MOMO_OPENING_BALANCE)
    assert before.currency == "VND"
    client.pay_to_wallet(**wallet_kw(momo_sandbox))
    after = client.get_balance(**ids(), lang="en")
    assert before.amount - after.amount == Decimal(50000)


def test_ipn_from_the_sandbox_verifies(
    client: MomoDisbursementClient, momo_sandbox: SandboxHandle
) -> None:
    kw = wallet_kw(momo_sandbox, extra_data={"payroll": "Tháng 11"})
    result = client.pay_to_wallet(**kw)
    [delivery] = [
        d
        for d in momo_sandbox.control.wait_for_callbacks(1)
        if d["provider"] == "momo_vn" and kw["order_id"] in d["body"]
    ]
    assert delivery["url"] == kw["ipn_url"]
    ipn = client.verify_ipn(
        delivery["body"].encode(),
        expected_order_id=kw["order_id"],
        expected_request_id=kw["request_id"],
        expected_amount=kw["amount"],
    )
    assert ipn.outcome is Outcome.SUCCESSFUL
    assert ipn.trans_id == result.trans_id
    assert ipn.order_info == "Thanh toán lương tháng 11"
    # A tampered amount no longer verifies.
    tampered = json.loads(delivery["body"])
    tampered["amount"] = 5_000_000
    with pytest.raises(IpnSignatureError):
        client.verify_ipn(json.dumps(tampered).encode())


def test_send_with_retries_resolves_a_lost_answer_in_one_call(
    client: MomoDisbursementClient, momo_sandbox: SandboxHandle
) -> None:
    prepared = client.prepare_pay_to_wallet(**wallet_kw(momo_sandbox))
    momo_sandbox.control.set_faults(lost_after_booking={"next": 1, "provider": "momo_vn"})
    result = client.send(prepared, retries=1)
    assert result.outcome is Outcome.SUCCESSFUL
    assert len(momo_entries(momo_sandbox)) == 1


@pytest.mark.parametrize(
    ("tamper", "error"),
    [
        ("none", None),
        ("signature", IpnSignatureError),
        ("amount", IpnSignatureError),
        ("missing_field", IpnFieldError),
    ],
)
def test_forged_ipns_from_the_sandbox_are_rejected(
    client: MomoDisbursementClient,
    momo_sandbox: SandboxHandle,
    tamper: str,
    error: type[Exception] | None,
) -> None:
    kw = wallet_kw(momo_sandbox)
    client.pay_to_wallet(**kw)
    control = momo_sandbox.control
    before = len(control.wait_for_callbacks(1))
    control.post("/_sandbox/momo_vn/forge-ipn", {"order_id": kw["order_id"], "tamper": tamper})
    log = control.wait_for_callbacks(before + 1)
    forged = max(log, key=lambda d: d["id"])["body"].encode()
    if error is None:
        assert client.verify_ipn(forged, expected_amount=kw["amount"]).order_id == kw["order_id"]
    else:
        with pytest.raises(error):
            client.verify_ipn(forged, expected_amount=kw["amount"])


def test_pending_payout_resend_stays_pending_then_reports_the_final_result(
    client: MomoDisbursementClient, momo_sandbox: SandboxHandle
) -> None:
    kw = wallet_kw(momo_sandbox, "0900009000")
    prepared = client.prepare_pay_to_wallet(**kw)
    first = client.send(prepared)
    assert (first.result_code, first.outcome) == (9000, Outcome.PENDING)
    again = client.send(prepared)
    assert again.outcome is Outcome.PENDING
    assert again.result_code in (7000, 9000)
    momo_sandbox.control.post(
        "/_sandbox/momo_vn/settle", {"order_id": kw["order_id"], "result_code": 0}
    )
    final = client.send(prepared)
    assert (final.result_code, final.outcome) == (0, Outcome.SUCCESSFUL)
    assert final.trans_id == first.trans_id
    assert len(momo_entries(momo_sandbox)) == 1


def test_unknown_partner_code_is_an_authentication_error(momo_sandbox: SandboxHandle) -> None:
    good = make_credentials(momo_sandbox.base_url)
    other = MomoCredentials(
        base_url=good.base_url,
        partner_code="MOMOOTHER2026",
        access_key=good.access_key,
        secret_key=good.secret_key,
        public_key=good.public_key,
    )
    with pytest.raises(AuthenticationError) as info:
        MomoDisbursementClient(other).pay_to_wallet(**wallet_kw(momo_sandbox))
    assert info.value.code == "13"
    assert momo_sandbox.control.ledger()["entries"] == []


def test_request_id_reused_for_another_payout_is_never_failed(
    client: MomoDisbursementClient, momo_sandbox: SandboxHandle
) -> None:
    kw = wallet_kw(momo_sandbox)
    client.pay_to_wallet(**kw)
    other = client.pay_to_wallet(**{**kw, "order_id": kw["order_id"] + "-b", "amount": 60000})
    assert other.result_code == 40
    assert other.outcome is not Outcome.FAILED
    ledger = momo_sandbox.control.ledger()
    assert len(ledger["entries"]) == 1
    assert [v["kind"] for v in ledger["violations"]] == ["reference_reused_with_other_body"]
