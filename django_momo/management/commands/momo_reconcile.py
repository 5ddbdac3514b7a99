"""``manage.py momo_reconcile``: resolve payments stuck in sending, unknown or pending.

Each payment due for a check is asked about with its own provider reference (never sent under
a new one). Run it from cron, or let it loop with ``--every SECONDS`` as a small scheduler.
"""

from __future__ import annotations

import argparse
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_momo import services
from django_momo.conf import AccountNotFound, momo_settings
from django_momo.models import PaymentStatus
from django_momo.tasks import summary_as_dict


def positive_int(text: str) -> int:
    """argparse type: a whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def interval_seconds(text: str) -> float:
    """argparse type: a number of seconds >= 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value >= 1 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number of seconds >= 1, got {text}")
    return value


class ProgressBar:
    """A one-line progress bar redrawn in place (only used when stdout is a terminal)."""

    width = 30

    def __init__(self, out: Any) -> None:
        self.out = out
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        total = max(total, done, 1)
        filled = self.width * done // total
        bar = "#" * filled + "." * (self.width - filled)
        self.out.write(f"\r[{bar}] {done}/{total}", ending="")
        self.out.flush()
        self.drawn = True

    def finish(self) -> None:
        if self.drawn:
            self.out.write("")
            self.drawn = False


class Command(BaseCommand):
    help = (
        "Resolve payments that are sending, unknown, or pending past their next check, by asking "
        "the provider about their own reference; send created payments whose send was lost; flag "
        "payments not final in time for an operator. Prints a summary: how many became "
        "successful, failed or cancelled, how many are still pending, how many errors, how many "
        "were sent, newly flagged, and need an operator (a warning on stderr then)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--limit",
            type=positive_int,
            default=None,
            metavar="N",
            help="Check at most N payments per run (default: all that are due).",
        )
        parser.add_argument(
            "--account",
            default=None,
            metavar="NAME",
            help="Only payments of this account (a name in DJANGO_MOMO['ACCOUNTS']).",
        )
        parser.add_argument(
            "--every",
            type=interval_seconds,
            default=None,
            metavar="SECONDS",
            help="Run again every SECONDS seconds until interrupted (Ctrl-C stops cleanly).",
        )
        parser.add_argument(
            "--chunk-size",
            type=positive_int,
            default=500,
            metavar="N",
            help="Rows read from the database at a time (default: 500).",
        )
        parser.add_argument(
            "--no-progress",
            action="store_true",
            help="No progress bar, even on a terminal.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        account: str | None = options["account"]
        if account is not None:
            try:
                momo_settings.account(account)
            except AccountNotFound as exc:
                raise CommandError(f"--account: {exc}") from None
        every: float | None = options["every"]
        show_progress = not options["no_progress"] and self.stdout.isatty()
        if every is None:
            self.run_once(options, show_progress)
            return
        with _sigterm_as_interrupt():
            try:
                while True:
                    started = time.monotonic()
                    self.run_once(options, show_progress)
                    remaining = every - (time.monotonic() - started)
                    if remaining > 0:
                        time.sleep(remaining)
            except KeyboardInterrupt:
                self.stdout.write("Stopped.")

    def run_once(self, options: dict[str, Any], show_progress: bool) -> None:
        """One sweep, then its summary."""
        bar = ProgressBar(self.stdout) if show_progress else None
        try:
            summary = services.reconcile(
                limit=options["limit"],
                chunk_size=options["chunk_size"],
                account=options["account"],
                progress=bar,
                actor="command:momo_reconcile",
            )
        finally:
            if bar is not None:
                bar.finish()
        self.stdout.write(format_summary(summary))
        self.stdout.write(format_attention(summary))
        if summary.needs_attention:
            self.stderr.write(self.style.WARNING(attention_warning(summary)))


def format_summary(summary: services.ReconcileSummary) -> str:
    """E.g. ``Checked 12: successful 9, failed 1, cancelled 0; still pending 2; errors 0.``"""
    counts = summary_as_dict(summary)
    finals = ", ".join(
        f"{status} {counts[str(status)]}"
        for status in (PaymentStatus.SUCCESSFUL, PaymentStatus.FAILED, PaymentStatus.CANCELLED)
    )
    return (
        f"Checked {counts['checked']}: {finals}; still pending {counts['still_pending']}; "
        f"errors {counts['errors']}."
    )


def format_attention(summary: services.ReconcileSummary) -> str:
    """E.g. ``Sent 1 (never sent before); newly flagged 2; needs attention 3.``"""
    return (
        f"Sent {summary.sent} (never sent before); newly flagged {summary.flagged}; "
        f"needs attention {summary.needs_attention}."
    )


def attention_warning(summary: services.ReconcileSummary) -> str:
    """The line for stderr when payments wait for an operator."""
    return (
        f"WARNING: {summary.needs_attention} payments need an operator: filter 'needs "
        "attention' in the admin, then resolve them by hand (admin or momo_resolve)."
    )


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Stop a ``--every`` loop on SIGTERM as cleanly as on Ctrl-C."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread (e.g. called from a test thread)
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
