"""The result-code table: only codes that prove nothing moved are failures."""

from __future__ import annotations

import pytest

from django_momo.providers.base import Outcome
from django_momo.providers.momo_vn.result_codes import RESULT_CODES, lookup, outcome_for


def test_zero_is_the_only_success() -> None:
    assert outcome_for(0) is Outcome.SUCCESSFUL
    assert [c for c, row in RESULT_CODES.items() if row.outcome is Outcome.SUCCESSFUL] == [0]


@pytest.mark.parametrize("code", [7000, 7002, 9000, 1000, 8000, 10, 99, 40, 41, 43, 123456])
def test_codes_that_prove_nothing_are_never_failures(code: int) -> None:
    assert outcome_for(code) in (Outcome.PENDING, Outcome.UNKNOWN)


@pytest.mark.parametrize("code", [7000, 7002, 9000, 1000, 8000])
def test_in_progress_codes_are_pending(code: int) -> None:
    assert outcome_for(code) is Outcome.PENDING


@pytest.mark.parametrize("code", [10, 99, 41, 43, 55555])
def test_uncertain_codes_are_unknown(code: int) -> None:
    assert outcome_for(code) is Outcome.UNKNOWN


@pytest.mark.parametrize("code", [1007, 1008, 1100, 1507, 4001, 4002, 4003, 20, 21, 22, 11, 13])
def test_final_refusals_are_failures(code: int) -> None:
    assert outcome_for(code) is Outcome.FAILED


def test_rows_keep_momo_finality_and_meaning() -> None:
    assert lookup(1100).final
    assert "balance" in lookup(1100).meaning
    assert not lookup(7000).final
    assert lookup(424242).meaning == "Unlisted result code"
