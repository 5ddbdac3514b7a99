"""Where providers report on a payment: ``CALLBACK_BASE_URL`` plus the adapter's path."""

from __future__ import annotations

from django_momo.conf import momo_settings
from django_momo.models import Payment


def base_url() -> str:
    """``CALLBACK_BASE_URL`` ending with one "/" ("" when it is not set)."""
    base = str(momo_settings.CALLBACK_BASE_URL or "")
    if not base:
        return ""
    return base if base.endswith("/") else base + "/"


def callback_url(payment: Payment) -> str:
    """Where the provider reports on ``payment`` ("" when no CALLBACK_BASE_URL is set)."""
    from django_momo.services.adapters import adapter_for

    base = base_url()
    return base + adapter_for(payment.provider).callback_path(payment) if base else ""
