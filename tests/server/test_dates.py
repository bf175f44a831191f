"""Partial dates: parsing, text form, order, overlap, the model attribute, the database checks."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from server.diplomacy.dates import PartialDate, Precision
from server.diplomacy.models import (
    Citation,
    Contact,
    Official,
    Participant,
    Position,
    Source,
    Statement,
)

D = dt.date


# --- parse ----------------------------------------------------------------------------------


def test_parse_year_spans_the_whole_year() -> None:
    date = PartialDate.parse("2025")
    assert date.earliest == D(2025, 1, 1)
    assert date.latest == D(2025, 12, 31)
    assert date.precision is Precision.YEAR


def test_parse_month_spans_the_whole_month() -> None:
    date = PartialDate.parse("2024-07")
    assert (date.earliest, date.latest) == (D(2024, 7, 1), D(2024, 7, 31))
    assert date.precision is Precision.MONTH


@pytest.mark.parametrize(
    ("text", "last_day"),
    [
        ("2024-02", D(2024, 2, 29)),  # leap year
        ("2023-02", D(2023, 2, 28)),
        ("2000-02", D(2000, 2, 29)),  # divisible by 400: leap
        ("1900-02", D(1900, 2, 28)),  # divisible by 100 only: not leap
        ("2024-04", D(2024, 4, 30)),
        ("2024-12", D(2024, 12, 31)),
    ],
)
def test_parse_month_ends_on_the_last_day_of_that_month(text: str, last_day: dt.date) -> None:
    date = PartialDate.parse(text)
    assert date.earliest == last_day.replace(day=1)
    assert date.latest == last_day


def test_parse_day_is_one_day() -> None:
    date = PartialDate.parse("2024-07-26")
    assert date.earliest == date.latest == D(2024, 7, 26)
    assert date.precision is Precision.DAY


def test_parse_leap_day_in_a_leap_year() -> None:
    assert PartialDate.parse("2024-02-29").earliest == D(2024, 2, 29)


@pytest.mark.parametrize("text", [" 2024-07 ", "\t2024-07\n", "2024-07\n"])
def test_parse_accepts_surrounding_whitespace(text: str) -> None:
    assert PartialDate.parse(text) == PartialDate.parse("2024-07")


def test_parse_accepts_year_one() -> None:
    date = PartialDate.parse("0001")
    assert date.earliest == D(1, 1, 1)
    assert str(date) == "0001"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "24",
        "202",
        "20245",
        "2024-7",
        "2024-07-1",
        "2024-13",
        "2024-00",
        "2024-07-00",
        "2024-07-32",
        "2024-02-30",
        "2023-02-29",
        "2024/07/26",
        "2024-07-26T00:00",
        "2024-07-26 00:00",
        "2024-07-",
        "-2024",
        "+2024",
        "0000",
        "0000-01-01",
        "July 2024",
        "2024 07",
        "2024-07 2024-08",
    ],
)
def test_parse_rejects_malformed_text(text: str) -> None:
    with pytest.raises(ValueError, match=r"YYYY|year|month|day"):
        PartialDate.parse(text)


@pytest.mark.parametrize("value", [None, 2024, 2024.0, b"2024", D(2024, 7, 26), ["2024"]])
def test_parse_rejects_values_that_are_not_text(value: Any) -> None:
    with pytest.raises(ValueError, match="YYYY"):
        PartialDate.parse(value)


@pytest.mark.parametrize(
    "text", ["\uff12\uff10\uff12\uff14", "\u0662\u0660\u0662\u0664-\u0660\u0667"]
)
def test_parse_rejects_non_ascii_digits(text: str) -> None:
    with pytest.raises(ValueError, match="YYYY"):
        PartialDate.parse(text)


# --- isoformat ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["2025", "2024-07", "2024-07-26", "0999", "2024-02-29"])
def test_isoformat_round_trips_at_each_precision(text: str) -> None:
    date = PartialDate.parse(text)
    assert date.isoformat() == text
    assert str(date) == text
    assert PartialDate.parse(str(date)) == date


def test_isoformat_is_never_padded() -> None:
    assert str(PartialDate.parse("2025")) == "2025"
    assert str(PartialDate.parse("2025-01")) == "2025-01"
    assert str(PartialDate.parse("2025-01-01")) == "2025-01-01"


def test_repr_shows_the_text_form() -> None:
    assert repr(PartialDate.parse("2024-07")) == "PartialDate('2024-07')"


def test_dates_of_different_precision_on_the_same_day_are_not_equal() -> None:
    assert PartialDate.parse("2024") != PartialDate.parse("2024-01")
    assert PartialDate.parse("2024-01") != PartialDate.parse("2024-01-01")
    assert (
        len({PartialDate.parse("2024"), PartialDate.parse("2024"), PartialDate.parse("2024-01")})
        == 2
    )


# --- constructor ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("earliest", "latest", "precision", "text"),
    [
        (D(2024, 1, 1), D(2024, 12, 31), Precision.YEAR, "2024"),
        (D(2024, 7, 1), D(2024, 7, 31), Precision.MONTH, "2024-07"),
        (D(2024, 2, 1), D(2024, 2, 29), Precision.MONTH, "2024-02"),
        (D(2024, 7, 26), D(2024, 7, 26), Precision.DAY, "2024-07-26"),
    ],
)
def test_constructor_accepts_a_coherent_date(
    earliest: dt.date, latest: dt.date, precision: Precision, text: str
) -> None:
    date = PartialDate(earliest, latest, precision)
    assert date == PartialDate.parse(text)
    assert str(date) == text


@pytest.mark.parametrize(
    ("earliest", "latest", "precision"),
    [
        (D(2024, 7, 31), D(2024, 7, 1), Precision.MONTH),  # ends before it starts
        (D(2024, 7, 26), D(2024, 7, 25), Precision.DAY),
        (D(2024, 7, 1), D(2024, 7, 30), Precision.MONTH),  # not the month's last day
        (D(2024, 7, 2), D(2024, 7, 31), Precision.MONTH),  # not the month's first day
        (D(2024, 7, 1), D(2024, 8, 31), Precision.MONTH),  # two months
        (D(2023, 2, 1), D(2023, 2, 28), Precision.YEAR),
        (D(2024, 1, 1), D(2024, 12, 30), Precision.YEAR),
        (D(2024, 1, 1), D(2025, 12, 31), Precision.YEAR),  # two years
        (D(2024, 7, 1), D(2024, 7, 31), Precision.YEAR),
        (D(2024, 1, 1), D(2024, 12, 31), Precision.MONTH),
        (D(2024, 7, 25), D(2024, 7, 26), Precision.DAY),  # two different days
        (D(2024, 7, 1), D(2024, 7, 31), Precision.DAY),
    ],
)
def test_constructor_rejects_an_incoherent_date(
    earliest: dt.date, latest: dt.date, precision: Precision
) -> None:
    with pytest.raises(ValueError, match="partial date"):
        PartialDate(earliest, latest, precision)


def test_from_parts_builds_a_date_or_none() -> None:
    assert PartialDate.from_parts(D(2024, 7, 1), D(2024, 7, 31), "month") == PartialDate.parse(
        "2024-07"
    )
    assert PartialDate.from_parts(D(2024, 7, 1), D(2024, 7, 31), "month").precision is (
        Precision.MONTH
    )
    assert PartialDate.from_parts(None, None, "") is None
    assert PartialDate.from_parts(D(2024, 7, 1), None, "month") is None
    assert PartialDate.from_parts(D(2024, 7, 1), D(2024, 7, 31), "") is None


def test_from_parts_rejects_an_unknown_precision() -> None:
    with pytest.raises(ValueError, match="week"):
        PartialDate.from_parts(D(2024, 7, 1), D(2024, 7, 7), "week")


def test_partial_date_is_immutable() -> None:
    date = PartialDate.parse("2024")
    with pytest.raises(AttributeError):
        date.earliest = D(2023, 1, 1)


# --- ordering -------------------------------------------------------------------------------


def test_earlier_first_day_sorts_first() -> None:
    assert PartialDate.parse("2023-12-31") < PartialDate.parse("2024")
    assert PartialDate.parse("2024-06") < PartialDate.parse("2024-07-01")
    assert PartialDate.parse("2024-07-02") > PartialDate.parse("2024-07")


def test_on_the_same_first_day_the_coarser_date_sorts_first() -> None:
    year, month, day = (PartialDate.parse(t) for t in ("2024", "2024-01", "2024-01-01"))
    assert year < month < day
    assert year <= month <= day
    assert day > month > year
    assert day >= month >= year
    assert year.sort_key() < month.sort_key() < day.sort_key()
    assert not year < year
    assert year <= year
    assert year >= year


def test_sorted_orders_a_shuffled_list() -> None:
    expected = [
        "2023",
        "2023-12",
        "2023-12-31",
        "2024",
        "2024-01",
        "2024-01-01",
        "2024-01-02",
        "2024-02",
        "2024-02-29",
        "2024-07",
        "2024-07-26",
        "2024-12-31",
        "2025",
    ]
    dates = [PartialDate.parse(text) for text in expected]
    shuffled = dates[:]
    random.Random(20240726).shuffle(shuffled)
    assert shuffled != dates
    assert [str(d) for d in sorted(shuffled)] == expected
    assert [str(d) for d in sorted(shuffled, key=PartialDate.sort_key)] == expected
    assert [str(d) for d in sorted(shuffled, reverse=True)] == expected[::-1]


def test_sort_key_handles_the_extremes_of_the_calendar() -> None:
    first, last = PartialDate.parse("0001"), PartialDate.parse("9999-12-31")
    assert first < PartialDate.parse("0001-01-01") < last
    assert PartialDate.parse("9999") < last


# --- overlaps and contains ------------------------------------------------------------------


def test_month_overlaps_a_range_touching_any_of_its_days() -> None:
    july = PartialDate.parse("2024-07")
    assert july.overlaps(start=D(2024, 7, 15))
    assert july.overlaps(end=D(2024, 7, 15))
    assert july.overlaps(D(2024, 7, 10), D(2024, 7, 12))
    assert july.overlaps(D(2024, 6, 1), D(2024, 9, 1))
    assert july.overlaps(start=D(2024, 7, 31))  # bounds are inclusive
    assert july.overlaps(end=D(2024, 7, 1))


def test_month_does_not_overlap_a_range_outside_it() -> None:
    july = PartialDate.parse("2024-07")
    assert not july.overlaps(start=D(2024, 8, 1))
    assert not july.overlaps(end=D(2024, 6, 30))
    assert not july.overlaps(D(2024, 8, 1), D(2024, 8, 31))
    assert not july.overlaps(D(2024, 1, 1), D(2024, 6, 30))


def test_open_bounds_overlap_everything() -> None:
    assert PartialDate.parse("0001").overlaps()
    assert PartialDate.parse("2024-07-26").overlaps(None, None)


def test_day_overlaps_only_its_own_day() -> None:
    day = PartialDate.parse("2024-07-26")
    assert day.overlaps(D(2024, 7, 26), D(2024, 7, 26))
    assert not day.overlaps(start=D(2024, 7, 27))
    assert not day.overlaps(end=D(2024, 7, 25))


def test_year_contains_its_days_only() -> None:
    year = PartialDate.parse("2024")
    assert year.contains(D(2024, 1, 1))
    assert year.contains(D(2024, 12, 31))
    assert not year.contains(D(2025, 1, 1))
    assert not year.contains(D(2023, 12, 31))


def test_month_contains_its_last_day_in_a_leap_year() -> None:
    assert PartialDate.parse("2024-02").contains(D(2024, 2, 29))
    assert not PartialDate.parse("2024-02").contains(D(2024, 3, 1))


# --- PartialDateAttribute on models ---------------------------------------------------------


def _official(slug: str = "test-official", **fields: Any) -> Official:
    fields.setdefault("name", "Test Official")
    return Official.objects.create(slug=slug, **fields)


def _source(**fields: Any) -> Source:
    fields.setdefault("title", "Test source")
    fields.setdefault("kind", "news")
    return Source.objects.create(**fields)


def _statement(**fields: Any) -> Statement:
    fields.setdefault("text", "We talked.")
    fields.setdefault("kind", "quote")
    fields.setdefault("speaker_label", "A spokesperson")
    return Statement.objects.create(**fields)


def test_attribute_sets_the_three_columns_from_text() -> None:
    statement = Statement(text="x", kind="quote", speaker_label="someone")
    statement.said = "2024-07"
    assert statement.said_earliest == D(2024, 7, 1)
    assert statement.said_latest == D(2024, 7, 31)
    assert statement.said_precision == "month"
    assert statement.said == PartialDate.parse("2024-07")


def test_attribute_accepts_a_partial_date() -> None:
    statement = Statement(text="x", kind="quote", speaker_label="someone")
    statement.said = PartialDate.parse("2024-07-26")
    assert (statement.said_earliest, statement.said_latest) == (D(2024, 7, 26), D(2024, 7, 26))
    assert statement.said_precision == "day"


@pytest.mark.parametrize("empty", [None, "", "  "])
def test_attribute_cleared_by_none_or_blank_text(empty: str | None) -> None:
    statement = Statement(text="x", kind="quote", speaker_label="someone", said="2024")
    statement.said = empty
    assert statement.said_earliest is None
    assert statement.said_latest is None
    assert statement.said_precision == ""
    assert statement.said is None


def test_attribute_rejects_malformed_text_and_leaves_columns_alone() -> None:
    statement = Statement(text="x", kind="quote", speaker_label="someone", said="2024-07")
    with pytest.raises(ValueError, match="2024-13"):
        statement.said = "2024-13"
    assert statement.said == PartialDate.parse("2024-07")


def test_model_constructor_accepts_the_partial_date_as_text() -> None:
    source = Source(title="t", kind="news", published="2024")
    assert source.published_earliest == D(2024, 1, 1)
    assert source.published_latest == D(2024, 12, 31)
    assert source.published_precision == "year"


def test_unset_attribute_reads_as_none() -> None:
    assert Statement(text="x", kind="quote", speaker_label="someone").said is None


def test_class_access_returns_the_descriptor() -> None:
    from server.diplomacy.dates import PartialDateAttribute

    assert isinstance(Statement.said, PartialDateAttribute)
    assert Statement.said.prefix == "said"


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["2024", "2024-07", "2024-07-26"])
def test_partial_date_survives_a_database_round_trip(text: str) -> None:
    statement = _statement(said=text)
    loaded = Statement.objects.get(pk=statement.pk)
    assert isinstance(loaded.said, PartialDate)
    assert loaded.said == PartialDate.parse(text)
    assert str(loaded.said) == text
    assert loaded.said.precision is PartialDate.parse(text).precision


@pytest.mark.django_db
def test_clearing_the_attribute_persists_empty_columns() -> None:
    statement = _statement(said="2024-07")
    statement.said = None
    statement.save()
    loaded = Statement.objects.get(pk=statement.pk)
    assert (loaded.said_earliest, loaded.said_latest, loaded.said_precision) == (None, None, "")
    assert loaded.said is None


@pytest.mark.django_db
def test_constructor_keyword_works_for_every_partial_date_model() -> None:
    official = _official()
    position = Position.objects.create(
        official=official, title="Minister", start="2024-07-26", end="2025"
    )
    contact = Contact.objects.create(
        title="Talks", kind="talks", date="2024-07", end_date="2024-08"
    )
    source = _source(published="2024-07-26")
    position.refresh_from_db()
    contact.refresh_from_db()
    source.refresh_from_db()
    assert (str(position.start), str(position.end)) == ("2024-07-26", "2025")
    assert (str(contact.date), str(contact.end_date)) == ("2024-07", "2024-08")
    assert contact.end_date_precision == "month"
    assert str(source.published) == "2024-07-26"


@pytest.mark.django_db
def test_partial_date_columns_support_range_queries() -> None:
    july = _statement(text="july", said="2024-07")
    year = _statement(text="year", said="2024")
    _statement(text="august", said="2024-08-02")
    day = D(2024, 7, 15)
    found = Statement.objects.filter(
        pk__in=[july.pk, year.pk], said_earliest__lte=day, said_latest__gte=day
    )
    assert set(found.values_list("text", flat=True)) == {"july", "year"}
    after = Statement.objects.filter(
        text__in=["july", "year", "august"], said_latest__gte=D(2024, 8, 1)
    )
    assert set(after.values_list("text", flat=True)) == {"year", "august"}


# --- database checks ------------------------------------------------------------------------


def _violates(constraint: str, create: Any) -> None:
    """``create()`` fails on the named check constraint (SQLite and PostgreSQL both name it)."""
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        create()


@pytest.mark.django_db
def test_position_ending_wholly_before_its_start_is_refused_by_create() -> None:
    official = _official()
    _violates(
        "position_end_not_before_start",
        lambda: Position.objects.create(
            official=official, title="Minister", start="2024-07-26", end="2024-06"
        ),
    )
    assert not Position.objects.filter(official=official).exists()


@pytest.mark.django_db
def test_position_ending_wholly_before_its_start_is_refused_by_save() -> None:
    official = _official()
    position = Position.objects.create(official=official, title="Minister", start="2024-07-26")
    position.end = "2023"
    _violates("position_end_not_before_start", position.save)
    position.refresh_from_db()
    assert position.end is None


@pytest.mark.django_db
def test_position_end_month_containing_the_start_day_is_accepted() -> None:
    official = _official()
    position = Position.objects.create(
        official=official, title="Minister", start="2024-07-26", end="2024-07"
    )
    position.refresh_from_db()
    assert str(position.end) == "2024-07"


@pytest.mark.django_db
def test_position_end_year_of_a_start_day_is_accepted() -> None:
    official = _official()
    Position.objects.create(official=official, title="Minister", start="2024-07-26", end="2024")
    assert Position.objects.filter(official=official).count() == 1


@pytest.mark.django_db
def test_position_with_only_an_end_is_accepted() -> None:
    official = _official()
    Position.objects.create(official=official, title="Minister", end="2024")
    assert Position.objects.filter(official=official, start_earliest__isnull=True).count() == 1


@pytest.mark.django_db
def test_precision_without_dates_is_refused() -> None:
    _violates(
        "source_published_coherent",
        lambda: Source.objects.create(title="t", kind="news", published_precision="year"),
    )


@pytest.mark.django_db
def test_dates_without_precision_are_refused() -> None:
    _violates(
        "source_published_coherent",
        lambda: Source.objects.create(
            title="t",
            kind="news",
            published_earliest=D(2024, 1, 1),
            published_latest=D(2024, 12, 31),
        ),
    )


@pytest.mark.django_db
def test_only_one_of_the_two_dates_is_refused() -> None:
    _violates(
        "source_published_coherent",
        lambda: Source.objects.create(
            title="t", kind="news", published_earliest=D(2024, 1, 1), published_precision="day"
        ),
    )


@pytest.mark.django_db
def test_latest_before_earliest_is_refused() -> None:
    official = _official()
    _violates(
        "position_start_coherent",
        lambda: Position.objects.create(
            official=official,
            title="Minister",
            start_earliest=D(2024, 7, 31),
            start_latest=D(2024, 7, 1),
            start_precision="month",
        ),
    )


@pytest.mark.django_db
def test_unknown_precision_is_refused() -> None:
    _violates(
        "contact_date_coherent",
        lambda: Contact.objects.create(
            title="t",
            kind="talks",
            date_earliest=D(2024, 7, 1),
            date_latest=D(2024, 7, 7),
            date_precision="week",
        ),
    )


@pytest.mark.django_db
def test_contact_ending_wholly_before_its_date_is_refused() -> None:
    _violates(
        "contact_end_date_not_before_date",
        lambda: Contact.objects.create(
            title="t", kind="talks", date="2024-07", end_date="2024-06-30"
        ),
    )


@pytest.mark.django_db
def test_citation_citing_two_records_is_refused() -> None:
    source = _source()
    statement = _statement()
    contact = Contact.objects.create(title="t", kind="talks")
    _violates(
        "citation_cites_exactly_one_record",
        lambda: Citation.objects.create(
            source=source, excerpt="words", statement=statement, contact=contact
        ),
    )


@pytest.mark.django_db
def test_citation_citing_nothing_is_refused() -> None:
    source = _source()
    _violates(
        "citation_cites_exactly_one_record",
        lambda: Citation.objects.create(source=source, excerpt="words"),
    )


@pytest.mark.django_db
def test_citation_citing_exactly_one_record_is_accepted() -> None:
    source = _source()
    statement = _statement()
    Citation.objects.create(source=source, excerpt="words", statement=statement)
    assert statement.citations.count() == 1


@pytest.mark.django_db
def test_participant_with_neither_official_nor_label_is_refused() -> None:
    contact = Contact.objects.create(title="t", kind="talks")
    _violates("participant_official_or_label", lambda: Participant.objects.create(contact=contact))
    Participant.objects.create(contact=contact, label="A delegation")
    Participant.objects.create(contact=contact, official=_official())
    assert contact.participants.count() == 2


@pytest.mark.django_db
def test_statement_with_neither_speaker_nor_label_is_refused() -> None:
    _violates(
        "statement_speaker_or_label", lambda: Statement.objects.create(text="x", kind="quote")
    )
    assert _statement(speaker=_official(), speaker_label="").pk is not None


def test_precision_given_as_text_is_coerced_to_the_enum() -> None:
    date = PartialDate(D(2024, 7, 1), D(2024, 7, 31), "month")  # type: ignore[arg-type]
    assert date.precision is Precision.MONTH
    assert date.isoformat() == "2024-07"


@pytest.mark.parametrize("value", [D(2024, 7, 26), 2024])
def test_assigning_anything_but_a_partial_date_or_text_is_a_clear_type_error(value) -> None:
    statement = Statement(text="x", kind="paraphrase", speaker_label="Office")
    with pytest.raises(TypeError, match="said takes a PartialDate"):
        statement.said = value
    assert statement.said is None


@pytest.mark.django_db
def test_database_refuses_a_day_precision_spanning_two_days() -> None:
    with transaction.atomic(), pytest.raises(IntegrityError, match="said_coherent"):
        Statement.objects.create(
            text="x",
            kind="paraphrase",
            speaker_label="Office",
            said_earliest=D(2024, 7, 1),
            said_latest=D(2024, 7, 2),
            said_precision="day",
        )
