"""Helpers of the log tests: every text a log record can carry, and the secret check."""

from __future__ import annotations

import logging
from collections.abc import Iterable

import pytest


def record_texts(record: logging.LogRecord) -> list[str]:
    """The message, its template, its args and any traceback text of ``record``."""
    texts = [record.getMessage(), str(record.msg), repr(record.args)]
    if record.exc_info:
        texts.append(logging.Formatter().formatException(record.exc_info))
    if record.exc_text:
        texts.append(record.exc_text)
    if record.stack_info:
        texts.append(record.stack_info)
    return texts


def provider_records(caplog: pytest.LogCaptureFixture, name: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == name or r.name.startswith(name + ".")]


def messages(caplog: pytest.LogCaptureFixture, name: str) -> list[str]:
    return [r.getMessage() for r in provider_records(caplog, name)]


def assert_no_secret(caplog: pytest.LogCaptureFixture, secrets: Iterable[str]) -> None:
    """No secret occurs in ANY captured record (message, template, args, traceback)."""
    values = [s for s in secrets if s]
    assert values, "the test must name the secrets it checks"
    for record in caplog.records:
        for text in record_texts(record):
            for secret in values:
                assert secret not in text, f"secret leaked in {record.name}: {text[:200]!r}"
