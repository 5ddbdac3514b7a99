"""System checks: a wrong setting is reported by ``manage.py check``, not at the first payment.

Ids: ``django_momo.E001``... for errors, ``django_momo.W001``... for warnings; each has a hint.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from .conf import MTN_PRODUCTS, MTN_TARGET_ENVIRONMENTS, PROVIDERS, SETTING_NAME
from .providers.sensitive import sensitive_variables

MOMO = SETTING_NAME


def _err(id_: int, msg: str, hint: str) -> Error:
    return Error(msg, hint=hint, id=f"django_momo.E{id_:03d}")


def _warn(id_: int, msg: str, hint: str) -> Warning:
    return Warning(msg, hint=hint, id=f"django_momo.W{id_:03d}")


def _is_url(value: Any) -> bool:
    if not isinstance(value, str) or not value:
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _is_loopback(host: str | None) -> bool:
    """Whether ``host`` is this machine: ``localhost``, 127.0.0.0/8 or ``::1``."""
    import ipaddress

    if not host:
        return False
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def _insecure_scheme(url: str) -> str | None:
    """The scheme of ``url`` when it is not https and not loopback while DEBUG is off."""
    parts = urlsplit(url)
    # Loopback is the local sandbox (tests, demo): nothing crosses a network to reach it.
    if settings.DEBUG or parts.scheme == "https" or _is_loopback(parts.hostname):
        return None
    return parts.scheme


@register(Tags.compatibility)
@sensitive_variables("raw", "accounts", "conf")
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Validate ``DJANGO_MOMO`` and every account in it."""
    raw = getattr(settings, SETTING_NAME, None)
    if raw is None:
        return [
            _warn(
                1,
                f"{MOMO} is not set: no provider account is configured.",
                f'Add {MOMO} = {{"ACCOUNTS": {{...}}}} to your settings (see the README).',
            )
        ]
    if not isinstance(raw, dict):
        return [_err(1, f"{MOMO} must be a dict.", f"Set {MOMO} = {{'ACCOUNTS': {{...}}}}.")]
    errors: list[CheckMessage] = []
    from .conf import DEFAULTS

    for name in raw:
        if name not in DEFAULTS:
            errors.append(
                _err(
                    2,
                    f"{MOMO}[{name!r}] is not a known setting.",
                    f"Known settings: {', '.join(sorted(DEFAULTS))}.",
                )
            )
    accounts = raw.get("ACCOUNTS", {})
    if not isinstance(accounts, dict):
        return [
            *errors,
            _err(
                3,
                f'{MOMO}["ACCOUNTS"] must be a dict of named accounts.',
                'e.g. {"mtn-ug": {"PROVIDER": "mtn", ...}}',
            ),
        ]
    for name, conf in accounts.items():
        errors.extend(_check_account(str(name), conf))
    errors.extend(_check_callback_base_url(raw.get("CALLBACK_BASE_URL", ""), accounts))
    errors.extend(_check_networks(raw))
    errors.extend(_check_ages(raw))
    return errors


# MoMo keeps a requestId for at least 31 days (its idempotency document): a re-send later than
# that could be processed as a new payout.
MOMO_REQUEST_ID_DAYS = 31
AGE_SETTINGS = ("PENDING_ALERT_AFTER", "MOMO_REPLAY_MAX_AGE", "UNSENT_AFTER")


def _check_ages(raw: dict[str, Any]) -> list[CheckMessage]:
    """The age limits that keep payments from waiting for ever (or being re-sent too late)."""
    errors: list[CheckMessage] = []
    for name in AGE_SETTINGS:
        if name not in raw:
            continue
        value = raw[name]
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            errors.append(
                _err(23, f"{MOMO}[{name!r}] must be a positive number of seconds.",
                     f"e.g. {name!r}: 86400 (one day); remove it to use the default.")
            )  # fmt: skip
    replay = raw.get("MOMO_REPLAY_MAX_AGE")
    limit = MOMO_REQUEST_ID_DAYS * 86400
    if isinstance(replay, int | float) and not isinstance(replay, bool) and replay >= limit:
        errors.append(
            _err(24, f"{MOMO}['MOMO_REPLAY_MAX_AGE'] is {replay:g} s, not under 31 days.",
                 "MoMo keeps a requestId for at least 31 days; a re-send after that could pay "
                 "a second time. Keep it under 31 days (the default is 30).")
        )  # fmt: skip
    return errors


