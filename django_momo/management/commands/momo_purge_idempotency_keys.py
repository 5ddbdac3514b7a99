"""``manage.py momo_purge_idempotency_keys``: forget API idempotency keys older than N hours."""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from django_momo.api.idempotency import KEY_LIFETIME, delete_expired_keys

MIN_HOURS = int(KEY_LIFETIME.total_seconds() // 3600)


class Command(BaseCommand):
    help = (
        "Delete API idempotency keys older than --hours (default and minimum "
        f"{MIN_HOURS}): run it daily, e.g. from cron."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--hours",
            type=int,
            default=MIN_HOURS,
            help=f"age in hours of the keys to delete (at least {MIN_HOURS})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        hours = options["hours"]
        if hours < MIN_HOURS:
            raise CommandError(
                f"--hours must be at least {MIN_HOURS}: a client may retry a request "
                f"with the same key for {MIN_HOURS} hours"
            )
        deleted = delete_expired_keys(older_than=timedelta(hours=hours))
        self.stdout.write(f"Deleted {deleted} idempotency keys older than {hours} hours.")
