"""Money input every face must refuse, never repair (shared by the service, API and admin tests)."""

EUR_HOW = "write the amount as plain digits with an optional '.' and at most 2 decimals"
VND_HOW = "write the amount as plain digits without separators or decimals"

# Written any other way than plain ASCII digits with an optional fraction: refused.
BAD_AMOUNT_TEXT = {
    "exponent": "1e3",
    "exponent-signed": "1E+1",
    "plus": "+5",
    "minus": "-5",
    "arabic-indic": "\u0661\u0660\u0660",
    "fullwidth": "\uff11\uff10\uff10",
    "leading-space": " 5",
    "trailing-space": "5 ",
    "both-spaces": " 100 ",
    "nbsp": "1\u00a0000",
    "comma-group": "1,000",
    "space-group": "1 000",
    "underscore-group": "1_000",
    "trailing-dot": "1.",
    "leading-dot": ".5",
    "nan": "NaN",
    "infinity": "Infinity",
    "too-many-decimals": "25.505",
}
