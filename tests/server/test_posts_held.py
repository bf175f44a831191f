"""Officials by the day (``at``) and, on each contact, the post each participant held then."""

from __future__ import annotations

import pytest

from server.diplomacy import services
from tests import factories
from tests.server.writing import API, cite, contact_body, curator_client

pytestmark = pytest.mark.django_db


def names_at(api, when: str, **params) -> list[str]:
    response = api.get(f"{API}/officials/", {"at": when, "limit": 200, **params})
    assert response.status_code == 200, response.content
    return [official["name"] for official in response.json()["results"]]


def post(title: str, start: str | None = None, end: str | None = None, **fields) -> dict:
    return {
        "title": title,
        "start": start,
        "end": end,
        "citations": [cite()],
        "review_state": "reviewed",
        **fields,
    }


def test_the_article_ambassadors_by_the_day(api):
    # Xing Haiming's term ended in July 2024; Chung Jae-ho's post ends October 2024; Kim Dae-ki
    # followed in October and Dai Bin in November.
    assert names_at(api, "2024-07-15") == ["Chung Jae-ho", "Xing Haiming"]
    assert names_at(api, "2024-08-01") == ["Chung Jae-ho"]
    assert names_at(api, "2024-10-20") == ["Chung Jae-ho", "Kim Dae-ki"]
    assert names_at(api, "2024-11") == ["Dai Bin", "Kim Dae-ki"]


def test_at_reads_partial_dates_by_overlap_at_month_and_year_precision(api):
    month = factories.official(name="T Month Holder", country="NR", positions=0)
    services.record_update(month, {"positions": [post("Envoy", "1990-03", "1990-05")]})
    year = factories.official(name="T Year Holder", country="NR", positions=0)
    services.record_update(year, {"positions": [post("Consul", "1991", "1991")]})

    def holders(when: str) -> list[str]:
        return names_at(api, when, country="NR")

    assert holders("1990-03-01") == ["T Month Holder"]  # "1990-03" may have begun on the 1st
    assert holders("1990-05-31") == ["T Month Holder"]  # and ended on the 31st
    assert holders("1990-06-01") == []
    assert holders("1990-02-28") == []
    assert holders("1990") == ["T Month Holder"]
    assert holders("1991-12-31") == ["T Year Holder"]
    assert holders("1991-06") == ["T Year Holder"]
    assert holders("1992-01-01") == []


def test_undated_and_draft_posts_say_nothing_about_a_day(api):
    undated = factories.official(name="T Undated", country="PW", positions=0)
    draft = factories.official(name="T Draft", country="PW", positions=0)
    services.record_update(undated, {"positions": [post("Adviser")]})
    services.record_update(draft, {"positions": [post("Envoy", "2000", review_state="draft")]})
    assert names_at(api, "2000-06-01", country="PW") == []


@pytest.mark.parametrize("value", ["2024-13", "yesterday", "2024-02-30", ""])
def test_a_malformed_day_is_a_400(api, value):
    response = api.get(f"{API}/officials/", {"at": value})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["at"]


def _participants(api, contact_id: int) -> list[dict]:
    return api.get(f"{API}/contacts/{contact_id}/").json()["participants"]


def test_each_participant_shows_the_post_held_on_the_contacts_date(api):
    official = factories.official(name="T Career", country="TV", positions=0)
    services.record_update(
        official,
        {
            "positions": [
                post("Deputy minister", "2001", "2003-06"),
                post("Minister", "2003-07", None),
                post("Party member"),
            ]
        },
    )
    early = factories.contact(officials=(official,), date="2002-05-04")
    late = factories.contact(officials=(official,), date="2004")
    undated = factories.contact(officials=(official,))
    before = factories.contact(officials=(official,), date="1999")

    [shown] = _participants(api, early.pk)
    assert shown["position"] == {
        "title": "Deputy minister",
        "organization": "",
        "country": "",
        "start": "2001",
        "end": "2003-06",
    }
    assert _participants(api, late.pk)[0]["position"]["title"] == "Minister"
    assert _participants(api, undated.pk)[0]["position"] is None
    # No dated post fits 1999: the post the source gives without dates.
    assert _participants(api, before.pk)[0]["position"]["title"] == "Party member"


def test_the_article_participants_posts(api):
    contacts = api.get(f"{API}/contacts/", {"limit": 200}).json()["results"]
    nis = next(c for c in contacts if c["date"] == "2024-05-09")
    posts = {p["official"]["name"]: p["position"]["title"] for p in nis["participants"]}
    assert posts == {
        "Lee Jung-il": "Director of the North Korea Department",
        "Liu Xiaoming": "Special representative for Korean Peninsula Affairs",
    }
    labelled = [p for c in contacts for p in c["participants"] if p["official"] is None]
    assert labelled
    assert all(p["position"] is None for p in labelled)


def test_a_write_may_not_send_a_participants_post(api):
    body = contact_body()
    body["participants"][0]["position"] = {"title": "Invented"}
    response = curator_client().post(f"{API}/contacts/", body, format="json")
    assert response.status_code == 400
    assert "position" in str(response.json()["errors"]["participants"])
