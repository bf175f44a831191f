"""The article's dataset holds what the article says, each claim cited verbatim."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings

from server.diplomacy.dates import PartialDate
from server.diplomacy.models import Citation, Contact, Official, Position, Source, Statement

pytestmark = pytest.mark.django_db

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
ARTICLE_TEXT = (FIXTURES / "article.txt").read_text(encoding="utf-8")
ARTICLE_LINES = ARTICLE_TEXT.splitlines()
SHARED_SEED = Path(settings.BASE_DIR).parent / "shared" / "seed" / "000_ca6aa25ebd0c7d75.txt"


def article_records() -> list[dict[str, object]]:
    return json.loads((FIXTURES / "article.json").read_text(encoding="utf-8"))


@pytest.mark.skipif(not SHARED_SEED.exists(), reason="the shared seed is not beside this clone")
def test_bundled_article_is_the_seed_text():
    assert SHARED_SEED.read_text(encoding="utf-8") == ARTICLE_TEXT


def test_the_whole_fixture_is_loaded():
    counts: dict[str, int] = {}
    for record in article_records():
        counts[str(record["model"])] = counts.get(str(record["model"]), 0) + 1
    assert counts["diplomacy.official"] == Official.objects.count() >= 10
    assert counts["diplomacy.contact"] == Contact.objects.count() >= 9
    assert counts["diplomacy.statement"] == Statement.objects.count() >= 20
    assert counts["diplomacy.source"] == Source.objects.count() >= 4


@pytest.mark.parametrize("model", [Position, Contact, Statement])
def test_every_claim_cites_a_source(model):
    uncited = model.objects.filter(citations__isnull=True)
    assert list(uncited) == []


def test_every_excerpt_is_verbatim_in_the_article_at_its_locator():
    for citation in Citation.objects.select_related("source"):
        assert citation.excerpt in ARTICLE_TEXT, citation.excerpt
        match = re.fullmatch(r"paragraph (\d+)", citation.locator)
        assert match, f"locator {citation.locator!r} is not 'paragraph N'"
        assert citation.excerpt in ARTICLE_LINES[int(match[1]) - 1]


def test_every_quote_is_inside_one_of_its_excerpts():
    quotes = Statement.objects.filter(kind="quote").prefetch_related("citations")
    assert quotes.exists()
    for quote in quotes:
        excerpts = [citation.excerpt for citation in quote.citations.all()]
        assert any(quote.text in excerpt for excerpt in excerpts), quote.text


def test_quotes_are_words_the_article_puts_in_quotation_marks():
    quoted_spans = re.findall(r"“([^”]+)”", ARTICLE_TEXT)
    for quote in Statement.objects.filter(kind="quote"):
        assert any(quote.text in span for span in quoted_spans), quote.text


def test_every_partial_date_is_well_formed():
    prefixes = {
        Source: ["published"],
        Position: ["start", "end"],
        Contact: ["date", "end_date"],
        Statement: ["said"],
    }
    for model, names in prefixes.items():
        for record in model.objects.all():
            for name in names:
                value = getattr(record, name)
                if value is None:
                    assert getattr(record, f"{name}_precision") == ""
                    continue
                assert PartialDate.parse(value.isoformat()) == value


def test_statements_name_a_speaker_and_a_coherent_country():
    for statement in Statement.objects.select_related("speaker"):
        assert statement.speaker or statement.speaker_label
        if statement.speaker:
            assert statement.speaker_country == statement.speaker.country


def test_the_planned_visit_is_in_2025_and_the_laos_talks_on_26_july_2024():
    visit = Contact.objects.get(status="planned")
    assert visit.date.isoformat() == "2025"
    laos = Contact.objects.get(country="LA")
    assert (laos.date.isoformat(), laos.duration_minutes) == ("2024-07-26", 40)


def test_ambassadors_replaced_with_the_months_the_article_states():
    xing = Position.objects.get(official__slug="xing-haiming", title__icontains="ambassador")
    assert xing.end.isoformat() == "2024-07"
    dai = Position.objects.get(official__slug="dai-bin", title__icontains="ambassador")
    assert dai.start.isoformat() == "2024-11"
    kim = Position.objects.get(official__slug="kim-dae-ki", title__icontains="ambassador")
    assert kim.start.isoformat() == "2024-10"


def test_nothing_outside_the_article_is_claimed_for_its_sources():
    for source in Source.objects.all():
        assert source.document_url == ""
        assert source.published is None
