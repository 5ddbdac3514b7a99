"""Preview: every row checked like a single payout, per-row and per-file errors, nothing created."""

from __future__ import annotations

from decimal import Decimal

import pytest

from django_momo import services
from django_momo.models import PayoutBatch, PayoutBatchRow, Transfer
from django_momo.services import batches
from django_momo.services.access import AccessDenied
from django_momo.services.batches import reading

from .conftest import (
    HEADER,
    OP,
    csv_bytes,
    errors_by_line,
    payout_rows,
    person,
    preview,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db


def nothing_created() -> bool:
    return not Transfer.objects.exists()


def test_a_good_file_is_previewed_with_totals_digest_and_balance(accounts, maker):
    rows = [*payout_rows(3, "12.50"), [OP, "256770099999", "100", "", "extra-1", ""]]
    batch = preview(csv_bytes(rows), maker)
    assert batch.status == "previewed"
    assert (batch.row_count, batch.valid_count) == (4, 4)
    assert batch.totals == {"EUR": "137.50"}
    assert batch.balance["error"] == ""
    assert "EUR" in batch.balance["amounts"]
    stored = list(batch.rows.order_by("line"))
    assert [r.line for r in stored] == [2, 3, 4, 5]
    assert stored[3].currency == "EUR"  # the account's currency when the cell is empty
    assert stored[0].cells["amount"] == "12.50"
    assert batch.digest == batches.batch_digest("mtn", stored)
    assert nothing_created()
    # The digest covers the money fields: the same rows give the same digest, another amount not.
    again = preview(csv_bytes(rows), maker)
    assert again.digest == batch.digest
    rows[0][2] = "12.51"
    assert preview(csv_bytes(rows), maker).digest != batch.digest


def test_a_bom_is_accepted_and_other_encodings_are_refused(accounts, maker):
    batch = preview(csv_bytes(payout_rows(2), bom=True), maker)
    assert batch.valid_count == 2
    latin = csv_bytes(payout_rows(1)).replace(b"salary", "salaire payé".encode("cp1252"))
    offset = latin.index(b"\xe9")
    with pytest.raises(services.InvalidRequest, match=f"not UTF-8 at byte {offset}"):
        preview(latin, maker)
    utf16 = csv_bytes(payout_rows(1)).decode().encode("utf-16")
    with pytest.raises(services.InvalidRequest, match="not UTF-8 at byte 0"):
        preview(utf16, maker)
    assert PayoutBatch.objects.count() == 1


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            ("operation", "party_id", "amount", "Currency", "external_id"),
            "unknown columns 'Currency'",
        ),
        (("operation", "party_id", "external_id"), "missing required columns amount"),
        (("operation", "party_id", "amount", "amount", "external_id"), "named twice: amount"),
    ],
)
def test_wrong_columns_are_one_error_for_the_file(accounts, maker, header, message):
    data = csv_bytes([["x"] * len(header)], header=header)
    with pytest.raises(services.InvalidRequest, match=message) as info:
        preview(data, maker)
    assert info.value.field == "file"
    assert not PayoutBatch.objects.exists()
    assert nothing_created()


def test_a_semicolon_file_is_told_to_use_commas(accounts, maker):
    data = ";".join(HEADER).encode() + b"\r\n"
    with pytest.raises(services.InvalidRequest, match="separated by ';'"):
        preview(data, maker)


