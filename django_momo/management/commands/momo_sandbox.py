"""``manage.py momo_sandbox``: the provider sandbox, as ``python -m django_momo.sandbox``."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from django_momo.sandbox.cli import add_arguments, serve


class Command(BaseCommand):
    help = (
        "Run the provider sandbox: MTN MoMo Open API and MoMo Vietnam on loopback, with a ledger, "
        "callbacks and fault injection (control API under /_sandbox/)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        serve(options)
