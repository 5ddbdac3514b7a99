"""``manage.py momo_resolve KIND ID``: settle an unresolved payment by hand, with a note.

For the payment the provider cannot settle any more (checks stopped, an answer that does not
match the record) or that an operator settled from the provider's statement. The named user
must hold ``django_momo.resolve_<kind>``, the permission the admin's "Resolve by hand" checks;
the audit trail names them as ``user:<username>``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_momo import services
from django_momo.models import KINDS as PAYMENT_KINDS
from django_momo.models import Payment, PaymentStatus
from django_momo.services import access

KINDS: dict[str, type[Payment]] = {name: kind.model for name, kind in PAYMENT_KINDS.items()}
OUTCOMES = (PaymentStatus.SUCCESSFUL.value, PaymentStatus.FAILED.value)
# The service's field names, as this command's options.
OPTIONS = {
    "outcome": "--outcome",
    "note": "--note",
    "provider_transaction_id": "--transaction-id",
}


class Command(BaseCommand):
    help = (
        "Resolve a sending, pending or unknown payment by hand as successful or failed, after "
        "checking the provider's statement. A successful outcome needs the provider's "
        "transaction id; the note and the user are recorded in the payment's audit trail."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(KINDS), help="The kind of payment.")
        parser.add_argument("id", type=int, help="The payment's id (as in the admin).")
        parser.add_argument("--outcome", required=True, choices=OUTCOMES)
        parser.add_argument(
            "--note",
            required=True,
            help="What you checked: the statement, its date, who confirmed it.",
        )
        parser.add_argument(
            "--transaction-id",
            default="",
            metavar="ID",
            help="The provider's transaction id from the statement (required for successful).",
        )
        parser.add_argument(
            "--user",
            required=True,
            metavar="USERNAME",
            help="Who resolves it: a user holding django_momo.resolve_<kind>.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        kind: str = options["kind"]
        model = KINDS[kind]
        username: str = options["user"]
        permission = access.permission_for(model, access.Action.RESOLVE)
        user_model = get_user_model()
        try:
            user = user_model._default_manager.get_by_natural_key(username)
        except user_model.DoesNotExist:
            raise CommandError(f"--user: no user named {username!r}") from None
        if not access.can(user, model, access.Action.RESOLVE):
            # An inactive user holds no permission at all (Django's auth backends).
            raise CommandError(
                f"--user: {username!r} may not resolve payments by hand: needs the "
                f"{permission} permission (and an active account)"
            )
        actor = f"user:{user.get_username()}"
        try:
            payment = services.resolve_manually(
                model,
                options["id"],
                outcome=options["outcome"],
                note=options["note"],
                provider_transaction_id=options["transaction_id"],
                actor=actor,
            )
        except services.InvalidRequest as exc:
            option = OPTIONS.get(exc.field, exc.field)
            raise CommandError(f"{option}: {exc.message}; nothing was changed") from None
        except services.ServiceError as exc:
            raise CommandError(f"{exc}; nothing was changed") from None
        txid = payment.provider_transaction_id
        txid = f", provider transaction id {txid}" if txid else ""
        self.stdout.write(
            f"Resolved {model._meta.verbose_name} {payment.pk} ({payment.external_id}) by hand: "
            f"now {payment.status}{txid}; recorded as {actor}."
        )
