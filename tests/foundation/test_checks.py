import ast
import re
import uuid
from pathlib import Path

import pytest

from django_momo.checks import check_settings, check_tasks_backend, check_token_cache
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


@pytest.mark.parametrize("make", [good_mtn, good_momo], ids=["mtn", "momo_vn"])
def test_plain_http_base_url_in_production_is_an_error(settings, make):
    settings.DEBUG = False
    configure(settings, {"acct": {**make(), "BASE_URL": "http://proxy.example.com"}})
    messages = [m for m in run_checks() if m.id == "django_momo.E025"]
    assert len(messages) == 1, momo_ids(run_checks())
    assert "'acct'" in messages[0].msg
    assert "BASE_URL" in messages[0].msg
    assert "http://" in messages[0].msg
    assert "https" in messages[0].hint
    assert messages[0].is_serious()


@pytest.mark.parametrize(
    "base_url",
    [
        "http://127.0.0.1:8765",
        "http://127.8.9.10",
        "http://localhost:8000/",
        "http://LOCALHOST",
        "http://[::1]:9000",
        "https://proxy.momoapi.mtn.com",
    ],
)
@pytest.mark.parametrize("make", [good_mtn, good_momo], ids=["mtn", "momo_vn"])
def test_loopback_or_https_base_url_is_not_an_error(settings, make, base_url):
    settings.DEBUG = False
    configure(settings, {"acct": {**make(), "BASE_URL": base_url}})
    assert momo_ids(run_checks()) == []


@pytest.mark.parametrize("make", [good_mtn, good_momo], ids=["mtn", "momo_vn"])
def test_plain_http_base_url_with_debug_is_not_an_error(settings, make):
    settings.DEBUG = True
    configure(settings, {"acct": {**make(), "BASE_URL": "http://proxy.example.com"}})
    assert "django_momo.E025" not in momo_ids(run_checks())


@pytest.mark.parametrize(
    "base_url", ["http://128.0.0.1", "http://localhost.example.com", "http://10.0.0.1:8080"]
)
def test_hosts_that_only_look_local_are_not_loopback(settings, base_url):
    settings.DEBUG = False
    configure(settings, {"acct": {**good_mtn(), "BASE_URL": base_url}})
    assert "django_momo.E025" in momo_ids(run_checks())


def test_a_base_url_that_is_no_url_is_e005_only(settings):
    settings.DEBUG = False
    configure(settings, {"acct": {**good_mtn(), "BASE_URL": "ftp://proxy.example.com"}})
    assert momo_ids(run_checks()) == ["django_momo.E005"]


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


# -- the token cache (E021, E022, W006, W007) ------------------------------------------------------

LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
DB_CACHE = "django.core.cache.backends.db.DatabaseCache"


def token_cache_ids():
    return momo_ids(check_token_cache())


def with_token_cache(settings, backend, location="", **extra_caches):
    """``CACHES`` with a ``momo_tokens`` alias of ``backend``; ``TOKEN_CACHE`` names it."""
    settings.CACHES = {
        "default": {"BACKEND": LOCMEM},
        "momo_tokens": {"BACKEND": backend, "LOCATION": location},
        **extra_caches,
    }
    settings.DJANGO_MOMO = {**settings.DJANGO_MOMO, "TOKEN_CACHE": "momo_tokens"}


def drop_table(table):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(table)}")


@pytest.mark.django_db(transaction=True)
def test_database_token_cache_without_its_table_is_an_error_until_createcachetable(settings):
    from django.core.management import call_command

    table = f"momo_tokens_{uuid.uuid4().hex[:12]}"
    with_token_cache(settings, DB_CACHE, table)
    try:
        messages = [m for m in check_token_cache() if m.id == "django_momo.E021"]
        assert len(messages) == 1
        assert table in messages[0].msg
        assert "createcachetable" in messages[0].hint
        assert "before migrate" in messages[0].hint
        call_command("createcachetable", verbosity=0)
        assert token_cache_ids() == []
    finally:
        drop_table(table)
    assert token_cache_ids() == ["django_momo.E021"]


