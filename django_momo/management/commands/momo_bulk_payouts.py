"""``manage.py momo_bulk_payouts FILE --account NAME``: payouts from a CSV or XLSX file.

Prints the preview (every row checked like a single payout: errors, duplicates, totals per
currency, the account's balance). ``--dry-run`` stops there and stores nothing. Otherwise the
batch is stored and its payouts created, held (``--user`` needs ``upload_batch``); ``--send``
also sends them (``send_batch``), refused while the batch waits for approvals.
"""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_momo import services
from django_momo.batch_sending import send_batch
from django_momo.conf import AccountNotFound, momo_settings
from django_momo.management.commands.momo_reconcile import ProgressBar
from django_momo.models import PayoutBatchRow
from django_momo.services import access, batches
from django_momo.services.batches.preview import Summary

# Characters of a cell in the printed table.
_WIDTH = 24


def _cut(text: str, width: int = _WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


class Command(BaseCommand):
    help = (
        "Create payouts from a CSV (UTF-8) or XLSX file with the columns "
        f"{', '.join(batches.COLUMNS)} (required: {', '.join(batches.REQUIRED_COLUMNS)}), at "
        f"most {batches.MAX_ROWS:,} rows. Prints the preview; --dry-run stops there. "
        "Otherwise creates the payouts held; --send also sends them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE", help="The .csv or .xlsx file of payouts.")
        parser.add_argument(
            "--account", required=True, metavar="NAME", help="The account paying (DJANGO_MOMO)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Print the preview only; store nothing."
        )
        parser.add_argument(
            "--send", action="store_true", help="Send the payouts once created (send_batch)."
        )
        parser.add_argument(
            "--user",
            default=None,
            metavar="USERNAME",
            help="Who uploads (upload_batch; send_batch with --send). Required unless --dry-run.",
        )
        parser.add_argument(
            "--digest",
            default=None,
            metavar="HEX",
            help="Create only if the file's digest is this one (as printed by a --dry-run).",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="No progress bar, even on a terminal."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        account: str = options["account"]
        try:
            momo_settings.account(account)
        except AccountNotFound as exc:
            raise CommandError(f"--account: {exc}") from None
        if options["dry_run"] and options["send"]:
            raise CommandError("--dry-run and --send exclude each other")
        path: str = options["file"]
        filename = os.path.basename(path)
        data = self.read(path)
        if options["dry_run"]:
            try:
                preview = batches.read_batch(account, filename, data)
            except services.ServiceError as exc:
                raise CommandError(f"{filename}: {exc}; nothing was stored") from None
            self.print_preview(preview.summary, preview.rows)
            self.refuse_errors(preview.summary, "nothing was stored")
            self.stdout.write("Dry run: nothing was stored or created.")
            return
        user = self.user(options)
        try:
            batch = batches.preview_batch(
                account, filename, data, uploaded_by=user, actor=f"user:{user.get_username()}"
            )
        except services.ServiceError as exc:
            raise CommandError(f"{filename}: {exc}; nothing was stored") from None
        summary = Summary(
            account=batch.account,
            row_count=batch.row_count,
            valid_count=batch.valid_count,
            digest=batch.digest,
            approvals_required=batch.approvals_required,
            balance=batch.balance,
        )
        summary.totals = {c: Decimal(t) for c, t in batch.totals.items()}
        self.print_preview(summary, batch.rows.order_by("line").iterator(1000))
        self.refuse_errors(summary, f"batch {batch.pk} is stored as previewed; nothing was created")
        if options["digest"] is not None and options["digest"] != batch.digest:
            raise CommandError(
                f"--digest: the file's digest is {batch.digest}, not {options['digest']}: the file "
                f"changed since the dry run; batch {batch.pk} is stored as previewed, nothing "
                "was created"
            )
        self.create(batch.pk, batch.digest, user, options)
        if options["send"]:
            self.send(batch.pk, user)

    # -- steps -----------------------------------------------------------------------------------
    def read(self, path: str) -> bytes:
        try:
            size = os.path.getsize(path)
            if size > batches.MAX_FILE_BYTES:
                raise CommandError(
                    f"{path}: {size:,} bytes, more than the {batches.MAX_FILE_BYTES:,} allowed: "
                    "split it into several files"
                )
            with open(path, "rb") as f:
                return f.read()
        except OSError as exc:
            raise CommandError(f"{path}: cannot read the file ({exc.strerror})") from None

    def user(self, options: dict[str, Any]) -> Any:
        username = options["user"]
        if not username:
            raise CommandError("--user is required (unless --dry-run): who uploads the batch")
        model = get_user_model()
        try:
            user = model._default_manager.get_by_natural_key(username)
        except model.DoesNotExist:
            raise CommandError(f"--user: no user named {username!r}") from None
        needed = [access.Action.CREATE] + ([access.Action.SEND] if options["send"] else [])
        for action in needed:
            if not access.can(user, access.BATCH, action):
                permission = access.permission_for(access.BATCH, action)
                raise CommandError(
                    f"--user: {username!r} may not {'send' if action == 'send' else 'upload'} "
                    f"payout batches: needs the {permission} permission (and an active account)"
                )
        return user

    def create(self, batch_id: int, digest: str, user: Any, options: dict[str, Any]) -> None:
        show = not options["no_progress"] and self.stdout.isatty()
        bar = ProgressBar(self.stdout) if show else None
        try:
            batch = batches.create_batch_payouts(
                batch_id,
                digest=digest,
                user=user,
                actor=f"user:{user.get_username()}",
                progress=bar or self.plain_progress,
            )
        except services.ServiceError as exc:
            raise CommandError(f"batch {batch_id}: {exc}") from None
        finally:
            if bar is not None:
                bar.finish()
        needs = (
            f"; it needs {batch.approvals_required} approvals before it can be sent"
            if batch.approvals_required
            else ""
        )
        self.stdout.write(f"Batch {batch.pk}: {batch.row_count} payouts created, held{needs}.")

    def plain_progress(self, done: int, total: int) -> None:
        self.stdout.write(f"Created {done} of {total} payouts.")

    def send(self, batch_id: int, user: Any) -> None:
        try:
            count = send_batch(batch_id, user=user, actor=f"user:{user.get_username()}")
        except services.ServiceError as exc:
            raise CommandError(
                f"batch {batch_id}: {exc}; its payouts stay created and held, nothing was sent"
            ) from None
        progress = batches.batch_progress(batch_id)
        counts = ", ".join(f"{status} {n}" for status, n in sorted(progress.counts.items()))
        self.stdout.write(f"Batch {batch_id}: {count} payouts sent to the queue; now {counts}.")

    # -- printing --------------------------------------------------------------------------------
    def refuse_errors(self, summary: Summary, what: str) -> None:
        bad = summary.row_count - summary.valid_count
        if bad:
            raise CommandError(f"{bad} of {summary.row_count} rows have errors: {what}")

    def print_preview(self, summary: Summary, rows: Any) -> None:
        out = self.stdout
        out.write(
            f"{'line':>6}  {'external_id':<{_WIDTH}}  {'party':<{_WIDTH}}  {'amount':>14}  "
            "cur  check"
        )
        for row in rows:
            out.write(self.row_line(row))
        out.write(f"Rows: {summary.row_count}, valid: {summary.valid_count}.")
        for currency, total in sorted(summary.totals.items()):
            out.write(f"Total {currency}: {format(total, 'f')}")
        balance = summary.balance or {}
        if balance.get("error"):
            out.write(f"Balance: {balance['error']}")
        elif balance:
            for currency, amount in balance.get("amounts", {}).items():
                short = balance.get("short", {}).get(currency)
                warning = f" (short by {short}: the batch cannot all be paid)" if short else ""
                out.write(f"Balance {currency}: {amount}{warning}")
        if summary.approvals_required:
            out.write(f"Approvals needed: {summary.approvals_required} (the batch as one unit).")
        out.write(f"Digest: {summary.digest}")

    def row_line(self, row: PayoutBatchRow) -> str:
        cells = row.cells
        party = row.party_id or cells.get("party_id", "")
        amount = format(row.amount.normalize(), "f") if row.amount is not None else ""
        amount = amount or cells.get("amount", "")
        notes = [f"ERROR {e['field']}: {e['message']}" for e in row.errors]
        notes += [f"warning {w['field']}: {w['message']}" for w in row.warnings]
        return (
            f"{row.line:>6}  {_cut(row.external_id or cells.get('external_id', '')):<{_WIDTH}}  "
            f"{_cut(party):<{_WIDTH}}  {_cut(amount, 14):>14}  "
            f"{(row.currency or cells.get('currency', '')):<3}  "
            + ("; ".join(notes) if notes else "ok")
        )
