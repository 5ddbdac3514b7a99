"""``manage.py momo_reconcile``: summary, limits, account filter, progress bar, bad options."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from django_momo import tasks
from django_momo.management.commands import momo_reconcile
from django_momo.models import PaymentStatus, StatusChange, Transfer
from django_momo.sandbox.mtn.payments import TEST_NUMBERS
from tests.tasks.conftest import make_transfer

pytestmark = pytest.mark.django_db

FAILING_NUMBER = next(iter(TEST_NUMBERS))


class TerminalIO(StringIO):
    """Captured output that claims to be a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def due_now(settings: Any, momo_accounts: Any) -> Any:
    """Checks are due at once after a send (no backoff), so the sweep finds pending payouts."""
    settings.DJANGO_MOMO = {**settings.DJANGO_MOMO, "STATUS_CHECK_DELAYS": (0,)}
    return momo_accounts


def pending_transfers(n: int, **overrides: Any) -> list[Transfer]:
    made = []
    for _ in range(n):
        t = make_transfer("mtn", **overrides)
        tasks.send_transfer_task.call(t.pk)
        t.refresh_from_db()
        assert t.status == PaymentStatus.PENDING
        made.append(t)
    return made


def run(*args: str, stdout: StringIO | None = None, stderr: StringIO | None = None) -> str:
    out = stdout or StringIO()
    call_command("momo_reconcile", *args, stdout=out, stderr=stderr or StringIO())
    return out.getvalue()


def test_the_summary_counts_each_final_status(due_now):
    pending_transfers(3)
    pending_transfers(1, party_id=FAILING_NUMBER)

    output = run()

    assert "Checked 4: successful 3, failed 1, cancelled 0; still pending 0; errors 0." in output
    assert set(Transfer.objects.values_list("status", flat=True)) == {"successful", "failed"}
    finals = StatusChange.objects.filter(to_status="successful")
    actors = set(finals.values_list("actor", flat=True))
    assert actors == {"command:momo_reconcile"}


def test_nothing_due_is_a_quiet_success(due_now):
    err = StringIO()
    output = run(stderr=err)
    assert "Checked 0: successful 0, failed 0, cancelled 0; still pending 0; errors 0." in output
    assert "Sent 0 (never sent before); newly flagged 0; needs attention 0." in output
    assert err.getvalue() == ""


def test_the_summary_counts_sent_flagged_and_needing_attention(due_now):
    from django_momo.sandbox.mtn.payments import STUCK_PENDING_NUMBER

    # A payout whose enqueue was lost (not held, created ten minutes ago, never sent) ...
    lost = make_transfer("mtn", hold=False)
    Transfer.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(minutes=10))
    # ... and one still pending two days after it was created.
    (stuck,) = pending_transfers(1, party_id=STUCK_PENDING_NUMBER)
    Transfer.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - timedelta(days=2))

    err = StringIO()
    output = run(stderr=err)

    # The lost one is sent (its first check comes in a later sweep); the stuck one is checked.
    assert "Checked 1: successful 0, failed 0, cancelled 0; still pending 1; errors 0." in output
    assert "Sent 1 (never sent before); newly flagged 1; needs attention 1." in output
    assert "WARNING: 1 payments need an operator" in err.getvalue()
    assert "WARNING" not in output
    lost.refresh_from_db()
    assert lost.status == "pending"
    stuck.refresh_from_db()
    assert (stuck.status, stuck.attention) == ("pending", "overdue")
    # Flagged once: the next sweep still counts it, without flagging it again.
    err = StringIO()
    assert "newly flagged 0; needs attention 1." in run(stderr=err)
    assert "WARNING: 1 payments need an operator" in err.getvalue()


def test_limit_checks_only_that_many(due_now):
    pending_transfers(5)

    assert "Checked 2: successful 2" in run("--limit", "2")
    assert Transfer.objects.filter(status="pending").count() == 3
    assert "Checked 3: successful 3" in run("--limit", "10")


def test_account_limits_the_sweep_to_one_account(due_now):
    pending_transfers(2)
    assert "Checked 0:" in run("--account", "momo")
    assert "Checked 2: successful 2" in run("--account", "mtn")


def test_a_stuck_payment_is_reported_still_pending(due_now):
    from django_momo.sandbox.mtn.payments import STUCK_PENDING_NUMBER

    pending_transfers(1, party_id=STUCK_PENDING_NUMBER)
    assert "Checked 1: successful 0, failed 0, cancelled 0; still pending 1; errors 0." in run()


def test_a_terminal_gets_a_progress_bar(due_now):
    pending_transfers(2)
    output = run(stdout=TerminalIO())
    assert "\r[###############...............] 1/2" in output
    assert "\r[##############################] 2/2" in output
    assert "Checked 2:" in output


def test_plain_output_has_no_progress_bar(due_now):
    pending_transfers(2)
    output = run()
    assert "\r" not in output
    assert "[#" not in output
    assert "\r" not in run("--no-progress", stdout=TerminalIO())


def test_every_runs_until_interrupted(due_now, monkeypatch):
    pending_transfers(1)
    sleeps: list[float] = []

    def interrupted_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(momo_reconcile.time, "sleep", interrupted_sleep)
    output = run("--every", "60")

    assert output.count("Checked ") == 2
    assert "Checked 1: successful 1" in output
    assert output.rstrip().endswith("Stopped.")
    assert all(0 < s <= 60 for s in sleeps)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--limit", "0"], "--limit: must be at least 1, got 0"),
        (["--limit", "many"], "--limit: expected a whole number, got 'many'"),
        (["--every", "0.5"], "--every: must be a finite number of seconds >= 1, got 0.5"),
        (["--every", "soon"], "--every: expected a number of seconds, got 'soon'"),
        (["--chunk-size", "-3"], "--chunk-size: must be at least 1, got -3"),
        (["--account", "nope"], "--account: unknown account 'nope' (known: momo, mtn)"),
    ],
)
def test_bad_options_are_refused_clearly(args, message):
    with pytest.raises(CommandError) as excinfo:
        call_command("momo_reconcile", *args, stdout=StringIO())
    assert message in str(excinfo.value)
