"""API v1 representations: full shapes for each resource and brief shapes for related objects."""

from __future__ import annotations

from rest_framework import serializers

from server.api.fields import PartialDateField
from server.diplomacy.models import (
    MAX_DURATION_MINUTES,
    Citation,
    Contact,
    Official,
    Participant,
    Position,
    Source,
    Statement,
)

RECORD_FIELDS = ("id", "url", "version", "created_at", "updated_at")


def detail_url(basename: str) -> serializers.HyperlinkedIdentityField:
    return serializers.HyperlinkedIdentityField(view_name=f"v1:{basename}-detail")


class OfficialBriefSerializer(serializers.ModelSerializer[Official]):
    url = detail_url("official")

    class Meta:
        model = Official
        fields = ("id", "url", "slug", "name")


class SourceBriefSerializer(serializers.ModelSerializer[Source]):
    url = detail_url("source")

    class Meta:
        model = Source
        fields = ("id", "url", "title")


class ContactBriefSerializer(serializers.ModelSerializer[Contact]):
    url = detail_url("contact")

    class Meta:
        model = Contact
        fields = ("id", "url", "title")


class CitationSerializer(serializers.ModelSerializer[Citation]):
    source = SourceBriefSerializer()  # type: ignore[assignment]

    class Meta:
        model = Citation
        fields = ("source", "excerpt", "locator")


class PositionSerializer(serializers.ModelSerializer[Position]):
    start = PartialDateField(allow_null=True)
    end = PartialDateField(allow_null=True)
    citations = CitationSerializer(many=True)

    class Meta:
        model = Position
        fields = ("title", "organization", "country", "start", "end", "citations")


class OfficialSerializer(serializers.ModelSerializer[Official]):
    url = detail_url("official")
    aliases = serializers.ListField(child=serializers.CharField())
    positions = PositionSerializer(many=True)

    class Meta:
        model = Official
        fields = (*RECORD_FIELDS, "slug", "name", "aliases", "country", "positions", "notes")


class SourceSerializer(serializers.ModelSerializer[Source]):
    url = detail_url("source")
    published = PartialDateField(allow_null=True)

    class Meta:
        model = Source
        fields = (
            *RECORD_FIELDS,
            "title",
            "kind",
            "author",
            "author_affiliation",
            "publisher",
            "published",
            "document_url",
            "language",
            "notes",
        )


class ParticipantSerializer(serializers.ModelSerializer[Participant]):
    official = OfficialBriefSerializer(allow_null=True)

    class Meta:
        model = Participant
        fields = ("official", "label", "country", "role")


def topic_slugs() -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")


class ContactSerializer(serializers.ModelSerializer[Contact]):
    url = detail_url("contact")
    date = PartialDateField(allow_null=True)
    end_date = PartialDateField(allow_null=True)
    duration_minutes = serializers.IntegerField(
        min_value=1, max_value=MAX_DURATION_MINUTES, allow_null=True
    )
    participants = ParticipantSerializer(many=True)
    topics = topic_slugs()
    citations = CitationSerializer(many=True)

    class Meta:
        model = Contact
        fields = (
            *RECORD_FIELDS,
            "title",
            "kind",
            "status",
            "date",
            "end_date",
            "location",
            "country",
            "occasion",
            "duration_minutes",
            "participants",
            "summary",
            "topics",
            "citations",
        )


class StatementSerializer(serializers.ModelSerializer[Statement]):
    url = detail_url("statement")
    speaker = OfficialBriefSerializer(allow_null=True)
    said = PartialDateField(allow_null=True)
    contact = ContactBriefSerializer(allow_null=True)
    origin = SourceBriefSerializer(allow_null=True)
    topics = topic_slugs()
    citations = CitationSerializer(many=True)

    class Meta:
        model = Statement
        fields = (
            *RECORD_FIELDS,
            "text",
            "kind",
            "language",
            "speaker",
            "speaker_label",
            "speaker_country",
            "said",
            "contact",
            "origin",
            "topics",
            "citations",
        )
