"""``/api/v1/network/``: officials linked by the contacts they shared."""

from __future__ import annotations

from typing import Unpack

from ..errors import UnexpectedResponse
from ..models import Network
from ..params import NetworkFilters
from ..transport import Transport
from .base import encode_query

__all__ = ["GRAPHML_MEDIA_TYPE", "NetworkResource"]

GRAPHML_MEDIA_TYPE = "application/graphml+xml"


class NetworkResource:
    """The network of officials: a node per official on record who took part in a reviewed
    contact, an edge per pair who took part in the same ones, weighted by how many.

    >>> network = api.network.get(kind="summit")
    >>> for edge in network.edges:
    ...     print(network.node(edge.source).name, network.node(edge.target).name, edge.weight)
    """

    path = "network/"

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def __repr__(self) -> str:
        return f"<NetworkResource {self._transport.url(self.path)}>"

    def get(self, **filters: Unpack[NetworkFilters]) -> Network:
        """The network of the matching contacts, typed."""
        data = self._transport.json("GET", self.path, params=encode_query(filters))
        if not isinstance(data, dict):
            raise UnexpectedResponse("Expected the network to be an object")
        return Network.from_dict(data)

    def graphml(self, **filters: Unpack[NetworkFilters]) -> str:
        """The same network as GraphML text (for networkx, Gephi, yEd)."""
        response = self._transport.request(
            "GET",
            self.path,
            params={**encode_query(filters), "format": "graphml"},
            headers={"Accept": GRAPHML_MEDIA_TYPE},
        )
        kind = response.headers.get("Content-Type", "")
        if not kind.startswith(GRAPHML_MEDIA_TYPE):
            raise UnexpectedResponse(f"Expected GraphML, got {kind or 'no content type'}")
        return response.content.decode("utf-8")
