"""The batch's audit trail: one ``PayoutBatchEvent`` per status change and per decision.

Written in the transaction of the change it records, so a trail entry exists exactly when the
change does. Each payout of a batch keeps its own trail (``StatusChange``) as well.
"""

from __future__ import annotations

from django_momo.models import PayoutBatchEvent


def record(
    batch_id: int, to_status: str, *, actor: str, from_status: str = "", note: str = ""
) -> None:
    """Write one trail entry of batch ``batch_id``."""
    PayoutBatchEvent.objects.create(
        batch_id=batch_id,
        from_status=str(from_status),
        to_status=str(to_status),
        actor=actor[:128],
        note=note[:2000],
    )