def _bad_networks(specs: Any) -> list[str] | None:
    """The entries of ``specs`` that are not IP addresses or networks (None: not a list)."""
    import ipaddress

    if isinstance(specs, str) or not isinstance(specs, list | tuple):
        return None
    bad = []
    for spec in specs:
        try:
            ipaddress.ip_network(str(spec).strip(), strict=False)
        except ValueError:
            bad.append(str(spec))
    return bad


@sensitive_variables("raw")
def _check_networks(raw: dict[str, Any]) -> list[CheckMessage]:
    """TRUSTED_PROXIES and CALLBACK_ALLOWED_NETWORKS: a typo must not silently match nothing."""
    errors: list[CheckMessage] = []
    lists = {"TRUSTED_PROXIES": raw.get("TRUSTED_PROXIES", ())}
    allowed = raw.get("CALLBACK_ALLOWED_NETWORKS", {})
    if not isinstance(allowed, dict):
        errors.append(_err(19, f'{MOMO}["CALLBACK_ALLOWED_NETWORKS"] must be a dict.',
                           'e.g. {"momo_vn": ["118.69.210.244/32"]}.'))  # fmt: skip
        allowed = {}
    for provider, specs in allowed.items():
        if provider not in PROVIDERS:
            errors.append(_err(19, f'{MOMO}["CALLBACK_ALLOWED_NETWORKS"] names {provider!r}.',
                               f"Use provider names: {', '.join(PROVIDERS)}."))  # fmt: skip
        lists[f"CALLBACK_ALLOWED_NETWORKS[{provider!r}]"] = specs
    for name, specs in lists.items():
        bad = _bad_networks(specs)
        if bad is None:
            errors.append(_err(20, f"{MOMO}[{name}] must be a list of IP addresses or networks.",
                               'e.g. ["10.0.0.0/8", "192.0.2.7"].'))  # fmt: skip
        elif bad:
            errors.append(_err(20, f"{MOMO}[{name}] has entries that are not IP addresses or "
                                   f"networks: {', '.join(map(repr, bad))}.",
                               'e.g. ["10.0.0.0/8", "192.0.2.7"].'))  # fmt: skip
    return errors


@sensitive_variables("conf")
def _check_account(name: str, conf: Any) -> list[CheckMessage]:
    where = f'{MOMO}["ACCOUNTS"][{name!r}]'
    if not isinstance(conf, dict):
        return [_err(3, f"{where} must be a dict.", 'Give at least {"PROVIDER": "mtn"|"momo_vn"}.')]
    provider = conf.get("PROVIDER")
    if provider not in PROVIDERS:
        return [_err(4, f"{where}['PROVIDER'] is {provider!r}.", f"Use one of {PROVIDERS}.")]
    errors: list[CheckMessage] = []
    if "APPROVALS" in conf:
        errors.extend(_check_approvals(where, conf["APPROVALS"]))
    if not _is_url(conf.get("BASE_URL")):
        errors.append(
            _err(
                5,
                f"{where}['BASE_URL'] is missing or not an http(s) URL.",
                "MTN: https://proxy.momoapi.mtn.com or your country's host; "
                "MoMo: https://payment.momo.vn (test: https://test-payment.momo.vn).",
            )
        )
    elif (scheme := _insecure_scheme(conf["BASE_URL"])) is not None:
        # Plain http would send the API key, the bearer token and every payment in clear text.
        errors.append(
            _err(
                25,
                f"{where}['BASE_URL'] uses {scheme}:// with DEBUG=False.",
                "Provider credentials and payments would cross the network unencrypted: use "
                "the provider's https URL (plain http is accepted only for loopback hosts, "
                "e.g. the local sandbox).",
            )
        )
    if provider == "mtn":
        errors.extend(_check_mtn(where, conf))
    else:
        errors.extend(_check_momo(where, conf))
    return errors


APPROVAL_KEYS = ("ABOVE", "DAILY_LIMIT", "REQUIRED")


def _check_approvals(where: str, rule: Any) -> list[CheckMessage]:
    """An account's maker-checker rule: plain amounts, a whole number of approvers."""
    hint = (
        'e.g. "APPROVALS": {"ABOVE": "1000", "DAILY_LIMIT": "10000", "REQUIRED": 2} '
        "(amounts as strings of plain digits in the account's currency)"
    )
    if (
        not isinstance(rule, dict)
        or set(rule) - set(APPROVAL_KEYS)
        or not ({"ABOVE", "DAILY_LIMIT"} & set(rule))
    ):
        return [_err(26, f"{where}['APPROVALS'] must name ABOVE and/or DAILY_LIMIT "
                         f"(and REQUIRED), nothing else.", hint)]  # fmt: skip
    errors: list[CheckMessage] = []
    for key in ("ABOVE", "DAILY_LIMIT"):
        value = rule.get(key)
        if value is not None and not (isinstance(value, str) and value.isascii() and (
            value.replace(".", "", 1).isdigit()
        )):  # fmt: skip
            errors.append(_err(26, f"{where}['APPROVALS'][{key!r}] is not a plain amount.", hint))
    required = rule.get("REQUIRED", 1)
    if isinstance(required, bool) or not isinstance(required, int) or required < 1:
        errors.append(
            _err(26, f"{where}['APPROVALS']['REQUIRED'] must be a whole number >= 1.", hint)
        )
    return errors


