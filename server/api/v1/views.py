"""API v1 endpoints: one declarative viewset per resource; RecordViewSet holds the behaviour."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view

from server.api.facets import Facet, Year
from server.api.views import AS_OF, REVIEW, RecordViewSet
from server.diplomacy import selectors

from . import filtersets, serializers


def partial_date_ordering(prefix: str) -> tuple[str, str]:
    """Earliest day first; on the same first day, the coarser date ("2024") before "2024-01"."""
    return (f"{prefix}_earliest", f"-{prefix}_latest")


reviewed_reads = extend_schema_view(
    retrieve=extend_schema(parameters=[AS_OF, REVIEW]),
    history=extend_schema(parameters=[REVIEW]),
)


@reviewed_reads
class OfficialViewSet(RecordViewSet):
    """Officials and the posts they held, each post with the citations that support it."""

    queryset = selectors.official_list()
    serializer_class = serializers.OfficialSerializer
    filterset_class = filtersets.OfficialFilterSet
    facet_fields = {"country": "country"}
    ordering_fields = ("name", "country", "id", "created_at", "updated_at")
    ordering = ("name",)


class SourceViewSet(RecordViewSet):
    """Documents the records cite: the analysis the dataset comes from and those it quotes."""

    queryset = selectors.source_list()
    serializer_class = serializers.SourceSerializer
    filterset_class = filtersets.SourceFilterSet
    facet_fields = {
        "kind": "kind",
        "language": "language",
        "year": Year("published_earliest"),
    }
    ordering_fields = ("title", "kind", "published", "id", "created_at", "updated_at")
    ordering_aliases = {"published": partial_date_ordering("published")}
    ordering = ("title",)


@reviewed_reads
class ContactViewSet(RecordViewSet):
    """Meetings, talks, dialogues, visits and exchanges, with who took part and the sources."""

    queryset = selectors.contact_list()
    serializer_class = serializers.ContactSerializer
    filterset_class = filtersets.ContactFilterSet
    facet_fields = {
        "country": "country",
        "kind": "kind",
        "status": "status",
        "topic": "topics__slug",
        "year": Year("date_earliest"),
        "official": Facet("participants__official__slug"),
        "participant_country": Facet("participants__country"),
    }
    ordering_fields = ("date", "title", "kind", "id", "created_at", "updated_at")
    ordering_aliases = {"date": partial_date_ordering("date")}
    ordering = ("date",)


@reviewed_reads
class StatementViewSet(RecordViewSet):
    """What was said: quotes in the source's exact words and paraphrases, with their citations."""

    queryset = selectors.statement_list()
    serializer_class = serializers.StatementSerializer
    filterset_class = filtersets.StatementFilterSet
    facet_fields = {
        "country": "speaker_country",
        "kind": "kind",
        "language": "language",
        "topic": "topics__slug",
        "year": Year("said_earliest"),
        "speaker": "speaker__slug",
    }
    ordering_fields = ("said", "kind", "id", "created_at", "updated_at")
    ordering_aliases = {"said": partial_date_ordering("said")}
    ordering = ("said",)
