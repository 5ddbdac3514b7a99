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


# -- one source for each provider fact ------------------------------------------------------------


def test_provider_facts_come_from_the_provider_packages():
    from django_momo import conf
    from django_momo.providers import registry
    from django_momo.providers.http import DEFAULT_TIMEOUT
    from django_momo.providers.momo_vn import account as momo_vn_account
    from django_momo.providers.momo_vn import config as momo_vn_config
    from django_momo.providers.momo_vn.validation import DEFAULT_LIMITS
    from django_momo.providers.mtn import account as mtn_account
    from django_momo.providers.mtn import config as mtn_config

    assert conf.MTN_TARGET_ENVIRONMENTS is mtn_config.TARGET_ENVIRONMENTS
    assert conf.MTN_PRODUCTS is mtn_account.PRODUCT_SETTINGS
    assert tuple(product.upper() for product in mtn_config.PRODUCTS) == conf.MTN_PRODUCTS
    assert conf.MOMO_VN_DEFAULT_LIMITS is momo_vn_account.DEFAULT_LIMIT_SETTINGS
    assert dict(conf.MOMO_VN_DEFAULT_LIMITS) == {
        "WALLET_MIN": int(DEFAULT_LIMITS.wallet_min),
        "WALLET_MAX": int(DEFAULT_LIMITS.wallet_max),
        "BANK_MIN": int(DEFAULT_LIMITS.bank_min),
        "BANK_MAX": int(DEFAULT_LIMITS.bank_max),
    }
    assert conf.PROVIDERS == tuple(registry.PROVIDERS) == ("mtn", "momo_vn")
    assert conf.DEFAULTS["HTTP_TIMEOUT"] is DEFAULT_TIMEOUT
    assert conf.DEFAULTS["TOKEN_REFRESH_MARGIN"] == mtn_config.DEFAULT_TOKEN_REFRESH_MARGIN
    assert conf.DEFAULTS["STATUS_QUERIES_PER_SECOND"] == mtn_config.STATUS_QUERIES_PER_SECOND
    replay_days = momo_vn_config.REQUEST_ID_RETENTION_DAYS - 1
    assert conf.DEFAULTS["MOMO_REPLAY_MAX_AGE"] == replay_days * 86400


def test_conf_reexports_the_provider_account_types():
    from django_momo import conf
    from django_momo.providers import AccountNotFound as ProviderAccountNotFound
    from django_momo.providers import registry
    from django_momo.providers.momo_vn.account import MomoVnAccount as ProviderMomoVnAccount
    from django_momo.providers.mtn.account import MtnAccount as ProviderMtnAccount
    from django_momo.providers.mtn.config import MtnCredentials

    assert conf.MtnAccount is ProviderMtnAccount is registry.PROVIDERS["mtn"].account_type
    assert conf.MomoVnAccount is ProviderMomoVnAccount
    assert registry.PROVIDERS["momo_vn"].account_type is ProviderMomoVnAccount
    assert conf.MtnProductCredentials is MtnCredentials
    assert conf.AccountNotFound is ProviderAccountNotFound
    assert conf.Account == registry.Account
    for name, provider in registry.PROVIDERS.items():
        assert provider.name == name
        assert provider.account_type.__dataclass_fields__["provider"].default == name


def test_momo_languages_match_the_clients_validation():
    from django_momo.providers.momo_vn import config as momo_vn_config
    from django_momo.providers.momo_vn import validation

    assert set(momo_vn_config.LANGS) == set(validation.LANGS)
    assert momo_vn_config.DEFAULT_LANG in validation.LANGS


def mtn_conf(**extra):
    return {
        "PROVIDER": "mtn",
        "BASE_URL": "https://proxy.momoapi.mtn.com/",
        "TARGET_ENVIRONMENT": "mtnuganda",
        "CURRENCY": "ugx",
        "CALLBACK_HOST": "shop.example.com",
        "COLLECTION": {"SUBSCRIPTION_KEY": "sk", "API_USER": presets.MTN_API_USER, "API_KEY": "k"},
        "REMITTANCE": "not a dict",
        **extra,
    }


