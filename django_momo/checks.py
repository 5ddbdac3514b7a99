"""System checks: a wrong setting is reported by ``manage.py check``, not at the first payment.

Ids: ``django_momo.E001``... for errors, ``django_momo.W001``... for warnings; each has a hint.
README.rst's "System checks" table says what every id means. Every id is written out in full
where it is raised (``id="django_momo.E013"``), so ``grep -rn django_momo.E013 django_momo``
finds the rule: the settings and the token cache here, an account's provider-specific keys in
its provider's ``account.py`` (``providers/mtn/account.py``: E006-E011, W002, W004;
``providers/momo_vn/account.py``: E012-E015), which ``providers.registry`` finds by the
account's ``PROVIDER``, so no provider is named here.

Every check is registered under the tag ``django_momo`` as well as Django's own
(``compatibility``, ``caches``): ``manage.py check --tag django_momo`` runs exactly these.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from .conf import PROVIDERS, SETTING_NAME
from .providers import Problem
from .providers import registry as providers
from .providers.momo_vn.config import REQUEST_ID_RETENTION_DAYS
from .providers.sensitive import sensitive_variables

MOMO = SETTING_NAME
TAG = "django_momo"


def _message(problem: Problem) -> CheckMessage:
    """A provider's ``Problem`` as Django's check message (its id comes written out in full)."""
    make = Error if problem.level == "error" else Warning
    return make(problem.message, hint=problem.hint, id=problem.id)


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


@register(Tags.compatibility, TAG)
@sensitive_variables("raw", "accounts", "conf")
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Validate ``DJANGO_MOMO`` and every account in it."""
    raw = getattr(settings, SETTING_NAME, None)
    if raw is None:
        return [
            Warning(
                f"{MOMO} is not set: no provider account is configured.",
                hint=f'Add {MOMO} = {{"ACCOUNTS": {{...}}}} to your settings (see the README).',
                id="django_momo.W001",
            )
        ]
    if not isinstance(raw, dict):
        return [
            Error(
                f"{MOMO} must be a dict.",
                hint=f"Set {MOMO} = {{'ACCOUNTS': {{...}}}}.",
                id="django_momo.E001",
            )
        ]
    errors: list[CheckMessage] = []
    from .conf import DEFAULTS

    for name in raw:
        if name not in DEFAULTS:
            errors.append(
                Error(
                    f"{MOMO}[{name!r}] is not a known setting.",
                    hint=f"Known settings: {', '.join(sorted(DEFAULTS))}.",
                    id="django_momo.E002",
                )
            )
    accounts = raw.get("ACCOUNTS", {})
    if not isinstance(accounts, dict):
        return [
            *errors,
            Error(
                f'{MOMO}["ACCOUNTS"] must be a dict of named accounts.',
                hint='e.g. {"mtn-ug": {"PROVIDER": "mtn", ...}}',
                id="django_momo.E003",
            ),
        ]
    callback_base_url = raw.get("CALLBACK_BASE_URL", "")
    # Handed to each provider's checks only when it is a URL (MTN compares its host).
    callback_url = callback_base_url if _is_url(callback_base_url) else None
    for name, conf in accounts.items():
        errors.extend(_check_account(str(name), conf, callback_url))
    errors.extend(_check_callback_base_url(callback_base_url, bool(accounts)))
    errors.extend(_check_networks(raw))
    errors.extend(_check_ages(raw))
    return errors


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
                Error(
                    f"{MOMO}[{name!r}] must be a positive number of seconds.",
                    hint=f"e.g. {name!r}: 86400 (one day); remove it to use the default.",
                    id="django_momo.E023",
                )
            )
    replay = raw.get("MOMO_REPLAY_MAX_AGE")
    days = REQUEST_ID_RETENTION_DAYS  # MoMo keeps a requestId at least this long
    if isinstance(replay, int | float) and not isinstance(replay, bool) and replay >= days * 86400:
        errors.append(
            Error(
                f"{MOMO}['MOMO_REPLAY_MAX_AGE'] is {replay:g} s, not under {days} days.",
                hint=f"MoMo keeps a requestId for at least {days} days; a re-send after that "
                f"could pay a second time. Keep it under {days} days (the default is "
                f"{days - 1}).",
                id="django_momo.E024",
            )
        )
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
        errors.append(
            Error(
                f'{MOMO}["CALLBACK_ALLOWED_NETWORKS"] must be a dict.',
                hint='e.g. {"momo_vn": ["118.69.210.244/32"]}.',
                id="django_momo.E019",
            )
        )
        allowed = {}
    for provider, specs in allowed.items():
        if provider not in PROVIDERS:
            errors.append(
                Error(
                    f'{MOMO}["CALLBACK_ALLOWED_NETWORKS"] names {provider!r}.',
                    hint=f"Use provider names: {', '.join(PROVIDERS)}.",
                    id="django_momo.E019",
                )
            )
        lists[f"CALLBACK_ALLOWED_NETWORKS[{provider!r}]"] = specs
    hint = 'e.g. ["10.0.0.0/8", "192.0.2.7"].'
    for name, specs in lists.items():
        bad = _bad_networks(specs)
        if bad is None:
            errors.append(
                Error(
                    f"{MOMO}[{name}] must be a list of IP addresses or networks.",
                    hint=hint,
                    id="django_momo.E020",
                )
            )
        elif bad:
            errors.append(
                Error(
                    f"{MOMO}[{name}] has entries that are not IP addresses or networks: "
                    f"{', '.join(map(repr, bad))}.",
                    hint=hint,
                    id="django_momo.E020",
                )
            )
    return errors


