"""Settings for the test suite: SQLite by default, PostgreSQL when DATABASE_URL says so."""

from __future__ import annotations

import os

import django

from django_momo.dburl import parse_database_url
from django_momo.sandbox import presets

SECRET_KEY = "tests-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "tests.urls"
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

DATABASES = {"default": parse_database_url(os.environ.get("DATABASE_URL", "sqlite:///:memory:"))}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

_IMMEDIATE = (
    "django.tasks.backends.immediate.ImmediateBackend"
    if django.VERSION >= (6, 0)
    else "django_tasks.backends.immediate.ImmediateBackend"
)
TASKS = {"default": {"BACKEND": _IMMEDIATE}}

# The tests point the accounts at the sandbox they start (see tests/conftest.py); these are the
# sandbox's preset credentials, public by design.
DJANGO_MOMO = {
    "CALLBACK_BASE_URL": "http://127.0.0.1:8000/momo/",
    # The suite sends far more junk than any provider does; the limit has tests of its own.
    "CALLBACK_REFUSED_PER_MINUTE": None,
    "ACCOUNTS": {
        "mtn": {
            "PROVIDER": "mtn",
            "BASE_URL": "http://127.0.0.1:9",
            "TARGET_ENVIRONMENT": presets.MTN_TARGET_ENVIRONMENT,
            "CURRENCY": presets.MTN_CURRENCY,
            "CALLBACK_HOST": presets.MTN_CALLBACK_HOST,
            **{
                product.upper(): {
                    "SUBSCRIPTION_KEY": key,
                    "API_USER": presets.MTN_API_USER,
                    "API_KEY": presets.MTN_API_KEY,
                }
                for product, key in presets.MTN_SUBSCRIPTION_KEYS.items()
            },
        },
        "momo": {
            "PROVIDER": "momo_vn",
            "BASE_URL": "http://127.0.0.1:9",
            "PARTNER_CODE": presets.MOMO_PARTNER_CODE,
            "ACCESS_KEY": presets.MOMO_ACCESS_KEY,
            "SECRET_KEY": presets.MOMO_SECRET_KEY,
            "PUBLIC_KEY": presets.momo_public_key_pem(),
        },
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"null": {"class": "logging.NullHandler"}},
    "loggers": {"django_momo": {"handlers": ["null"], "level": "DEBUG", "propagate": True}},
}

# The suite runs tasks inline on purpose; the production warning about that is tested on its own.
SILENCED_SYSTEM_CHECKS = ["django_momo.W005"]
