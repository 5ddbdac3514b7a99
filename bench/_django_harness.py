"""Shared set-up of the Django benchmarks: a fresh PostgreSQL database, a sandbox, workers.

Every benchmark creates its own database on the server at 127.0.0.1:54329 (user/password
``momo``; override with ``MOMO_BENCH_PG``) and its own sandbox process, and removes both at exit.
Worker processes use ``tests/e2e_settings.py`` (the database backend of django-tasks-db).
"""

from __future__ import annotations

import atexit
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("MOMO_BENCH_PG", "postgres://momo:momo@127.0.0.1:54329")


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    argv: list[str],
    ready_url: str,
    *,
    env: dict[str, str] | None = None,
    method: str = "GET",
    timeout: float = 30.0,
) -> subprocess.Popen[bytes]:
    """Start ``argv`` (stopped at exit) and wait until ``ready_url`` answers at all."""
    proc = subprocess.Popen(
        argv,
        cwd=ROOT,
        env={**(env or os.environ), "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    atexit.register(stop, [proc])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.request(method, ready_url, timeout=10)
            return proc
        except requests.ConnectionError:
            if proc.poll() is not None:
                break
            time.sleep(0.05)
    stop([proc])
    raise SystemExit(f"{argv[2] if len(argv) > 2 else argv[0]} did not start")


def start_sandbox(*flags: str) -> tuple[str, subprocess.Popen[bytes]]:
    """Start ``python -m django_momo.sandbox`` with ``flags``; returns its base URL and process."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "django_momo.sandbox", "--port", str(port), *flags]
    return url, start_server(argv, f"{url}/_sandbox/health", timeout=20)


def fresh_database(name: str) -> str:
    """Drop and create database ``name`` on the benchmark server; returns its DATABASE_URL."""
    import psycopg

    try:
        admin = psycopg.connect(f"{PG}/postgres", autocommit=True)
    except psycopg.OperationalError as exc:
        raise SystemExit(f"PostgreSQL at {PG} is not reachable: {exc}") from None
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    atexit.register(drop)
    return f"{PG}/{name}"


def worker_env(database_url: str, sandbox_url: str, momo: dict[str, Any]) -> dict[str, str]:
    """Environment of a Django process (worker or command) on the benchmark's database."""
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "tests.e2e_settings",
        "DATABASE_URL": database_url,
        "MOMO_TEST_DB_NAME": "",
        "MOMO_SANDBOX_URL": sandbox_url,
        "MOMO_SETTINGS_JSON": json.dumps(momo),
    }


def setup_django(env: dict[str, str]) -> None:
    """Configure Django in this process like the workers, and create every table."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.apps import apps
    from django.core.management import call_command
    from django.test.utils import override_settings

    # All tables in one pass (as pytest-django's --nomigrations): until the app ships its
    # migrations, a mixed migrate would create its foreign keys before auth_user exists.
    no_migrations = {cfg.label: None for cfg in apps.get_app_configs()}
    with override_settings(MIGRATION_MODULES=no_migrations):
        call_command("migrate", run_syncdb=True, verbosity=0)


def start_workers(count: int, env: dict[str, str], log_dir: Path) -> list[subprocess.Popen[bytes]]:
    """``count`` ``db_worker`` processes; returns once every one has started polling."""
    procs = []
    logs = []
    for n in range(count):
        log = log_dir / f"worker-{n}.log"
        logs.append(log)
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "django",
                    "db_worker",
                    "--interval",
                    "0.02",
                    "--no-startup-delay",
                    "--no-reload",
                    "--worker-id",
                    f"bench-{n}",
                ],
                cwd=ROOT,
                env=env,
                stdout=log.open("wb"),
                stderr=subprocess.STDOUT,
            )
        )
    atexit.register(stop, procs)
    deadline = time.monotonic() + 60
    while not all(log.exists() and b"Starting worker" in log.read_bytes() for log in logs):
        if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
            raise SystemExit("workers did not start:\n" + "\n".join(p.read_text() for p in logs))
        time.sleep(0.05)
    return procs


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    """Stop processes started here (SIGTERM, then SIGKILL after 20 s)."""
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
