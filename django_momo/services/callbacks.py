"""What callbacks may do, whatever the provider: find duplicates and late arrivals.

Each adapter reads its provider's callbacks (``read_callback``): an MTN callback only names a
payment (a status query decides); a verified MoMo IPN settles one. These helpers are the parts
every provider shares; ``handle_mtn_callback`` and ``apply_momo_ipn`` are the adapters' entry
points under their historical names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django_momo.models import Callback, CallbackVerdict, Payment
from django_momo.models.kinds import kind_of
from django_momo.services.adapters.base import CallbackDecision

if TYPE_CHECKING:
    from django_momo.providers.momo_vn import DisbursementIpn

V = CallbackVerdict


def payment_link(payment: Any) -> dict[str, Any]:
    """The ``Callback`` foreign-key field values that point at ``payment`` (named by its kind)."""
    if payment is None:
        return {}
    try:
        return {kind_of(payment).name: payment}
    except TypeError:
        return {}


def link(callback: Callback, payment: Payment) -> None:
    """Point the callback at the payment it concerns (written by the face with the verdict).

    Adapters link as soon as the payment is found, so that a later error still leaves the
    stored callback pointing at its payment for an operator.
    """
    for name, value in payment_link(payment).items():
        setattr(callback, name, value)


def is_duplicate(callback: Callback, payment: Payment) -> bool:
    """Whether the same body was already accepted for this payment (a re-delivery)."""
    return (
        Callback.objects.filter(**payment_link(payment), verdict=V.VALID, body=bytes(callback.body))
        .exclude(pk=callback.pk)
        .exists()
    )


def already_handled(
    callback: Callback, payment: Payment, ok_status: int
) -> CallbackDecision | None:
    """A duplicate or a late callback (the payment is final): answered, nothing changed."""
    if is_duplicate(callback, payment):
        result = f"same body already accepted; {payment.status}"
        return CallbackDecision(V.DUPLICATE, ok_status, result, payment=payment)
    if payment.is_final:
        result = f"payment already {payment.status}; nothing changed"
        return CallbackDecision(V.LATE, ok_status, result, payment=payment)
    return None


def handle_mtn_callback(token: str) -> Payment | None:
    """The payment whose MTN callback URL carries ``token``, or ``None``. Never changes state.

    MTN callbacks are unsigned: the body is a hint, the status query is the truth, so the caller
    enqueues a refresh of the payment returned here.
    """
    from django_momo.services.adapters.mtn import find_by_token

    return find_by_token(token)


def apply_momo_ipn(ipn: DisbursementIpn, *, actor: str) -> Payment:
    """Settle a payout from a verified IPN: looked up by its requestId, matched, then applied."""
    from django_momo.services.adapters.momo_vn import settle_ipn

    return settle_ipn(ipn, actor=actor)
