"""HMAC signatures: MoMo's published vectors and the per-operation field lists."""

from __future__ import annotations

import pytest

from django_momo.providers.momo_vn.signing import (
    BALANCE_FIELDS,
    DISBURSEMENT_IPN_FIELDS,
    PAY_FIELDS,
    VERIFY_FIELDS,
    Signer,
    raw_string,
    sign,
)

# Published by MoMo with both input and output (momo_vn.md §3.3).
V1_RAW = (
    "accessKey=DWMHYoN6R2lJeAgF&amount=1000&extraData=eyJyZXN1bHRfbmFtZXNwYWNlIjoidW1hcmtldCIsImVy"
    "cm9yIjoiIiwic3RhdGUiOjZ9&message=Giao dịch thành công.&orderId=01234567890123451633504872421"
    "&orderInfo=Test Thue 1234556&orderType=momo_wallet&partnerCode=MOMOIOLD20190129&payType=qr"
    "&requestId=01234567890123451633504872421&responseTime=1633504902954&resultCode=0"
    "&transId=2588659987"
)
V2_RAW = (
    "accessKey=klm05TvNBzhg7h7j&amount=10000&extraData=&ipnUrl=https://webhook.site/94e534cb-a54a-"
    "4313-8e91-c42f7aa2e145&orderId=1629181466064:0123456778&orderInfo=Thanh toán qua ví MoMo"
    "&partnerCode=MOMOBKUN20180529&redirectUrl=https://webhook.site/94e534cb-a54a-4313-8e91-"
    "c42f7aa2e145&requestId=f7a8f62f4234-0bba-405f-8178-1a516ea1fe3c&requestType=captureWallet"
)
V3_RAW = (
    "partnerCode=MOMOTUEN20190312&accessKey=ZjF6taKUohp7iN8l&requestId=1555383430&amount=300000"
    "&orderId=1555383430&orderInfo=&orderType=momo_wallet&transId=2302586804&message=Success"
    "&localMessage=Thành công&responseTime=2019-04-09 14:53:38&errorCode=0&payType=qr&extraData="
)
V4_RAW = (
    "accessKey=TNWFx9JWayevKPiB8LyTgODiCSrjstXN&amount=10000&message=Thành Công"
    "&momoTransId=43121679&partnerCode=MOMOIQA420180417&partnerRefId=B001221&partnerTransId="
    "&responseTime=1555472829549&status=0&storeId=store001&transType=momo_wallet"
)


@pytest.mark.parametrize(
    ("secret", "raw", "expected"),
    [
        (
            "um76xDBeRmmj5kVMhXiCeFKixZTTlmZb",
            V1_RAW,
            "90482b3881bdf863d5f61ace078921bbc6dbb58b2fded35261c71c9af3b1ce4f",
        ),
        (
            "at67qH6mk8w5Y1nAyMoYKMWACiEi2bsa",
            V2_RAW,
            "a0e6c8676f651f4d8980f04d10ee562fe027d9bacb7df0031c32e3ca42096473",
        ),
        (
            "KqBEecvaJf1nULnhPF5htpG3AMtDIOlD",
            V3_RAW,
            "2a23a88aab6b6dd00b07669d84904778cc9d429c6a5748fa77298b05886a8620",
        ),
        (
            "PPuDXq1KowPT1ftR8DvlQTHhC03aul17",
            V4_RAW,
            "cd0d82ad983098a2fb99b8e49266ed7bd4db85ebf77d13b2db2f755ff0600fa0",
        ),
    ],
    ids=["v1-payment-ipn", "v2-create", "v3-legacy-ipn", "v4-legacy-qr-notify"],
)
def test_published_vectors(secret: str, raw: str, expected: str) -> None:
    assert Signer(secret).sign_raw(raw) == expected


def test_v1_rebuilt_from_fields_matches_published_signature() -> None:
    # The payment IPN list is the disbursement IPN list plus payType: build it from values.
    fields = tuple(sorted((*DISBURSEMENT_IPN_FIELDS, "payType")))
    values = {
        "accessKey": "DWMHYoN6R2lJeAgF",
        "amount": 1000,
        "extraData": "eyJyZXN1bHRfbmFtZXNwYWNlIjoidW1hcmtldCIsImVycm9yIjoiIiwic3RhdGUiOjZ9",
        "message": "Giao dịch thành công.",
        "orderId": "01234567890123451633504872421",
        "orderInfo": "Test Thue 1234556",
        "orderType": "momo_wallet",
        "partnerCode": "MOMOIOLD20190129",
        "payType": "qr",
        "requestId": "01234567890123451633504872421",
        "responseTime": 1633504902954,
        "resultCode": 0,
        "transId": 2588659987,
    }
    assert raw_string(fields, values) == V1_RAW
    assert (
        sign("um76xDBeRmmj5kVMhXiCeFKixZTTlmZb", fields, values)
        == "90482b3881bdf863d5f61ace078921bbc6dbb58b2fded35261c71c9af3b1ce4f"
    )


