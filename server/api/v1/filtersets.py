"""API v1 filters: one FilterSet per resource. Repeated parameters are ORed together."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from server.api.filters import (
    AtFilter,
    CountryFilter,
    IdFilter,
    LanguageFilter,
    OverlapFilter,
    ReviewFilter,
    SlugFilter,
)
from server.diplomacy import selectors
from server.diplomacy.models import (
    Contact,
    ContactKind,
    ContactStatus,
    Official,
    Source,
    SourceKind,
    Statement,
    StatementKind,
)
from server.diplomacy.visibility import PUBLIC, Audience


def _audience(filterset: django_filters.FilterSet) -> Audience:
    """The audience of the request the filter set filters for (``visibility``)."""
    request: Any = filterset.request
    view = request.parser_context["view"] if request is not None else None
    return view.review_states() if view is not None else PUBLIC


def topic_slugs() -> SlugFilter:
    return SlugFilter(
        field_name="topics__slug", distinct=True, help_text="Topic slug; repeat for any of several."
    )


def source_ids(method: str) -> IdFilter:
    return IdFilter(method=method, help_text="Source id; records citing any of these sources.")


class OfficialFilterSet(django_filters.FilterSet):
    country = CountryFilter(help_text="Country (ISO 3166-1 alpha-2); repeat for any of several.")
    slug = SlugFilter(help_text="Official slug; repeat for any of several.")
    at = AtFilter(
        method="filter_at",
        help_text=(
            "Officials holding a post that day, month or year (YYYY-MM-DD, YYYY-MM or YYYY): a "
            "post begun by then (if its start is known) and not ended before (if its end is "
            "known); posts without any date are left out."
        ),
    )
    review = ReviewFilter(
        help_text=(
            "Review states of the posts held to show (default reviewed); draft, disputed and all "
            "need a curator's token."
        )
    )

    class Meta:
        model = Official
        fields: list[str] = []

    def filter_at(self, qs: QuerySet[Official], name: str, value: Any) -> QuerySet[Official]:
        if value is None:
            return qs
        return selectors.holding_a_post(qs, value.earliest, value.latest, _audience(self))


class SourceFilterSet(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=SourceKind.choices)
    language = LanguageFilter(help_text="Language tag; repeat for any of several.")
    published_after = OverlapFilter(field_name="published", side="after")
    published_before = OverlapFilter(field_name="published", side="before")

    class Meta:
        model = Source
        fields: list[str] = []


class ContactFilterSet(django_filters.FilterSet):
    country = CountryFilter(help_text="Country where the contact took place.")
    participant_country = CountryFilter(
        field_name="participants__country", distinct=True, help_text="Country of a participant."
    )
    kind = django_filters.MultipleChoiceFilter(choices=ContactKind.choices)
    status = django_filters.MultipleChoiceFilter(choices=ContactStatus.choices)
    official = SlugFilter(
        method="filter_official",
        help_text="Slug of an official taking part; repeat for any of several.",
    )
    source = source_ids("filter_source")
    topic = topic_slugs()
    date_after = OverlapFilter(field_name="date", side="after")
    date_before = OverlapFilter(field_name="date", side="before")
    review = ReviewFilter()

    class Meta:
        model = Contact
        fields: list[str] = []

    def filter_official(self, qs: QuerySet[Contact], name: str, value: Any) -> QuerySet[Contact]:
        return qs.filter(selectors.taking_part(value)) if value else qs

    def filter_source(self, qs: QuerySet[Contact], name: str, value: Any) -> QuerySet[Contact]:
        return qs.filter(selectors.citing(value, "contact")) if value else qs


class StatementFilterSet(django_filters.FilterSet):
    speaker = SlugFilter(
        field_name="speaker__slug", help_text="Slug of the official speaking; repeat for several."
    )
    country = CountryFilter(field_name="speaker_country", help_text="The speaker's country.")
    kind = django_filters.MultipleChoiceFilter(choices=StatementKind.choices)
    language = LanguageFilter(help_text="Language tag; repeat for any of several.")
    contact = IdFilter(
        method="filter_contact",
        help_text="Contact id; repeat for any of several (one you may not read matches none).",
    )
    source = source_ids("filter_source")
    topic = topic_slugs()
    said_after = OverlapFilter(field_name="said", side="after")
    said_before = OverlapFilter(field_name="said", side="before")
    review = ReviewFilter()

    class Meta:
        model = Statement
        fields: list[str] = []

    def filter_source(self, qs: QuerySet[Statement], name: str, value: Any) -> QuerySet[Statement]:
        if not value:
            return qs
        return qs.filter(selectors.citing(value, "statement") | Q(origin_id__in=value))

    def filter_contact(self, qs: QuerySet[Statement], name: str, value: Any) -> QuerySet[Statement]:
        if not value:
            return qs
        # A statement shows a contact its reader may not see as null: it is at no such contact.
        qs = qs.filter(contact_id__in=value)
        audience = _audience(self)
        return qs if audience is None else qs.filter(contact__review_state__in=audience)