def test_formulas_and_exponent_numbers_are_refused_per_row(accounts, maker):
    rows = [
        [OP, "256770000001", "12.50", "EUR", "f-1", '=HYPERLINK("http://evil")'],
        [OP, "+256770000002", "12.50", "EUR", "f-2", "ok"],
        [OP, "256770000003", "-5", "EUR", "f-3", "ok"],
        [OP, "256770000004", "12.50", "EUR", "@SUM(A1)", "ok"],
        [OP, "2.5677E+11", "12.50", "EUR", "f-5", "ok"],
        [OP, "256770000006", "1e3", "EUR", "f-6", "ok"],
        [OP, "256770000007", "12.505", "EUR", "f-7", "ok"],
        [OP, "256770000008", "12.50", "EUR", "f-8", "ok"],
    ]
    batch = preview(csv_bytes(rows), maker)
    errors = errors_by_line(batch)
    assert set(errors) == {2, 3, 4, 5, 6, 7, 8}
    assert errors[2][0]["field"] == "message"
    assert "formula" in errors[2][0]["message"]
    assert errors[3][0]["field"] == "party_id"
    assert "formula" in errors[3][0]["message"]
    assert errors[4][0]["field"] == "amount"
    assert errors[5][0]["field"] == "external_id"
    assert errors[6][0]["field"] == "party_id"
    assert "exponent" in errors[6][0]["message"]
    assert "write the value as text" in errors[6][0]["message"]
    assert errors[7][0]["field"] == "amount"
    assert "exponent" in errors[7][0]["message"]
    assert errors[8][0]["field"] == "amount"  # EUR has two minor units
    assert (batch.row_count, batch.valid_count) == (8, 1)
    assert batch.totals == {"EUR": "12.50"}
    assert nothing_created()


def test_xlsx_number_cells_are_refused_unless_an_exact_whole_amount(accounts, maker):
    rows = [
        [OP, "256770000001", 25, "EUR", "x-1", "whole amount: exact"],
        [OP, 256770000002, "12.50", "EUR", "x-2", "a phone as a number"],
        [OP, 2.5677e11, "12.50", "EUR", "x-3", "Excel's 2.5677E+11"],
        [OP, "256770000004", 12.5, "EUR", "x-4", "a float amount"],
        [OP, "256770000005", "12.50", "EUR", "=1+1", "a formula cell"],
    ]
    batch = preview(xlsx_bytes(rows), maker, filename="payouts.xlsx")
    errors = errors_by_line(batch)
    assert set(errors) == {3, 4, 5, 6}
    assert errors[3][0]["field"] == "party_id"
    assert "write it as text" in errors[3][0]["message"]
    assert errors[4][0]["field"] == "party_id"
    assert "number cell" in errors[4][0]["message"]
    assert errors[5][0]["field"] == "amount"
    assert "write it as text" in errors[5][0]["message"]
    assert errors[6][0]["field"] == "external_id"
    assert "formula" in errors[6][0]["message"]
    first = batch.rows.get(line=2)
    assert first.cells["amount"] == "25"
    assert str(first.amount) == "25.0000"
    assert nothing_created()


def test_duplicates_in_the_file_and_against_existing_payouts(accounts, maker):
    services.create_transfer(
        account="mtn",
        operation=OP,
        party_id="256770000009",
        amount="5",
        external_id="taken-1",
        actor="test",
    )
    rows = [
        [OP, "256770000001", "12.50", "EUR", "d-1", ""],
        [OP, "256770000002", "12.50", "EUR", "d-1", ""],  # same external id as line 2
        [OP, "256770000001", "12.50", "EUR", "d-3", ""],  # same party and amount as line 2
        [OP, "256770000004", "12.50", "EUR", "taken-1", ""],  # an existing payout's id
    ]
    batch = preview(csv_bytes(rows), maker)
    by_line = {row.line: row for row in batch.rows.all()}
    assert by_line[3].duplicate_of == "line 2"
    assert by_line[3].errors[0]["field"] == "external_id"
    assert by_line[4].errors == []
    assert by_line[4].duplicate_of == "line 2"
    assert "same party and amount" in by_line[4].warnings[0]["message"]
    assert by_line[5].duplicate_of == "taken-1"
    assert "already used" in by_line[5].errors[0]["message"]
    assert batch.valid_count == 2
    assert Transfer.objects.count() == 1


