"""MoMo Vietnam result codes, their messages (en/vi) and HTTP statuses, and the magic numbers."""

from __future__ import annotations

import re

# code -> (English message, Vietnamese message), as MoMo's result-code pages word them.
MESSAGES: dict[int, tuple[str, str]] = {
    0: ("Successful.", "Thành công."),
    10: ("System is under maintenance.", "Hệ thống đang được bảo trì."),
    11: ("Access denied.", "Truy cập bị từ chối."),
    13: ("Merchant authentication failed.", "Xác thực doanh nghiệp thất bại."),
    20: ("Bad format request.", "Yêu cầu sai định dạng."),
    21: ("Invalid transaction amount.", "Số tiền giao dịch không hợp lệ."),
    22: ("Transaction amount is out of range.", "Số tiền giao dịch nằm ngoài phạm vi cho phép."),
    40: ("Duplicated requestId.", "RequestId bị trùng."),
    41: ("Duplicated orderId.", "OrderId bị trùng."),
    42: (
        "Invalid orderId or orderId is not found.",
        "OrderId không hợp lệ hoặc không được tìm thấy.",
    ),
    43: (
        "Request rejected due to an analogous transaction is being processed.",
        "Yêu cầu bị từ chối vì xung đột trong quá trình xử lý giao dịch.",
    ),
    99: ("Unknown error.", "Lỗi không xác định."),
    1000: (
        "Transaction is initiated, waiting for user confirmation.",
        "Giao dịch đã được khởi tạo, chờ người dùng xác nhận thanh toán.",
    ),
    1001: (
        "Transaction failed due to insufficient funds.",
        "Giao dịch thất bại do tài khoản không đủ tiền.",
    ),
    1002: (
        "Transaction rejected by the issuers of the payment methods.",
        "Giao dịch bị từ chối bởi nhà phát hành phương thức thanh toán.",
    ),
    1003: (
        "Transaction cancelled after successfully authorized.",
        "Giao dịch bị đã bị hủy sau khi được xác nhận thành công.",
    ),
    1004: (
        "Transaction failed because the amount exceeds daily /monthly payment limit.",
        "Giao dịch thất bại do số tiền vượt quá hạn mức thanh toán ngày/tháng.",
    ),
    1005: (
        "Transaction failed because the url or QR code expired.",
        "Giao dịch thất bại do url hoặc QR code đã hết hạn.",
    ),
    1006: (
        "Transaction failed because user has denied to confirm the payment.",
        "Giao dịch thất bại do người dùng đã từ chối xác nhận thanh toán.",
    ),
    1007: (
        "Transaction rejected due to inactive or nonexistent user's account.",
        "Giao dịch bị từ chối vì tài khoản người dùng không hoạt động hoặc không tồn tại.",
    ),
    1008: (
        "Transaction failed because the amount exceeds user's receiving limit of funds.",
        "Giao dịch thất bại do số tiền vượt quá hạn mức nhận tiền của người dùng.",
    ),
    1017: ("Transaction cancelled by merchant.", "Giao dịch bị hủy bởi đối tác."),
    1026: (
        "Transaction restricted due to promotion rules.",
        "Giao dịch bị hạn chế theo thể lệ chương trình khuyến mãi.",
    ),
    1080: (
        "Refund attempt failed during the processing. Please retry within a short period, "
        "preferably after an hour.",
        "Giao dịch hoàn tiền thất bại trong quá trình xử lý. Vui lòng thử lại sau.",
    ),
    1081: (
        "Refund rejected. The original transaction might have been refunded.",
        "Giao dịch hoàn tiền bị từ chối. Giao dịch thanh toán ban đầu có thể đã được hoàn.",
    ),
    1088: (
        "Refund rejected. The original payment transaction is ineligible to be refunded.",
        "Giao dịch hoàn tiền bị từ chối. Giao dịch thanh toán ban đầu không đủ điều kiện hoàn.",
    ),
    1100: (
        "Merchant Balance is insufficient fund to proceed the transaction. "
        "Please contact MoMo for the support.",
        "Số dư của đối tác không đủ để thực hiện giao dịch. Vui lòng liên hệ MoMo để được hỗ trợ.",
    ),
    1507: (
        "BankCard/ Bank Account not found or BankCode did not exist. "
        "Please check the Bank Information and retry again.",
        "Không tìm thấy thẻ/tài khoản ngân hàng hoặc mã ngân hàng không tồn tại.",
    ),
    4001: (
        "Transaction rejected because the user account is being restricted.",
        "Giao dịch bị từ chối do tài khoản người dùng đang bị hạn chế.",
    ),
    4002: (
        "Transaction rejected because the user account has not been verified with C06.",
        "Giao dịch bị từ chối do tài khoản người dùng chưa được xác thực với C06.",
    ),
    4003: (
        "Disbursement rejected because the receiver account's info is invalid.",
        "Giao dịch chi hộ bị từ chối do thông tin tài khoản người nhận không hợp lệ.",
    ),
    4100: (
        "Transaction failed because user has failed to login.",
        "Giao dịch thất bại do người dùng không đăng nhập thành công.",
    ),
    7000: ("Transaction is being processed.", "Giao dịch đang được xử lý."),
    7002: (
        "Transaction is being processed by the provider of the payment instrument selected.",
        "Giao dịch đang được xử lý bởi nhà cung cấp phương thức thanh toán.",
    ),
    9000: (
        "Transaction has been authorized successfully.",
        "Giao dịch đã được xác nhận thành công.",
    ),
}

