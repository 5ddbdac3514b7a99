"""MoMo Vietnam Disbursement API client (AIO v2: wallet and bank payouts, balance, IPN)."""

from django_momo.providers.momo_vn.client import MomoDisbursementClient
from django_momo.providers.momo_vn.config import MomoCredentials

# Payment gateway (collections and refunds).
from django_momo.providers.momo_vn.gateway import (
    MomoGatewayClient,
    PaymentLimits,
    PaymentNotificationVerifier,
    ResponseSignatureError,
    verify_payment_notification,
)
from django_momo.providers.momo_vn.gateway_results import (
    PaymentNotification,
    PaymentOrder,
    PaymentStatus,
    PreparedOrder,
    PreparedRefund,
    RefundResult,
    RefundTrans,
)
from django_momo.providers.momo_vn.ipn import (
    DisbursementIpn,
    IpnError,
    IpnFieldError,
    IpnMalformedError,
    IpnMismatchError,
    IpnPartnerMismatchError,
    IpnSignatureError,
    verify_ipn,
)
from django_momo.providers.momo_vn.results import (
    Balance,
    DisbursementResult,
    PreparedRequest,
    WalletCheck,
)
from django_momo.providers.momo_vn.validation import PayoutLimits

__all__ = [
    "Balance",
    "DisbursementIpn",
    "DisbursementResult",
    "IpnError",
    "IpnFieldError",
    "IpnMalformedError",
    "IpnMismatchError",
    "IpnPartnerMismatchError",
    "IpnSignatureError",
    "MomoCredentials",
    "MomoDisbursementClient",
    "PayoutLimits",
    "PreparedRequest",
    "WalletCheck",
    "verify_ipn",
]

# Payment gateway (collections and refunds).
__all__ += [
    "MomoGatewayClient",
    "PaymentLimits",
    "PaymentNotification",
    "PaymentNotificationVerifier",
    "PaymentOrder",
    "PaymentStatus",
    "PreparedOrder",
    "PreparedRefund",
    "RefundResult",
    "RefundTrans",
    "ResponseSignatureError",
    "verify_payment_notification",
]