@sensitive_variables("conf", "creds", "value")
def _check_mtn(where: str, conf: dict[str, Any]) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    env = conf.get("TARGET_ENVIRONMENT")
    if env not in MTN_TARGET_ENVIRONMENTS:
        errors.append(
            _err(
                6,
                f"{where}['TARGET_ENVIRONMENT'] is {env!r}, not an MTN target environment.",
                f"Use one of: {', '.join(MTN_TARGET_ENVIRONMENTS)}.",
            )
        )
    currency = conf.get("CURRENCY")
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha()):
        errors.append(
            _err(
                7,
                f"{where}['CURRENCY'] is missing or not an ISO 4217 code.",
                'The currency of the target environment, e.g. "UGX"; "EUR" in sandbox.',
            )
        )
    elif env == "sandbox" and currency.upper() != "EUR":
        errors.append(
            _warn(
                2,
                f"{where}: MTN's sandbox only accepts EUR, CURRENCY is {currency!r}.",
                'Set "CURRENCY": "EUR" for the sandbox target environment.',
            )
        )
    host = conf.get("CALLBACK_HOST")
    if not isinstance(host, str) or not host or "/" in host:
        errors.append(
            _err(
                8,
                f"{where}['CALLBACK_HOST'] is missing or not a bare host name.",
                'The providerCallbackHost of your API user, e.g. "shop.example.com" '
                "(no scheme, no path).",
            )
        )
    products = [p for p in MTN_PRODUCTS if p in conf]
    if not products:
        errors.append(
            _err(
                9,
                f"{where} has no product credentials.",
                f"Add at least one of {', '.join(MTN_PRODUCTS)} with SUBSCRIPTION_KEY, "
                "API_USER and API_KEY.",
            )
        )
    for product in products:
        creds = conf[product]
        pwhere = f"{where}[{product!r}]"
        if not isinstance(creds, dict):
            errors.append(
                _err(9, f"{pwhere} must be a dict.", "Give SUBSCRIPTION_KEY, API_USER and API_KEY.")
            )
            continue
        for key in ("SUBSCRIPTION_KEY", "API_USER", "API_KEY"):
            value = creds.get(key)
            if not isinstance(value, str) or not value.strip():
                errors.append(
                    _err(
                        10,
                        f"{pwhere}[{key!r}] is missing or empty.",
                        "Copy it from the MTN portal (sandbox: manage.py "
                        "momo_mtn_provision); read it from an environment variable.",
                    )
                )
        user = creds.get("API_USER")
        if isinstance(user, str) and user.strip():
            try:
                if uuid.UUID(user).version != 4:
                    raise ValueError
            except ValueError:
                errors.append(
                    _err(
                        11,
                        f"{pwhere}['API_USER'] is not a UUID version 4.",
                        "MTN API users are UUIDv4 strings, e.g. "
                        '"ff80f18e-d701-4b00-8b58-ba5419001675".',
                    )
                )
    return errors


@sensitive_variables("conf", "value", "key_text")
def _check_momo(where: str, conf: dict[str, Any]) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    for key in ("PARTNER_CODE", "ACCESS_KEY", "SECRET_KEY", "PUBLIC_KEY"):
        value = conf.get(key)
        if not isinstance(value, str) or not value.strip():
            errors.append(
                _err(
                    12,
                    f"{where}[{key!r}] is missing or empty.",
                    "Copy it from MoMo's business portal (M4B); read it from an "
                    "environment variable.",
                )
            )
    key_text = conf.get("PUBLIC_KEY")
    if isinstance(key_text, str) and key_text.strip():
        problem = rsa_public_key_problem(key_text)
        if problem:
            errors.append(
                _err(
                    13,
                    f"{where}['PUBLIC_KEY'] is not a usable RSA public key: {problem}.",
                    "Paste MoMo's public key as PEM (-----BEGIN PUBLIC KEY-----) or as the "
                    "bare base64 DER text MoMo's portal shows.",
                )
            )
    lang = conf.get("LANG", "vi")
    if lang not in ("vi", "en"):
        errors.append(_err(14, f"{where}['LANG'] is {lang!r}.", 'Use "vi" or "en".'))
    limits = conf.get("LIMITS", {})
    if not isinstance(limits, dict) or any(
        not isinstance(v, int) or isinstance(v, bool) or v <= 0 for v in limits.values()
    ):
        errors.append(
            _err(
                15,
                f"{where}['LIMITS'] must map limit names to positive whole VND.",
                'e.g. {"BANK_MIN": 10000}.',
            )
        )
    return errors