def test_unknown_token_cache_alias_is_an_error(settings):
    settings.DJANGO_MOMO = {**settings.DJANGO_MOMO, "TOKEN_CACHE": "tokens-typo"}
    messages = check_token_cache()
    assert [m.id for m in messages] == ["django_momo.E021"]
    assert "'tokens-typo'" in messages[0].msg
    assert "'default'" in messages[0].hint


def test_unloadable_token_cache_backend_is_an_error(settings):
    with_token_cache(settings, "django_momo.no_such_module.Cache")
    messages = check_token_cache()
    assert [m.id for m in messages] == ["django_momo.E021"]
    assert "cannot be loaded" in messages[0].msg


def test_failing_token_cache_message_never_quotes_the_exception(settings, tmp_path):
    # The exception's text quotes the path, and a cache location can carry a password.
    secret = f"pw-{uuid.uuid4().hex}"
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with_token_cache(
        settings, "django.core.cache.backends.filebased.FileBasedCache", str(blocker / secret)
    )
    messages = check_token_cache()
    assert [m.id for m in messages] == ["django_momo.E021"]
    assert "(NotADirectoryError)" in messages[0].msg
    assert secret not in f"{messages[0].msg} {messages[0].hint}"


def test_dummy_token_cache_is_an_error(settings):
    with_token_cache(settings, "django.core.cache.backends.dummy.DummyCache")
    messages = check_token_cache()
    assert [m.id for m in messages] == ["django_momo.E022"]
    assert messages[0].hint


def test_locmem_token_cache_warns_only_when_tasks_run_in_workers(settings, tmp_path):
    with_token_cache(settings, LOCMEM)
    assert token_cache_ids() == []  # the suite's immediate backend: tasks run in this process
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    messages = check_token_cache()
    assert [m.id for m in messages] == ["django_momo.W006"]
    assert "LocMemCache" in messages[0].msg
    assert "shares" in messages[0].hint
    # A cache the worker processes share is what the warning asks for.
    with_token_cache(settings, "django.core.cache.backends.filebased.FileBasedCache", str(tmp_path))
    assert token_cache_ids() == []


class _CacheOnUnreachableDatabase:
    def db_for_read(self, model, **hints):
        return "momo_unreachable" if model._meta.app_label == "django_cache" else None

    db_for_write = db_for_read


def test_unreachable_database_of_the_token_cache_is_a_warning_not_a_crash(
    settings, tmp_path, django_db_blocker
):
    # No django_db mark: its guard would refuse the extra alias before any connection attempt.
    # Only that alias is touched, and connecting to it really fails.
    import socket

    from django.db import connections

    default = connections.settings["default"]
    if default["ENGINE"].endswith("sqlite3"):
        down = {**default, "NAME": str(tmp_path / "no-such-dir" / "db.sqlite3"), "OPTIONS": {}}
    else:
        with socket.socket() as sock:  # a port nobody listens on
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        down = {**default, "HOST": "127.0.0.1", "PORT": str(port)}
    connections.settings["momo_unreachable"] = down
    try:
        settings.DATABASE_ROUTERS = [_CacheOnUnreachableDatabase()]
        with_token_cache(settings, DB_CACHE, "momo_tokens_down")
        with django_db_blocker.unblock():
            messages = check_token_cache()
        assert [m.id for m in messages] == ["django_momo.W007"]
        assert "'momo_unreachable'" in messages[0].msg
        assert "OperationalError" in messages[0].msg
    finally:
        connections["momo_unreachable"].close()
        if hasattr(connections._connections, "momo_unreachable"):
            delattr(connections._connections, "momo_unreachable")
        del connections.settings["momo_unreachable"]


