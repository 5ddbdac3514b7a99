"""django-momo: mobile-money payouts, refunds and collections for Django."""

__version__ = "0.1.0"
