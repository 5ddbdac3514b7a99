"""``manage.py momo_api_key create|list|revoke``: API keys of the REST API from a shell.

``create`` prints the key once; only its hash is stored, so a lost key is revoked and replaced.
Every refusal is a ``CommandError`` raised before anything is written.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from django_momo.models import ApiKey
from django_momo.models.api_keys import check_accounts, check_scopes

MAX_DAYS = 3650


def parse_days(value: str | None) -> int | None:
    """``--expires-in-days``: a whole number of days from 1 to ``MAX_DAYS``, or ``None``."""
    if value is None:
        return None
    try:
        days = int(value)
    except ValueError:
        raise CommandError(f"--expires-in-days: {value!r} is not a whole number of days") from None
    if not 1 <= days <= MAX_DAYS:
        raise CommandError(f"--expires-in-days: must be from 1 to {MAX_DAYS}, not {days}")
    return days


class Command(BaseCommand):
    help = (
        "Issue, list or revoke API keys of the django-momo REST API. A key acts as its owner "
        "and may use only the permissions the owner holds and its scopes name."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser("create", help="Issue a key and print it once.")
        create.add_argument("--user", required=True, metavar="USERNAME", help="The key's owner.")
        create.add_argument("--name", required=True, metavar="LABEL", help="What it is for.")
        create.add_argument(
            "--scope",
            action="append",
            default=[],
            metavar="PERM",
            help="A permission the key may use, e.g. django_momo.add_transfer (repeatable; "
            "none: read only).",
        )
        create.add_argument(
            "--account",
            action="append",
            default=[],
            metavar="NAME",
            help="A provider account the key may use (repeatable; none: all).",
        )
        create.add_argument("--expires-in-days", metavar="N", help="Default: never expires.")
        actions.add_parser("list", help="List keys (never their secrets).")
        revoke = actions.add_parser("revoke", help="Revoke a key by its prefix.")
        revoke.add_argument("prefix", help="The key's id, e.g. mk_live_ab12cd34.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            self.create(options)
        elif action == "list":
            self.list()
        else:
            self.revoke(options["prefix"])

    def create(self, options: dict[str, Any]) -> None:
        username: str = options["user"]
        user_model = get_user_model()
        try:
            owner = user_model._default_manager.get_by_natural_key(username)
        except user_model.DoesNotExist:
            raise CommandError(f"--user: no user named {username!r}; nothing was created") from None
        if not owner.is_active:
            raise CommandError(f"--user: {username!r} is inactive; nothing was created")
        name = options["name"].strip()
        if not name:
            raise CommandError("--name: must not be blank; nothing was created")
        if len(name) > 100:
            raise CommandError("--name: at most 100 characters; nothing was created")
        try:
            scopes = check_scopes(options["scope"])
        except ValueError as exc:
            raise CommandError(f"--scope: {exc}; nothing was created") from None
        try:
            accounts = check_accounts(options["account"])
        except ValueError as exc:
            raise CommandError(f"--account: {exc}; nothing was created") from None
        days = parse_days(options["expires_in_days"])
        missing = [scope for scope in scopes if not owner.has_perm(scope)]
        key, plaintext = ApiKey.issue(
            owner=owner,
            name=name,
            scopes=scopes,
            accounts=accounts,
            expires_at=timezone.now() + timedelta(days=days) if days else None,
        )
        self.stdout.write(f"Issued API key {key.prefix} for {owner.get_username()}:")
        self.stdout.write(plaintext)
        self.stdout.write("Copy it now: it is not stored and will not be shown again.")
        if missing:
            self.stderr.write(
                f"Warning: {owner.get_username()} does not hold {', '.join(missing)}; the key "
                "cannot use it until they do."
            )

    def list(self) -> None:
        keys = ApiKey.objects.select_related("owner").order_by("created_at", "id")
        if not keys:
            self.stdout.write("No API keys.")
            return
        for key in keys:
            expires = key.expires_at.isoformat() if key.expires_at else "never"
            used = key.last_used_at.isoformat() if key.last_used_at else "never"
            self.stdout.write(
                f"{key.prefix}  {key.state:<7}  {key.owner.get_username()}  {key.name!r}  "
                f"scopes={','.join(key.scopes) or '-'}  accounts={','.join(key.accounts) or 'all'}"
                f"  expires={expires}  last_used={used}"
            )

    def revoke(self, prefix: str) -> None:
        key = ApiKey.objects.filter(prefix=prefix).first()
        if key is None:
            raise CommandError(f"no API key {prefix!r}; nothing was revoked")
        if not key.revoke():
            raise CommandError(f"API key {prefix} was revoked already; nothing was changed")
        self.stdout.write(f"Revoked API key {prefix} ({key.name}).")
