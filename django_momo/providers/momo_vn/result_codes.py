"""MoMo result codes: meaning, finality, and what each means for a payout.

For money going out the rule is: only a code that proves nothing moved is ``FAILED``. Codes
that say "in progress" are ``PENDING``; codes that say nothing about the payment (maintenance,
unknown error, duplicate orderId, an unlisted code) are ``UNKNOWN`` and are resolved by
re-sending the stored request under the same ``requestId`` or by the IPN. MoMo marks 99
"final", but for a payout it proves nothing, so it is ``UNKNOWN`` here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from django_momo.providers.base import Outcome


class Kind(enum.StrEnum):
    """Why a code was returned, which decides how the client reports it."""

    SUCCESS = "success"
    IN_PROGRESS = "in_progress"  # accepted, not final yet
    UNCERTAIN = "uncertain"  # says nothing about whether money moved
    REQUEST = "request"  # our request was refused before processing: no money moved
    AUTH = "auth"  # credentials or signature refused: no money moved
    DECLINED = "declined"  # processed and refused for good: no money moved


@dataclass(frozen=True, slots=True)
class ResultCode:
    """One row of MoMo's result-code table."""

    code: int
    meaning: str
    final: bool  # as MoMo documents it
    kind: Kind

    @property
    def outcome(self) -> Outcome:
        """What this code means for a payout."""
        return _OUTCOMES[self.kind]


_OUTCOMES = {
    Kind.SUCCESS: Outcome.SUCCESSFUL,
    Kind.IN_PROGRESS: Outcome.PENDING,
    Kind.UNCERTAIN: Outcome.UNKNOWN,
    Kind.REQUEST: Outcome.FAILED,
    Kind.AUTH: Outcome.FAILED,
    Kind.DECLINED: Outcome.FAILED,
}

_ROWS: tuple[tuple[int, str, bool, Kind], ...] = (
    (0, "Successful", True, Kind.SUCCESS),
    (9000, "Authorized", False, Kind.IN_PROGRESS),
    (8000, "Waiting for the user to re-confirm", False, Kind.IN_PROGRESS),
    (7000, "Transaction is being processed", False, Kind.IN_PROGRESS),
    (7002, "Being processed by the payment-instrument provider", False, Kind.IN_PROGRESS),
    (1000, "Initiated, waiting for user confirmation", False, Kind.IN_PROGRESS),
    # A replay of a requestId whose first request is not final yet.
    (40, "Duplicated requestId", False, Kind.IN_PROGRESS),
    (10, "System under maintenance", False, Kind.UNCERTAIN),
    (99, "Unknown error", True, Kind.UNCERTAIN),
    # The orderId was used by another request, which may have paid: never "failed".
    (41, "Duplicated orderId", False, Kind.UNCERTAIN),
    (43, "An analogous transaction is being processed", False, Kind.UNCERTAIN),
    (11, "Access denied", False, Kind.AUTH),
    (13, "Merchant authentication failed", False, Kind.AUTH),
    (12, "Unsupported API version", False, Kind.REQUEST),
    (20, "Bad format request", False, Kind.REQUEST),
    (21, "Invalid transaction amount", False, Kind.REQUEST),
    (22, "Amount out of range", False, Kind.REQUEST),
    (42, "Invalid orderId or orderId not found", False, Kind.REQUEST),
    (45, "Duplicated ItemId", False, Kind.REQUEST),
    (47, "Inapplicable information", False, Kind.REQUEST),
    (98, "QR code generation failed", True, Kind.DECLINED),
    (1001, "Insufficient funds", True, Kind.DECLINED),
    (1002, "Rejected by the issuer of the payment method", True, Kind.DECLINED),
    (1003, "Cancelled after authorization", True, Kind.DECLINED),
    (1004, "Exceeds the daily or monthly limit", True, Kind.DECLINED),
    (1005, "URL or QR code expired", True, Kind.DECLINED),
    (1006, "User denied confirmation", True, Kind.DECLINED),
    (1007, "Inactive or nonexistent user account", True, Kind.DECLINED),
    (1008, "Amount exceeds the receiver's receiving limit", True, Kind.DECLINED),
    (1017, "Cancelled by the merchant", True, Kind.DECLINED),
    (1026, "Restricted by promotion rules", True, Kind.DECLINED),
    (1080, "Refund failed during processing", True, Kind.DECLINED),
    (1081, "Refund rejected", True, Kind.DECLINED),
    (1088, "Original payment is not eligible for refund", True, Kind.DECLINED),
    (1100, "Insufficient merchant disbursement balance", True, Kind.DECLINED),
    (1507, "Bank card or account not found, or unknown bank code", True, Kind.DECLINED),
    (2019, "Invalid orderGroupId", True, Kind.DECLINED),
    (4001, "User account is restricted", True, Kind.DECLINED),
    (4002, "User not verified with C06 (national ID)", True, Kind.DECLINED),
    (4003, "Receiver account information is invalid", True, Kind.DECLINED),
    (4100, "User failed to log in", True, Kind.DECLINED),
)

RESULT_CODES: dict[int, ResultCode] = {row[0]: ResultCode(*row) for row in _ROWS}


def lookup(code: int) -> ResultCode:
    """The table row for ``code``; an unlisted code is ``UNCERTAIN`` (never a failure)."""
    row = RESULT_CODES.get(code)
    if row is None:
        return ResultCode(code, "Unlisted result code", False, Kind.UNCERTAIN)
    return row


def outcome_for(code: int) -> Outcome:
    """What ``code`` means for a payout."""
    return lookup(code).outcome
