"""Trace: which of django-momo's files one payout visits, from the admin's send to its status.

Starts a sandbox and a fresh PostgreSQL database (see ``_django_harness.py``), creates one MTN
payout, then posts the admin's "Send payouts" action and its confirmation with the immediate
task backend, so the send, the provider call and the status change run in this process. Every
line executed in ``django_momo/`` between the confirmation POST and the payout's status change
is recorded (``sys.settrace``); the files are printed by layer, with the count of files that
hold the path's own logic (models, settings, money and other shared helpers listed apart).
Run: ``python bench/trace_payout.py``.
"""

from __future__ import annotations

import re
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._django_harness import fresh_database, setup_django, start_sandbox, worker_env

PACKAGE = ROOT / "django_momo"
CHANGELIST = "/admin/django_momo/transfer/"
# Shared foundations every request touches; listed, not counted as the payout's path.
SHARED = ("models/", "conf.py", "money.py", "signals.py", "providers/sensitive.py", "apps.py",
          "providers/base.py", "token_cache.py", "json_input.py", "migrations/")  # fmt: skip


def main() -> None:
    sandbox_url, _ = start_sandbox()
    env = worker_env(fresh_database("momo_trace_payout"), sandbox_url, {})
    env["DJANGO_SETTINGS_MODULE"] = "tests.e2e_settings"
    setup_django(env)
    from django.contrib.auth.models import User
    from django.test import Client, override_settings

    from django_momo import services
    from django_momo.admin.confirmation import TOKEN_FIELD

    User.objects.create_superuser("trace", "trace@example.com", "trace")
    client = Client()
    client.force_login(User.objects.get(username="trace"))
    payout, _ = services.create_transfer(
        account="mtn",
        operation="mtn.disbursement.transfer",
        party_id="46733123459",
        amount="12.50",
        external_id="trace-1",
        actor="user:trace",
    )
    data = {"action": "send_transfers", "index": "0", "_selected_action": [payout.pk]}
    immediate = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    import django

    if django.VERSION >= (6, 0):
        immediate = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    seen: dict[str, int] = {}

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        path = frame.f_code.co_filename
        if path.startswith(str(PACKAGE)):
            rel = Path(path).relative_to(PACKAGE).as_posix()
            seen[rel] = seen.get(rel, 0) + 1
        return None

    with override_settings(TASKS=immediate):
        page = client.post(CHANGELIST, data)
        token = re.search(rf'name="{TOKEN_FIELD}" value="([^"]+)"', page.content.decode())
        assert token, "the confirmation page carries no token"
        sys.settrace(tracer)
        threading.settrace(tracer)
        try:
            response = client.post(
                CHANGELIST, {**data, "confirm": "yes", TOKEN_FIELD: token.group(1)}
            )
        finally:
            sys.settrace(None)
            threading.settrace(None)  # type: ignore[arg-type]
    assert response.status_code == 302, response.status_code
    payout.refresh_from_db()
    print(f"payout {payout.pk}: {payout.status} after the confirmed send action\n")
    own = sorted(f for f in seen if not f.startswith(SHARED))
    shared = sorted(f for f in seen if f.startswith(SHARED))
    print(f"files with the path's own logic ({len(own)}):")
    for name in own:
        print(f"  {name}  ({seen[name]} calls)")
    print(f"\nshared foundations also entered ({len(shared)}):")
    for name in shared:
        print(f"  {name}")


if __name__ == "__main__":
    main()
