"""One import of Django's tasks framework: ``django.tasks`` on Django 6+, else the backport.

Django 6.0 ships the tasks framework as ``django.tasks``; on Django 5.2 the same API comes from
the ``django-tasks`` package (``django_tasks``). Both read the ``TASKS`` setting and their
backends are interchangeable, so the rest of django-momo imports from here only and never
assumes a particular backend: it asks :func:`supports_defer` before scheduling with
``run_after`` and :func:`inline_backend_in_use` to warn about work done inside requests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from django.tasks import (
        DEFAULT_TASK_BACKEND_ALIAS,
        TaskResult,
        TaskResultStatus,
        default_task_backend,
        task,
        task_backends,
    )
    from django.tasks.backends.base import BaseTaskBackend
    from django.tasks.base import Task
    from django.tasks.exceptions import InvalidTask as InvalidTaskError
else:
    try:
        from django.tasks import (
            DEFAULT_TASK_BACKEND_ALIAS,
            TaskResult,
            TaskResultStatus,
            default_task_backend,
            task,
            task_backends,
        )
        from django.tasks.backends.base import BaseTaskBackend
        from django.tasks.base import Task
        from django.tasks.exceptions import InvalidTask as InvalidTaskError

        FRAMEWORK = "django.tasks"
    except ImportError:
        from django_tasks import (
            DEFAULT_TASK_BACKEND_ALIAS,
            TaskResult,
            TaskResultStatus,
            default_task_backend,
            task,
            task_backends,
        )
        from django_tasks.backends.base import BaseTaskBackend
        from django_tasks.base import Task
        from django_tasks.exceptions import InvalidTaskError

        FRAMEWORK = "django_tasks"

__all__ = [
    "DEFAULT_TASK_BACKEND_ALIAS",
    "BaseTaskBackend",
    "InvalidTaskError",
    "Task",
    "TaskResult",
    "TaskResultStatus",
    "backend_class_path",
    "default_task_backend",
    "get_backend",
    "inline_backend_in_use",
    "is_immediate_backend",
    "supports_defer",
    "task",
    "task_backends",
]

# The inline backend exists in both packages; on Django 6 with the backport also installed,
# a project may configure either of them.
_IMMEDIATE_BACKENDS = (
    "django.tasks.backends.immediate.ImmediateBackend",
    "django_tasks.backends.immediate.ImmediateBackend",
)


def get_backend(alias: str | None = None) -> BaseTaskBackend:
    """The configured task backend ``alias`` (the default backend when None)."""
    return task_backends[alias or DEFAULT_TASK_BACKEND_ALIAS]


def backend_class_path(backend: Any) -> str:
    """Dotted path of a backend's class, e.g. ``django_tasks_db.DatabaseBackend``."""
    return _class_path(type(backend))


def supports_defer(alias: str | None = None) -> bool:
    """Whether the backend accepts tasks scheduled for later (``.using(run_after=...)``)."""
    return bool(getattr(get_backend(alias), "supports_defer", False))


def is_immediate_backend(alias: str | None = None) -> bool:
    """Whether the backend is the immediate one, which runs each task inline when enqueued."""
    backend = get_backend(alias)
    return any(_class_path(base) in _IMMEDIATE_BACKENDS for base in type(backend).__mro__)


def _class_path(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def inline_backend_in_use(alias: str | None = None) -> bool:
    """Whether django-momo's tasks would run inside the request that enqueues them.

    True when the backend is the immediate backend (the framework's default when ``TASKS`` is
    not set). A broken ``TASKS`` setting answers False: the framework's own checks report it.
    """
    try:
        return is_immediate_backend(alias)
    except (ImproperlyConfigured, ImportError):
        return False
