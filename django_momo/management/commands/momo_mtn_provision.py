"""``manage.py momo_mtn_provision``: create an MTN sandbox API user and key, print the settings."""

from __future__ import annotations

import os
import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_momo.providers.base import InvalidInputError, ProviderError, SubmissionState
from django_momo.providers.http import HttpTransport
from django_momo.providers.mtn import PRODUCTS, SANDBOX_BASE_URL, SandboxProvisioning
from django_momo.providers.mtn import validation as v


class Command(BaseCommand):
    help = (
        "Create an MTN MoMo sandbox API user (with its providerCallbackHost) and an API key, "
        "then print the environment variables and DJANGO_MOMO settings to paste. "
        "Sandbox only: production API users come from MTN's Partner Portal."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--base-url",
            default=os.environ.get("MOMO_MTN_BASE_URL", SANDBOX_BASE_URL),
            help="MTN base URL (default: $MOMO_MTN_BASE_URL or MTN's sandbox).",
        )
        parser.add_argument(
            "--product",
            choices=PRODUCTS,
            default="collection",
            help="Product whose subscription key is given (default: collection).",
        )
        parser.add_argument(
            "--subscription-key",
            default=None,
            help="That product's subscription key (default: $MOMO_MTN_<PRODUCT>_SUBSCRIPTION_KEY).",
        )
        parser.add_argument(
            "--callback-host",
            default=os.environ.get("MOMO_MTN_CALLBACK_HOST"),
            help="providerCallbackHost: the bare host name callbacks will go to, e.g. "
            "shop.example.com (default: $MOMO_MTN_CALLBACK_HOST). It cannot be changed later.",
        )
        parser.add_argument(
            "--api-user",
            default=None,
            help="UUID v4 to use as the API user id (default: a new random one).",
        )
        parser.add_argument(
            "--account", default="mtn-sandbox", help="Account name used in the printed settings."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        product: str = options["product"]
        env_key = f"MOMO_MTN_{product.upper()}_SUBSCRIPTION_KEY"
        subscription_key = options["subscription_key"] or os.environ.get(env_key)
        if not subscription_key:
            raise CommandError(f"Give --subscription-key or set {env_key}.")
        if not options["callback_host"]:
            raise CommandError(
                "Give --callback-host (e.g. shop.example.com) or set MOMO_MTN_CALLBACK_HOST."
            )
        try:
            host = v.validate_host(options["callback_host"], "--callback-host")
            chosen = options["api_user"] or str(uuid.uuid4())
            api_user = v.validate_reference_id(chosen, "--api-user")
            provisioning = SandboxProvisioning(
                base_url=options["base_url"],
                subscription_key=subscription_key,
                transport=HttpTransport(provider="mtn"),
            )
        except (InvalidInputError, ProviderError) as exc:
            raise CommandError(str(exc)) from None
        try:
            created = provisioning.create_api_user(api_user, host)
            if created.state == SubmissionState.ALREADY_BOOKED:
                self.stderr.write(f"API user {api_user} exists already; making a new key for it.")
            details = provisioning.get_api_user(api_user)
            api_key = provisioning.create_api_key(api_user)
        except ProviderError as exc:
            raise CommandError(f"MTN refused the provisioning: {exc}") from None
        prefix = f"MOMO_MTN_{product.upper()}"
        self.stdout.write(
            SETTINGS_TEMPLATE.format(
                base_url=provisioning.base_url,
                environment=details.target_environment or "sandbox",
                host=details.provider_callback_host or host,
                prefix=prefix,
                subscription_key=subscription_key,
                api_user=api_user,
                api_key=api_key,
                account=options["account"],
                product=product.upper(),
            )
        )


SETTINGS_TEMPLATE = """\
# Environment variables (keep the keys secret):
MOMO_MTN_BASE_URL={base_url}
MOMO_MTN_TARGET_ENVIRONMENT={environment}
MOMO_MTN_CALLBACK_HOST={host}
{prefix}_SUBSCRIPTION_KEY={subscription_key}
{prefix}_API_USER={api_user}
{prefix}_API_KEY={api_key}

# settings.py (callback URLs must use host {host!r}, this API user's providerCallbackHost)
import os

DJANGO_MOMO = {{
    "ACCOUNTS": {{
        "{account}": {{
            "PROVIDER": "mtn",
            "BASE_URL": os.environ["MOMO_MTN_BASE_URL"],
            "TARGET_ENVIRONMENT": os.environ["MOMO_MTN_TARGET_ENVIRONMENT"],
            "{product}": {{
                "SUBSCRIPTION_KEY": os.environ["{prefix}_SUBSCRIPTION_KEY"],
                "API_USER": os.environ["{prefix}_API_USER"],
                "API_KEY": os.environ["{prefix}_API_KEY"],
            }},
        }},
    }},
}}"""
