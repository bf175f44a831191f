"""Input that parsed loosely, or failed deep inside, gets a clear 400 at the door: bounded JSON
(depth, numbers), strict JSON types, real country codes, strict ordering, cursors and moments
the databases can hold."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pycountry
import pytest
from django.conf import settings

from server.api.parsers import MAX_DEPTH
from server.diplomacy.models import Statement
from tests.security.test_bad_input import assert_problem
from tests.server.writing import API, XI_JINPING, counts, curator_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def curator():
    return curator_client("numbers-curator")


def _cursor(document: str) -> str:
    return base64.urlsafe_b64encode(document.encode()).decode().rstrip("=")


# -- cursors -----------------------------------------------------------------------------------


# The columns of each list's default order: officials and sources by name or title, then id;
# contacts and statements by a partial date's two days, then id.
COLUMNS = {"officials": 2, "sources": 2, "contacts": 3, "statements": 3}
HOSTILE_VALUES = [
    "Infinity",
    "-Infinity",
    "NaN",
    "1e400",
    "100000000000000000000000000000",
    '"100000000000000000000000000000"',
    "-9223372036854775809",
    "1.5",
    "true",
]


@pytest.mark.parametrize("resource", sorted(COLUMNS))
@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_a_cursor_holding_numbers_no_column_holds_is_a_400(api, resource, value):
    # Text is a name or a title in the first column of some lists; the id is last in all.
    last = COLUMNS[resource] - 1
    for position in [last] if value.startswith('"') else range(COLUMNS[resource]):
        values = ["null"] * COLUMNS[resource]
        values[position] = value
        document = '{"o":"","p":[' + ",".join(values) + "]}"
        response = api.get(f"{API}/{resource}/", {"cursor": _cursor(document)})
        assert_problem(response, 400)
        assert list(response.json()["errors"]) == ["cursor"]


def test_a_cursor_nested_deep_is_a_400(api):
    document = '{"o":"","p":' + "[" * 5000 + "]" * 5000 + "}"
    response = api.get(f"{API}/officials/", {"cursor": _cursor(document)[:1000]})
    assert_problem(response, 400)


@pytest.mark.parametrize(
    "document",
    [
        '{"o":"created_at","p":["0001-01-01T00:00:00+14:00",1]}',
        '{"o":"created_at","p":["9999-12-31T23:59:59-14:00",1]}',
    ],
)
def test_a_cursor_holding_a_time_past_the_databases_range_is_a_400(api, document):
    response = api.get(
        f"{API}/statements/", {"cursor": _cursor(document), "ordering": "created_at"}
    )
    assert_problem(response, 400)


def test_a_cursor_the_server_gave_still_walks(api):
    first = api.get(f"{API}/statements/", {"cursor": "", "limit": 2}).json()
    second = api.get(first["next"]).json()
    assert second["results"][0]["id"] not in [item["id"] for item in first["results"]]


# -- as_of -------------------------------------------------------------------------------------


def test_as_of_past_year_9999_in_utc_reads_the_record_as_it_is(api):
    now = api.get(f"{API}/statements/1/").json()
    response = api.get(f"{API}/statements/1/", {"as_of": "9999-12-31T23:59:59-14:00"})
    assert response.status_code == 200, response.content
    assert response.json()["version"] == now["version"]


def test_as_of_before_year_1_in_utc_finds_no_record(api):
    response = api.get(f"{API}/statements/1/", {"as_of": "0001-01-01T00:00:00+14:00"})
    assert_problem(response, 404)


# -- JSON depth and numbers --------------------------------------------------------------------


def _patch(curator, body: str):
    return curator.patch(f"{API}/statements/1/", body, content_type="application/json")


def _nested(depth: int) -> str:
    return '{"topics": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 100, 5000, 200_000])
def test_a_body_nested_too_deep_is_a_400_before_it_is_parsed(curator, depth):
    before = counts()
    response = _patch(curator, _nested(depth))
    assert_problem(response, 400)
    assert f"deeper than {MAX_DEPTH}" in response.json()["detail"]
    assert counts() == before


def test_a_body_within_the_depth_is_parsed_and_judged_on_its_fields(curator):
    response = _patch(curator, _nested(MAX_DEPTH))
    assert_problem(response, 400)
    assert "topics" in response.json()["errors"]


def test_brackets_inside_strings_do_not_count_as_depth(curator):
    text = "[" * 100 + "{" * 100 + '\\"[['
    response = _patch(curator, json.dumps({"speaker_label": "x"})[:-1] + f', "notes": "{text}"}}')
    assert_problem(response, 400)
    assert "notes" in response.json()["errors"]  # the unknown field, not the depth


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ('{"speaker": 1e400}', "too large"),
        ('{"speaker": -1e400}', "too large"),
        ('{"speaker": 1' + "0" * 400 + "}", "beyond 64 bits"),
        ('{"speaker": 9223372036854775808}', "beyond 64 bits"),
        ('{"speaker": -9223372036854775809}', "beyond 64 bits"),
        ('{"speaker": 1' + "0" * 5000 + "}", "beyond 64 bits"),
        ('{"speaker": NaN}', "not a JSON value"),
        ('{"speaker": Infinity}', "not a JSON value"),
        ('{"speaker": -Infinity}', "not a JSON value"),
        ('{"citations": [{"source": 1e999, "excerpt": "x"}]}', "too large"),
    ],
)
def test_numbers_no_field_can_hold_are_a_400_saying_why(curator, body, says):
    before = counts()
    response = _patch(curator, body)
    assert_problem(response, 400)
    assert says in response.json()["detail"]
    assert counts() == before


def test_numbers_within_bounds_reach_their_field(curator):
    response = _patch(curator, '{"speaker": 9223372036854775807}')
    assert_problem(response, 400)
    assert "speaker" in response.json()["errors"]


# -- strict JSON types -------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1.5, 1.0, "1", True, [1], {"id": 1}])
def test_a_related_id_is_a_json_integer_only(curator, value):
    before = Statement.objects.values().get(pk=1)
    response = curator.patch(f"{API}/statements/1/", {"speaker": value}, format="json")
    assert_problem(response, 400)
    assert "speaker" in response.json()["errors"]
    assert Statement.objects.values().get(pk=1) == before


@pytest.mark.parametrize("value", ["30", 30.0, 30.5, True, "", [30]])
def test_an_integer_field_takes_a_json_integer_only(curator, value):
    response = curator.patch(f"{API}/contacts/1/", {"duration_minutes": value}, format="json")
    assert_problem(response, 400)
    assert "duration_minutes" in response.json()["errors"]


@pytest.mark.parametrize("value", [1.0, "1", False])
def test_nested_ids_are_json_integers_only(curator, value):
    citations = [{"source": value, "excerpt": "x"}]
    response = curator.patch(f"{API}/statements/1/", {"citations": citations}, format="json")
    assert_problem(response, 400)
    participants = [{"official": value, "label": "", "country": "KR", "role": ""}]
    response = curator.patch(f"{API}/contacts/1/", {"participants": participants}, format="json")
    assert_problem(response, 400)


def test_integers_and_ids_as_json_integers_are_written(curator):
    assert (
        curator.patch(f"{API}/contacts/1/", {"duration_minutes": 45}, format="json").json()[
            "duration_minutes"
        ]
        == 45
    )
    response = curator.patch(f"{API}/statements/1/", {"speaker": XI_JINPING}, format="json")
    assert response.status_code == 200, response.content


# -- country codes -----------------------------------------------------------------------------

COUNTRY_FIELDS = [
    ("officials", 1, {"country": "XX"}),
    ("officials", 1, {"country": "ZZ"}),
    ("contacts", 1, {"country": "XX"}),
    ("statements", 1, {"speaker_country": "ZZ"}),
    (
        "contacts",
        1,
        {"participants": [{"official": None, "label": "A delegation", "country": "XX"}]},
    ),
]


@pytest.mark.parametrize(("resource", "pk", "change"), COUNTRY_FIELDS)
def test_a_well_formed_code_that_is_no_country_is_refused_in_writes(curator, resource, pk, change):
    before = counts()
    response = curator.patch(f"{API}/{resource}/{pk}/", change, format="json")
    assert_problem(response, 400)
    assert next(iter(change)) in response.json()["errors"]
    assert counts() == before


@pytest.mark.parametrize(
    "path",
    ["officials", "contacts", "statements", "network", "timeline"],
)
@pytest.mark.parametrize("code", ["XX", "ZZ", "xx", "AA"])
def test_a_code_that_is_no_country_is_refused_in_filters(api, path, code):
    response = api.get(f"{API}/{path}/", {"country": code})
    assert_problem(response, 400)
    assert list(response.json()["errors"]) == ["country"]


@pytest.mark.parametrize("path", ["officials", "contacts", "statements", "network", "timeline"])
def test_real_codes_filter_in_either_case(api, path):
    assert api.get(f"{API}/{path}/", {"country": "kr"}).status_code == 200
    assert api.get(f"{API}/{path}/", {"country": ["LA", "CN"]}).status_code == 200


def test_every_code_the_seed_uses_is_a_country():
    records = json.loads((Path(settings.BASE_DIR) / "fixtures" / "article.json").read_text())
    found: set[str] = set()
    for record in records:
        for name, value in record["fields"].items():
            if name.endswith("country") and value:
                found.add(value)
    assert found
    assert all(pycountry.countries.get(alpha_2=code) is not None for code in found), found


def test_the_schema_lists_the_country_codes():
    from tests.security.conftest import SCHEMA

    parameters = SCHEMA["paths"]["/api/v1/statements/"]["get"]["parameters"]
    (country,) = [p for p in parameters if p["name"] == "country"]
    codes = country["schema"]["items"]["enum"]
    assert {"KR", "CN", "LA"} <= set(codes)
    assert not {"XX", "ZZ", "AA"} & set(codes)
    assert len(codes) == len(pycountry.countries)
    body = SCHEMA["components"]["schemas"]["OfficialRequest"]["properties"]["country"]
    (pattern,) = [option["pattern"] for option in body["oneOf"] if "pattern" in option]
    assert "|KR|" in pattern
    assert "|ZZ|" not in pattern


# -- ordering ----------------------------------------------------------------------------------


@pytest.mark.parametrize("ordering", ["--id", "---said", "-", "--", "id,--said", "- id", "+id"])
def test_ordering_is_one_optional_minus_then_a_field(api, ordering):
    response = api.get(f"{API}/statements/", {"ordering": ordering})
    assert_problem(response, 400)
    assert list(response.json()["errors"]) == ["ordering"]


@pytest.mark.parametrize("ordering", ["-id", "id", "said,-id", " -said , id "])
def test_well_formed_orderings_are_accepted(api, ordering):
    assert api.get(f"{API}/statements/", {"ordering": ordering}).status_code == 200
