"""Configured accounts and their live balances."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from .conftest import assert_error, url

pytestmark = pytest.mark.django_db


def test_accounts_list_what_each_can_do(api: Any) -> None:
    response = api.get(url("account-list"))
    assert response.status_code == 200
    accounts = {a["name"]: a for a in response.json()}
    assert set(accounts) == {"mtn", "momo"}
    assert accounts["mtn"]["provider"] == "mtn"
    assert accounts["mtn"]["currency"] == "EUR"
    assert "disbursement.transfer" in accounts["mtn"]["operations"]
    assert accounts["momo"] == {
        "name": "momo",
        "provider": "momo_vn",
        "currency": "VND",
        "operations": [
            "momo_vn.pay_wallet",
            "momo_vn.pay_bank",
            "momo_vn.capture_wallet",
            "momo_vn.pay_with_atm",
            "momo_vn.pay_with_cc",
            "momo_vn.pay_with_method",
            "momo_vn.refund",
        ],
    }


@pytest.mark.parametrize("name", ["mtn", "momo"])
def test_balance_is_asked_from_the_provider(api: Any, sandbox_accounts: Any, name: str) -> None:
    response = api.get(url("account-balance", name=name))
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["account"] == name
    [line] = data["balances"]
    assert line["currency"] == ("EUR" if name == "mtn" else "VND")
    assert line["amount"]


def test_unknown_account_balance_is_404(api: Any) -> None:
    error = assert_error(api.get(url("account-balance", name="nope")), 404, None, "not_found")
    assert "nope" in error["message"]


def test_unreachable_provider_is_503(api: Any, settings: Any) -> None:
    # Nothing listens on port 9 of loopback: the connection is refused.
    conf = copy.deepcopy(settings.DJANGO_MOMO)
    conf["HTTP_MAX_RETRIES"] = 0
    settings.DJANGO_MOMO = conf
    response = api.get(url("account-balance", name="momo"))
    assert response.status_code in (502, 503)
    [error] = response.json()["errors"]
    assert error["code"] in ("provider_unavailable", "provider_error")
    assert "provider" in error["message"]


@pytest.mark.parametrize("name", ["mtn", "momo"])
def test_provider_timeout_is_503(api: Any, sandbox_accounts: Any, settings: Any, name: str) -> None:
    conf = copy.deepcopy(settings.DJANGO_MOMO)
    conf.update(HTTP_TIMEOUT=(1.0, 0.2), HTTP_MAX_RETRIES=0)
    settings.DJANGO_MOMO = conf
    sandbox_accounts.control.set_faults(latency_ms=1000)
    response = api.get(url("account-balance", name=name))
    assert response.status_code == 503, response.content
    [error] = response.json()["errors"]
    assert error == {
        "field": None,
        "code": "provider_unavailable",
        "message": error["message"],
    }
    assert error["message"].startswith("the provider could not be reached")