@sensitive_variables("conf")
def _check_account(name: str, conf: Any, callback_url: str | None) -> list[CheckMessage]:
    """One account: the keys every provider shares here, then its provider's own checks."""
    where = f'{MOMO}["ACCOUNTS"][{name!r}]'
    if not isinstance(conf, dict):
        choices = "|".join(f'"{provider}"' for provider in PROVIDERS)
        return [
            Error(
                f"{where} must be a dict.",
                hint=f'Give at least {{"PROVIDER": {choices}}}.',
                id="django_momo.E003",
            )
        ]
    provider = providers.provider_of(conf)
    if provider is None:
        return [
            Error(
                f"{where}['PROVIDER'] is {conf.get('PROVIDER')!r}.",
                hint=f"Use one of {PROVIDERS}.",
                id="django_momo.E004",
            )
        ]
    errors: list[CheckMessage] = []
    if "APPROVALS" in conf:
        errors.extend(_check_approvals(where, conf["APPROVALS"]))
    if not _is_url(conf.get("BASE_URL")):
        hints = "; ".join(p.base_url_hint for p in providers.PROVIDERS.values())
        errors.append(
            Error(
                f"{where}['BASE_URL'] is missing or not an http(s) URL.",
                hint=f"{hints}.",
                id="django_momo.E005",
            )
        )
    elif (scheme := _insecure_scheme(conf["BASE_URL"])) is not None:
        # Plain http would send the API key, the bearer token and every payment in clear text.
        errors.append(
            Error(
                f"{where}['BASE_URL'] uses {scheme}:// with DEBUG=False.",
                hint="Provider credentials and payments would cross the network unencrypted: "
                "use the provider's https URL (plain http is accepted only for loopback hosts, "
                "e.g. the local sandbox).",
                id="django_momo.E025",
            )
        )
    errors.extend(_message(problem) for problem in provider.problems(where, conf, callback_url))
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
        return [
            Error(
                f"{where}['APPROVALS'] must name ABOVE and/or DAILY_LIMIT (and REQUIRED), "
                "nothing else.",
                hint=hint,
                id="django_momo.E026",
            )
        ]
    errors: list[CheckMessage] = []
    for key in ("ABOVE", "DAILY_LIMIT"):
        value = rule.get(key)
        if value is not None and not (
            isinstance(value, str) and value.isascii() and value.replace(".", "", 1).isdigit()
        ):
            errors.append(
                Error(
                    f"{where}['APPROVALS'][{key!r}] is not a plain amount.",
                    hint=hint,
                    id="django_momo.E026",
                )
            )
    required = rule.get("REQUIRED", 1)
    if isinstance(required, bool) or not isinstance(required, int) or required < 1:
        errors.append(
            Error(
                f"{where}['APPROVALS']['REQUIRED'] must be a whole number >= 1.",
                hint=hint,
                id="django_momo.E026",
            )
        )
    return errors


def _check_callback_base_url(value: Any, has_accounts: bool) -> list[CheckMessage]:
    """CALLBACK_BASE_URL itself (an MTN account's CALLBACK_HOST is compared in its checks)."""
    if value in ("", None):
        if not has_accounts:
            return []
        return [
            Warning(
                f'{MOMO}["CALLBACK_BASE_URL"] is not set: providers cannot call back, payments '
                "settle only by polling.",
                hint="Set it to the public URL of the app's include, e.g. "
                '"https://shop.example.com/momo/".',
                id="django_momo.W003",
            )
        ]
    if not _is_url(value):
        return [
            Error(
                f'{MOMO}["CALLBACK_BASE_URL"] {value!r} is not an http(s) URL.',
                hint='e.g. "https://shop.example.com/momo/".',
                id="django_momo.E016",
            )
        ]
    scheme = _insecure_scheme(value)
    if scheme is not None:
        return [
            Error(
                f'{MOMO}["CALLBACK_BASE_URL"] uses {scheme}:// with DEBUG=False.',
                hint="Providers send payment callbacks over the internet: use https.",
                id="django_momo.E017",
            )
        ]
    return []