def test_token_cache_check_runs_with_manage_py_check(settings):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    with_token_cache(settings, "django.core.cache.backends.dummy.DummyCache")
    with pytest.raises(SystemCheckError, match=r"django_momo.E022"):
        call_command("check", "--tag", "caches")


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("PENDING_ALERT_AFTER", 0, "django_momo.E023"),
        ("PENDING_ALERT_AFTER", "1 day", "django_momo.E023"),
        ("UNSENT_AFTER", True, "django_momo.E023"),
        ("UNSENT_AFTER", -5, "django_momo.E023"),
        ("MOMO_REPLAY_MAX_AGE", 31 * 86400, "django_momo.E024"),
        ("MOMO_REPLAY_MAX_AGE", 90 * 86400, "django_momo.E024"),
    ],
)
def test_age_limits_must_keep_payments_moving(settings, name, value, expected):
    configure(settings, {"mtn": good_mtn()})
    settings.DJANGO_MOMO = {**settings.DJANGO_MOMO, name: value}
    assert momo_ids(run_checks()) == [expected]


def test_sensible_age_limits_pass(settings):
    configure(settings, {"mtn": good_mtn()})
    settings.DJANGO_MOMO = {
        **settings.DJANGO_MOMO,
        "PENDING_ALERT_AFTER": 3600,
        "MOMO_REPLAY_MAX_AGE": 30 * 86400,
        "UNSENT_AFTER": 120.5,
    }
    assert momo_ids(run_checks()) == []


@pytest.mark.parametrize(
    "rule",
    [
        "1000",
        {"REQUIRED": 2},
        {"ABOVE": 1000},
        {"ABOVE": "1e3"},
        {"ABOVE": "1000", "REQUIRED": 0},
        {"ABOVE": "1000", "APPROVERS": 2},
    ],
)
def test_a_bad_approval_rule_is_an_error(settings, rule):
    configure(settings, {"mtn": {**good_mtn(), "APPROVALS": rule}})
    assert momo_ids(run_checks()) == ["django_momo.E026"]


def test_a_good_approval_rule_passes(settings):
    rule = {"ABOVE": "1000", "DAILY_LIMIT": "10000.50", "REQUIRED": 2}
    configure(settings, {"mtn": {**good_mtn(), "APPROVALS": rule}})
    assert momo_ids(run_checks()) == []


# -- check ids written out, the app tag ------------------------------------------------------------

ID_RE = re.compile(r"django_momo\.[EW][0-9]{3}")
CHECK_SOURCES = ("checks.py", "providers/mtn/account.py", "providers/momo_vn/account.py")


def package_file(relative):
    import django_momo

    return Path(django_momo.__file__).parent / relative


def raised_ids(relative):
    """The ids of the ``Error``/``Warning``/``Problem`` built in a file; each must be a literal."""
    tree = ast.parse(package_file(relative).read_text())
    ids = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            continue
        if node.func.id in ("Error", "Warning"):
            (value,) = [k.value for k in node.keywords if k.arg == "id"]
        elif node.func.id == "Problem":
            value = node.args[0]
        else:
            continue
        assert isinstance(value, ast.Constant), f"{relative}:{node.lineno}: id is not a literal"
        assert ID_RE.fullmatch(value.value), f"{relative}:{node.lineno}: {value.value!r}"
        ids.append(value.value)
    return ids


def test_every_check_id_is_written_out_where_it_is_raised():
    found = {relative: set(raised_ids(relative)) for relative in CHECK_SOURCES}
    for relative in CHECK_SOURCES:
        text = package_file(relative).read_text()
        assert 'id=f"' not in text
        assert "django_momo.E{" not in text
        assert "django_momo.W{" not in text
    assert found["providers/mtn/account.py"] == {
        *(f"django_momo.E{n:03d}" for n in range(6, 12)),
        "django_momo.W002",
        "django_momo.W004",
    }
    assert found["providers/momo_vn/account.py"] == {f"django_momo.E{n:03d}" for n in range(12, 16)}
    every = set().union(*found.values())
    # Ids are numbered without gaps, and each is raised in one file only.
    errors = sorted(i for i in every if ".E" in i)
    warnings = sorted(i for i in every if ".W" in i)
    assert errors == [f"django_momo.E{n:03d}" for n in range(1, len(errors) + 1)]
    assert warnings == [f"django_momo.W{n:03d}" for n in range(1, len(warnings) + 1)]
    assert sum(len(ids) for ids in found.values()) == len(every)


