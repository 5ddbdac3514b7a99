"""Command-line interface of the sandbox (``python -m django_momo.sandbox``)."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence

from .frame.app import SandboxApp, load_protocol_classes
from .frame.faults import OPTIONS
from .frame.server import make_server, server_url


def rate(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m django_momo.sandbox",
        description=(
            "Provider sandbox: MTN MoMo Open API and MoMo Vietnam on loopback, with a ledger, "
            "callbacks and fault injection. Control API under /_sandbox/ (ledger, faults, "
            "callbacks, reset)."
        ),
    )
    add_arguments(parser)
    return parser


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The sandbox's flags, shared by the module entry point and ``manage.py momo_sandbox``."""
    g = parser.add_argument_group("server")
    g.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    g.add_argument("--port", type=non_negative, default=8800, help="port (default 8800; 0 = any)")
    g.add_argument("--seed", type=int, default=None, help="random seed for repeatable faults")
    g.add_argument("--verbose", action="store_true", help="log every request")
    f = parser.add_argument_group("fault injection (also changeable at run time: /_sandbox/faults)")
    f.add_argument(
        "--latency-ms",
        type=non_negative,
        default=0,
        help="added latency on every provider request, in milliseconds",
    )
    f.add_argument(
        "--error-before-booking",
        type=rate,
        default=0.0,
        metavar="RATE",
        help="share of creating requests answered 5xx with nothing booked",
    )
    f.add_argument(
        "--lost-after-booking",
        type=rate,
        default=0.0,
        metavar="RATE",
        help="share of creating requests booked, then the connection closed unanswered",
    )
    f.add_argument(
        "--status-error",
        type=rate,
        default=0.0,
        metavar="RATE",
        help="share of status queries answered 500",
    )
    f.add_argument(
        "--quota-exceeded",
        type=rate,
        default=0.0,
        metavar="RATE",
        help="MTN: share of business requests refused 403 (out of call volume quota)",
    )
    f.add_argument(
        "--rate-limited",
        type=rate,
        default=0.0,
        metavar="RATE",
        help="MTN: share of business requests refused 429 (rate limit, Retry-After: 1)",
    )
    f.add_argument(
        "--refuse-retry",
        type=rate,
        default=0.0,
        metavar="RATE",
        help="MTN: share of re-sent creating POSTs of a booked reference refused instead of 409",
    )
    f.add_argument(
        "--refuse-retry-answer",
        choices=OPTIONS["refuse_retry"]["answer"],
        default=None,
        help="the refusal of --refuse-retry (default quota: 403)",
    )
    f.add_argument(
        "--replay-unknown",
        type=rate,
        default=0.0,
        metavar="RATE",
        help="MoMo: share of re-sent pay requests of a booked payout answered 99",
    )
    f.add_argument(
        "--refuse-order",
        type=rate,
        default=0.0,
        metavar="RATE",
        help="MoMo: share of new pay requests refused 41 unbooked (a re-send then answers 40)",
    )
    c = parser.add_argument_group("callbacks (also changeable at run time: /_sandbox/callbacks)")
    c.add_argument(
        "--callback-delay-ms", type=non_negative, default=0, help="extra delay before each callback"
    )
    c.add_argument(
        "--callback-duplicate-rate",
        type=rate,
        default=0.0,
        metavar="RATE",
        help="share of callbacks delivered twice",
    )
    c.add_argument(
        "--callback-drop-rate",
        type=rate,
        default=0.0,
        metavar="RATE",
        help="share of callbacks never delivered",
    )
    c.add_argument(
        "--callback-reorder-window-ms",
        type=non_negative,
        default=0,
        help="random extra delay up to this window, so callbacks arrive out of order",
    )
    for cls in load_protocol_classes():
        cls.add_arguments(parser)


def serve(options: dict[str, object]) -> None:
    """Serve until SIGINT/SIGTERM."""
    app = SandboxApp(options)
    port = options.get("port", 8800)
    server = make_server(app, str(options.get("host", "127.0.0.1")), int(str(port)))
    print(f"django-momo sandbox listening on {server_url(server)}/ (Ctrl-C to stop)", flush=True)

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        app.state.callbacks.stop()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    serve(vars(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