@sensitive_variables("text")
def rsa_public_key_problem(text: str) -> str | None:
    """Why ``text`` is not an RSA public key of 2048 bits or more, or ``None`` when it is one."""
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import (
        load_der_public_key,
        load_pem_public_key,
    )

    try:
        if "BEGIN" in text:
            key = load_pem_public_key(text.strip().encode())
        else:
            key = load_der_public_key(base64.b64decode("".join(text.split()), validate=True))
    except (ValueError, TypeError, binascii.Error) as exc:
        return f"it cannot be parsed ({type(exc).__name__})"
    if not isinstance(key, rsa.RSAPublicKey):
        return "it is not an RSA key"
    if key.key_size < 2048:
        return f"it has {key.key_size} bits, MoMo uses 2048 or 4096"
    return None


@sensitive_variables("accounts", "conf")
def _check_callback_base_url(value: Any, accounts: dict[str, Any]) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    if value in ("", None):
        if accounts:
            errors.append(
                _warn(
                    3,
                    f'{MOMO}["CALLBACK_BASE_URL"] is not set: providers cannot '
                    "call back, payments settle only by polling.",
                    "Set it to the public URL of the app's include, e.g. "
                    '"https://shop.example.com/momo/".',
                )
            )
        return errors
    if not _is_url(value):
        return [
            _err(
                16,
                f'{MOMO}["CALLBACK_BASE_URL"] {value!r} is not an http(s) URL.',
                'e.g. "https://shop.example.com/momo/".',
            )
        ]
    parts = urlsplit(value)
    scheme = _insecure_scheme(value)
    if scheme is not None:
        errors.append(
            _err(
                17,
                f'{MOMO}["CALLBACK_BASE_URL"] uses {scheme}:// with DEBUG=False.',
                "Providers send payment callbacks over the internet: use https.",
            )
        )
    for name, conf in accounts.items():
        if isinstance(conf, dict) and conf.get("PROVIDER") == "mtn":
            host = conf.get("CALLBACK_HOST")
            if isinstance(host, str) and host and parts.hostname != host.lower():
                errors.append(
                    _warn(
                        4,
                        f'{MOMO}["ACCOUNTS"][{name!r}]["CALLBACK_HOST"] {host!r} differs '
                        f"from the CALLBACK_BASE_URL host {parts.hostname!r}.",
                        "MTN rejects callback URLs whose host is not the API user's "
                        "providerCallbackHost.",
                    )
                )
    return errors


