"""Benchmark: MoMo Vietnam payouts through ``MomoDisbursementClient`` vs a bare requests loop.

Starts the sandbox in a subprocess, sends 1,000 wallet payouts through the client (prepare:
validate + encrypt + sign, then send and parse) and 1,000 pre-built, pre-signed bodies through a
bare ``requests.Session``, and prints the ratio (goal <= 1.2). Also prints the per-payout cost
of signing and encryption on their own. Run: ``python bench/bench_momo_client.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from decimal import Decimal
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._django_harness import start_sandbox
from django_momo.providers.momo_vn import MomoCredentials, MomoDisbursementClient
from django_momo.providers.momo_vn.crypto import encrypt_method
from django_momo.providers.momo_vn.signing import PAY_FIELDS
from django_momo.sandbox import presets

PAY_URL_PATH = "/v2/gateway/api/disbursement/pay"
HEADERS = {"Content-Type": "application/json; charset=UTF-8", "Accept": "application/json"}


def payout_kw(n: int, tag: str) -> dict[str, object]:
    return {
        "request_id": f"{tag}-req-{n:06d}",
        "order_id": f"{tag}-ORD-{n:06d}",
        "amount": Decimal(10000),
        "wallet_id": "0901234567",
        "wallet_name": "Nguyễn Văn Á",
        "order_info": "Thanh toán lương tháng 11",
        # Nothing listens there: the sandbox's IPN attempts cost both sides alike.
        "ipn_url": "http://127.0.0.1:9/momo/ipn/",
    }


def run_client(client: MomoDisbursementClient, count: int, tag: str) -> float:
    start = time.perf_counter()
    for n in range(count):
        result = client.pay_to_wallet(**payout_kw(n, tag))
        if result.result_code != 0:
            raise SystemExit(f"unexpected result {result.result_code}: {result.message}")
    return time.perf_counter() - start


def run_bare(base_url: str, bodies: list[bytes]) -> float:
    session = requests.Session()
    url = base_url + PAY_URL_PATH
    start = time.perf_counter()
    for body in bodies:
        response = session.post(url, data=body, headers=HEADERS, timeout=(10, 30))
        if response.json()["resultCode"] != 0:
            raise SystemExit(f"unexpected bare answer {response.text}")
    elapsed = time.perf_counter() - start
    session.close()
    return elapsed


def crypto_costs(client: MomoDisbursementClient, count: int) -> tuple[float, float, float]:
    """Microseconds per payout: whole prepare, RSA encryption alone, HMAC signing alone."""
    start = time.perf_counter()
    for n in range(count):
        client.prepare_pay_to_wallet(**payout_kw(n, "prep"))
    prepare_us = (time.perf_counter() - start) / count * 1e6
    method = {"walletId": "0901234567", "walletName": "Nguyễn Văn Á", "validatePersonalId": False}
    key = client._public_key
    start = time.perf_counter()
    for _ in range(count):
        encrypt_method(key, method)
    encrypt_us = (time.perf_counter() - start) / count * 1e6
    values = json.loads(client.prepare_pay_to_wallet(**payout_kw(0, "sig")).body)
    values["accessKey"] = presets.MOMO_ACCESS_KEY
    signer = client._signer
    start = time.perf_counter()
    for _ in range(count):
        signer.sign(PAY_FIELDS, values)
    sign_us = (time.perf_counter() - start) / count * 1e6
    return prepare_us, encrypt_us, sign_us


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--bits", type=int, choices=(2048, 4096), default=2048)
    args = parser.parse_args()
    base_url, proc = start_sandbox("--momo-key-bits", str(args.bits))
    try:
        credentials = MomoCredentials(
            base_url=base_url,
            partner_code=presets.MOMO_PARTNER_CODE,
            access_key=presets.MOMO_ACCESS_KEY,
            secret_key=presets.MOMO_SECRET_KEY,
            public_key=presets.momo_public_key_pem(args.bits),
        )
        client = MomoDisbursementClient(credentials)
        # Bodies for the bare loop are built (encrypted, signed) before its clock starts.
        bodies = [
            client.prepare_pay_to_wallet(**payout_kw(n, "bare")).body for n in range(args.count)
        ]
        warm = [client.prepare_pay_to_wallet(**payout_kw(n, "warmb")).body for n in range(50)]
        run_bare(base_url, warm)
        run_client(client, 50, "warmc")
        # Alternate halves so drift in the server (ledger growth, GC) hits both sides alike.
        half = args.count // 2
        bare = run_bare(base_url, bodies[:half])
        via_client = run_client(client, half, "c1")
        bare += run_bare(base_url, bodies[half:])
        via_client += run_client(client, args.count - half, "c2")
        prepare_us, encrypt_us, sign_us = crypto_costs(client, args.count)
        client.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    ratio = via_client / bare
    print(f"MoMo VN payouts: {args.count} via the client, {args.count} bare ({args.bits}-bit key)")
    print(f"  client: {via_client:.3f} s  ({via_client / args.count * 1e3:.3f} ms/payout)")
    print(f"  bare:   {bare:.3f} s  ({bare / args.count * 1e3:.3f} ms/payout)")
    print(f"  ratio client/bare: {ratio:.3f}  (goal <= 1.2) {'OK' if ratio <= 1.2 else 'OVER'}")
    print(f"  prepare (validate + encrypt + sign): {prepare_us:.1f} us/payout")
    print(f"    RSA encryption alone: {encrypt_us:.1f} us   HMAC signing alone: {sign_us:.1f} us")


if __name__ == "__main__":
    main()