@register(Tags.compatibility, TAG)
def check_tasks_backend(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Warn when tasks run inline in production, and when the tasks framework is missing."""
    import django

    if django.VERSION < (6, 0):
        try:
            import django_tasks  # noqa: F401
        except ImportError:
            return [
                Error(
                    "Django < 6 needs the django-tasks backport, which is not installed.",
                    hint='pip install "django-momo[tasks-backport]"',
                    id="django_momo.E018",
                )
            ]
    try:
        from .tasks_compat import inline_backend_in_use
    except ImportError:
        return []
    if not settings.DEBUG and inline_backend_in_use():
        return [
            Warning(
                "Tasks run inline (immediate backend) with DEBUG=False: provider calls "
                "then run inside web requests and nothing retries them in the background.",
                hint="Configure a real backend in TASKS (e.g. django_tasks_db.DatabaseBackend with "
                "a db_worker process) and run momo_reconcile periodically.",
                id="django_momo.W005",
            )
        ]
    return []


# -- the token cache ---------------------------------------------------------------------------
# MTN access tokens, their cross-process refresh lock and MTN's shared 10/s status-query counter
# live in this cache (token_cache.py, services/clients.py, services/rate_limits.py): a cache
# that fails makes every provider call fail, and payments wait in ``sending`` while nothing
# else looks wrong.

_CREATE_TABLE_HINT = (
    "Run manage.py createcachetable. It runs no system checks, so it works before migrate "
    "(which runs them and stops on this error)."
)


@register(Tags.caches, TAG)
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
            Error(
                f"{where} is not a cache alias in CACHES: MTN tokens cannot be stored.",
                hint=f"Set {MOMO}['TOKEN_CACHE'] to one of {sorted(configured)} or add that alias "
                "to CACHES (a cache every process shares: Redis, Memcached, database).",
                id="django_momo.E021",
            )
        ]
    try:
        cache = caches[alias]
    except Exception as exc:
        return [
            Error(
                f"{where}: its backend cannot be loaded ({type(exc).__name__}).",
                hint=f"Check CACHES[{alias!r}]['BACKEND'] and that its client library is "
                "installed.",
                id="django_momo.E021",
            )
        ]
    backend = type(cache).__name__
    table = str(getattr(cache, "_table", ""))
    if isinstance(cache, DummyCache):
        # Not a warning: nothing is ever kept, so every MTN call first fetches a new token (MTN
        # answers those in 10-20 s and throttles them), no refresh is single-flight, and the
        # shared status-query counter can never count (its increment always misses).
        return [
            Error(
                f"{where} is a DummyCache: it keeps nothing, so MTN tokens and the shared "
                "status-query counter are never stored.",
                hint="Use a real cache for TOKEN_CACHE (Redis, Memcached, database; LocMemCache "
                "for a single process); keep DummyCache for other aliases if you like.",
                id="django_momo.E022",
            )
        ]
    failure = _probe(cache)
    if failure is not None:
        if isinstance(cache, BaseDatabaseCache):
            down = _database_down(cache)
            if down is not None:
                return [
                    Warning(
                        f"{where} ({backend}, table {table!r}) was not checked: its "
                        f"database {down[0]!r} cannot be reached ({down[1]}).",
                        hint="Run manage.py check again with the database up; until then no token "
                        "can be stored and no provider call can be made.",
                        id="django_momo.W007",
                    )
                ]
            return [
                Error(
                    f"{where} ({backend}) cannot be used: {failure}; does its table "
                    f"{table!r} exist?",
                    hint=_CREATE_TABLE_HINT,
                    id="django_momo.E021",
                )
            ]
        return [
            Error(
                f"{where} ({backend}) cannot be used: {failure}.",
                hint=f"Check CACHES[{alias!r}] and that the cache server is reachable from every "
                "process (web and task workers).",
                id="django_momo.E021",
            )
        ]
    if isinstance(cache, LocMemCache) and _tasks_run_in_another_process():
        return [
            Warning(
                f"{where} is a LocMemCache, which each process keeps for itself, while tasks "
                "run in worker processes: each one fetches its own MTN tokens and MTN's cap of "
                "10 status queries per second holds per process only.",
                hint="Point TOKEN_CACHE at a cache every process shares (Redis, Memcached, or "
                "django.core.cache.backends.db.DatabaseCache plus manage.py createcachetable).",
                id="django_momo.W006",
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
