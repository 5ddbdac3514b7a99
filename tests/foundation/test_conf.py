import pytest

from django_momo.conf import AccountNotFound, MomoVnAccount, MtnAccount, momo_settings
from django_momo.sandbox import presets


def test_defaults_and_unknown_names():
    assert momo_settings.TOKEN_REFRESH_MARGIN == 600
    with pytest.raises(AttributeError, match="Invalid django-momo setting: 'NOPE'"):
        momo_settings.NOPE


def test_override_settings_reloads(settings):
    assert momo_settings.STATUS_QUERIES_PER_SECOND == 10
    settings.DJANGO_MOMO = {**settings.DJANGO_MOMO, "STATUS_QUERIES_PER_SECOND": 3}
    assert momo_settings.STATUS_QUERIES_PER_SECOND == 3
    assert set(momo_settings.accounts()) == {"mtn", "momo"}


def test_accounts_are_parsed_and_secrets_stay_out_of_repr():
    mtn = momo_settings.account("mtn")
    assert isinstance(mtn, MtnAccount)
    assert mtn.credentials("disbursement").api_user == presets.MTN_API_USER
    assert "disbursement.transfer" in mtn.operations
    momo = momo_settings.account("momo")
    assert isinstance(momo, MomoVnAccount)
    assert momo.limits["WALLET_MAX"] == 200_000_000
    for text in (repr(mtn), repr(momo)):
        assert presets.MTN_API_KEY not in text
        assert presets.MOMO_SECRET_KEY not in text
        assert presets.MOMO_ACCESS_KEY not in text
        assert presets.MTN_SUBSCRIPTION_KEYS["disbursement"] not in text


def test_unknown_account_names_the_known_ones():
    with pytest.raises(AccountNotFound, match=r"unknown account 'ghana' \(known: momo, mtn\)"):
        momo_settings.account("ghana")
