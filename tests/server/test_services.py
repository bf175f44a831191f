"""The services' own rules, below the API: derived fields, normalised comparisons, atomicity."""

from __future__ import annotations

import pytest

from server.diplomacy import services
from server.diplomacy.models import Official, Statement
from server.diplomacy.revisions import snapshot
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_statements_country_follows_its_speaker():
    first = factories.official(country="NR")
    second = factories.official(country="PW")
    statement = factories.statement(speaker=first)
    assert statement.speaker_country == "NR"
    services.record_update(statement, {"speaker": second})
    statement.refresh_from_db()
    assert statement.speaker_country == "PW"


@pytest.mark.parametrize(
    ("excerpt", "text"),
    [
        ("he said “go beyond the bilateral agenda”", 'said "go beyond the bilateral agenda"'),
        ("a  line\nbroken   here", "a line broken here"),
        ("it\u2019s", "it's"),
    ],
)
def test_verbatim_checks_normalise_whitespace_and_quote_marks(excerpt, text):
    assert services.normalise(text) in services.normalise(excerpt)


def test_a_refused_write_changes_nothing_not_even_nested_parts():
    official = factories.official(positions=2)
    before = snapshot(official)
    with pytest.raises(services.InvalidRecord) as refused:
        services.record_update(
            official,
            {
                "name": "Renamed",
                "positions": [
                    {"title": "New post", "start": "2024", "end": "2023", "citations": []}
                ],
            },
        )
    assert "positions" in refused.value.errors
    official = Official.objects.get(pk=official.pk)
    assert snapshot(official) == before
    assert official.name != "Renamed"


def test_errors_keep_the_position_of_the_failing_nested_item():
    with pytest.raises(services.InvalidRecord) as refused:
        factories.statement(
            citations=[
                {"source": factories.source(), "excerpt": "fine"},
                {"source": factories.source(), "excerpt": ""},
            ]
        )
    assert refused.value.errors["citations"][0] == {}
    assert "excerpt" in refused.value.errors["citations"][1]
    assert not Statement.objects.filter(
        speaker_label="Test office", text__startswith="Test"
    ).exists()


def test_a_stale_version_is_refused_and_changes_nothing():
    statement = factories.statement()
    services.record_update(statement, {"language": "en"})
    with pytest.raises(services.VersionConflict) as conflict:
        services.record_update(statement, {"language": "ko"}, expected_version=1)
    assert conflict.value.current == 2
    assert Statement.objects.get(pk=statement.pk).language == "en"
