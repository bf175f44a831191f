"""The curators' admin, driven through Django's test client against the real admin site."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.contrib import admin
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from server.diplomacy.dates import PartialDate
from server.diplomacy.models import (
    Citation,
    Contact,
    Official,
    Participant,
    Position,
    Source,
    Statement,
    Topic,
)

pytestmark = pytest.mark.django_db

ADMIN = "/admin/diplomacy"
REGISTERED = ("topic", "official", "position", "source", "contact", "statement", "citation")


# --- fixtures and helpers -------------------------------------------------------------------


@pytest.fixture
def superuser(django_user_model: Any) -> Any:
    return django_user_model.objects.create_superuser(
        username="curator", email="curator@example.org", password=None
    )  # no password: nothing to hash, force_login needs none


@pytest.fixture
def curator(client: Client, superuser: Any) -> Client:
    client.force_login(superuser)
    return client


def make_official(slug: str = "kim-test", **fields: Any) -> Official:
    fields.setdefault("name", slug.replace("-", " ").title())
    fields.setdefault("country", "KR")
    return Official.objects.create(slug=slug, **fields)


def make_source(title: str = "A test source", **fields: Any) -> Source:
    fields.setdefault("kind", "news")
    return Source.objects.create(title=title, **fields)


def make_statement(source: Source, text: str = "We agreed to talk.", **fields: Any) -> Statement:
    """A statement with one citation, as the admin's inline requires."""
    fields.setdefault("kind", "quote")
    if "speaker" not in fields:
        fields.setdefault("speaker_label", "A spokesperson")
    statement = Statement.objects.create(text=text, **fields)
    Citation.objects.create(source=source, excerpt=f"In the source: {text}", statement=statement)
    return statement


def make_contact(source: Source, title: str = "Test talks", **fields: Any) -> Contact:
    fields.setdefault("kind", "talks")
    contact = Contact.objects.create(title=title, **fields)
    Citation.objects.create(source=source, excerpt=f"{title} took place.", contact=contact)
    return contact


@pytest.fixture
def records(db: None) -> dict[str, Any]:
    """One object of each registered model, created by the test itself."""
    topic = Topic.objects.create(slug="test-topic", name="Test topic")
    official = make_official("park-testperson", name="Park Testperson")
    position = Position.objects.create(
        official=official, title="Test Minister", organization="Test Ministry", start="2024-07"
    )
    source = make_source("Zebra test source", published="2024-07-26")
    Citation.objects.create(source=source, excerpt="Park became minister.", position=position)
    contact = make_contact(source, "Test summit", date="2024-07-26")
    Participant.objects.create(contact=contact, official=official)
    Participant.objects.create(contact=contact, label="A test delegation")
    contact.topics.add(topic)
    statement = make_statement(source, "Testing words spoken.", speaker=official, said="2024-07")
    statement.topics.add(topic)
    return {
        "topic": topic,
        "official": official,
        "position": position,
        "source": source,
        "contact": contact,
        "statement": statement,
        "citation": statement.citations.get(),
    }


