"""GET /api/v1/network/: officials linked by the reviewed contacts they shared, JSON and GraphML."""

from __future__ import annotations

import io

import networkx  # type: ignore[import-untyped]
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories

pytestmark = pytest.mark.django_db

NETWORK = "/api/v1/network/"
GRAPHML = "application/graphml+xml"


def network(api, **query):
    response = api.get(NETWORK, query)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def edges(body):
    return {(edge["source"], edge["target"]): edge["contacts"] for edge in body["edges"]}


def slugs(body):
    return {node["slug"] for node in body["nodes"]}


def refused(api, **query):
    response = api.get(NETWORK, query)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    return response.json()["errors"]


# -- the article's data -------------------------------------------------------------------------


def test_the_articles_officials_who_met_are_linked(api):
    body = network(api)
    assert edges(body) == {
        (2, 3): [3],
        (4, 5): [9],
    }  # Yoon with Li Qiang, Lee Jung-il with Liu Xiaoming
    assert [edge["weight"] for edge in body["edges"]] == [1, 1]
    # Xi Jinping met a South Korean official the article does not name: a node without an edge.
    assert slugs(body) == {"xi-jinping", "yoon-suk-yeol", "li-qiang", "lee-jung-il", "liu-xiaoming"}
    assert body["nodes"][0] == {
        "id": 1,
        "url": "http://testserver/api/v1/officials/1/",
        "slug": "xi-jinping",
        "name": "Xi Jinping",
        "country": "CN",
        "contacts": 1,
    }


def test_by_country_keeps_those_officials_and_the_edges_between_them(api):
    korean = network(api, country="kr")
    assert slugs(korean) == {"yoon-suk-yeol", "lee-jung-il"}
    assert korean["edges"] == []
    assert edges(network(api, country=["KR", "CN"])) == edges(network(api))


def test_by_kind_status_and_date(api):
    assert edges(network(api, kind="meeting")) == {(2, 3): [3], (4, 5): [9]}
    assert network(api, kind=["summit", "call"]) == {"nodes": [], "edges": []}
    assert network(api, status="planned") == {"nodes": [], "edges": []}
    # Only the Northeast Asia meeting is dated (2024-05-09); undated contacts fall outside bounds.
    assert edges(network(api, date_after="2024-05")) == {(4, 5): [9]}
    assert edges(network(api, date_before="2024-05-08")) == {}


# -- records made here --------------------------------------------------------------------------


def test_weights_count_the_contacts_shared(api):
    first, second, third = (factories.official(country="NR") for _ in range(3))
    twice = [factories.contact(officials=(first, second), date="2096") for _ in range(2)]
    all_three = factories.contact(officials=(first, second, third), date="2096")
    factories.contact(officials=(third,), date="2096")
    body = network(api, country="NR")
    assert edges(body) == {
        (first.pk, second.pk): sorted([twice[0].pk, twice[1].pk, all_three.pk]),
        (first.pk, third.pk): [all_three.pk],
        (second.pk, third.pk): [all_three.pk],
    }
    assert {edge["weight"] for edge in body["edges"]} == {3, 1}
    assert {node["id"]: node["contacts"] for node in body["nodes"]} == {
        first.pk: 3,
        second.pk: 3,
        third.pk: 2,
    }


def test_date_bounds_overlap_a_month_and_a_year(api):
    a, b, c = (factories.official(country="NR") for _ in range(3))
    july = factories.contact(officials=(a, b), date="2097-07")
    year = factories.contact(officials=(b, c), date="2097")
    assert edges(network(api, country="NR", date_after="2097-07-15", date_before="2097-07-15")) == {
        (a.pk, b.pk): [july.pk],
        (b.pk, c.pk): [year.pk],
    }
    assert edges(network(api, country="NR", date_after="2097-08")) == {(b.pk, c.pk): [year.pk]}
    assert network(api, country="NR", date_after="2098") == {"nodes": [], "edges": []}


def test_drafts_and_officials_known_only_through_them_are_hidden(api):
    first, second = factories.official(country="NR"), factories.official(country="NR")
    factories.contact(officials=(first, second), review_state="draft")
    factories.contact(officials=(first, second), review_state="disputed")
    assert network(api, country="NR") == {"nodes": [], "edges": []}
    assert first.slug not in slugs(network(api))


def test_participants_named_only_by_a_label_are_not_nodes(api):
    official = factories.official(country="NR")
    factories.contact(
        participants=[
            {"official": official, "country": "NR"},
            {"label": "A delegation", "country": "NR"},
        ]
    )
    body = network(api, country="NR")
    assert [node["id"] for node in body["nodes"]] == [official.pk]
    assert body["edges"] == []


def test_queries_do_not_grow_with_the_network(api):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            network(api)
        return len(captured)

    before = queries()
    members = [factories.official() for _ in range(8)]
    for index in range(20):
        factories.contact(officials=(members[index % 8], members[(index + 3) % 8]))
    assert queries() == before <= 3


# -- GraphML ------------------------------------------------------------------------------------


def read_graphml(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == f"{GRAPHML}; charset=utf-8"
    return networkx.read_graphml(io.BytesIO(response.content), node_type=int)


def test_graphml_reads_back_in_networkx_as_the_json(api):
    first, second, third = (factories.official(country="NR") for _ in range(3))
    factories.contact(officials=(first, second, third))
    factories.contact(officials=(first, second))
    body = network(api)
    graph = read_graphml(api.get(NETWORK, {"format": "graphml"}))
    assert not graph.is_directed()
    assert {
        node: (data["name"], data["slug"], data["country"], data["url"], data["contacts"])
        for node, data in graph.nodes(data=True)
    } == {
        node["id"]: (node["name"], node["slug"], node["country"], node["url"], node["contacts"])
        for node in body["nodes"]
    }
    assert {
        (min(source, target), max(source, target)): (
            data["weight"],
            [int(pk) for pk in data["contacts"].split(",")],
        )
        for source, target, data in graph.edges(data=True)
    } == {
        (edge["source"], edge["target"]): (edge["weight"], edge["contacts"])
        for edge in body["edges"]
    }
    assert graph.edges[first.pk, second.pk]["weight"] == 2


def test_graphml_by_accept_header_and_filtered_like_the_json(api):
    response = api.get(NETWORK, {"country": "KR"}, HTTP_ACCEPT=GRAPHML)
    assert set(read_graphml(response).nodes) == {
        node["id"] for node in network(api, country="KR")["nodes"]
    }


def test_errors_are_problem_json_even_when_graphml_is_asked_for(api):
    assert "date_after" in refused(api, format="graphml", date_after="2024-13")


def test_options_describe_the_endpoint_in_json_even_when_graphml_is_asked_for(api):
    response = api.options(NETWORK, {"format": "graphml"})
    assert response.status_code == 200
    assert response.json()["name"] == "Network"


# -- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["official", "review", "limit", "ordering"])
def test_unknown_parameters_are_refused(api, name):
    assert name in refused(api, **{name: "x"})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("date_after", "2024-02-30"),
        ("date_before", ""),
        ("kind", "lunch"),
        ("status", "maybe"),
        ("country", "Korea"),
        ("format", "xml"),
    ],
)
def test_malformed_values_are_refused(api, name, value):
    assert name in refused(api, **{name: value})


def test_the_api_root_links_the_network(api):
    assert api.get("/api/v1/").json()["network"] == "http://testserver/api/v1/network/"
