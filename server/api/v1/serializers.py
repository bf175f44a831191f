"""API v1 representations: full shapes for each resource and brief shapes for related objects.

Related records are shown brief and written as ids; topics are slugs; nested lists (posts held,
participants, citations) are written with their record and replace the old list whole.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from server.api import limits
from server.api.fields import PartialDateField
from server.api.serializers import (
    BriefRelatedField,
    DetailURLField,
    StrictFieldsMixin,
    TextField,
)
from server.diplomacy import selectors, services
from server.diplomacy.models import (
    MAX_DURATION_MINUTES,
    Citation,
    Contact,
    Official,
    Participant,
    Position,
    Record,
    ReviewState,
    Source,
    Statement,
    Topic,
)
from server.diplomacy.revisions import REVIEW_FIELDS, spec_for
from server.diplomacy.safe_text import name_text
from server.diplomacy.visibility import is_claim

RECORD_FIELDS = ("id", "url", "version", "created_at", "updated_at")


def review_state_field() -> serializers.ChoiceField:
    """A claim's review state, written by curators: a change of it is a review."""
    return serializers.ChoiceField(
        choices=ReviewState.choices,
        required=False,
        help_text=(
            "draft, reviewed or disputed; only reviewed records are public. Setting another state "
            "is a review (reviewed_by and reviewed_at are set by the server); a change to the "
            "content puts a reviewed or disputed record back to draft."
        ),
    )


def reviewed_by_field() -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="The username of who last reviewed or disputed it.",
    )


def reviewed_at_field() -> serializers.DateTimeField:
    return serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When it was last reviewed or disputed."
    )


def detail_url(basename: str) -> DetailURLField:
    return DetailURLField(view_name=f"v1:{basename}-detail")


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


def brief(serializer: type[serializers.ModelSerializer[Any]], **options: Any) -> BriefRelatedField:
    model: Any = serializer.Meta.model
    if is_claim(model):
        # A claim under review is not shown to every reader: the brief then reads as null.
        options["allow_null"] = True
        options.setdefault(
            "help_text",
            f"The {model._meta.verbose_name} (an id when writing); null when there is none, or "
            f"when it is not shown to this reader (not yet reviewed).",
        )
    if options.get("allow_null"):
        options.setdefault("required", False)
    return BriefRelatedField(serializer, queryset=model._default_manager.all(), **options)


def topic_slugs() -> limits.BoundedManyRelatedField:
    return limits.BoundedManyRelatedField(
        child_relation=serializers.SlugRelatedField(
            slug_field="slug", queryset=Topic.objects.all()
        ),
        required=False,
        max_length=limits.TOPICS,
    )


class CitationSerializer(StrictFieldsMixin, serializers.ModelSerializer[Citation]):
    source = brief(SourceBriefSerializer)  # type: ignore[assignment]

    class Meta:
        model = Citation
        fields = ("source", "excerpt", "locator")
        extra_kwargs = {"excerpt": {"max_length": limits.EXCERPT}}


def citations(**options: Any) -> CitationSerializer:
    return limits.many(
        CitationSerializer, allow_empty=False, max_length=limits.CITATIONS, **options
    )


class PositionSerializer(StrictFieldsMixin, serializers.ModelSerializer[Position]):
    start = PartialDateField(allow_null=True, required=False)
    end = PartialDateField(allow_null=True, required=False)
    citations = citations()
    review_state = review_state_field()
    reviewed_by = reviewed_by_field()
    reviewed_at = reviewed_at_field()

    class Meta:
        model = Position
        fields = ("title", "organization", "country", "start", "end", "citations", *REVIEW_FIELDS)


class PostHeldSerializer(serializers.ModelSerializer[Position]):
    start = PartialDateField(allow_null=True)
    end = PartialDateField(allow_null=True)

    class Meta:
        model = Position
        fields = ("title", "organization", "country", "start", "end")


class ParticipantSerializer(StrictFieldsMixin, serializers.ModelSerializer[Participant]):
    official = brief(OfficialBriefSerializer, allow_null=True)
    position = serializers.SerializerMethodField(
        help_text=(
            "The post the official held on the contact's date (a reviewed post whose dates allow "
            "it; else one the source gives without dates); null when unknown."
        )
    )

    # What ``position`` needs when lists are built from rows (``server.api.rows``).
    row_columns = {"position": ("official_id",)}
    parent_row_columns = ("date_earliest", "date_latest", "end_date_latest")

    class Meta:
        model = Participant
        fields = ("official", "label", "country", "role", "position")

    @extend_schema_field(PostHeldSerializer(allow_null=True))
    def get_position(self, participant: Participant) -> dict[str, Any] | None:
        official = participant.official
        if official is None:
            return None
        posts = getattr(official, "public_posts", None)
        if posts is None:
            posts = list(selectors.public_posts().filter(official=official))
        contact = participant.contact
        return _post_held(
            posts, contact.date_earliest, contact.end_date_latest or contact.date_latest
        )

    def position_from_rows(
        self, rows: list[dict[str, Any]], contacts: list[dict[str, Any]]
    ) -> list[dict[str, Any] | None]:
        officials = {row["official_id"] for row in rows} - {None}
        posts: dict[int, list[Position]] = defaultdict(list)
        for post in selectors.public_posts().filter(official_id__in=officials):
            posts[post.official_id].append(post)
        return [
            None
            if row["official_id"] is None
            else _post_held(
                posts[row["official_id"]],
                contact["date_earliest"],
                contact["end_date_latest"] or contact["date_latest"],
            )
            for row, contact in zip(rows, contacts, strict=True)
        ]


