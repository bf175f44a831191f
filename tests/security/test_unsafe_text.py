"""Text that would break a reader is refused at the door, by the API and the domain alike; text
already stored that holds such characters still gives well-formed exports and balanced snippets.

Cyrillic and other look-alike letters are written as escapes, so that this file reads plainly.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any
from xml.etree import ElementTree

import networkx  # type: ignore[import-untyped]
import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import Client

from server.diplomacy import services
from server.diplomacy.models import Contact, Official, Participant, Source, Statement
from server.diplomacy.safe_text import name_problem, text_problem
from tests import factories
from tests.server.test_admin import error_text, form_data
from tests.server.writing import (
    API,
    BODIES,
    PROBLEM,
    counts,
    create,
    curator_client,
    detail,
)

pytestmark = pytest.mark.django_db

CYRILLIC_A = "\u0430"
CYRILLIC_XI = "\u0425\u0456"  # looks like the Latin "Xi"

# Refused in every text: controls XML forbids, noncharacters, the snippet markers.
UNSAFE_IN_ANY_TEXT = {
    "U+0001": "\u0001",
    "U+000B": "\u000b",
    "U+001F": "\u001f",
    "U+FFFE": "\ufffe",
    "U+FFFF": "\uffff",
    "U+E000": "\ue000",
    "U+E001": "\ue001",
}
# Refused in names, titles and labels besides.
INVISIBLE = {
    "U+200B": "\u200b",
    "U+200D": "\u200d",
    "U+200F": "\u200f",
    "U+202A": "\u202a",
    "U+202E": "\u202e",
    "U+2066": "\u2066",
    "U+2069": "\u2069",
    "U+FEFF": "\ufeff",
    "U+00AD": "\u00ad",
    "tab": "\t",
    "line feed": "\n",
}

# (resource, path of the field in the body): every text a write takes.
PLAIN_FIELDS = [
    ("officials", ("notes",)),
    ("sources", ("notes",)),
    ("sources", ("text",)),
    ("contacts", ("summary",)),
    ("statements", ("text",)),
    ("statements", ("citations", 0, "excerpt")),
]
NAME_FIELDS = [
    ("officials", ("name",)),
    ("officials", ("aliases", 0)),
    ("officials", ("positions", 0, "title")),
    ("officials", ("positions", 0, "organization")),
    ("sources", ("title",)),
    ("sources", ("author",)),
    ("sources", ("author_affiliation",)),
    ("sources", ("publisher",)),
    ("contacts", ("title",)),
    ("contacts", ("location",)),
    ("contacts", ("occasion",)),
    ("contacts", ("participants", 1, "label")),
    ("contacts", ("participants", 0, "role")),
    ("statements", ("speaker_label",)),
    ("statements", ("citations", 0, "locator")),
]


def _set(body: Any, path: tuple[Any, ...], value: str) -> Any:
    target = body
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return body


def _get(body: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        body = body[step]
    return body


def _body_with(resource: str, path: tuple[Any, ...], text: str) -> dict[str, Any]:
    body = BODIES[resource]()
    if resource == "statements":
        body["kind"] = "paraphrase"  # any text: a quote must be found in its excerpt
    return _set(body, path, text)


def _error_at(problem: dict[str, Any], path: tuple[Any, ...]) -> Any:
    """``error_at``, where a list's items' errors may be keyed by their index as text."""
    found: Any = problem["errors"]
    for step in path:
        found = (
            found[str(step)] if isinstance(found, dict) and isinstance(step, int) else found[step]
        )
    return found


def _assert_refused_on(curator, resource: str, body: dict[str, Any], path: tuple[Any, ...]):
    before = counts()
    response = curator.post(f"{API}/{resource}/", body, format="json")
    assert response.status_code == 400, response.content[:400]
    assert response["Content-Type"] == PROBLEM
    messages = _error_at(response.json(), path)
    assert messages, response.json()
    assert counts() == before
    return " ".join(messages if isinstance(messages, list) else [str(messages)])


@pytest.fixture
def curator():
    return curator_client("text-curator")


@pytest.mark.parametrize(("resource", "path"), PLAIN_FIELDS + NAME_FIELDS)
@pytest.mark.parametrize("name", sorted(UNSAFE_IN_ANY_TEXT))
def test_text_that_xml_or_snippets_cannot_carry_is_refused_naming_the_field(
    curator, resource, path, name
):
    body = _body_with(resource, path, f"Before{UNSAFE_IN_ANY_TEXT[name]}after")
    message = _assert_refused_on(curator, resource, body, path)
    assert name in message


@pytest.mark.parametrize(("resource", "path"), PLAIN_FIELDS + NAME_FIELDS)
def test_a_lone_surrogate_is_refused_naming_the_field(curator, resource, path):
    body = _body_with(resource, path, "PLACEHOLDER")
    raw = json.dumps(body).replace("PLACEHOLDER", "a\\ud800b")
    before = counts()
    response = curator.post(f"{API}/{resource}/", raw, content_type="application/json")
    assert response.status_code == 400, response.content[:400]
    assert response["Content-Type"] == PROBLEM
    assert _error_at(response.json(), path)
    assert counts() == before


@pytest.mark.parametrize(("resource", "path"), NAME_FIELDS)
@pytest.mark.parametrize("name", sorted(INVISIBLE))
def test_invisible_characters_are_refused_in_names_titles_and_labels(curator, resource, path, name):
    body = _body_with(resource, path, f"Xi{INVISIBLE[name]}Jinping")
    _assert_refused_on(curator, resource, body, path)


@pytest.mark.parametrize(("resource", "path"), NAME_FIELDS)
@pytest.mark.parametrize(
    "spoof",
    [f"W{CYRILLIC_A}ng Yi", f"{CYRILLIC_XI} Jinping", "Xi J\u0456nping", "\u03bfbama Barack"],
    ids=["cyrillic-a-in-latin", "cyrillic-word-that-looks-latin", "cyrillic-i", "greek-omicron"],
)
def test_mixed_script_spoofs_are_refused_in_names_titles_and_labels(curator, resource, path, spoof):
    message = _assert_refused_on(curator, resource, _body_with(resource, path, spoof), path)
    assert "script" in message or "Latin" in message


@pytest.mark.parametrize(
    "name",
    [
        "\uc2dc\uc9c4\ud551",  # Korean: Xi Jinping in Hangul
        "\u4e60\u8fd1\u5e73",  # Chinese: Xi Jinping in Han characters
        "\u5cb8\u7530 \u6587\u96c4",  # Japanese, Han
        "\u6771\u4eac\u30bf\u30ef\u30fc",  # Japanese, Han with Katakana in one word
        "Xi Jinping (\u4e60\u8fd1\u5e73)",  # Latin beside Han, word by word
        "\u0421\u0435\u0440\u0433\u0435\u0439 \u041b\u0430\u0432\u0440\u043e\u0432",  # Cyrillic
        "Zo\u00eb Dupr\u00e9-Lef\u00e8vre",
        "Zoe\u0301",  # a combining accent on a Latin letter
        "O\u2019Brien",
    ],
)
def test_names_wholly_in_one_script_or_word_by_word_are_accepted(curator, name):
    body = BODIES["officials"]()
    body.update(name=name, aliases=[name])
    created = create(curator, "officials", body)
    assert (created["name"], created["aliases"]) == (name, [name])


def test_plain_text_keeps_tabs_line_breaks_and_any_script(curator):
    notes = "First line\n\tindented\r\nsecond: \u4e60\u8fd1\u5e73, \u0430, \u200b kept in notes"
    body = {**BODIES["officials"](), "notes": notes}
    assert create(curator, "officials", body)["notes"] == notes


def test_slugs_hold_no_invisible_or_look_alike_letters(curator):
    for slug in ("t-xi\u200bjinping", f"t-w{CYRILLIC_A}ng", "t-xi\u202ejinping"):
        body = BODIES["officials"]()
        body["slug"] = slug
        _assert_refused_on(curator, "officials", body, ("slug",))


# -- the domain refuses the same: services, the admin, imports ---------------------------------


@pytest.mark.parametrize(
    ("model", "field", "value"),
    [
        (Official, "name", "Xi\u0001Jinping"),
        (Official, "name", f"W{CYRILLIC_A}ng Yi"),
        (Official, "name", "Xi\u202eJinping"),
        (Official, "aliases", ["Fine", "Bad\u200b"]),
        (Official, "notes", "a\ue000b"),
        (Source, "title", "A\u000bB"),
        (Source, "text", "x\uffffy"),
        (Contact, "location", "Seoul\u2066"),
        (Statement, "speaker_label", f"{CYRILLIC_XI} Jinping"),
    ],
)
def test_the_services_refuse_the_same_text(model, field, value):
    if model is Official:
        record: Any = factories.official()
    elif model is Source:
        record = factories.source()
    elif model is Contact:
        record = factories.contact()
    else:
        record = factories.statement()
    before = counts()
    with pytest.raises(services.InvalidRecord) as refused:
        services.record_update(record, {field: value})
    assert field in refused.value.errors
    assert counts() == before


def test_the_services_refuse_unsafe_text_in_nested_parts():
    contact = factories.contact()
    participants = [{"label": "Delegation\u200f", "country": "TV"}]
    with pytest.raises(services.InvalidRecord) as refused:
        services.record_update(contact, {"participants": participants})
    assert "label" in str(refused.value.errors["participants"])
    assert list(Participant.objects.filter(contact=contact).values_list("label", flat=True)) == [
        "Test delegation"
    ]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", f"W{CYRILLIC_A}ng Yi's interview"),
        ("title", "A title\u202e"),
        ("publisher", "Times\u200b"),
        ("notes", "a\u000bb"),
        ("text", "a\ue000b"),
    ],
)
def test_the_admin_refuses_the_same_text(field, value):
    admin = get_user_model().objects.create_superuser("text-admin", "", "pw")
    browser = Client()
    browser.force_login(admin)
    before = counts()
    data = form_data(browser.get("/admin/diplomacy/source/add/"))
    data.update(title="An added source", kind="news")
    data[field] = value
    response = browser.post("/admin/diplomacy/source/add/", data)
    assert response.status_code == 200, "the form again, with its errors"
    assert list(response.context["adminform"].form.errors) == [field], error_text(response)
    assert counts() == before


def test_the_rules_name_what_to_fix():
    assert text_problem("fine\ttext\n") is None
    assert "U+000B" in (text_problem("a\x0bb") or "")
    assert "character 2" in (text_problem("a\x0bb") or "")
    assert "Cyrillic" in (name_problem(f"W{CYRILLIC_A}ng") or "")
    assert "right-to-left override" in (name_problem("a\u202eb") or "")
    with pytest.raises(ValidationError):
        Official._meta.get_field("name").run_validators("a\u200bb")


# -- text already stored: exports stay well formed, snippets balanced ---------------------------

HOSTILE = "Ctrl\u0001\u000b\u001f\ufffe\uffff and marks \ue000open\ue001 \ue001\ue000 end"


def _store_hostile_text() -> Official:
    """Text a direct write to the database put there, past every check."""
    speaker, other = factories.official(), factories.official()
    contact = factories.contact(officials=(speaker, other))
    factories.statement(speaker=speaker, contact=contact)
    Official.objects.filter(pk=speaker.pk).update(name=f"Xi {HOSTILE}", notes=HOSTILE)
    Contact.objects.filter(pk=contact.pk).update(title=HOSTILE, summary=HOSTILE)
    Statement.objects.filter(speaker=speaker).update(text=HOSTILE)
    Source.objects.filter(pk__in=[s.pk for s in Source.objects.order_by("-pk")[:1]]).update(
        title=HOSTILE
    )
    return speaker


def test_graphml_is_well_formed_whatever_the_stored_names(api):
    speaker = _store_hostile_text()
    response = api.get(f"{API}/network/", {"format": "graphml", "country": "TV"})
    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)  # raises on ill-formed XML
    graph = networkx.read_graphml(io.BytesIO(response.content), node_type=int)
    assert speaker.pk in graph.nodes
    name = graph.nodes[speaker.pk]["name"]
    assert name.startswith("Xi Ctrl\ufffd")
    assert root.tag.endswith("graphml")


@pytest.mark.parametrize("resource", ["officials", "sources", "contacts", "statements"])
def test_every_export_of_stored_hostile_text_parses(resource):
    _store_hostile_text()
    reader = Client()
    listed = reader.get(f"{API}/{resource}/", {"limit": 200})
    assert listed.status_code == 200
    json.loads(listed.content)
    csv_export = reader.get(f"{API}/{resource}/", {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(csv_export.streaming_content).decode())))
    assert rows
    ndjson = reader.get(f"{API}/{resource}/", {"format": "ndjson"})
    lines = b"".join(ndjson.streaming_content).decode().splitlines()
    assert [json.loads(line)["id"] for line in lines] == [int(row["id"]) for row in rows]


def test_the_dataset_export_of_stored_hostile_text_parses():
    _store_hostile_text()
    response = Client().get(f"{API}/export/")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert all(isinstance(json.loads(line), dict) for line in lines)


def test_snippets_of_stored_marker_characters_stay_balanced(api):
    statement = factories.statement(text="The tundra corridor accord", kind="paraphrase")
    text = "\ue001\ue000 Before \ue000tundra\ue001 the \ue000 tundra corridor \ue001 accord \ue000"
    # Straight to the database, past the checks: the document the index reads too.
    Statement.objects.filter(pk=statement.pk).update(text=text, search_document=text)
    results = api.get(f"{API}/statements/", {"q": "tundra"}).json()["results"]
    (hit,) = [item for item in results if item["id"] == statement.pk]
    snippet = hit["snippet"]
    assert snippet.count("<mark>") == snippet.count("</mark>") >= 1
    assert "\ue000" not in snippet
    assert "\ue001" not in snippet
    # Marks never nest, and each holds a match.
    inside = [part.split("</mark>")[0] for part in snippet.split("<mark>")[1:]]
    assert all("<mark>" not in part and "tundra" in part.lower() for part in inside)


def test_an_official_whose_text_was_stored_unsafe_is_read_and_shown(api):
    speaker = _store_hostile_text()
    response = api.get(detail("officials", speaker.pk))
    assert response.status_code == 200
    assert response.json()["notes"] == HOSTILE
