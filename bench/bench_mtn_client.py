"""Benchmark: the MTN client against a bare ``requests.Session`` loop, on the local sandbox.

    python bench/bench_mtn_client.py [--n 1000]

Both sides make the same HTTP calls with the same headers (the bare loop fetches one token up
front); the ratio shows what validation, token caching, retries and result parsing cost.
Goals: time ratio <= 1.15, exactly one token call made by the client.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django_momo.providers.http import user_agent
from django_momo.providers.mtn import DisbursementClient
from django_momo.sandbox import presets
from django_momo.sandbox.control import SandboxControl
from django_momo.sandbox.server import start_in_thread

PAYEE = "46733999001"  # any non-test number succeeds


def bare_loop(base_url: str, n: int) -> float:
    """The same calls by hand: one token, then n transfers and n status queries."""
    key = presets.MTN_SUBSCRIPTION_KEYS["disbursement"]
    session = requests.Session()
    basic = base64.b64encode(f"{presets.MTN_API_USER}:{presets.MTN_API_KEY}".encode()).decode()
    common = {"Ocp-Apim-Subscription-Key": key, "User-Agent": user_agent()}
    resp = session.post(
        f"{base_url}/disbursement/token/",
        headers={
            **common,
            "Authorization": f"Basic {basic}",
            "X-Target-Environment": "sandbox",
            "Content-Length": "0",
        },
        data=b"",
        timeout=(5, 30),
    )
    resp.raise_for_status()
    headers = {
        **common,
        "Authorization": f"Bearer {resp.json()['access_token']}",
        "X-Target-Environment": "sandbox",
    }
    refs = [str(uuid.uuid4()) for _ in range(n)]
    start = time.perf_counter()
    for i, ref in enumerate(refs):
        body = {
            "amount": "1",
            "currency": "EUR",
            "externalId": f"bare-{i}",
            "payee": {"partyIdType": "MSISDN", "partyId": PAYEE},
            "payerMessage": "Benchmark payout",
            "payeeNote": "Benchmark payout",
        }
        r = session.post(
            f"{base_url}/disbursement/v1_0/transfer",
            headers={**headers, "X-Reference-Id": ref, "Content-Type": "application/json"},
            data=json.dumps(body, separators=(",", ":")).encode(),
            timeout=(5, 30),
        )
        assert r.status_code == 202, r.text
    for ref in refs:
        r = session.get(
            f"{base_url}/disbursement/v1_0/transfer/{ref}", headers=headers, timeout=(5, 30)
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"], r.text
    return time.perf_counter() - start


def client_loop(client: DisbursementClient, n: int) -> float:
    """n transfers and n status queries through ``DisbursementClient``."""
    refs = [str(uuid.uuid4()) for _ in range(n)]
    start = time.perf_counter()
    for i, ref in enumerate(refs):
        sub = client.transfer(
            ref,
            amount=Decimal("1"),
            payee=PAYEE,
            external_id=f"client-{i}",
            payer_message="Benchmark payout",
            payee_note="Benchmark payout",
            currency="EUR",
        )
        assert sub.http_status == 202
    for ref in refs:
        assert client.get_transfer_status(ref).raw_status
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="transfers and status queries each")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds per side")
    args = parser.parse_args()

    sandbox = start_in_thread({"seed": 1})
    control = SandboxControl(sandbox.base_url)
    try:
        client = DisbursementClient(
            base_url=sandbox.base_url,
            target_environment=presets.MTN_TARGET_ENVIRONMENT,
            subscription_key=presets.MTN_SUBSCRIPTION_KEYS["disbursement"],
            api_user=presets.MTN_API_USER,
            api_key=presets.MTN_API_KEY,
        )
        # Warm-up (imports, first connections) outside the measurement, then alternate sides
        # so that drift in the machine's load hits both equally.
        bare_loop(sandbox.base_url, 20)
        client_loop(client, 20)
        per_round = max(1, args.n // args.rounds)
        bare = timed_client = 0.0
        for _ in range(args.rounds):
            bare += bare_loop(sandbox.base_url, per_round)
            timed_client += client_loop(client, per_round)
        total = per_round * args.rounds
        stats = _sandbox_token_count(control)
        ratio = timed_client / bare
        print(f"calls per side: {total} transfers + {total} status queries")
        print(f"bare requests.Session: {bare:.2f} s ({2 * total / bare:.0f} calls/s)")
        print(
            f"DisbursementClient:    {timed_client:.2f} s ({2 * total / timed_client:.0f} calls/s)"
        )
        print(f"time ratio client/bare: {ratio:.3f} (goal <= 1.15)")
        print(f"token calls made by the client: {client.tokens.fetch_count} (goal: 1)")
        if stats is not None:
            # The bare loop fetches one token per run (warm-up + rounds); the rest are the client's.
            print(f"token calls counted by the sandbox for the client: {stats - 1 - args.rounds}")
        return 0
    finally:
        sandbox.stop()


def _sandbox_token_count(control: SandboxControl) -> int | None:
    try:
        return int(control.get("/_sandbox/mtn/stats")["token_issuances_total"])
    except (requests.RequestException, KeyError, ValueError, TypeError):
        return None


if __name__ == "__main__":
    raise SystemExit(main())