def test_the_readme_table_lists_every_check_id():
    readme = package_file("..") / "README.rst"
    if not readme.exists():
        pytest.skip("no README.rst next to the package (installed from a wheel)")
    section = readme.read_text().split("\nSystem checks\n-------------\n", 1)[1]
    section = re.split(r"\n\n[^\n]+\n[-=~^]{3,}\n", section, maxsplit=1)[0]
    listed = re.findall(r"^``([EW][0-9]{3})``  ", section, re.M)
    every = set().union(*(raised_ids(relative) for relative in CHECK_SOURCES))
    assert len(listed) == len(set(listed))
    assert {f"django_momo.{short}" for short in listed} == every


def test_every_check_is_registered_under_the_app_tag():
    from django.core.checks.registry import registry

    import django_momo.checks as module

    ours = {c.__name__: c for c in registry.get_checks() if c.__module__ == module.__name__}
    public = {name for name in vars(module) if name.startswith("check_")}
    assert set(ours) == public == {"check_settings", "check_tasks_backend", "check_token_cache"}
    for check in ours.values():
        assert "django_momo" in check.tags, check.__name__
    assert "compatibility" in ours["check_settings"].tags
    assert "caches" in ours["check_token_cache"].tags


def test_run_checks_by_the_app_tag_runs_exactly_ours(settings):
    from django.core.checks import run_checks as django_run_checks

    configure(
        settings,
        {
            "ug": {**good_mtn(), "TARGET_ENVIRONMENT": "mtnmars"},
            "vn": {**good_momo(), "LANG": "fr"},
        },
        TYPO_SETTING=1,
    )
    messages = django_run_checks(tags=["django_momo"])
    assert {"django_momo.E002", "django_momo.E006", "django_momo.E014"} <= {m.id for m in messages}
    assert all(m.id and ID_RE.fullmatch(m.id) for m in messages)

    def key(m):
        return (m.id, m.msg, m.hint)

    direct = [*check_settings(), *check_tasks_backend(), *check_token_cache()]
    assert sorted(messages, key=key) == sorted(direct, key=key)


def test_manage_py_check_with_the_app_tag(settings):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    configure(settings, {"ug": {**good_mtn(), "TARGET_ENVIRONMENT": "mtnmars"}})
    with pytest.raises(SystemCheckError, match=r"django_momo.E006.*TARGET_ENVIRONMENT"):
        call_command("check", "--tag", "django_momo")


def test_provider_problems_become_errors_and_warnings(settings):
    configure(settings, {"ug": {**good_mtn(), "TARGET_ENVIRONMENT": "sandbox"}})
    (warning,) = [m for m in run_checks() if m.id == "django_momo.W002"]
    assert not warning.is_serious()
    assert warning.msg == (
        "DJANGO_MOMO[\"ACCOUNTS\"]['ug']: MTN's sandbox only accepts EUR, CURRENCY is 'UGX'."
    )
    assert warning.hint == 'Set "CURRENCY": "EUR" for the sandbox target environment.'
    configure(settings, {"ug": {**good_mtn(), "CURRENCY": "XYZ"}})
    (error,) = [m for m in run_checks() if m.id == "django_momo.E007"]
    assert error.is_serious()  # the client refuses a currency whose minor units are unknown


@pytest.mark.parametrize("host", ["shop.example.com:8443", "  ", "user@shop.example.com"])
def test_callback_host_follows_the_provisioning_rule(settings, host):
    configure(settings, {"ug": {**good_mtn(), "CALLBACK_HOST": host}})
    assert "django_momo.E008" in momo_ids(run_checks())