# Codes of an accepted payout that is not final yet (MoMo: "Final status: No").
PENDING_CODES = frozenset({7000, 7002, 9000})
# Final failures a pay request can end in (booked as FAILED).
FAILED_CODES = frozenset({99, 1001, 1007, 1008, 1100, 1507, 4001, 4002, 4003})
# Codes MoMo marks "Final status: Yes" (result-code table), plus the disbursement codes this
# sandbox books as final failures (MoMo documents no finality for 1008, 1100, 1507, 4003). A
# re-send under the requestId of a final answer gets that answer again; of any other answer, 40.
FINAL_CODES = frozenset(
    {0, 98, 99, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1017, 1026, 1080, 1081, 1088, 2019,
     4001, 4002, 4100}
) | FAILED_CODES  # fmt: skip
# Result codes the checkWallet magic numbers can produce (10 is answered with HTTP 503).
VERIFY_CODES = frozenset({10, 99, 1007, 4001, 4002, 4003})

# HTTP status per result code: 2xx processed, 4xx caller error, 5xx server (MoMo's table).
_HTTP_STATUS = {10: 503, 11: 403, 13: 401, 20: 400, 21: 400, 22: 400, 40: 400, 41: 400, 42: 400}

WALLET_LIMITS = (1_000, 200_000_000)
BANK_LIMITS = (20_000, 20_000_000)

# Payment gateway (``/v2/gateway/api/create``) amount limits per requestType, VND. MoMo's
# onetime pages: wallet 1,000-50,000,000 (developers.momo.vn/v3/docs/payment/api/wallet/onetime),
# domestic ATM 10,000-50,000,000 (.../atm/onetime), credit card 1,000-50,000,000 in one snapshot
# and 1,000-10,000,000 in another (.../credit/onetime; the sandbox takes the wider one).
GATEWAY_LIMITS = {
    "captureWallet": (1_000, 50_000_000),
    "payWithATM": (10_000, 50_000_000),
    "payWithCC": (1_000, 50_000_000),
    "payWithMethod": (1_000, 50_000_000),
}
# Refund amounts (developers.momo.vn/v3/docs/payment/api/payment-api/refund): 1,000-50,000,000
# VND, at least 10,000 when the payment was made with a domestic ATM card.
REFUND_LIMITS = (1_000, 50_000_000)
REFUND_ATM_MINIMUM = 10_000
# Gateway order results: waiting for the user, and the codes an order can be settled to by the
# payment page or the control API (MoMo's result-code table, "Final status: Yes").
ORDER_WAITING = 1000
ORDER_SETTLE_CODES = frozenset(
    {0, 99, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1017, 1026, 4001, 4002, 4100}
)

# Bank codes the sandbox pays to (a representative part of MoMo's list); others give 1507.
BANK_CODES = frozenset(
    {
        "ABB", "ACB", "BAB", "BIDV", "BVB", "CBB", "CTG", "EIB", "GPB", "HDB", "KLB", "LPB",
        "MB", "MSB", "NAB", "NCB", "OCB", "OJB", "PGB", "PVCB", "SCB", "SEAB", "SGB", "SHB",
        "STB", "TCB", "TPB", "VAB", "VBA", "VCB", "VCCB", "VIB", "VPB",
    }
)  # fmt: skip

# Magic receivers: wallet 090000xxxx and bank account or card number 990000xxxx, where the last
# four digits are the result code (0900007000 -> 7000, 9900001507 -> 1507).
_MAGIC_WALLET = re.compile(r"^090000(\d{4})$")
_MAGIC_BANK = re.compile(r"^990000(\d{4})$")


def message(code: int, lang: str) -> str:
    """MoMo's message for ``code`` in ``lang`` (``vi`` or anything else for English)."""
    en, vi = MESSAGES.get(code, MESSAGES[99])
    return vi if lang == "vi" else en


def http_status(code: int) -> int:
    """The HTTP status MoMo answers with for ``code``."""
    return _HTTP_STATUS.get(code, 200)


def is_final(code: int) -> bool:
    """True when MoMo answers a re-send of a request that ended in ``code`` with ``code`` again."""
    return code in FINAL_CODES


def ledger_status(code: int) -> str:
    """The ledger status a payout with result ``code`` is in."""
    if code == 0:
        return "SUCCESSFUL"
    return "PENDING" if code in PENDING_CODES else "FAILED"


def order_ledger_status(code: int) -> str:
    """The ledger status of a payment-gateway order with result ``code``."""
    if code == ORDER_WAITING:
        return "PENDING"
    if code == 0:
        return "SUCCESSFUL"
    return {1005: "EXPIRED", 1006: "CANCELLED", 1017: "CANCELLED"}.get(code, "FAILED")


def magic_pay_code(wallet_id: str | None, bank_number: str | None) -> int:
    """The result a payout to this receiver ends in (0 for every ordinary receiver)."""
    match = None
    if wallet_id:
        match = _MAGIC_WALLET.match(wallet_id)
    elif bank_number:
        match = _MAGIC_BANK.match(bank_number)
    if match:
        code = int(match.group(1))
        if code in PENDING_CODES or code in FAILED_CODES:
            return code
    return 0


def magic_verify_code(wallet_id: str) -> int:
    """The checkWallet result for this wallet (0 unless it is a checkWallet magic number)."""
    match = _MAGIC_WALLET.match(wallet_id)
    if match and int(match.group(1)) in VERIFY_CODES:
        return int(match.group(1))
    return 0
