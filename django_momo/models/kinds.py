"""The one registry of payment kinds: transfer (money out), collection (money in), refund.

Every layer that iterates over "all payments" or maps a model to its name (tasks, the reconcile
sweep, callback recording, permissions, approvals, the admin, commands) reads ``KINDS``, so a
new kind of payment is one model plus one entry here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .payments import Collection, Payment, Refund, Transfer


@dataclass(frozen=True)
class PaymentKind:
    """One kind of payment: its name (also the ``Callback`` foreign key's name) and model."""

    name: str
    model: type[Payment]
    # Whether its creation may need approvals (maker-checker): money leaving the shop.
    approvable: bool

    @property
    def label(self) -> str:
        """The model's verbose name, e.g. "transfer"."""
        return str(self.model._meta.verbose_name)

    @property
    def label_plural(self) -> str:
        """The model's plural verbose name."""
        return str(self.model._meta.verbose_name_plural)


KINDS: dict[str, PaymentKind] = {
    "transfer": PaymentKind("transfer", Transfer, approvable=True),
    "collection": PaymentKind("collection", Collection, approvable=False),
    "refund": PaymentKind("refund", Refund, approvable=True),
}
PAYMENT_MODELS: tuple[type[Payment], ...] = tuple(kind.model for kind in KINDS.values())


def kind_of(model: Any) -> PaymentKind:
    """The kind of a payment model or instance; ``TypeError`` for anything else."""
    cls = model if isinstance(model, type) else type(model)
    for kind in KINDS.values():
        if issubclass(cls, kind.model):
            return kind
    raise TypeError(f"{getattr(cls, '__name__', cls)!r} is not a django-momo payment model")
