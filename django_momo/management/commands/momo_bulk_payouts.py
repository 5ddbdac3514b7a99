"""``manage.py momo_bulk_payouts FILE --account NAME``: payouts from a CSV or XLSX file.

Prints the preview (every row checked like a single payout: errors, duplicates, totals per
currency, the account's balance). ``--dry-run`` stops there and stores nothing. Otherwise the
batch is stored and its payouts created, held (``--user`` needs ``upload_batch``); ``--send``
also sends them (``send_batch``), refused while the batch waits for approvals.

``--verify`` checks every valid row's party with the provider after the preview
(``verify_batch``; read-only, rate-limited) and prints each row's result. The command does not
ask questions, so a row whose check is a name mismatch, inactive or failed stops it before
anything is created (the batch stays previewed, results stored) unless ``--accept-checks`` says
the operator has seen them (e.g. in a ``--dry-run --verify``). ``--batch ID`` works on a stored
batch instead of a file: ``--verify`` checks it again, ``--send`` sends it (created, approved).
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
from django_momo.models import PayoutBatch, PayoutBatchRow
from django_momo.services import access, batches
from django_momo.services.batches.preview import Summary
from django_momo.services.batches.verification import VerificationSummary, check_rows

# Plain progress lines (not a terminal) while checking payees: one per this many rows.
_CHECK_LINES_EVERY = 100

# Characters of a cell in the printed table.
_WIDTH = 24


def _cut(text: str, width: int = _WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


class Command(BaseCommand):
    help = (
        "Create payouts from a CSV (UTF-8) or XLSX file with the columns "
        f"{', '.join(batches.COLUMNS)} (required: {', '.join(batches.REQUIRED_COLUMNS)}), at "
        f"most {batches.MAX_ROWS:,} rows. Prints the preview; --dry-run stops there. "
        "Otherwise creates the payouts held; --send also sends them. --verify checks each "
        "party with the provider first; --batch ID verifies or sends a stored batch."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", metavar="FILE", nargs="?", help="The .csv or .xlsx file of payouts."
        )
        parser.add_argument(
            "--account", default=None, metavar="NAME", help="The account paying (with a FILE)."
        )
        parser.add_argument(
            "--batch",
            type=int,
            default=None,
            metavar="ID",
            help="A stored batch instead of a FILE: with --verify, --send or both.",
        )
        parser.add_argument(
            "--verify",
            action="store_true",
            help="Check every valid row's party with the provider (read-only) and print the "
            "results; a name mismatch, inactive party or failed check stops before creating.",
        )
        parser.add_argument(
            "--accept-checks",
            action="store_true",
            help="Go on (create, send) although some payee checks are not ok.",
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
        if options["batch"] is not None:
            self.existing(options)
            return
        if not options["file"]:
            raise CommandError("give a FILE (with --account) or --batch ID")
        account = options["account"]
        if not account:
            raise CommandError("--account is required with a FILE: the account paying")
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
            checks = (
                self.check_unstored(account, preview.rows, options) if options["verify"] else None
            )
            self.print_preview(preview.summary, preview.rows, checks)
            self.refuse_errors(preview.summary, "nothing was stored")
            self.stdout.write("Dry run: nothing was stored or created.")
            return
        user = self.user(options)
        try:
            batch = batches.preview_batch(
                account,
                filename,
                data,
                uploaded_by=user,
                actor=f"user:{user.get_username()}",
                verify=options["verify"],
            )
        except services.ServiceError as exc:
            raise CommandError(f"{filename}: {exc}; nothing was stored") from None
        checks = None
        if options["verify"] and batch.valid_count == batch.row_count:
            checks = self.verify(batch.pk, user, options)
        summary = Summary(
            account=batch.account,
            row_count=batch.row_count,
            valid_count=batch.valid_count,
            digest=batch.digest,
            approvals_required=batch.approvals_required,
            balance=batch.balance,
        )
        summary.totals = {c: Decimal(t) for c, t in batch.totals.items()}
        self.print_preview(summary, batch.rows.order_by("line").iterator(1000), checks)
        self.refuse_errors(summary, f"batch {batch.pk} is stored as previewed; nothing was created")
        if options["digest"] is not None and options["digest"] != batch.digest:
            raise CommandError(
                f"--digest: the file's digest is {batch.digest}, not {options['digest']}: the file "
                f"changed since the dry run; batch {batch.pk} is stored as previewed, nothing "
                "was created"
            )
        if checks is not None:
            self.refuse_checks(checks, options, f"batch {batch.pk} is stored as previewed")
        self.create(batch.pk, batch.digest, user, options)
        if options["send"]:
            self.send(batch.pk, user)

    def existing(self, options: dict[str, Any]) -> None:
        """``--batch ID``: check a stored batch's payees again, send it, or both."""
        if options["file"]:
            raise CommandError("give a FILE or --batch ID, not both")
        if options["dry_run"]:
            raise CommandError("--dry-run previews a FILE; a stored batch was previewed already")
        if not (options["send"] or options["verify"]):
            raise CommandError("--batch ID needs --send or --verify (or both)")
        user = self.user(options, file=False)
        batch = PayoutBatch.objects.filter(pk=options["batch"]).first()
        if batch is None:
            raise CommandError(f"--batch: no payout batch with id {options['batch']}")
        if options["verify"]:
            checks = self.verify(batch.pk, user, options)
            for row in batch.rows.order_by("line").iterator(1000):
                if row.check_result:
                    out = f"{row.line:>6}  {_cut(row.external_id):<{_WIDTH}}  "
                    self.stdout.write(out + f"check {row.check_result}: {row.check_detail}")
            self.stdout.write(f"Payee checks: {checks.as_text()}.")
            if options["send"]:
                self.refuse_checks(checks, options, f"batch {batch.pk} was not sent")
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

    def user(self, options: dict[str, Any], *, file: bool = True) -> Any:
        username = options["user"]
        if not username:
            raise CommandError("--user is required (unless --dry-run): who uploads the batch")
        model = get_user_model()
        try:
            user = model._default_manager.get_by_natural_key(username)
        except model.DoesNotExist:
            raise CommandError(f"--user: no user named {username!r}") from None
        needed = [access.Action.CREATE] if file or options["verify"] else []
        needed += [access.Action.SEND] if options["send"] else []
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

    def verify(self, batch_id: int, user: Any, options: dict[str, Any]) -> VerificationSummary:
        bar = ProgressBar(self.stdout) if self.show_bar(options) else None
        try:
            return batches.verify_batch(
                batch_id,
                actor=f"user:{user.get_username()}",
                user=user,
                progress=bar or self.check_progress,
            )
        except services.ServiceError as exc:
            raise CommandError(f"batch {batch_id}: {exc}") from None
        finally:
            if bar is not None:
                bar.finish()

    def check_unstored(
        self, account: str, rows: list[PayoutBatchRow], options: dict[str, Any]
    ) -> VerificationSummary:
        """The checks of a dry run: on the rows in memory, nothing stored."""
        bar = ProgressBar(self.stdout) if self.show_bar(options) else None
        try:
            total = sum(1 for row in rows if not row.errors)
            return check_rows(account, rows, total=total, progress=bar or self.check_progress)
        finally:
            if bar is not None:
                bar.finish()

    def check_progress(self, done: int, total: int) -> None:
        if done == total or done % _CHECK_LINES_EVERY == 0:
            self.stdout.write(f"Checked {done} of {total} payees.")

    def show_bar(self, options: dict[str, Any]) -> bool:
        return not options["no_progress"] and self.stdout.isatty()

    def refuse_checks(
        self, checks: VerificationSummary, options: dict[str, Any], what: str
    ) -> None:
        if checks.warnings and not options["accept_checks"]:
            raise CommandError(
                f"{checks.warnings} rows did not pass the payee check ({checks.as_text()}): "
                f"{what}, nothing was created or sent; look at them, then run again with "
                "--accept-checks to go on"
            )

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

    def print_preview(
        self, summary: Summary, rows: Any, checks: VerificationSummary | None = None
    ) -> None:
        out = self.stdout
        out.write(
            f"{'line':>6}  {'external_id':<{_WIDTH}}  {'party':<{_WIDTH}}  {'amount':>14}  "
            "cur  check"
        )
        for row in rows:
            out.write(self.row_line(row))
        out.write(f"Rows: {summary.row_count}, valid: {summary.valid_count}.")
        if checks is not None:
            out.write(f"Payee checks: {checks.as_text()}.")
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
        if row.check_result:
            notes.append(f"check {row.check_result}: {row.check_detail}")
        return (
            f"{row.line:>6}  {_cut(row.external_id or cells.get('external_id', '')):<{_WIDTH}}  "
            f"{_cut(party):<{_WIDTH}}  {_cut(amount, 14):>14}  "
            f"{(row.currency or cells.get('currency', '')):<3}  "
            + ("; ".join(notes) if notes else "ok")
        )
