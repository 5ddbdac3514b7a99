"""Payment gateway signatures: MoMo's published vectors (V1, V2) and the self-computed §3.4 ones.

Each vector is reproduced twice where the client builds the request: from the field list with
``Signer`` and from the bytes ``prepare_*`` produces (or, for the IPN, by verifying it).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from decimal import Decimal
from typing import Any

import pytest

from django_momo.providers.base import InvalidInputError, Outcome
from django_momo.providers.momo_vn import MomoCredentials, MomoGatewayClient
from django_momo.providers.momo_vn.signing import (
    CREATE_FIELDS,
    CREATE_RESPONSE_FIELDS,
    PAYMENT_IPN_FIELDS,
    QUERY_FIELDS,
    REFUND_FIELDS,
    Signer,
    raw_string,
)

from .test_signing import V1_RAW, V2_RAW

V1_SIGNATURE = "90482b3881bdf863d5f61ace078921bbc6dbb58b2fded35261c71c9af3b1ce4f"
V2_SIGNATURE = "a0e6c8676f651f4d8980f04d10ee562fe027d9bacb7df0031c32e3ca42096473"
SELF_QUERY_SIGNATURE = "173e1ca43890276216213f90727edef8336780642620dc01ea82c0a9f2ebecd9"
SELF_REFUND_SIGNATURE = "3a2e6f79874a98a441390c273e365510cd1b05807508063b1a1647310370dbfd"

# The public test merchant of MoMo's idempotency example (momo_vn.md §1.3, vector V2, §3.4).
BKUN = {
    "partner_code": "MOMOBKUN20180529",
    "access_key": "klm05TvNBzhg7h7j",
    "secret_key": "at67qH6mk8w5Y1nAyMoYKMWACiEi2bsa",
}
# The merchant of the notification page's published IPN (vector V1).
IOLD = {
    "partner_code": "MOMOIOLD20190129",
    "access_key": "DWMHYoN6R2lJeAgF",
    "secret_key": "um76xDBeRmmj5kVMhXiCeFKixZTTlmZb",
}

V1_IPN: dict[str, Any] = {
    "partnerCode": "MOMOIOLD20190129",
    "orderId": "01234567890123451633504872421",
    "requestId": "01234567890123451633504872421",
    "amount": 1000,
    "orderInfo": "Test Thue 1234556",
    "orderType": "momo_wallet",
    "transId": 2588659987,
    "resultCode": 0,
    "message": "Giao dịch thành công.",
    "payType": "qr",
    "responseTime": 1633504902954,
    "extraData": "eyJyZXN1bHRfbmFtZXNwYWNlIjoidW1hcmtldCIsImVycm9yIjoiIiwic3RhdGUiOjZ9",
    "signature": V1_SIGNATURE,
}


def gateway(account: dict[str, str]) -> MomoGatewayClient:
    # The gateway never uses MoMo's RSA key; MomoCredentials only wants it non-empty.
    return MomoGatewayClient(
        MomoCredentials(base_url="http://127.0.0.1:9", public_key="unused", **account)
    )


def hmac_hex(secret: str, raw: str) -> str:
    return hmac.new(secret.encode(), raw.encode("utf-8"), hashlib.sha256).hexdigest()


def test_field_lists_are_sorted_and_as_documented() -> None:
    for fields in (CREATE_FIELDS, CREATE_RESPONSE_FIELDS, QUERY_FIELDS, REFUND_FIELDS):
        assert list(fields) == sorted(fields)
    assert list(PAYMENT_IPN_FIELDS) == sorted(PAYMENT_IPN_FIELDS)
    assert "lang" not in CREATE_FIELDS
    assert "payType" in PAYMENT_IPN_FIELDS


def test_v2_published_create_vector_from_the_field_list() -> None:
    values = {
        "accessKey": "klm05TvNBzhg7h7j",
        "amount": 10000,
        "extraData": "",
        "ipnUrl": "https://webhook.site/94e534cb-a54a-4313-8e91-c42f7aa2e145",
        "orderId": "1629181466064:0123456778",
        "orderInfo": "Thanh toán qua ví MoMo",
        "partnerCode": "MOMOBKUN20180529",
        "redirectUrl": "https://webhook.site/94e534cb-a54a-4313-8e91-c42f7aa2e145",
        "requestId": "f7a8f62f4234-0bba-405f-8178-1a516ea1fe3c",
        "requestType": "captureWallet",
    }
    assert raw_string(CREATE_FIELDS, values) == V2_RAW
    assert Signer(BKUN["secret_key"]).sign(CREATE_FIELDS, values) == V2_SIGNATURE


def test_v2_order_id_is_refused_by_the_documented_pattern() -> None:
    # MoMo's own example orderId has a ':' that its orderId regex does not allow: the client
    # follows the regex, so V2 is reproduced from the field list, not through prepare_create.
    with pytest.raises(InvalidInputError) as info:
        gateway(BKUN).prepare_create(
            request_id="f7a8f62f4234-0bba-405f-8178-1a516ea1fe3c",
            order_id="1629181466064:0123456778",
            amount=10000,
            order_info="Thanh toán qua ví MoMo",
            redirect_url="https://webhook.site/94e534cb-a54a-4313-8e91-c42f7aa2e145",
            ipn_url="https://webhook.site/94e534cb-a54a-4313-8e91-c42f7aa2e145",
        )
    assert info.value.field == "order_id"


def test_prepare_create_signs_v2s_string_with_a_valid_order_id() -> None:
    url = "https://webhook.site/94e534cb-a54a-4313-8e91-c42f7aa2e145"
    prepared = gateway(BKUN).prepare_create(
        request_id="f7a8f62f4234-0bba-405f-8178-1a516ea1fe3c",
        order_id="1629181466064-0123456778",
        amount=Decimal(10000),
        order_info="Thanh toán qua ví MoMo",
        redirect_url=url,
        ipn_url=url,
    )
    body = json.loads(prepared.body)
    # The raw string is V2's, with the one character of the orderId changed.
    raw = V2_RAW.replace("1629181466064:0123456778", "1629181466064-0123456778")
    assert body["signature"] == hmac_hex(BKUN["secret_key"], raw)
    assert body["amount"] == 10000
    assert isinstance(body["amount"], int)
    assert body["lang"] == "vi"
    assert "accessKey" not in body
    assert "autoCapture" not in body  # MoMo's default (true) is not restated
    assert prepared.amount == Decimal(10000)
    assert prepared.request_type == "captureWallet"
    assert prepared.path == "/v2/gateway/api/create"


def test_v1_published_ipn_verifies_through_the_client() -> None:
    values = {**V1_IPN, "accessKey": IOLD["access_key"]}
    assert raw_string(PAYMENT_IPN_FIELDS, values) == V1_RAW
    note = gateway(IOLD).verify_payment_notification(V1_IPN)
    assert note.outcome is Outcome.SUCCESSFUL
    assert note.trans_id == 2588659987
    assert note.amount == Decimal(1000)
    assert note.pay_type == "qr"


def test_v1_as_a_redirect_query_string_verifies() -> None:
    # The redirect carries the same fields as query parameters: every value a string.
    params = {name: str(value) for name, value in V1_IPN.items()}
    note = gateway(IOLD).verify_payment_notification(params)
    assert note.result_code == 0
    assert note.response_time == 1633504902954


def test_self_computed_query_vector() -> None:
    raw = (
        "accessKey=klm05TvNBzhg7h7j&orderId=DISB-0001&partnerCode=MOMOBKUN20180529&requestId=Q-0001"
    )
    values = {
        "accessKey": BKUN["access_key"],
        "orderId": "DISB-0001",
        "partnerCode": BKUN["partner_code"],
        "requestId": "Q-0001",
    }
    assert raw_string(QUERY_FIELDS, values) == raw
    assert Signer(BKUN["secret_key"]).sign(QUERY_FIELDS, values) == SELF_QUERY_SIGNATURE
    assert hmac_hex(BKUN["secret_key"], raw) == SELF_QUERY_SIGNATURE


def test_self_computed_refund_vector_through_prepare_refund() -> None:
    prepared = gateway(BKUN).prepare_refund(
        request_id="RQ-RF-0001", order_id="RF-0001", amount=10000, trans_id=4000000002
    )
    body = json.loads(prepared.body)
    assert body["signature"] == SELF_REFUND_SIGNATURE
    assert body["description"] == ""
    assert body["transId"] == 4000000002
    assert prepared.trans_id == 4000000002
    assert prepared.path == "/v2/gateway/api/refund"


def test_query_body_carries_the_self_computed_vector() -> None:
    sent: list[bytes] = []

    class Recorder:
        max_retries = 0

        def send(self, method: str, url: str, **kw: Any) -> Any:
            sent.append(kw["data"])
            from .test_gateway_http import response

            return response(
                {
                    "partnerCode": BKUN["partner_code"],
                    "orderId": "DISB-0001",
                    "requestId": "Q-0001",
                    "resultCode": 1000,
                    "message": "waiting",
                }
            )

    client = MomoGatewayClient(
        MomoCredentials(base_url="http://127.0.0.1:9", public_key="unused", **BKUN),
        transport=Recorder(),  # type: ignore[arg-type]
    )
    status = client.query(request_id="Q-0001", order_id="DISB-0001")
    assert status.outcome is Outcome.PENDING
    body = json.loads(sent[0])
    assert body["signature"] == SELF_QUERY_SIGNATURE
    assert body == {
        "partnerCode": BKUN["partner_code"],
        "requestId": "Q-0001",
        "orderId": "DISB-0001",
        "lang": "vi",
        "signature": SELF_QUERY_SIGNATURE,
    }
