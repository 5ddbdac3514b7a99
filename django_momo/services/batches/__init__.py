"""Bulk payouts: a batch of payouts uploaded as a CSV or XLSX file.

The life of a batch::

    previewed ──confirm (digest)──▶ created ──send──▶ sending ──every payout final──▶ done
        │                              │
        └──────cancel / rejected───────┴──▶ cancelled

``preview_batch`` checks every row like a single payout and stores the batch, creating
nothing; ``create_batch_payouts`` creates one held payout per row once the operator confirms the
digest shown; ``decide_batch`` approves or rejects it as one unit when the account's
``APPROVALS`` rule asks; ``start_sending`` hands the payout ids to the face that enqueues them
(``django_momo.batch_sending.send_batch``); ``batch_progress`` and ``export_batch`` report.
Limits: ``MAX_ROWS`` rows and ``MAX_FILE_BYTES`` bytes per file (``reading``).
"""

from django_momo.services.batches.confirm import (
    cancel_batch,
    create_batch_payouts,
    decide_batch,
    load_batch,
    valid_batch_approvals,
)
from django_momo.services.batches.export import export_batch
from django_momo.services.batches.preview import (
    BatchPreview,
    Summary,
    batch_digest,
    preview_batch,
    read_batch,
)
from django_momo.services.batches.reading import (
    COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    REQUIRED_COLUMNS,
)
from django_momo.services.batches.sending import (
    BatchProgress,
    approvals_missing,
    batch_progress,
    start_sending,
)
from django_momo.services.batches.verification import VerificationSummary, verify_batch

__all__ = [
    "COLUMNS",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "REQUIRED_COLUMNS",
    "BatchPreview",
    "BatchProgress",
    "Summary",
    "VerificationSummary",
    "approvals_missing",
    "batch_digest",
    "batch_progress",
    "cancel_batch",
    "create_batch_payouts",
    "decide_batch",
    "export_batch",
    "load_batch",
    "preview_batch",
    "read_batch",
    "start_sending",
    "valid_batch_approvals",
    "verify_batch",
]
