"""The API views: thin shells that validate, call ``services`` and enqueue the send on commit."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from rest_framework import generics, status
from rest_framework.permissions import SAFE_METHODS
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from django_momo import services, tasks
from django_momo.api import serializers as s
from django_momo.api.authentication import with_api_keys
from django_momo.api.errors import exception_handler
from django_momo.api.idempotency import idempotent, request_key
from django_momo.api.pagination import PaymentCursorPagination
from django_momo.api.parsers import DecimalJSONParser
from django_momo.api.permissions import (
    IsStaffWithPaymentPermission,
    api_key_of,
    check_account_allowed,
    only_allowed_accounts,
)
from django_momo.api.schema import auto_schema, create_schema, read_schema
from django_momo.api.throttling import MomoScopedThrottle
from django_momo.conf import momo_settings
from django_momo.models import Collection, Payment, PaymentStatus, Refund, Transfer
from django_momo.money import format_amount
from django_momo.services import access


class MomoApiView(APIView):
    """API keys and DRF-configured authentication, staff or key permissions, scoped throttles,
    one error format."""

    permission_classes = [IsStaffWithPaymentPermission]
    throttle_classes = [MomoScopedThrottle]
    parser_classes = [DecimalJSONParser]
    renderer_classes = [JSONRenderer]
    schema = auto_schema()

    def get_authenticators(self) -> list[Any]:
        # API keys first (see api/authentication.py), then the project's configured classes.
        return [auth() for auth in with_api_keys(self.authentication_classes)]

    def get_exception_handler(self) -> Any:
        return exception_handler


def refund_external_id(request: Request) -> str:
    """A refund's external id derived from the caller and its ``Idempotency-Key``."""
    key = request_key(request)
    digest = hashlib.sha256(f"{request.user.pk}:{key}".encode()).hexdigest()
    return f"refund-{digest[:40]}"


def actor(request: Request) -> str:
    """The audit trail's name for an API user (and the key's public prefix, if one was used)."""
    key = api_key_of(request)
    via = f" key:{key.prefix}" if key is not None else ""
    return f"api:{request.user.get_username()}"[: 128 - len(via)] + via  # StatusChange.actor