def momo_conf(**extra):
    return {
        "PROVIDER": "momo_vn",
        "BASE_URL": "https://payment.momo.vn/",
        "PARTNER_CODE": "MOMOX",
        "ACCESS_KEY": "access",
        "SECRET_KEY": "secret",
        "PUBLIC_KEY": presets.momo_public_key_pem(),
        **extra,
    }


def test_parse_account_asks_the_provider_named_by_provider():
    from decimal import Decimal

    from django_momo.conf import ApprovalRule, parse_account

    mtn = parse_account("ug", mtn_conf(APPROVALS={"ABOVE": "100"}))
    assert isinstance(mtn, MtnAccount)
    assert (mtn.name, mtn.base_url, mtn.currency, mtn.provider) == (
        "ug",
        "https://proxy.momoapi.mtn.com",
        "UGX",
        "mtn",
    )
    assert list(mtn.products) == ["COLLECTION"]
    assert mtn.operations == ["collection.request_to_pay", "collection.withdraw"]
    assert mtn.approvals == ApprovalRule(above=Decimal(100))
    with pytest.raises(AccountNotFound, match="no DISBURSEMENT credentials"):
        mtn.credentials("disbursement")

    momo = parse_account("vn", momo_conf(LIMITS={"BANK_MIN": 10_000, "NOPE": 1}))
    assert isinstance(momo, MomoVnAccount)
    assert (momo.base_url, momo.lang, momo.currency, momo.provider) == (
        "https://payment.momo.vn",
        "vi",
        "VND",
        "momo_vn",
    )
    assert momo.limits == {
        "WALLET_MIN": 1_000,
        "WALLET_MAX": 200_000_000,
        "BANK_MIN": 10_000,
        "BANK_MAX": 20_000_000,
    }
    assert momo.payout_limits.bank_min == Decimal(10_000)
    assert momo.payout_limits.wallet_max == Decimal(200_000_000)
    assert momo.credentials().partner_code == "MOMOX"
    assert momo.approvals is None
    assert parse_account("vn", momo_conf(LANG="en")).lang == "en"

    with pytest.raises(ValueError, match="PROVIDER is none of mtn, momo_vn"):
        parse_account("x", {"PROVIDER": "paypal"})


def test_accounts_of_unknown_providers_are_left_out(settings):
    settings.DJANGO_MOMO = {"ACCOUNTS": {"vn": momo_conf(), "x": {"PROVIDER": "paypal"}, "y": 3}}
    assert set(momo_settings.accounts()) == {"vn"}


def test_provider_accounts_need_neither_django_nor_conf():
    """The registry, the parsers and the account checks import and run without Django."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "sys.modules['django'] = None\n"
        "from django_momo.providers.registry import PROVIDERS\n"
        "mtn = PROVIDERS['mtn'].parse('ug', {'PROVIDER': 'mtn', 'CURRENCY': 'eur'})\n"
        "assert mtn.currency == 'EUR' and mtn.products == {}\n"
        "momo = PROVIDERS['momo_vn'].parse('vn', {'PROVIDER': 'momo_vn'})\n"
        "assert momo.limits['BANK_MIN'] == 20000\n"
        "found = PROVIDERS['momo_vn'].problems('w', {'PROVIDER': 'momo_vn', 'LANG': 'fr'})\n"
        "print(sorted({p.id for p in found}))\n"
        "assert 'django_momo.conf' not in sys.modules and 'django_momo.checks' not in sys.modules\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['django_momo.E012', 'django_momo.E014']"


def test_provider_packages_import_neither_django_nor_the_app_layers():
    """providers/ stays below conf.py and checks.py: no Django, no conf, services or models."""
    import ast
    from pathlib import Path

    import django_momo.providers

    root = Path(django_momo.providers.__file__).parent
    forbidden = ("django", "django_momo.conf", "django_momo.checks", "django_momo.services",
                 "django_momo.models", "django_momo.tasks", "django_momo.callbacks")  # fmt: skip
    bad = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                if any(name == f or name.startswith(f + ".") for f in forbidden):
                    bad.append(f"{path.relative_to(root)}: {name}")
    # The one exception: Django's sensitive_variables when Django is installed (guarded).
    assert bad == ["sensitive.py: django.views.decorators.debug"]