def test_an_account_column_must_name_the_batch_account(accounts, maker):
    header = (*HEADER, "account")
    rows = [[*payout_rows(1)[0], "mtn"], [*payout_rows(1)[0], "momo"]]
    batch = preview(csv_bytes(rows, header=header), maker)
    assert errors_by_line(batch) == {
        3: [{"field": "account", "message": "this batch is for account 'mtn', not 'momo'"}]
    }


def test_a_short_or_long_csv_row_is_refused(accounts, maker):
    data = csv_bytes(payout_rows(1)) + b"mtn.disbursement.transfer,256770000002\r\n"
    data += b"mtn.disbursement.transfer,256770000003,1,EUR,l-3,m,extra\r\n"
    batch = preview(data, maker)
    assert [e[0]["field"] for e in errors_by_line(batch).values()] == ["columns", "columns"]


def test_limits_rows_and_bytes(accounts, maker, monkeypatch):
    monkeypatch.setattr(reading, "MAX_ROWS", 3)
    with pytest.raises(services.InvalidRequest, match="more than 3 rows"):
        preview(csv_bytes(payout_rows(4)), maker)
    monkeypatch.setattr(reading, "MAX_FILE_BYTES", 100)
    with pytest.raises(services.InvalidRequest, match="more than the 100 allowed"):
        preview(csv_bytes(payout_rows(4)), maker)
    assert not PayoutBatch.objects.exists()


def test_file_kinds_and_empty_files(accounts, maker):
    with pytest.raises(services.InvalidRequest, match=r"must be a \.csv"):
        preview(b"a,b", maker, filename="payouts.xls")
    with pytest.raises(services.InvalidRequest, match="not an XLSX"):
        preview(csv_bytes(payout_rows(1)), maker, filename="payouts.xlsx")
    with pytest.raises(services.InvalidRequest, match=r"named \.csv"):
        preview(xlsx_bytes(payout_rows(1)), maker, filename="payouts.csv")
    with pytest.raises(services.InvalidRequest, match="no payout rows"):
        preview(csv_bytes([]), maker)
    with pytest.raises(services.InvalidRequest, match="empty"):
        preview(b"", maker)
    assert not PayoutBatch.objects.exists()


def test_a_provider_error_is_balance_unknown_and_does_not_block(accounts, maker):
    accounts.control.set_faults(quota_exceeded={"next": 1, "provider": "mtn"})
    batch = preview(csv_bytes(payout_rows(2)), maker)
    assert batch.balance["error"].startswith("balance unknown")
    assert batch.valid_count == 2


def test_the_balance_is_compared_with_the_total(accounts, maker):
    [(available, _)] = services.get_balance("mtn")
    rows = [[OP, "256770000001", format(available + 1, "f"), "EUR", "big-1", ""]]
    batch = preview(csv_bytes(rows), maker)
    assert Decimal(batch.balance["short"]["EUR"]) == 1


def test_uploading_needs_the_permission_and_a_known_account(accounts, maker):
    nobody = person("nobody", "add_transfer", "send_batch")
    with pytest.raises(AccessDenied, match="upload_batch"):
        preview(csv_bytes(payout_rows(1)), nobody)
    with pytest.raises(services.InvalidRequest, match="account"):
        preview(csv_bytes(payout_rows(1)), maker, account="nope")
    assert not PayoutBatch.objects.exists()
    assert not PayoutBatchRow.objects.exists()


def test_a_dry_read_stores_nothing(accounts, maker):
    result = batches.read_batch("mtn", "payouts.csv", csv_bytes(payout_rows(3)))
    assert result.summary.valid_count == 3
    assert result.summary.digest == batches.batch_digest("mtn", result.rows)
    assert not PayoutBatch.objects.exists()


def test_the_utf8_check_names_the_byte_across_chunks():
    split = b"a" * (reading._DECODE_CHUNK - 1) + "é".encode()  # é spans the chunk boundary
    assert reading._utf8_error(split + b"ok") == ""
    assert f"at byte {len(split)}:" in reading._utf8_error(split + b"\xff")
    assert "at byte 3:" in reading._utf8_error(b"abc\xc3")  # cut in the middle of a character