def _post_held(
    posts: list[Position], earliest: date | None, latest: date | None
) -> dict[str, Any] | None:
    post = selectors.post_at(posts, earliest, latest)
    return None if post is None else PostHeldSerializer(post).data


class RecordSerializer(StrictFieldsMixin, serializers.ModelSerializer[Record]):
    """Writes through the services: the whole record, nested parts included, in one transaction."""

    def create(self, validated_data: dict[str, Any]) -> Record:
        user = validated_data.pop("user", None)
        return services.record_create(self.Meta.model, validated_data, user=user)

    def update(self, instance: Record, validated_data: dict[str, Any]) -> Record:
        user = validated_data.pop("user", None)
        expected = validated_data.pop("expected_version", None)
        if not self.partial:
            validated_data = self._with_omitted_fields_cleared(validated_data)
        return services.record_update(
            instance, validated_data, expected_version=expected, user=user
        )

    def _with_omitted_fields_cleared(self, data: dict[str, Any]) -> dict[str, Any]:
        """PUT replaces the record: a field left out takes the value a POST would give it."""
        model: Any = self.Meta.model
        lists = {part.name for part in spec_for(model).parts} | {"topics"}
        cleared: dict[str, Any] = {}
        for name, field in self.fields.items():
            # A review state left out is kept (subject to the draft rule), not reset.
            if field.read_only or name in data or name in REVIEW_FIELDS:
                continue
            if name in lists:
                cleared[name] = []
                continue
            try:
                cleared[name] = model._meta.get_field(field.source).get_default()
            except FieldDoesNotExist:  # a partial date: a property over three columns
                cleared[name] = None
        return {**cleared, **data}


class OfficialSerializer(RecordSerializer):
    url = detail_url("official")
    aliases = serializers.ListField(
        child=TextField(max_length=limits.ALIAS_LENGTH, validators=[name_text]),
        required=False,
        max_length=limits.ALIASES,
    )
    positions = limits.many(PositionSerializer, required=False, max_length=limits.POSITIONS)

    class Meta:
        model = Official
        fields = (*RECORD_FIELDS, "slug", "name", "aliases", "country", "positions", "notes")
        extra_kwargs = {"notes": {"max_length": limits.NOTES}}


class SourceSerializer(RecordSerializer):
    url = detail_url("source")
    published = PartialDateField(allow_null=True, required=False)

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
            "text",
        )
        extra_kwargs = {
            "notes": {"max_length": limits.NOTES},
            "text": {"max_length": limits.SOURCE_TEXT},
        }


class ContactSerializer(RecordSerializer):
    url = detail_url("contact")
    date = PartialDateField(allow_null=True, required=False)
    end_date = PartialDateField(allow_null=True, required=False)
    duration_minutes = serializers.IntegerField(
        min_value=1, max_value=MAX_DURATION_MINUTES, allow_null=True, required=False
    )
    participants = limits.many(
        ParticipantSerializer, required=False, max_length=limits.PARTICIPANTS
    )
    topics = topic_slugs()
    citations = citations()
    review_state = review_state_field()
    reviewed_by = reviewed_by_field()
    reviewed_at = reviewed_at_field()

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
            *REVIEW_FIELDS,
        )
        extra_kwargs = {"summary": {"max_length": limits.SUMMARY}}


class StatementSerializer(RecordSerializer):
    url = detail_url("statement")
    speaker = brief(OfficialBriefSerializer, allow_null=True)
    said = PartialDateField(allow_null=True, required=False)
    contact = brief(ContactBriefSerializer, allow_null=True)
    origin = brief(SourceBriefSerializer, allow_null=True)
    topics = topic_slugs()
    citations = citations()
    review_state = review_state_field()
    reviewed_by = reviewed_by_field()
    reviewed_at = reviewed_at_field()

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
            *REVIEW_FIELDS,
        )
        extra_kwargs = {"text": {"max_length": limits.STATEMENT_TEXT}}