def test_callback_host_mismatch_message_is_unchanged(settings):
    configure(settings, {"ug": {**good_mtn(), "CALLBACK_HOST": "Other.example.com"}})
    (warning,) = [m for m in run_checks() if m.id == "django_momo.W004"]
    assert warning.msg == (
        "DJANGO_MOMO[\"ACCOUNTS\"]['ug'][\"CALLBACK_HOST\"] 'Other.example.com' differs from the "
        "CALLBACK_BASE_URL host 'shop.example.com'."
    )
    configure(
        settings,
        {"ug": {**good_mtn(), "CALLBACK_HOST": "other.example.com"}},
        CALLBACK_BASE_URL="not a url",
    )
    assert "django_momo.W004" not in momo_ids(run_checks())


# -- MoMo's public key: the check parses it as the client does -------------------------------------


def public_pem(private_key):
    from cryptography.hazmat.primitives import serialization

    return (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def bare_base64(pem, separator=""):
    body = "".join(line for line in pem.splitlines() if "-----" not in line)
    return separator.join(body[i : i + 64] for i in range(0, len(body), 64))


def momo_keys():
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    pem = presets.momo_public_key_pem()
    return {
        "pem": pem,
        "pem-crlf": pem.replace("\n", "\r\n"),
        "bare": bare_base64(pem),
        "bare-lines": bare_base64(pem, "\n"),
        "bare-spaces": bare_base64(pem, " "),
        # Non-breaking spaces, as pasted from a web page: the old check's own parser accepted
        # this (str.split() removes them); the client refuses it.
        "bare-nbsp": bare_base64(pem, "\u00a0"),
        "not-a-key": "not a key",
        "pem-junk": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
        "begin-no-dashes": "BEGIN " + bare_base64(pem),
        "truncated": bare_base64(pem)[:-8],
        "rsa-1024": public_pem(rsa.generate_private_key(public_exponent=65537, key_size=1024)),
        "ec": public_pem(ec.generate_private_key(ec.SECP256R1())),
    }


def client_refuses(public_key):
    from django_momo.providers.base import ConfigurationError
    from django_momo.providers.momo_vn import MomoCredentials, MomoDisbursementClient

    credentials = MomoCredentials(
        base_url="https://payment.momo.vn",
        partner_code="MOMOX",
        access_key="a",
        secret_key="s",
        public_key=public_key,
    )
    try:
        client = MomoDisbursementClient(credentials)
    except ConfigurationError:
        return True
    client.close()
    return False


def test_the_public_key_check_and_the_client_agree_on_every_key(settings):
    keys = momo_keys()
    verdicts = {}
    for name, key in keys.items():
        configure(settings, {"vn": {**good_momo(), "PUBLIC_KEY": key}})
        refused_by_check = "django_momo.E013" in momo_ids(run_checks())
        assert refused_by_check == client_refuses(key), name
        verdicts[name] = refused_by_check
    assert [name for name, refused in verdicts.items() if not refused] == [
        "pem",
        "pem-crlf",
        "bare",
        "bare-lines",
        "bare-spaces",
    ]


@pytest.mark.parametrize(
    ("key_name", "reason"),
    [
        ("not-a-key", "it cannot be parsed (Error)"),
        ("ec", "it is not an RSA key"),
        ("rsa-1024", "it has 1024 bits, MoMo uses 2048 or 4096"),
    ],
)
def test_the_public_key_check_says_why(settings, key_name, reason):
    configure(settings, {"vn": {**good_momo(), "PUBLIC_KEY": momo_keys()[key_name]}})
    (error,) = [m for m in run_checks() if m.id == "django_momo.E013"]
    assert error.msg == (
        f"DJANGO_MOMO[\"ACCOUNTS\"]['vn']['PUBLIC_KEY'] is not a usable RSA public key: {reason}."
    )


def test_the_public_key_check_calls_the_clients_parser(settings, monkeypatch):
    from django_momo.providers.momo_vn import crypto

    seen = []

    def refuse(text):
        seen.append(text)
        raise crypto.PublicKeyError("refused", reason="the client's parser said no")

    monkeypatch.setattr(crypto, "load_public_key", refuse)
    configure(settings, {"vn": good_momo()})
    (error,) = [m for m in run_checks() if m.id == "django_momo.E013"]
    assert error.msg.endswith(": the client's parser said no.")
    assert seen == [good_momo()["PUBLIC_KEY"]]