SELF = {"accessKey": "klm05TvNBzhg7h7j", "partnerCode": "MOMOBKUN20180529"}
SELF_KEY = "at67qH6mk8w5Y1nAyMoYKMWACiEi2bsa"


@pytest.mark.parametrize(
    ("fields", "values", "expected"),
    [
        (
            PAY_FIELDS,
            {
                **SELF,
                "amount": 50000,
                "disbursementMethod": "QUJDREVGR0g+/abc==",
                "extraData": "",
                "orderId": "DISB-0001",
                "orderInfo": "Chi tiền thưởng",
                "requestId": "REQ-0001",
                "requestType": "disburseToWallet",
                "ipnUrl": "https://example.com/not-signed",
                "lang": "vi",
            },
            "295e0be97d0f2d1cfbc2b66b6d291640b1a4c6610453c50b84e26d1d1ff9610b",
        ),
        (
            VERIFY_FIELDS,
            {
                **SELF,
                "disbursementMethod": "QUJDREVGR0g+/abc==",
                "orderId": "DISB-0001",
                "requestId": "REQ-0000",
                "requestType": "checkWallet",
            },
            "a09cab1ca84c0f477caf658109193b7b066e51e2f3aa4db6e0f6b742e8bdea91",
        ),
        (
            DISBURSEMENT_IPN_FIELDS,
            {
                **SELF,
                "amount": 50000,
                "extraData": "",
                "message": "Thành công.",
                "orderId": "DISB-0001",
                "orderInfo": "Chi tiền thưởng",
                "orderType": "momo_disbursement",
                "requestId": "REQ-0001",
                "responseTime": 1700000000000,
                "resultCode": 0,
                "transId": 4000000001,
            },
            "03624dcd7dbde03e9f376f710cfe15d1365193e180dc933b7b4fe71dffc18397",
        ),
        (
            BALANCE_FIELDS,
            {**SELF, "orderId": "DISB-0001", "requestId": "Q-0001", "lang": "en"},
            "173e1ca43890276216213f90727edef8336780642620dc01ea82c0a9f2ebecd9",
        ),
    ],
    ids=["pay", "verify", "disbursement-ipn", "balance"],
)
def test_operation_field_lists(fields: tuple[str, ...], values: dict, expected: str) -> None:
    assert sign(SELF_KEY, fields, values) == expected


def test_field_lists_are_sorted() -> None:
    for fields in (PAY_FIELDS, VERIFY_FIELDS, BALANCE_FIELDS, DISBURSEMENT_IPN_FIELDS):
        assert list(fields) == sorted(fields)


def test_empty_and_missing_values_stay_as_key_equals() -> None:
    assert raw_string(("a", "b", "c"), {"a": "", "c": None}) == "a=&b=&c="


def test_floats_and_booleans_are_refused() -> None:
    with pytest.raises(TypeError):
        raw_string(("amount",), {"amount": 1000.0})
    with pytest.raises(TypeError):
        raw_string(("flag",), {"flag": True})


def test_verify_is_case_insensitive_and_rejects_tampering() -> None:
    signer = Signer(SELF_KEY)
    values = {**SELF, "orderId": "A1", "requestId": "R1"}
    good = signer.sign(BALANCE_FIELDS, values)
    assert good == good.lower()
    assert len(good) == 64
    assert signer.verify(BALANCE_FIELDS, values, good)
    assert signer.verify(BALANCE_FIELDS, values, good.upper())
    assert not signer.verify(BALANCE_FIELDS, {**values, "orderId": "A2"}, good)
    assert not signer.verify(BALANCE_FIELDS, values, "")
    assert not signer.verify(BALANCE_FIELDS, values, "ữ" * 64)


def test_signer_repr_hides_the_key() -> None:
    assert SELF_KEY not in repr(Signer(SELF_KEY))
