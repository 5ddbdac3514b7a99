"""``sensitive_variables``: Django's decorator when Django is installed, a no-op otherwise.

Django's error reports (the 500 e-mail, ``get_traceback_data()``, the HTML traceback) show the
local variables of every frame; a function marked ``@sensitive_variables("headers")`` has those
locals shown as ``********************`` instead, in its own frame and in every frame it calls
(the nearest marked caller decides). ``@sensitive_variables()`` hides every local.

Django applies the filter only with ``DEBUG = False``; the debug page (``DEBUG = True``) shows
everything by design. Providers stay importable without Django: then this is the identity.

Django's sync wrapper is a plain function named ``sensitive_variables_wrapper`` (its reporter
finds it by that name while walking the callers), so methods, class methods under
``@classmethod``, keyword-only arguments and properties keep working, and the decorated
function keeps its type for mypy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def _identity_decorator(*names: str) -> Callable[[F], F]:
    def identity(func: F) -> F:
        return func

    return identity


try:
    from django.views.decorators.debug import sensitive_variables as _decorator
except ImportError:  # pragma: no cover - exercised only where Django is not installed
    _decorator = _identity_decorator


def sensitive_variables(*names: str) -> Callable[[F], F]:
    """Mark the locals ``names`` (all locals when none is given) as secrets in error reports."""
    if len(names) == 1 and callable(names[0]):
        raise TypeError("use @sensitive_variables() or @sensitive_variables('name'), with parens")
    return _decorator(*names)


__all__ = ["sensitive_variables"]
