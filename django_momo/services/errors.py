"""Errors of the service layer. Each one means nothing was changed."""

from __future__ import annotations


class ServiceError(Exception):
    """Base of every error a service raises; the message is safe to show to an operator."""


class InvalidRequest(ServiceError, ValueError):
    """Input refused before anything was stored or sent; ``field`` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class ConflictingRequest(InvalidRequest):
    """The external id is already used by a different request on the same account."""

    def __init__(self, message: str, *, existing_id: int | None = None) -> None:
        super().__init__("external_id", message)
        self.existing_id = existing_id


class PaymentNotFound(ServiceError, LookupError):
    """No payment with that id (or callback token, or order id)."""


class InvalidTransition(ServiceError):
    """The payment's status does not allow this action (e.g. cancelling a sent transfer)."""

    def __init__(self, message: str, *, status: str = "") -> None:
        super().__init__(message)
        self.status = status


class RefundExceedsCollected(InvalidRequest):
    """The refund would take the refunded total above what was collected."""

    def __init__(self, message: str) -> None:
        super().__init__("amount", message)


class CallbackMismatch(ServiceError):
    """A verified notification does not match the payment it names; ``field`` says where."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
