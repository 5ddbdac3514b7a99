"""Settings of the example shop. Everything comes from environment variables; the defaults
point at the local provider sandbox (``python -m django_momo.sandbox --port 8800``)."""

from __future__ import annotations

import os
from pathlib import Path

import django

from django_momo.dburl import parse_database_url
from django_momo.sandbox import presets

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    return env(name, "1" if default else "0").lower() in ("1", "true", "yes", "on")


SECRET_KEY = env("DJANGO_SECRET_KEY", "example-only-insecure-key-change-me")
DEBUG = env_bool("DJANGO_DEBUG", True)
ALLOWED_HOSTS = [h for h in env("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "example_project.urls"
WSGI_APPLICATION = "example_project.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_momo",
]
if django.VERSION < (6, 0):
    INSTALLED_APPS.append("django_tasks")
INSTALLED_APPS.append("django_tasks_db")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static"

DATABASES = {
    "default": parse_database_url(env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"))
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Web server, task worker and incoming callbacks share one SQLite file: WAL lets readers and
    # the writer proceed together, IMMEDIATE transactions take the write lock up front (no
    # deadlock on upgrade) and the timeout waits for it instead of failing "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache"
        if env("MOMO_CACHE", "db") == "db"
        else "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "django_momo_cache",
    }
}

# Tasks run in a separate worker process (``manage.py db_worker``); set MOMO_TASKS_BACKEND=immediate
# to run them inline (small shops, quick experiments).
if env("MOMO_TASKS_BACKEND", "database") == "immediate":
    TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.immediate.ImmediateBackend"
            if django.VERSION >= (6, 0)
            else "django_tasks.backends.immediate.ImmediateBackend"
        }
    }
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

MTN_PRODUCTS = ("COLLECTION", "DISBURSEMENT", "REMITTANCE")


def mtn_product(product: str) -> dict[str, str]:
    return {
        "SUBSCRIPTION_KEY": env(
            f"MOMO_MTN_{product}_SUBSCRIPTION_KEY", presets.MTN_SUBSCRIPTION_KEYS[product.lower()]
        ),
        "API_USER": env(f"MOMO_MTN_{product}_API_USER", presets.MTN_API_USER),
        "API_KEY": env(f"MOMO_MTN_{product}_API_KEY", presets.MTN_API_KEY),
    }


def momo_public_key() -> str:
    value = env("MOMO_VN_PUBLIC_KEY")
    if value.startswith("@"):
        return Path(value[1:]).read_text()
    return value or presets.momo_public_key_pem()


CALLBACK_HOST = env("MOMO_MTN_CALLBACK_HOST", presets.MTN_CALLBACK_HOST)

DJANGO_MOMO = {
    "CALLBACK_BASE_URL": env("MOMO_CALLBACK_BASE_URL", "http://127.0.0.1:8000/momo/"),
    "ACCOUNTS": {
        "mtn": {
            "PROVIDER": "mtn",
            "BASE_URL": env("MOMO_MTN_BASE_URL", "http://127.0.0.1:8800"),
            "TARGET_ENVIRONMENT": env(
                "MOMO_MTN_TARGET_ENVIRONMENT", presets.MTN_TARGET_ENVIRONMENT
            ),
            "CURRENCY": env("MOMO_MTN_CURRENCY", presets.MTN_CURRENCY),
            "CALLBACK_HOST": CALLBACK_HOST,
            **{product: mtn_product(product) for product in MTN_PRODUCTS},
        },
        "momo": {
            "PROVIDER": "momo_vn",
            "BASE_URL": env("MOMO_VN_BASE_URL", "http://127.0.0.1:8800"),
            "PARTNER_CODE": env("MOMO_VN_PARTNER_CODE", presets.MOMO_PARTNER_CODE),
            "ACCESS_KEY": env("MOMO_VN_ACCESS_KEY", presets.MOMO_ACCESS_KEY),
            "SECRET_KEY": env("MOMO_VN_SECRET_KEY", presets.MOMO_SECRET_KEY),
            "PUBLIC_KEY": momo_public_key(),
        },
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "django_momo": {"handlers": ["console"], "level": env("MOMO_LOG_LEVEL", "INFO")},
    },
}
