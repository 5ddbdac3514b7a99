"""Benchmark: API key authentication against no authentication and HTTP Basic, through gunicorn.

    python bench/bench_api_keys.py [--seconds 8] [--clients 4]

Own database on 127.0.0.1:54329 (see ``_django_harness``), gunicorn with 2 sync workers. The same
view (``GET accounts/``: permission check, settings, JSON) is measured three ways, each for
``--seconds`` with ``--clients`` client threads:
- no authentication: the view with no authentication and no permission classes (the baseline);
- ``Authorization: Api-Key ...``: one indexed lookup, one SHA-256, last-used written once a minute;
- HTTP Basic with Django's default password hasher (what a shop's backend used before keys).
Prints requests per second and the ratio to the baseline (goal: API key at least 0.5).
"""

from __future__ import annotations

import argparse
import base64
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

SERVE_FLAG = "MOMO_BENCH_API_KEYS_SERVE"
USER, PASSWORD = "bench", "bench-pw"
NOAUTH = "/bench/noauth/accounts/"
ACCOUNTS = "/momo/api/accounts/"


def configure_django() -> None:
    """Settings of both this process and the gunicorn workers (default password hashers)."""
    import django
    from django.conf import settings

    import tests.e2e_settings as base
    from tests.settings import _IMMEDIATE

    values = {name: getattr(base, name) for name in dir(base) if name.isupper()}
    values.update(
        ROOT_URLCONF="bench.bench_api_keys",
        TASKS={"default": {"BACKEND": _IMMEDIATE}},
        DEBUG=False,
    )
    values.pop("PASSWORD_HASHERS", None)
    values["DATABASES"]["default"]["CONN_MAX_AGE"] = 600
    settings.configure(**values)
    django.setup()


if os.environ.get(SERVE_FLAG):
    # Imported by gunicorn as bench.bench_api_keys:application, and as the URLconf.
    configure_django()
    from django.core.wsgi import get_wsgi_application
    from django.urls import include, path

    from django_momo.api.views import AccountListView

    class NoAuthAccountListView(AccountListView):
        """The same view with no authentication at all."""

        permission_classes = []
        throttle_classes = []

        def get_authenticators(self) -> list[Any]:
            return []

    urlpatterns = [
        path("momo/", include("django_momo.urls")),
        path(NOAUTH.strip("/") + "/", NoAuthAccountListView.as_view()),
    ]
    application = get_wsgi_application()


def create_tables_and_key() -> str:
    """Every table in one pass, a staff user (for Basic) and an API key; returns the key."""
    from django.apps import apps
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.test.utils import override_settings

    from django_momo.models import ApiKey

    no_migrations = {cfg.label: None for cfg in apps.get_app_configs()}
    with override_settings(MIGRATION_MODULES=no_migrations):
        call_command("migrate", run_syncdb=True, verbosity=0)
    user = User.objects.create_user(USER, password=PASSWORD, is_staff=True)
    _, plaintext = ApiKey.issue(owner=user, name="bench")
    return plaintext


def main() -> None:
    """Start everything, run the three phases, print the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()

    from _django_harness import free_port, fresh_database, start_sandbox, start_server
    from bench_api import measure

    sandbox_url, _ = start_sandbox()
    env = {
        **os.environ,
        "DATABASE_URL": fresh_database("momo_bench_api_keys"),
        "MOMO_TEST_DB_NAME": "",
        "MOMO_SANDBOX_URL": sandbox_url,
    }
    os.environ.update(env)
    configure_django()
    plaintext = create_tables_and_key()

    url = f"http://127.0.0.1:{free_port()}"
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        "2",
        "--bind",
        url.removeprefix("http://"),
        "--log-level",
        "warning",
        "bench.bench_api_keys:application",
    ]
    start_server(argv, url + NOAUTH, env={**env, SERVE_FLAG: "1"})

    basic = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    phases = [
        ("no authentication", url + NOAUTH, None),
        ("Api-Key", url + ACCOUNTS, f"Api-Key {plaintext}"),
        ("HTTP Basic (default password hasher)", url + ACCOUNTS, basic),
    ]
    print(f"gunicorn 2 sync workers, {args.clients} client threads, {args.seconds:g} s per phase")
    results = []
    for name, target, header in phases:

        def call(session: Any, n: int, target: str = target, header: str | None = header) -> Any:
            return session.get(target, headers={"Authorization": header})

        rate, codes = measure(args.seconds, args.clients, call)
        results.append((name, rate))
        print(f"  GET accounts/, {name:<38} {rate:8.1f} req/s  {dict(codes)}", flush=True)

    base = results[0][1]
    print("\nratio to no authentication (requests per second):")
    for name, rate in results:
        print(f"  {name:<38} {rate / base:6.2f}")


if __name__ == "__main__":
    main()
