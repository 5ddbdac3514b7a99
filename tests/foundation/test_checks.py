import pytest

from django_momo.checks import check_settings, check_tasks_backend
from django_momo.sandbox import presets


def run_checks():
    """django-momo's own checks (Django's model checks need a database on Django 6.1)."""
    return [*check_settings(), *check_tasks_backend()]


def momo_ids(messages, keep_w005=False):
    # The suite runs tasks inline on purpose (W005); that warning has its own test below.
    return sorted(
        {
            m.id
            for m in messages
            if m.id
            and m.id.startswith("django_momo.")
            and (keep_w005 or m.id != "django_momo.W005")
        }
    )


def good_mtn():
    return {
        "PROVIDER": "mtn",
        "BASE_URL": "https://proxy.momoapi.mtn.com",
        "TARGET_ENVIRONMENT": "mtnuganda",
        "CURRENCY": "UGX",
        "CALLBACK_HOST": "shop.example.com",
        "DISBURSEMENT": {
            "SUBSCRIPTION_KEY": "k",
            "API_USER": presets.MTN_API_USER,
            "API_KEY": "secret",
        },
    }


def good_momo():
    return {
        "PROVIDER": "momo_vn",
        "BASE_URL": "https://payment.momo.vn",
        "PARTNER_CODE": "MOMOX",
        "ACCESS_KEY": "a",
        "SECRET_KEY": "s",
        "PUBLIC_KEY": presets.momo_public_key_pem(),
    }


def configure(settings, accounts, **extra):
    settings.DJANGO_MOMO = {
        "CALLBACK_BASE_URL": "https://shop.example.com/momo/",
        "ACCOUNTS": accounts,
        **extra,
    }


def test_valid_configuration_has_no_messages(settings):
    configure(settings, {"ug": good_mtn(), "vn": good_momo()})
    assert momo_ids(run_checks()) == []


def test_test_settings_are_clean():
    assert momo_ids(run_checks()) == []


def test_bare_base64_der_key_is_accepted(settings):
    pem = presets.momo_public_key_pem()
    bare = "".join(line for line in pem.splitlines() if "-----" not in line)
    configure(settings, {"vn": {**good_momo(), "PUBLIC_KEY": bare}})
    assert momo_ids(run_checks()) == []


@pytest.mark.parametrize(
    ("change", "expected_id", "names"),
    [
        ({"TARGET_ENVIRONMENT": "mtnmars"}, "django_momo.E006", "TARGET_ENVIRONMENT"),
        ({"BASE_URL": "proxy.momoapi.mtn.com"}, "django_momo.E005", "BASE_URL"),
        ({"CALLBACK_HOST": "https://x/"}, "django_momo.E008", "CALLBACK_HOST"),
        ({"CURRENCY": "shillings"}, "django_momo.E007", "CURRENCY"),
        (
            {"DISBURSEMENT": {"SUBSCRIPTION_KEY": "k", "API_USER": "u"}},
            "django_momo.E010",
            "API_KEY",
        ),
        (
            {"DISBURSEMENT": {"SUBSCRIPTION_KEY": "k", "API_USER": "not-a-uuid", "API_KEY": "x"}},
            "django_momo.E011",
            "API_USER",
        ),
    ],
)
def test_mtn_mistakes_are_named(settings, change, expected_id, names):
    configure(settings, {"ug": {**good_mtn(), **change}})
    messages = [m for m in run_checks() if m.id == expected_id]
    assert messages, momo_ids(run_checks())
    assert names in messages[0].msg
    assert messages[0].hint


@pytest.mark.parametrize(
    ("change", "expected_id"),
    [
        ({"PUBLIC_KEY": "not a key"}, "django_momo.E013"),
        (
            {"PUBLIC_KEY": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"},
            "django_momo.E013",
        ),
        ({"SECRET_KEY": ""}, "django_momo.E012"),
        ({"LANG": "fr"}, "django_momo.E014"),
        ({"LIMITS": {"BANK_MIN": -1}}, "django_momo.E015"),
    ],
)
def test_momo_mistakes_are_named(settings, change, expected_id):
    configure(settings, {"vn": {**good_momo(), **change}})
    assert expected_id in momo_ids(run_checks())


def test_secrets_never_appear_in_check_messages(settings):
    configure(settings, {"vn": {**good_momo(), "PUBLIC_KEY": "s3cr3t-looking-garbage"}})
    text = " ".join(f"{m.msg} {m.hint}" for m in run_checks())
    assert "s3cr3t-looking-garbage" not in text


def test_plain_http_callback_url_in_production_is_an_error(settings):
    settings.DEBUG = False
    configure(settings, {"ug": good_mtn()}, CALLBACK_BASE_URL="http://shop.example.com/momo/")
    assert "django_momo.E017" in momo_ids(run_checks())
    settings.DEBUG = True
    assert "django_momo.E017" not in momo_ids(run_checks())


def test_callback_host_mismatch_warns(settings):
    configure(settings, {"ug": {**good_mtn(), "CALLBACK_HOST": "other.example.com"}})
    assert "django_momo.W004" in momo_ids(run_checks())


def test_unknown_setting_and_bad_provider(settings):
    configure(settings, {"x": {"PROVIDER": "paypal"}}, TYPO_SETTING=1)
    ids = momo_ids(run_checks())
    assert "django_momo.E002" in ids
    assert "django_momo.E004" in ids


def test_inline_task_backend_in_production_warns(settings):
    settings.DEBUG = False
    assert "django_momo.W005" in momo_ids(run_checks(), keep_w005=True)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert "django_momo.W005" not in momo_ids(run_checks(), keep_w005=True)
    settings.DEBUG = True
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    assert "django_momo.W005" not in momo_ids(run_checks(), keep_w005=True)


@pytest.mark.django_db
def test_manage_py_check_names_the_bad_setting(settings):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    configure(settings, {"ug": {**good_mtn(), "TARGET_ENVIRONMENT": "mtnmars"}})
    with pytest.raises(SystemCheckError, match=r"django_momo.E006.*TARGET_ENVIRONMENT"):
        call_command("check")


@pytest.mark.parametrize(
    ("extra", "expected_id", "text"),
    [
        ({"TRUSTED_PROXIES": ["10.0.0.0/8", "10.0.0.300"]}, "django_momo.E020", "'10.0.0.300'"),
        ({"TRUSTED_PROXIES": "10.0.0.1"}, "django_momo.E020", "must be a list"),
        ({"CALLBACK_ALLOWED_NETWORKS": {"momo_vn": ["nope"]}}, "django_momo.E020", "'nope'"),
        ({"CALLBACK_ALLOWED_NETWORKS": {"paypal": []}}, "django_momo.E019", "'paypal'"),
        ({"CALLBACK_ALLOWED_NETWORKS": ["1.2.3.4"]}, "django_momo.E019", "must be a dict"),
    ],
)
def test_network_lists_are_checked(settings, extra, expected_id, text):
    configure(settings, {"ug": good_mtn()}, **extra)
    messages = [m for m in run_checks() if m.id == expected_id]
    assert messages
    assert text in messages[0].msg


def test_valid_network_lists_pass(settings):
    configure(
        settings,
        {"ug": good_mtn()},
        TRUSTED_PROXIES=["10.0.0.0/8", "::1"],
        CALLBACK_ALLOWED_NETWORKS={"momo_vn": ["118.69.210.244/32"], "mtn": []},
    )
    assert momo_ids(run_checks()) == []
