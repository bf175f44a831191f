"""``GET /api/v1/network/``: officials linked by the contacts they shared, as JSON or GraphML."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from xml.etree import ElementTree

from django import forms
from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from server.api.filters import CountryListField
from server.diplomacy.models import ContactKind, ContactStatus
from server.diplomacy.network import NetworkFilters, Node, contact_network
from server.diplomacy.safe_text import XML_INVALID

from .query import choice_parameter, country_parameter, date_parameter, optional_date, read_query

GRAPHML_NAMESPACE = "http://graphml.graphdrawing.org/xmlns"
# GraphML data keys: (id, for, attr.name, attr.type); ids are unique across nodes and edges.
NODE_KEYS = (
    ("name", "node", "name", "string"),
    ("slug", "node", "slug", "string"),
    ("country", "node", "country", "string"),
    ("url", "node", "url", "string"),
    ("node_contacts", "node", "contacts", "int"),
)
EDGE_KEYS = (
    ("weight", "edge", "weight", "int"),
    ("edge_contacts", "edge", "contacts", "string"),
)


class GraphMLRenderer(BaseRenderer):
    """The network as GraphML, which networkx, Gephi and yEd read. An edge's contact ids are
    joined with commas, since GraphML has no list type.

    Stored text holds no character XML forbids (``server.diplomacy.safe_text``); should some
    arrive all the same (written to the database directly), each is written as U+FFFD, the
    replacement character, so the document stays well formed whatever the data."""

    media_type = "application/graphml+xml"
    format = "graphml"
    charset = "utf-8"

    def render(
        self,
        data: Mapping[str, Any],
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        root = ElementTree.Element("graphml", xmlns=GRAPHML_NAMESPACE)
        for key, owner, name, kind in (*NODE_KEYS, *EDGE_KEYS):
            attributes = {"id": key, "for": owner, "attr.name": name, "attr.type": kind}
            ElementTree.SubElement(root, "key", attributes)
        graph = ElementTree.SubElement(root, "graph", id="contacts", edgedefault="undirected")
        for node in data["nodes"]:
            element = ElementTree.SubElement(graph, "node", id=str(node["id"]))
            _add_data(element, NODE_KEYS, node)
        for edge in data["edges"]:
            element = ElementTree.SubElement(
                graph, "edge", source=str(edge["source"]), target=str(edge["target"])
            )
            _add_data(element, EDGE_KEYS, edge)
        ElementTree.indent(root)
        return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def _add_data(element: ElementTree.Element, keys: Any, values: Mapping[str, Any]) -> None:
    for key, _owner, name, _kind in keys:
        value = values[name]
        text = ",".join(str(item) for item in value) if isinstance(value, list) else str(value)
        ElementTree.SubElement(element, "data", key=key).text = XML_INVALID.sub("\ufffd", text)


class NetworkQuery(forms.Form):
    country = CountryListField(required=False)
    kind = forms.MultipleChoiceField(choices=ContactKind.choices, required=False)
    status = forms.MultipleChoiceField(choices=ContactStatus.choices, required=False)
    date_after = optional_date()
    date_before = optional_date()

    def filters(self) -> NetworkFilters:
        data = self.cleaned_data
        return NetworkFilters(
            countries=data["country"],
            kinds=data["kind"],
            statuses=data["status"],
            after=data["date_after"],
            before=data["date_before"],
        )


class NetworkNodeSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="official.id", help_text="The official's id.")
    url = serializers.SerializerMethodField(help_text="The official's address in the API.")
    slug = serializers.CharField(source="official.slug")
    name = serializers.CharField(source="official.name")
    country = serializers.CharField(source="official.country")
    contacts = serializers.IntegerField(
        help_text="How many of the contacts kept they took part in."
    )

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, node: Node) -> str:
        # The official's own address, without this request's ?format= (which DRF carries over).
        path = reverse("v1:official-detail", args=[node.official.pk])
        return str(self.context["request"].build_absolute_uri(path))


class NetworkEdgeSerializer(serializers.Serializer):
    source = serializers.IntegerField(  # type: ignore[assignment]
        help_text="Id of one official (the lower id)."
    )
    target = serializers.IntegerField(help_text="Id of the other official (the higher id).")
    weight = serializers.IntegerField(help_text="How many contacts both took part in.")
    contacts = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ids of those contacts, ascending."
    )


class NetworkSerializer(serializers.Serializer):
    nodes = NetworkNodeSerializer(many=True)
    edges = NetworkEdgeSerializer(many=True)


FORMATS = ("json", "graphml")
NETWORK_PARAMETERS = [
    country_parameter(
        "The officials' country (ISO 3166-1 alpha-2): only officials of these countries, and the "
        "edges between them; repeat for several."
    ),
    choice_parameter("kind", ContactKind.values, "Contact kind; repeat for several."),
    choice_parameter("status", ContactStatus.values, "Contact status; repeat for several."),
    date_parameter("date_after", "Contacts dated on or after this day, month or year (overlap)."),
    date_parameter("date_before", "Contacts dated on or before this day, month or year (overlap)."),
    OpenApiParameter(
        "format",
        OpenApiTypes.STR,
        enum=FORMATS,
        description="json (the default) or graphml; or send Accept: application/graphml+xml.",
    ),
]


class NetworkView(APIView):
    """Officials as nodes and the reviewed contacts they shared as weighted edges.

    A node is an official on record who took part in at least one contact kept; participants
    named only by a label are left out. Undated contacts count unless a date bound is given.
    """

    http_method_names = ["get", "head", "options"]
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, GraphMLRenderer]

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:  # DRF's answer to an unknown ?format=: a malformed parameter, here.
            raise ValidationError({"format": [f"Choose one of: {', '.join(FORMATS)}."]}) from None

    def handle_exception(self, exc: Exception) -> Response:
        # Errors are problem+json whatever format the network was asked in.
        self._answer_in_json(self.request)
        return super().handle_exception(exc)

    def options(self, request: Request, *args: Any, **kwargs: Any) -> Response:  # type: ignore[override]
        # The description of the endpoint is no graph.
        self._answer_in_json(request)
        return super().options(request, *args, **kwargs)

    def _answer_in_json(self, request: Request) -> None:
        if isinstance(getattr(request, "accepted_renderer", None), GraphMLRenderer):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type

    @extend_schema(
        operation_id="network_retrieve",
        parameters=NETWORK_PARAMETERS,
        responses={
            (200, "application/json"): NetworkSerializer,
            (200, GraphMLRenderer.media_type): OpenApiResponse(
                OpenApiTypes.STR, description="The same network as GraphML."
            ),
        },
    )
    def get(self, request: Request) -> Response:
        query = read_query(NetworkQuery, request, also_known={"format"})
        network = contact_network(query.filters())
        return Response(NetworkSerializer(network, context={"request": request}).data)