def _bound_field_data(form: forms.BaseForm) -> dict[str, Any]:
    """POST data reproducing what the rendered form shows (its initial values, unchanged)."""
    data: dict[str, Any] = {}
    for bound in form:
        value = bound.value()
        if isinstance(bound.field, forms.BooleanField):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(bound.field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
            data[bound.html_name] = [str(item) for item in value or ()]
        else:
            data[bound.html_name] = "" if value is None else str(value)
        if bound.field.show_hidden_initial:  # e.g. a callable model default: aliases=list
            data[bound.html_initial_name] = data.get(bound.html_name, "")
    return data


def form_data(response: Any) -> dict[str, Any]:
    """The POST data of a rendered admin add/change page: main form, inline formsets, management."""
    data = _bound_field_data(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_bound_field_data(formset.management_form))
        for form in formset.forms:
            data.update(_bound_field_data(form))
    return data


def inline_prefixes(response: Any) -> list[str]:
    return [inline.formset.prefix for inline in response.context["inline_admin_formsets"]]


def change_url(model: str, pk: int) -> str:
    return f"{ADMIN}/{model}/{pk}/change/"


def queries_for(client: Client, url: str) -> tuple[int, int]:
    """(number of queries, number of rows listed) for one changelist page load."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), response.context["cl"].result_count


def empty_the_domain() -> None:
    """Remove any preloaded rows (rolled back after the test) so counts are exact."""
    for model in (Citation, Statement, Participant, Contact, Position, Official, Source, Topic):
        model.objects.all().delete()


def error_text(response: Any) -> str:
    form = response.context["adminform"].form
    return " ".join(str(message) for messages in form.errors.values() for message in messages)


# --- every page renders ---------------------------------------------------------------------


def test_every_domain_model_with_a_page_is_registered() -> None:
    registered = {
        model._meta.model_name
        for model in admin.site._registry
        if model._meta.app_label == "diplomacy"
    }
    assert registered == set(REGISTERED)


@pytest.mark.parametrize("model", REGISTERED)
def test_changelist_renders(curator: Client, records: dict[str, Any], model: str) -> None:
    response = curator.get(f"{ADMIN}/{model}/")
    assert response.status_code == 200
    changelist = response.context["cl"]
    assert changelist.result_count >= 1
    assert changelist.queryset.filter(pk=records[model].pk).exists()


@pytest.mark.parametrize("model", REGISTERED)
def test_add_page_renders(curator: Client, model: str) -> None:
    response = curator.get(f"{ADMIN}/{model}/add/")
    assert response.status_code == 200
    assert response.context["add"] is True


@pytest.mark.parametrize("model", REGISTERED)
def test_change_page_renders(curator: Client, records: dict[str, Any], model: str) -> None:
    obj = records[model]
    response = curator.get(change_url(model, obj.pk))
    assert response.status_code == 200
    assert response.context["original"] == obj


@pytest.mark.parametrize(
    ("model", "query"),
    [
        ("topic", "test-topic"),
        ("official", "Testperson"),
        ("official", "Test Minister"),  # through positions__title
        ("position", "Test Ministry"),
        ("source", "Zebra"),
        ("contact", "test delegation"),  # through participants__label
        ("statement", "Testing words"),
        ("statement", "Park Testperson"),  # through speaker__name
        ("citation", "In the source: Testing"),
    ],
)
def test_changelist_search_finds_the_record(
    curator: Client, records: dict[str, Any], model: str, query: str
) -> None:
    response = curator.get(f"{ADMIN}/{model}/", {"q": query})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list).count(records[model]) == 1  # once


@pytest.mark.parametrize("model", REGISTERED)
def test_changelist_search_without_match_is_empty(
    curator: Client, records: dict[str, Any], model: str
) -> None:
    response = curator.get(f"{ADMIN}/{model}/", {"q": "no-such-thing-anywhere-xyzzy"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0


def test_partial_dates_show_unpadded_in_changelists(
    curator: Client, records: dict[str, Any]
) -> None:
    statements = curator.get(f"{ADMIN}/statement/").content.decode()
    sources = curator.get(f"{ADMIN}/source/").content.decode()
    assert "2024-07" in statements
    assert "2024-07-01" not in statements
    assert "2024-07-26" in sources


def test_changelist_counts_without_search_are_right(
    curator: Client, records: dict[str, Any]
) -> None:
    official, contact = records["official"], records["contact"]
    Position.objects.create(official=official, title="Envoy")
    Participant.objects.create(contact=contact, label="A third side")
    [listed] = [
        o for o in curator.get(f"{ADMIN}/official/").context["cl"].result_list if o == official
    ]
    assert listed.position_total == 2
    [listed] = [
        c for c in curator.get(f"{ADMIN}/contact/").context["cl"].result_list if c == contact
    ]
    assert listed.citation_total == 1


def test_searching_officials_keeps_the_post_count(curator: Client, records: dict[str, Any]) -> None:
    official = records["official"]
    Position.objects.create(official=official, title="Envoy")
    response = curator.get(f"{ADMIN}/official/", {"q": "Testperson"})  # matches the name only
    [listed] = [o for o in response.context["cl"].result_list if o == official]
    assert listed.position_total == 2


def test_searching_contacts_keeps_the_citation_count(
    curator: Client, records: dict[str, Any]
) -> None:
    contact = records["contact"]
    Participant.objects.create(contact=contact, label="A third side")
    response = curator.get(f"{ADMIN}/contact/", {"q": "Test summit"})  # matches the title only
    [listed] = [c for c in response.context["cl"].result_list if c == contact]
    assert listed.citation_total == 1


# --- changelist query counts ----------------------------------------------------------------


def _add_statements(count: int, start: int = 0) -> None:
    source = make_source(f"Source for statements {start}")
    topic = Topic.objects.create(slug=f"statement-topic-{start}", name="Topic")
    for index in range(start, start + count):
        speaker = make_official(f"speaker-{index}", country="CN")
        statement = make_statement(source, f"Statement number {index}.", speaker=speaker)
        statement.topics.add(topic)


def _add_contacts(count: int, start: int = 0) -> None:
    source = make_source(f"Source for contacts {start}")
    topic = Topic.objects.create(slug=f"contact-topic-{start}", name="Topic")
    for index in range(start, start + count):
        contact = make_contact(
            source, f"Contact number {index}", date=f"2024-07-{index % 28 + 1:02d}"
        )
        Participant.objects.create(contact=contact, official=make_official(f"participant-{index}"))
        Participant.objects.create(contact=contact, label="The other side")
        contact.topics.add(topic)


def _add_officials(count: int, start: int = 0) -> None:
    for index in range(start, start + count):
        official = make_official(f"official-{index}")
        Position.objects.create(official=official, title="Minister", start="2020")
        Position.objects.create(official=official, title="Ambassador", start="2010")


def _add_positions(count: int, start: int = 0) -> None:
    for index in range(start, start + count):
        official = make_official(f"holder-{index}")
        Position.objects.create(official=official, title="Minister", start="2020", end="2022")


def _add_sources(count: int, start: int = 0) -> None:
    for index in range(start, start + count):
        make_source(f"Source {index}", published=f"20{index % 25:02d}-03")


def _add_topics(count: int, start: int = 0) -> None:
    for index in range(start, start + count):
        Topic.objects.create(slug=f"topic-{index}", name=f"Topic {index}")


def _add_citations(count: int, start: int = 0) -> None:
    source = make_source(f"Source for citations {start}")
    for index in range(start, start + count):
        make_statement(source, f"Cited {index}.", speaker=make_official(f"cited-speaker-{index}"))


@pytest.mark.parametrize(
    ("model", "add"),
    [
        ("statement", _add_statements),
        ("contact", _add_contacts),
        ("official", _add_officials),
        ("position", _add_positions),
        ("source", _add_sources),
        ("topic", _add_topics),
        ("citation", _add_citations),
    ],
)
def test_changelist_query_count_does_not_grow_with_rows(
    curator: Client, model: str, add: Any
) -> None:
    empty_the_domain()
    add(1)
    url = f"{ADMIN}/{model}/"
    curator.get(url)  # warm per-process caches (content types, sessions)
    queries_with_one, listed = queries_for(curator, url)
    assert listed == 1
    add(29, start=1)
    queries_with_thirty, listed = queries_for(curator, url)
    assert listed == 30
    assert queries_with_thirty == queries_with_one


# --- adding a source ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "precision"), [("2024", "year"), ("2024-07", "month"), ("2024-07-26", "day")]
)
def test_add_source_with_a_partial_date(curator: Client, text: str, precision: str) -> None:
    page = curator.get(f"{ADMIN}/source/add/")
    assert "published" in page.context["adminform"].form.fields
    data = form_data(page)
    data.update(title="An added source", kind="interview", published=text, language="en")
    response = curator.post(f"{ADMIN}/source/add/", data)
    assert response.status_code == 302, error_text(response)
    source = Source.objects.get(title="An added source")
    assert source.published_precision == precision
    assert source.published == PartialDate.parse(text)
    assert source.version == 1


def test_add_source_without_a_date_leaves_it_unset(curator: Client) -> None:
    data = form_data(curator.get(f"{ADMIN}/source/add/"))
    data.update(title="An undated source", kind="other", published="")
    response = curator.post(f"{ADMIN}/source/add/", data)
    assert response.status_code == 302, error_text(response)
    source = Source.objects.get(title="An undated source")
    assert (source.published_earliest, source.published_latest) == (None, None)
    assert source.published_precision == ""


@pytest.mark.parametrize("text", ["2024-13", "2024-7", "26/07/2024", "2024-02-30"])
def test_add_source_with_an_invalid_date_is_refused(curator: Client, text: str) -> None:
    before = Source.objects.count()
    data = form_data(curator.get(f"{ADMIN}/source/add/"))
    data.update(title="A badly dated source", kind="news", published=text)
    response = curator.post(f"{ADMIN}/source/add/", data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert list(form.errors) == ["published"]
    assert text in form.errors["published"][0]
    assert Source.objects.count() == before
    assert not Source.objects.filter(title="A badly dated source").exists()
    assert f'value="{escape(text)}"' in response.content.decode()  # the input is kept


# --- editing a statement and its citations --------------------------------------------------


@pytest.fixture
def statement(records: dict[str, Any]) -> Statement:
    return records["statement"]


def _statement_page(client: Client, statement: Statement) -> tuple[str, dict[str, Any]]:
    url = change_url("statement", statement.pk)
    page = client.get(url)
    assert inline_prefixes(page) == ["citations"]
    data = form_data(page)
    assert data["citations-TOTAL_FORMS"] == "1"
    assert data["citations-INITIAL_FORMS"] == "1"
    assert data["citations-0-id"] == str(statement.citations.get().pk)
    assert data["citations-0-statement"] == str(statement.pk)
    return url, data


def _version(record: Any) -> int:
    return type(record).objects.values_list("version", flat=True).get(pk=record.pk)


def test_the_form_data_helper_reproduces_an_unchanged_form(
    curator: Client, statement: Statement
) -> None:
    _url, data = _statement_page(curator, statement)
    assert data["text"] == statement.text
    assert data["said"] == "2024-07"
    assert data["speaker"] == str(statement.speaker_id)
    assert data["topics"] == [str(topic.pk) for topic in statement.topics.all()]
    assert data["citations-0-excerpt"] == statement.citations.get().excerpt


def test_editing_a_statement_text_bumps_its_version_once(
    curator: Client, statement: Statement
) -> None:
    version = _version(statement)
    url, data = _statement_page(curator, statement)
    data["text"] = "Testing words"  # a quote: still inside its excerpt
    response = curator.post(url, data)
    assert response.status_code == 302, error_text(response)
    statement.refresh_from_db()
    assert statement.text == "Testing words"
    assert statement.version == version + 1


def test_saving_a_statement_unchanged_keeps_its_version(
    curator: Client, statement: Statement
) -> None:
    version = _version(statement)
    url, data = _statement_page(curator, statement)
    response = curator.post(url, data)
    assert response.status_code == 302, error_text(response)
    assert _version(statement) == version
    # and once more after a real change: still one bump for the change, none for the resave
    url, data = _statement_page(curator, statement)
    data["said"] = "2024-07-26"
    assert curator.post(url, data).status_code == 302
    assert _version(statement) == version + 1
    url, data = _statement_page(curator, statement)
    assert curator.post(url, data).status_code == 302
    assert _version(statement) == version + 1


def test_editing_only_a_citation_excerpt_bumps_the_statement_version_once(
    curator: Client, statement: Statement
) -> None:
    version = _version(statement)
    url, data = _statement_page(curator, statement)
    data["citations-0-excerpt"] = "A corrected excerpt: Testing words spoken."
    response = curator.post(url, data)
    assert response.status_code == 302, error_text(response)
    assert statement.citations.get().excerpt == "A corrected excerpt: Testing words spoken."
    assert _version(statement) == version + 1


def test_editing_text_and_citation_together_is_still_one_version(
    curator: Client, statement: Statement
) -> None:
    version = _version(statement)
    url, data = _statement_page(curator, statement)
    data["text"] = "words spoken."
    data["citations-0-locator"] = "para. 3"
    response = curator.post(url, data)
    assert response.status_code == 302, error_text(response)
    assert statement.citations.get().locator == "para. 3"
    assert _version(statement) == version + 1


def test_editing_only_the_topics_bumps_the_version(curator: Client, statement: Statement) -> None:
    version = _version(statement)
    extra = Topic.objects.create(slug="another-topic", name="Another topic")
    url, data = _statement_page(curator, statement)
    data["topics"] = [*data["topics"], str(extra.pk)]
    assert curator.post(url, data).status_code == 302
    assert extra in statement.topics.all()
    assert _version(statement) == version + 1


def test_adding_a_second_citation_inline_bumps_the_version_once(
    curator: Client, statement: Statement, records: dict[str, Any]
) -> None:
    version = _version(statement)
    url, data = _statement_page(curator, statement)
    data.update(
        {
            "citations-TOTAL_FORMS": "2",
            "citations-1-id": "",
            "citations-1-statement": str(statement.pk),
            "citations-1-source": str(records["source"].pk),
            "citations-1-excerpt": "Second excerpt.",
            "citations-1-locator": "",
        }
    )
    response = curator.post(url, data)
    assert response.status_code == 302, error_text(response)
    assert statement.citations.count() == 2
    assert _version(statement) == version + 1


def test_statement_with_an_invalid_said_date_is_not_saved(
    curator: Client, statement: Statement
) -> None:
    version = _version(statement)
    url, data = _statement_page(curator, statement)
    data["said"] = "2024-13"
    data["text"] = "This change must not be saved."
    response = curator.post(url, data)
    assert response.status_code == 200
    assert "said" in response.context["adminform"].form.errors
    statement.refresh_from_db()
    assert statement.text == "Testing words spoken."
    assert str(statement.said) == "2024-07"
    assert statement.version == version


def test_statement_without_speaker_or_label_is_a_form_error(
    curator: Client, statement: Statement
) -> None:
    version = _version(statement)
    url, data = _statement_page(curator, statement)
    data.update(speaker="", speaker_label="")
    response = curator.post(url, data)
    assert response.status_code == 200
    assert "Name the speaker: an official, or a speaker_label." in error_text(response)
    statement.refresh_from_db()
    assert statement.speaker_id is not None
    assert statement.version == version


def test_a_violated_constraint_is_reported_once(curator: Client, statement: Statement) -> None:
    url, data = _statement_page(curator, statement)
    data.update(speaker="", speaker_label="")
    response = curator.post(url, data)
    assert len(response.context["adminform"].form.non_field_errors()) == 1


def test_deleting_the_only_citation_of_a_statement_is_refused(
    curator: Client, statement: Statement
) -> None:
    url, data = _statement_page(curator, statement)
    data["citations-0-DELETE"] = "on"
    response = curator.post(url, data)
    assert response.status_code == 200
    assert statement.citations.count() == 1


def test_adding_a_statement_requires_a_citation(curator: Client) -> None:
    page = curator.get(f"{ADMIN}/statement/add/")
    data = form_data(page)
    assert data["citations-TOTAL_FORMS"] == "1"
    data.update(text="Uncited words.", kind="quote", speaker_label="Someone", said="2024")
    response = curator.post(f"{ADMIN}/statement/add/", data)
    assert response.status_code == 200
    [formset] = [inline.formset for inline in response.context["inline_admin_formsets"]]
    assert formset.errors[0].keys() == {"source", "excerpt"}
    assert not response.context["adminform"].form.errors
    assert not Statement.objects.filter(text="Uncited words.").exists()


def test_adding_a_statement_with_a_citation_starts_at_version_one(
    curator: Client, records: dict[str, Any]
) -> None:
    data = form_data(curator.get(f"{ADMIN}/statement/add/"))
    data.update(
        {
            "text": "Freshly added words.",
            "kind": "paraphrase",
            "speaker": str(records["official"].pk),
            "said": "2024-07-26",
            "citations-0-source": str(records["source"].pk),
            "citations-0-excerpt": "Freshly added words, verbatim.",
        }
    )
    response = curator.post(f"{ADMIN}/statement/add/", data)
    assert response.status_code == 302, error_text(response)
    statement = Statement.objects.get(text="Freshly added words.")
    assert statement.version == 1
    assert statement.said_precision == "day"
    assert statement.speaker_country == "KR"  # filled from the speaker by the services
    assert statement.citations.get().excerpt == "Freshly added words, verbatim."


# --- citations and positions edited on their own pages --------------------------------------


def test_editing_a_citation_on_its_own_page_bumps_its_statement(
    curator: Client, statement: Statement
) -> None:
    citation = statement.citations.get()
    version = _version(statement)
    url = change_url("citation", citation.pk)
    data = form_data(curator.get(url))
    data["excerpt"] = "Corrected on the citation page: Testing words spoken."
    assert curator.post(url, data).status_code == 302
    assert _version(statement) == version + 1


def test_saving_an_unchanged_citation_keeps_its_statement_version(
    curator: Client, statement: Statement
) -> None:
    citation = statement.citations.get()
    version = _version(statement)
    url = change_url("citation", citation.pk)
    assert curator.post(url, form_data(curator.get(url))).status_code == 302
    assert _version(statement) == version


def test_moving_a_citation_bumps_the_statement_that_lost_it(
    curator: Client, statement: Statement, records: dict[str, Any]
) -> None:
    other = make_statement(records["source"], "Another statement.")
    citation = statement.citations.get()
    version = _version(statement)
    url = change_url("citation", citation.pk)
    data = form_data(curator.get(url))
    data["statement"] = str(other.pk)
    assert curator.post(url, data).status_code == 302
    assert statement.citations.count() == 0
    assert _version(statement) == version + 1


def test_deleting_a_citation_on_its_own_page_bumps_its_statement(
    curator: Client, statement: Statement, records: dict[str, Any]
) -> None:
    Citation.objects.create(source=records["source"], excerpt="A second one.", statement=statement)
    citation = statement.citations.first()
    version = _version(statement)
    response = curator.post(f"{ADMIN}/citation/{citation.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert statement.citations.count() == 1
    assert _version(statement) == version + 1


def test_moving_a_position_bumps_the_official_that_lost_it(
    curator: Client, records: dict[str, Any]
) -> None:
    official, position = records["official"], records["position"]
    other = make_official("other-holder")
    version = _version(official)
    url = change_url("position", position.pk)
    data = form_data(curator.get(url))
    data["official"] = str(other.pk)
    assert curator.post(url, data).status_code == 302
    assert _version(other) == 2
    assert _version(official) == version + 1


def test_saving_an_unchanged_position_keeps_the_official_version(
    curator: Client, records: dict[str, Any]
) -> None:
    official, position = records["official"], records["position"]
    version = _version(official)
    url = change_url("position", position.pk)
    data = form_data(curator.get(url))
    assert data["start"] == "2024-07"
    assert curator.post(url, data).status_code == 302
    assert _version(official) == version
    data["end"] = "2025"
    assert curator.post(url, data).status_code == 302
    assert str(Position.objects.get(pk=position.pk).end) == "2025"
    assert _version(official) == version + 1


# --- officials and their positions inline ---------------------------------------------------


def test_saving_an_unchanged_official_keeps_its_version(
    curator: Client, records: dict[str, Any]
) -> None:
    official = records["official"]
    url = change_url("official", official.pk)
    page = curator.get(url)
    assert inline_prefixes(page) == ["positions"]
    assert curator.post(url, form_data(page)).status_code == 302
    assert _version(official) == 1


def test_editing_a_position_inline_bumps_the_official_once(
    curator: Client, records: dict[str, Any]
) -> None:
    official = records["official"]
    url = change_url("official", official.pk)
    data = form_data(curator.get(url))
    data["positions-0-end"] = "2025-01"
    response = curator.post(url, data)
    assert response.status_code == 302, error_text(response)
    assert str(Position.objects.get(pk=records["position"].pk).end) == "2025-01"
    assert _version(official) == 2


def test_position_inline_ending_before_its_start_is_a_form_error(
    curator: Client, records: dict[str, Any]
) -> None:
    official = records["official"]
    url = change_url("official", official.pk)
    data = form_data(curator.get(url))
    data["positions-0-end"] = "2023"
    response = curator.post(url, data)
    assert response.status_code == 200
    [formset] = [inline.formset for inline in response.context["inline_admin_formsets"]]
    assert "position_end_not_before_start" in str(formset.errors)
    assert Position.objects.get(pk=records["position"].pk).end is None
    assert _version(official) == 1


# --- contact dates --------------------------------------------------------------------------


def test_contact_ending_before_it_starts_is_a_form_error(
    curator: Client, records: dict[str, Any]
) -> None:
    contact = records["contact"]
    version = _version(contact)
    url = change_url("contact", contact.pk)
    page = curator.get(url)
    assert inline_prefixes(page) == ["participants", "citations"]
    data = form_data(page)
    assert data["date"] == "2024-07-26"
    data["end_date"] = "2024-06"
    response = curator.post(url, data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors
    assert "contact_end_date_not_before_date" in error_text(response)
    contact.refresh_from_db()
    assert contact.end_date is None
    assert contact.version == version


def test_contact_ending_in_the_month_it_starts_is_accepted(
    curator: Client, records: dict[str, Any]
) -> None:
    contact = records["contact"]
    version = _version(contact)
    url = change_url("contact", contact.pk)
    data = form_data(curator.get(url))
    data["end_date"] = "2024-07"
    response = curator.post(url, data)
    assert response.status_code == 302, error_text(response)
    contact.refresh_from_db()
    assert str(contact.end_date) == "2024-07"
    assert contact.version == version + 1


def test_participant_row_with_neither_official_nor_label_is_a_form_error(
    curator: Client, records: dict[str, Any]
) -> None:
    contact = records["contact"]
    url = change_url("contact", contact.pk)
    data = form_data(curator.get(url))
    index = int(data["participants-TOTAL_FORMS"])
    data.update(
        {
            "participants-TOTAL_FORMS": str(index + 1),
            f"participants-{index}-id": "",
            f"participants-{index}-contact": str(contact.pk),
            f"participants-{index}-official": "",
            f"participants-{index}-label": "",
            f"participants-{index}-country": "",
            f"participants-{index}-role": "Interpreter",
        }
    )
    response = curator.post(url, data)
    assert response.status_code == 200
    assert "Name an official on record, or give a label." in str(
        response.context["inline_admin_formsets"][0].formset.errors
    )
    assert contact.participants.count() == 2


# --- protected deletes ----------------------------------------------------------------------


def test_deleting_a_speaker_is_refused(curator: Client, records: dict[str, Any]) -> None:
    official, statement = records["official"], records["statement"]
    assert statement.speaker == official
    url = f"{ADMIN}/official/{official.pk}/delete/"
    page = curator.get(url)
    assert page.status_code == 200
    assert page.context["protected"]
    html = page.content.decode()
    assert "Cannot delete official" in html
    assert "protected related objects" in html
    assert escape(str(statement)) in html
    response = curator.post(url, {"post": "yes"})
    assert response.status_code == 200
    assert response.context["protected"]
    assert Official.objects.filter(pk=official.pk).exists()
    assert Statement.objects.filter(pk=statement.pk, speaker=official).exists()


def test_deleting_an_unreferenced_official_goes_through(curator: Client) -> None:
    official = make_official("lonely-official")
    Position.objects.create(official=official, title="Envoy")
    url = f"{ADMIN}/official/{official.pk}/delete/"
    page = curator.get(url)
    assert page.status_code == 200
    assert not page.context["protected"]
    response = curator.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not Official.objects.filter(pk=official.pk).exists()
    assert not Position.objects.filter(official_id=official.pk).exists()
