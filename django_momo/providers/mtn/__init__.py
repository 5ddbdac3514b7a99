"""MTN MoMo Open API clients: Collection, Disbursement, Remittance and sandbox provisioning."""

from django_momo.providers.mtn.client import MtnProductClient
from django_momo.providers.mtn.collection import CollectionClient
from django_momo.providers.mtn.config import (
    PRODUCTS,
    SANDBOX_BASE_URL,
    TARGET_ENVIRONMENTS,
    MtnCredentials,
)
from django_momo.providers.mtn.consent import OAuth2Token
from django_momo.providers.mtn.disbursement import DisbursementClient
from django_momo.providers.mtn.errors import error_from_response
from django_momo.providers.mtn.provisioning import SandboxProvisioning
from django_momo.providers.mtn.remittance import RemittanceClient, RemittancePayer
from django_momo.providers.mtn.results import (
    ApiUser,
    Balance,
    BasicUserInfo,
    ConsentRequest,
    Party,
    TransactionResult,
    TransactionStatus,
    UserInfo,
)
from django_momo.providers.mtn.tokens import AccessToken

PRODUCT_CLIENTS: dict[str, type[MtnProductClient]] = {
    "collection": CollectionClient,
    "disbursement": DisbursementClient,
    "remittance": RemittanceClient,
}

__all__ = [
    "PRODUCTS",
    "PRODUCT_CLIENTS",
    "SANDBOX_BASE_URL",
    "TARGET_ENVIRONMENTS",
    "AccessToken",
    "ApiUser",
    "Balance",
    "BasicUserInfo",
    "CollectionClient",
    "ConsentRequest",
    "DisbursementClient",
    "MtnCredentials",
    "MtnProductClient",
    "OAuth2Token",
    "Party",
    "RemittanceClient",
    "RemittancePayer",
    "SandboxProvisioning",
    "TransactionResult",
    "TransactionStatus",
    "UserInfo",
    "error_from_response",
]