@register(Tags.compatibility)
def check_tasks_backend(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Warn when tasks run inline in production, and when the tasks framework is missing."""
    import django

    if django.VERSION < (6, 0):
        try:
            import django_tasks  # noqa: F401
        except ImportError:
            return [
                _err(
                    18,
                    "Django < 6 needs the django-tasks backport, which is not installed.",
                    'pip install "django-momo[tasks-backport]"',
                )
            ]
    try:
        from .tasks_compat import inline_backend_in_use
    except ImportError:
        return []
    if not settings.DEBUG and inline_backend_in_use():
        return [
            _warn(
                5,
                "Tasks run inline (immediate backend) with DEBUG=False: provider calls "
                "then run inside web requests and nothing retries them in the background.",
                "Configure a real backend in TASKS (e.g. django_tasks_db.DatabaseBackend with "
                "a db_worker process) and run momo_reconcile periodically.",
            )
        ]
    return []


# -- the token cache ---------------------------------------------------------------------------
# MTN access tokens, their cross-process refresh lock and MTN's shared 10/s status-query counter
# live in this cache (token_cache.py, services/gateways.py): a cache that fails makes every
# provider call fail, and payments wait in ``sending`` while nothing else looks wrong.

_CREATE_TABLE_HINT = (
    "Run manage.py createcachetable. It runs no system checks, so it works before migrate "
    "(which runs them and stops on this error)."
)


@register(Tags.caches)
def check_token_cache(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The token cache exists, keeps what it is given, and is shared when tasks run elsewhere."""
    from django.core.cache import caches
    from django.core.cache.backends.db import BaseDatabaseCache
    from django.core.cache.backends.dummy import DummyCache
    from django.core.cache.backends.locmem import LocMemCache

    from .conf import momo_settings

    alias = momo_settings.TOKEN_CACHE
    where = f'{MOMO}["TOKEN_CACHE"] {alias!r}'
    configured = getattr(settings, "CACHES", {})
    if not isinstance(alias, str) or alias not in configured:
        return [
            _err(
                21,
                f"{where} is not a cache alias in CACHES: MTN tokens cannot be stored.",
                f"Set {MOMO}['TOKEN_CACHE'] to one of {sorted(configured)} or add that alias "
                "to CACHES (a cache every process shares: Redis, Memcached, database).",
            )
        ]
    try:
        cache = caches[alias]
    except Exception as exc:
        return [
            _err(
                21,
                f"{where}: its backend cannot be loaded ({type(exc).__name__}).",
                f"Check CACHES[{alias!r}]['BACKEND'] and that its client library is installed.",
            )
        ]
    backend = type(cache).__name__
    table = str(getattr(cache, "_table", ""))
    if isinstance(cache, DummyCache):
        # Not a warning: nothing is ever kept, so every MTN call first fetches a new token (MTN
        # answers those in 10-20 s and throttles them), no refresh is single-flight, and the
        # shared status-query counter can never count (its increment always misses).
        return [
            _err(
                22,
                f"{where} is a DummyCache: it keeps nothing, so MTN tokens and the shared "
                "status-query counter are never stored.",
                "Use a real cache for TOKEN_CACHE (Redis, Memcached, database; LocMemCache "
                "for a single process); keep DummyCache for other aliases if you like.",
            )
        ]
    failure = _probe(cache)
    if failure is not None:
        if isinstance(cache, BaseDatabaseCache):
            down = _database_down(cache)
            if down is not None:
                return [
                    _warn(
                        7,
                        f"{where} ({backend}, table {table!r}) was not checked: its "
                        f"database {down[0]!r} cannot be reached ({down[1]}).",
                        "Run manage.py check again with the database up; until then no token "
                        "can be stored and no provider call can be made.",
                    )
                ]
            return [
                _err(
                    21,
                    f"{where} ({backend}) cannot be used: {failure}; does its table "
                    f"{table!r} exist?",
                    _CREATE_TABLE_HINT,
                )
            ]
        return [
            _err(
                21,
                f"{where} ({backend}) cannot be used: {failure}.",
                f"Check CACHES[{alias!r}] and that the cache server is reachable from every "
                "process (web and task workers).",
            )
        ]
    if isinstance(cache, LocMemCache) and _tasks_run_in_another_process():
        return [
            _warn(
                6,
                f"{where} is a LocMemCache, which each process keeps for itself, while tasks "
                "run in worker processes: each one fetches its own MTN tokens and MTN's cap of "
                "10 status queries per second holds per process only.",
                "Point TOKEN_CACHE at a cache every process shares (Redis, Memcached, or "
                "django.core.cache.backends.db.DatabaseCache plus manage.py createcachetable).",
            )
        ]
    return []


def _probe(cache: Any) -> str | None:
    """What goes wrong when ``cache`` stores, reads, counts and forgets a value (None: nothing).

    Only the exception's class is named: its text can quote a location or a server URL with
    its password.
    """
    key = f"django_momo:check:{uuid.uuid4().hex}"
    try:
        cache.set(key, 0, timeout=30)
        kept = cache.get(key)
        counted = cache.incr(key) if kept == 0 else None
        cache.delete(key)
    except Exception as exc:
        return f"a test write failed ({type(exc).__name__})"
    if kept != 0 or counted != 1:
        return "a value written was not read back"
    return None


def _database_down(cache: Any) -> tuple[str, str] | None:
    """``(alias, exception class)`` when the database cache's database cannot be connected."""
    from django.db import connections, router

    alias = router.db_for_write(cache.cache_model_class)
    try:
        connection = connections[alias]
    except Exception:
        return None  # an unknown alias is a configuration error, reported as such
    try:
        connection.ensure_connection()
    except Exception as exc:
        return str(alias), type(exc).__name__
    return None


def _tasks_run_in_another_process() -> bool:
    """Whether django-momo's tasks run in workers (any backend but the immediate one)."""
    from django.core.exceptions import ImproperlyConfigured

    try:
        from .tasks_compat import is_immediate_backend

        # The backend django-momo's tasks use: the default one (TASK_QUEUE names a queue).
        return not is_immediate_backend()
    except (ImproperlyConfigured, ImportError):
        # No tasks framework or a broken TASKS: E018 and the framework's own checks say so.
        return False
