"""Provider packages: pure HTTP clients and their account settings, no Django, no ORM.

Every fact about a provider lives in its package (``mtn``, ``momo_vn``): its hosts, target
environments, products, limits, languages and key formats (``config.py``, ``validation.py``),
and what an account of it looks like in ``DJANGO_MOMO["ACCOUNTS"]`` (``account.py``: the
account dataclass, ``parse`` and ``problems``). ``registry.PROVIDERS`` maps each provider's name
to them; ``django_momo.conf`` and ``django_momo.checks`` only look providers up there.

This module holds the few types every provider's ``account.py`` shares. It imports nothing, so
importing one provider never imports the others or the registry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, Protocol

_CHECK_ID_RE = re.compile(r"django_momo\.[EW][0-9]{3}")


class AccountNotFound(LookupError):
    """No account of that name in ``DJANGO_MOMO["ACCOUNTS"]`` (or no such part of one)."""


class ApprovalPolicy(Protocol):
    """What an account's maker-checker rule exposes (``django_momo.conf.ApprovalRule``).

    Approvals are not a provider fact: a provider's account only carries the rule it is given.
    """

    @property
    def above(self) -> Decimal | None: ...

    @property
    def daily_limit(self) -> Decimal | None: ...

    @property
    def required(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an account's settings: a system check message, without Django.

    ``id`` is the full check id, written literally where the rule is (``"django_momo.E006"``),
    so that grepping an id finds the code that raises it. ``E`` ids are errors, ``W`` ids
    warnings. ``message`` and ``hint`` never quote a secret.
    """

    id: str
    message: str
    hint: str

    def __post_init__(self) -> None:
        if not _CHECK_ID_RE.fullmatch(self.id):
            raise ValueError(f"not a django-momo check id: {self.id!r}")

    @property
    def level(self) -> Literal["error", "warning"]:
        return "error" if self.id[len("django_momo.")] == "E" else "warning"


__all__ = ["AccountNotFound", "ApprovalPolicy", "Problem"]
