"""The tasks framework import and the backend feature helpers."""

from __future__ import annotations

import django
import pytest

from django_momo import tasks_compat

DUMMY = (
    "django.tasks.backends.dummy.DummyBackend"
    if django.VERSION >= (6, 0)
    else "django_tasks.backends.dummy.DummyBackend"
)


def test_framework_matches_the_django_version():
    expected = "django.tasks" if django.VERSION >= (6, 0) else "django_tasks"
    assert expected == tasks_compat.FRAMEWORK  # type: ignore[attr-defined]
    assert tasks_compat.task.__module__.startswith(expected)


def test_the_test_settings_use_the_inline_backend():
    assert tasks_compat.is_immediate_backend()
    assert tasks_compat.inline_backend_in_use()
    assert not tasks_compat.supports_defer()


def test_a_queueing_backend_is_not_inline_and_supports_defer(settings):
    settings.TASKS = {"default": {"BACKEND": DUMMY}}
    assert not tasks_compat.inline_backend_in_use()
    assert tasks_compat.supports_defer()


def test_the_database_backend_supports_defer(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert not tasks_compat.inline_backend_in_use()
    assert tasks_compat.supports_defer()
    assert tasks_compat.backend_class_path(tasks_compat.get_backend()) == (
        "django_tasks_db.backend.DatabaseBackend"
    )


def test_an_unset_tasks_setting_means_the_inline_default(settings):
    del settings.TASKS
    assert tasks_compat.inline_backend_in_use()


def test_a_broken_tasks_setting_is_not_reported_as_inline(settings):
    settings.TASKS = {"default": {"BACKEND": "no.such.Backend"}}
    assert tasks_compat.inline_backend_in_use() is False
    with pytest.raises(django.core.exceptions.ImproperlyConfigured):
        tasks_compat.get_backend()
