"""MoMo Vietnam sandbox query: the current result of a payout by ``orderId`` (read-only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..frame.web import Response
from .checks import Rejection
from .wire import PROVIDER, answer

if TYPE_CHECKING:
    from .protocol import MomoVnProtocol


def query_order(protocol: MomoVnProtocol, data: dict[str, Any], lang: str) -> Response:
    """The payout's result code, amount and transId; 42 for an unknown orderId."""
    if protocol.state.faults.check("status_error", PROVIDER):
        protocol.count("faults.status_error")
        return answer(protocol.base_body(data, 10, lang), 500)
    with protocol.lock:
        payout = protocol.orders.get((data["partnerCode"], data["orderId"]))
        if payout is None:
            raise Rejection(42, "orderId", "orderId is not found.")
        body = protocol.base_body(data, payout.result_code, lang)
        body.update(
            extraData=payout.extra_data,
            amount=payout.amount,
            transId=payout.trans_id,
            payType="",
            refundTrans=[],
            lastUpdated=payout.last_updated,
        )
    return answer(body, 200)