class PaymentListView(MomoApiView, generics.ListAPIView):  # type: ignore[type-arg]
    """A filtered, cursor-paginated list of one payment model."""

    model: type[Payment]
    pagination_class = PaymentCursorPagination

    def filtered(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """Apply ``status``, ``account``, ``external_id``, ``created_after``/``_before``."""
        params = s.PaymentFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        for name in ("status", "account", "external_id"):
            if name in data:
                queryset = queryset.filter(**{name: data[name]})
        if "created_after" in data:
            queryset = queryset.filter(created_at__gte=data["created_after"])
        if "created_before" in data:
            queryset = queryset.filter(created_at__lt=data["created_before"])
        return queryset

    def get_queryset(self) -> QuerySet[Any]:
        return self.filtered(only_allowed_accounts(self.request, self.model._default_manager.all()))

    def required_permissions(self, request: Request) -> list[str]:
        """Reading needs the kind's view permission; creating, see ``PaymentCreateListView``."""
        return [access.permission_for(self.model, access.Action.VIEW)]


class PaymentCreateListView(PaymentListView):
    """A payment list that also creates: validate, create through the services, send unless held."""

    serializer_class: type[s.PaymentSerializer]
    create_serializer: type[Serializer]  # type: ignore[type-arg]

    def create_payment(self, request: Request, data: dict[str, Any]) -> tuple[Payment, bool]:
        """Create the payment through the services; ``(payment, created)``."""
        raise NotImplementedError

    def required_permissions(self, request: Request) -> list[str]:
        """Creating needs the kind's create permission, and its send permission unless held.

        Without the send permission a payment can still be created with ``"hold": true``, for
        an operator to send; asking to send it is refused (403) and creates nothing.
        """
        if request.method in SAFE_METHODS:
            return super().required_permissions(request)
        needed = [access.permission_for(self.model, access.Action.CREATE)]
        data = request.data
        if not (isinstance(data, dict) and data.get("hold") is True):
            needed.append(access.permission_for(self.model, access.Action.SEND))
        return needed

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return idempotent(request, lambda: self._create(request), on_replay=self._send_if_lost)

    def _create(self, request: Request) -> Response:
        form = self.create_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        if "account" in data:
            check_account_allowed(self.request, data["account"])
        payment, created = self.create_payment(request, data)
        return _created_response(payment, created, self.serializer_class)

    def _send_if_lost(self, body: Any) -> None:
        """A replayed create: if its payment is still waiting to be sent, enqueue it again.

        The first request's enqueue may have been lost (broker down); sending twice is harmless
        (a send of a payment that is no longer ``created`` does nothing).
        """
        pk = body.get("id") if isinstance(body, dict) else None
        if not isinstance(pk, int):
            return
        payment = self.model._default_manager.filter(
            pk=pk, status=PaymentStatus.CREATED, held=False
        ).first()
        if payment is not None:
            with transaction.atomic():
                tasks.enqueue_send(payment)


def _created_response(
    payment: Payment, created: bool, serializer: type[s.PaymentSerializer]
) -> Response:
    """Enqueue the send after commit (unless held), then answer with the payment as it is now.

    A payment found under its external id is enqueued again while it waits to be sent: its
    first enqueue may have been lost.
    """
    with transaction.atomic():
        if payment.status == PaymentStatus.CREATED and not payment.held:
            tasks.enqueue_send(payment)
    # With an immediate task backend the send has run by now; show its result.
    payment.refresh_from_db()
    code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return Response(serializer(payment).data, status=code)


@read_schema("transfers", s.TransferSerializer, filters=True)
@create_schema("transfers", s.TransferCreateSerializer, s.TransferSerializer)
class TransferListView(PaymentCreateListView):
    """List payouts, or create one (sent at once unless ``hold`` is true)."""

    model = Transfer
    serializer_class = s.TransferSerializer

    create_serializer = s.TransferCreateSerializer

    def create_payment(self, request: Request, data: dict[str, Any]) -> tuple[Payment, bool]:
        return services.create_transfer(**data, actor=actor(request), created_by=request.user)


@read_schema("collections", s.CollectionSerializer, filters=True)
@create_schema("collections", s.CollectionCreateSerializer, s.CollectionSerializer)
class CollectionListView(PaymentCreateListView):
    """List payment requests, or request a payment (sent at once unless ``hold`` is true)."""

    model = Collection
    serializer_class = s.CollectionSerializer

    create_serializer = s.CollectionCreateSerializer

    def create_payment(self, request: Request, data: dict[str, Any]) -> tuple[Payment, bool]:
        return services.request_payment(**data, actor=actor(request), created_by=request.user)


@read_schema("collections", s.RefundSerializer, filters=True)
@create_schema("collections", s.RefundCreateSerializer, s.RefundSerializer)
class CollectionRefundListView(PaymentCreateListView):
    """List a collection's refunds, or refund (part of) it."""

    model = Refund
    serializer_class = s.RefundSerializer

    def collection(self) -> Collection:
        """The collection named in the URL (404 when there is none)."""
        collections = only_allowed_accounts(self.request, Collection.objects.all())
        return generics.get_object_or_404(collections, pk=self.kwargs["pk"])

    def get_queryset(self) -> QuerySet[Any]:
        refunds = Refund.objects.filter(collection=self.collection())
        return self.filtered(only_allowed_accounts(self.request, refunds))

    create_serializer = s.RefundCreateSerializer

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.collection()  # an unknown collection is a 404 before the idempotency key is taken
        return super().post(request, *args, **kwargs)

    def create_payment(self, request: Request, data: dict[str, Any]) -> tuple[Payment, bool]:
        collection = self.collection()
        if not data.get("external_id"):
            # Derived from the Idempotency-Key: a retry with that key finds this refund even if
            # the stored answer was lost.
            data["external_id"] = refund_external_id(request)
        ext = data["external_id"]
        existed = Refund.objects.filter(account=collection.account, external_id=ext).exists()
        refund = services.create_refund(
            collection.pk, **data, actor=actor(request), created_by=request.user
        )
        return refund, not existed


@read_schema("refunds", s.RefundSerializer, filters=True)
class RefundListView(PaymentListView):
    """List refunds of every collection."""

    model = Refund
    serializer_class = s.RefundSerializer


class PaymentDetailView(MomoApiView, generics.RetrieveAPIView):  # type: ignore[type-arg]
    """One payment by id (404 for a payment of an account the API key may not use)."""

    def get_queryset(self) -> QuerySet[Any]:
        return only_allowed_accounts(self.request, super().get_queryset())

    model: type[Payment]

    def required_permissions(self, request: Request) -> list[str]:
        """Reading a payment needs its kind's view permission."""
        return [access.permission_for(self.model, access.Action.VIEW)]


@read_schema("transfers", s.TransferSerializer)
class TransferDetailView(PaymentDetailView):
    """One payout."""

    model = Transfer
    queryset = Transfer.objects.all()
    serializer_class = s.TransferSerializer


@read_schema("collections", s.CollectionSerializer)
class CollectionDetailView(PaymentDetailView):
    """One payment request."""

    model = Collection
    queryset = Collection.objects.all()
    serializer_class = s.CollectionSerializer


@read_schema("refunds", s.RefundSerializer)
class RefundDetailView(PaymentDetailView):
    """One refund."""

    model = Refund
    queryset = Refund.objects.all()
    serializer_class = s.RefundSerializer


class DecisionView(MomoApiView):
    """Approve or reject a payout or refund awaiting approval (maker-checker)."""

    model: type[Payment]
    serializer_class: type[s.PaymentSerializer]

    def required_permissions(self, request: Request) -> list[str]:
        return [
            access.permission_for(self.model, access.Action.VIEW),
            access.permission_for(self.model, access.Action.APPROVE),
        ]

    def post(self, request: Request, pk: str) -> Response:
        return idempotent(request, lambda: self._decide(request, pk))

    def _decide(self, request: Request, pk: str) -> Response:
        payment = generics.get_object_or_404(
            only_allowed_accounts(request, self.model._default_manager.all()), pk=pk
        )
        form = s.DecisionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        decided = services.decide(
            self.model,
            payment.pk,
            user=request.user,
            actor=actor(request),
            decision=form.validated_data["decision"],
            note=form.validated_data["note"],
        )
        return Response(self.serializer_class(decided).data)


@create_schema("transfers", s.DecisionSerializer, s.TransferSerializer, creates=False)
class TransferDecisionView(DecisionView):
    """Approve or reject a payout awaiting approval."""

    model = Transfer
    serializer_class = s.TransferSerializer


@create_schema("refunds", s.DecisionSerializer, s.RefundSerializer, creates=False)
class RefundDecisionView(DecisionView):
    """Approve or reject a refund awaiting approval."""

    model = Refund
    serializer_class = s.RefundSerializer


def _account_data(name: str) -> dict[str, Any]:
    account = momo_settings.account(name)
    return {
        "name": account.name,
        "provider": account.provider,
        "currency": account.currency,
        "operations": list(account.operations),
    }


@read_schema("accounts", s.AccountSerializer, many=True)
class AccountListView(MomoApiView):
    """The configured provider accounts, with what each can do (never their credentials)."""

    def get(self, request: Request) -> Response:
        key = api_key_of(request)
        names = [
            n for n in sorted(momo_settings.accounts()) if key is None or key.allows_account(n)
        ]
        accounts = [_account_data(name) for name in names]
        return Response(s.AccountSerializer(accounts, many=True).data)


@read_schema("accounts", s.BalanceSerializer, provider_errors=True)
class AccountBalanceView(MomoApiView):
    """An account's balance, asked from the provider now (502/503 when it cannot answer)."""

    def required_permissions(self, request: Request) -> list[str]:
        """A balance is a live provider call with a permission of its own."""
        return [access.permission_for(access.ACCOUNT, access.Action.VIEW_BALANCE)]

    def get(self, request: Request, name: str) -> Response:
        _account_data(name)  # 404 for an unknown account before any provider call
        check_account_allowed(request, name)
        lines = services.get_balance(name)
        data = {
            "account": name,
            "balances": [
                {"amount": _balance_text(amount, currency), "currency": currency}
                for amount, currency in lines
            ],
        }
        return Response(s.BalanceSerializer(data).data)


def _balance_text(amount: Decimal, currency: str) -> str:
    try:
        return format_amount(amount, currency)
    except ValueError:
        # Zero or an unusual currency: show the provider's number as it is.
        return format(Decimal(amount), "f")


__all__ = [
    "AccountBalanceView",
    "AccountListView",
    "CollectionDetailView",
    "CollectionListView",
    "CollectionRefundListView",
    "RefundDecisionView",
    "RefundDetailView",
    "RefundListView",
    "TransferDecisionView",
    "TransferDetailView",
    "TransferListView",
]
