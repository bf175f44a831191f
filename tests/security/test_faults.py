"""Faults: a write interrupted part-way leaves nothing behind, nested parts and history included.

(An unreachable database answering 503 with Retry-After is shown in
tests/server/test_health_and_errors.py; the PostgreSQL statement timeout in test_timeouts.py.)
"""

from __future__ import annotations

import pytest
from django.apps import apps

from .conftest import send

pytestmark = pytest.mark.django_db


def every_row_count() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in apps.get_app_config("diplomacy").get_models()
    }


def test_a_write_failing_after_its_first_nested_parts_leaves_no_trace(curator):
    before = every_row_count()
    body = {
        "slug": "t-half-written",
        "name": "Half Written",
        "country": "TV",
        "positions": [
            {
                "title": "First post",
                "start": "2020",
                "citations": [{"source": 1, "excerpt": "Contacts between top officials"}],
            },
            {
                "title": "Second post",
                "start": "2021",
                "citations": [{"source": 1, "excerpt": "Contacts between top officials"}],
            },
            {
                "title": "Third post",
                "start": "2022",
                "end": "2019",
                "citations": [{"source": 1, "excerpt": "Contacts between top officials"}],
            },
        ],
    }
    response = send(curator, "post", "/api/v1/officials/", body)
    assert response.status_code == 400
    assert response.json()["errors"]["positions"][2]["end"]
    assert every_row_count() == before


def test_a_change_failing_part_way_keeps_the_record_and_its_history_as_they_were(curator):
    before = every_row_count()
    official = curator.get("/api/v1/officials/1/").json()
    response = send(
        curator,
        "patch",
        "/api/v1/officials/1/",
        {
            "name": "Renamed",
            "positions": [
                {
                    "title": "New",
                    "citations": [{"source": 1, "excerpt": "Contacts between top officials"}],
                },
                {
                    "title": "Broken",
                    "citations": [{"source": 1, "excerpt": "not in the article at all"}],
                },
            ],
        },
    )
    assert response.status_code == 400
    assert every_row_count() == before
    assert curator.get("/api/v1/officials/1/").json() == official
