"""Cursor pagination of the payment lists: stable under inserts, fast on large tables."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination


class PaymentCursorPagination(CursorPagination):
    """Newest first (``-created_at``, then ``-id``); ``?page_size=`` up to 500."""

    ordering = ("-created_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
