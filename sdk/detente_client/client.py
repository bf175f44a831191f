"""The client: one per server, with a resource attribute for each kind of record."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any, Unpack

import requests

from .errors import UnexpectedResponse
from .feed import Feed, FeedEntry, Release
from .params import FeedFilters
from .resources import Contacts, NetworkResource, Officials, Sources, Statements, Timeline
from .streams import Export, Target, ndjson_objects
from .sync import DEFAULT_STORE, Store, SyncResult, sync
from .transport import DEFAULT_BASE_URL, DEFAULT_TIMEOUT, RetryPolicy, Timeout, Transport

DATASET_MEDIA_TYPE = "application/x-ndjson"

__all__ = ["Client"]


class Client:
    """A client of one Détente server.

    >>> api = Client("http://127.0.0.1:8000")
    >>> for statement in api.statements.list(speaker="xi-jinping"):
    ...     print(statement.said, statement.text)

    ``token``: an API token, sent as ``Authorization: Token …``; reads need none, writes do.
    ``timeout``: seconds to wait for each answer (or a ``(connect, read)`` pair); 10 by default.
    ``retries``: how often an idempotent request (GET, HEAD, PUT, DELETE, OPTIONS) is retried on
    a connection failure, a timeout, or a 429, 502, 503 or 504 answer; POST and PATCH never are.
    The wait before retry *n* is ``backoff_factor * 2**n`` seconds, at most ``backoff_max``, or
    what the server's ``Retry-After`` asks (when that is more than ``retry_after_max`` seconds,
    the error is raised at once). ``session``: a ``requests.Session`` of your own (proxies,
    certificates, adapters); the client then leaves closing it to you. ``user_agent``: your
    program's name and version, put before the client's own ``detente-client/… python-requests/…``.
    """

    officials: Officials
    sources: Sources
    contacts: Contacts
    statements: Statements
    timeline: Timeline
    network: NetworkResource
    feed: Feed

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        token: str | None = None,
        *,
        timeout: Timeout = DEFAULT_TIMEOUT,
        retries: int = 3,
        backoff_factor: float = 0.5,
        backoff_max: float = 30.0,
        retry_after_max: float = 60.0,
        session: requests.Session | None = None,
        user_agent: str | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        policy = RetryPolicy(
            retries=retries,
            backoff_factor=backoff_factor,
            backoff_max=backoff_max,
            retry_after_max=retry_after_max,
        )
        options: dict[str, Any] = {} if sleep is None else {"sleep": sleep}
        self.transport = Transport(
            base_url,
            token=token,
            timeout=timeout,
            retry=policy,
            session=session,
            user_agent=user_agent,
            **options,
        )
        self.officials = Officials(self.transport)
        self.sources = Sources(self.transport)
        self.contacts = Contacts(self.transport)
        self.statements = Statements(self.transport)
        self.timeline = Timeline(self.transport)
        self.network = NetworkResource(self.transport)
        self.feed = Feed(self.transport)

    @property
    def base_url(self) -> str:
        """The API's root address (``…/api/v1/``)."""
        return self.transport.api_root

    def __repr__(self) -> str:
        signed = " with a token" if self.transport.token else ""
        return f"<Client {self.transport.api_root}{signed}>"

    def root(self) -> dict[str, str]:
        """The API root: each resource's name and list address."""
        data = self.transport.json("GET", "")
        if not isinstance(data, dict):
            raise UnexpectedResponse("Expected the API root to be an object")
        return {str(name): str(url) for name, url in data.items()}

    def schema(self) -> dict[str, Any]:
        """The server's OpenAPI document (the contract this client is checked against)."""
        data = self.transport.json("GET", "schema/", params={"format": "json"})
        if not isinstance(data, dict):
            raise UnexpectedResponse("Expected the OpenAPI document to be an object")
        return data

    def health(self) -> bool:
        """Whether the server is ready: up, with its database answering (``/readyz``)."""
        response = self.transport.request(
            "GET", self.transport.server_root + "readyz", ok=frozenset({503})
        )
        return response.status_code == 200

    def dataset(self) -> Export[dict[str, Any]]:
        """The public dataset, streamed: one dict per line of ``/api/v1/export/``.

        The first line is the header (``format``, ``version``, ``scope`` and the number of lines
        of each type), then topics, sources, officials, contacts and statements, each with its
        ``type``, in the server's exchange format (what ``manage.py import`` loads).
        """
        response = self.transport.request(
            "GET", "export/", headers={"Accept": DATASET_MEDIA_TYPE}, stream=True
        )
        return Export(response, ndjson_objects)

    def export_dataset(self, target: Target) -> int:
        """Download the public dataset to ``target`` (a path, or a file open for writing bytes)
        as the server writes it, without holding it in memory; return the bytes written.

        A path is written whole or not at all (through a temporary file beside it).
        """
        return self.dataset().save(target)

    def changes(self, **filters: Unpack[FeedFilters]) -> Iterator[FeedEntry]:
        """Every change visible to this client after number ``after`` (0: from the start),
        oldest first, until the feed has no more for now; also ``resource``, ``since``,
        ``until`` and ``include="record"``. Resume later after the last ``seq`` seen."""
        return self.feed.changes(**filters)

    def sync(
        self, store: Store | str | os.PathLike[str] = DEFAULT_STORE, *, max_pages: int | None = None
    ) -> SyncResult:
        """Bring a local copy of the dataset (a SQLite file, or a ``Store``) up to the server's
        change feed, resuming where it stopped; see ``detente_client.sync``."""
        if isinstance(store, Store):
            return sync(self.feed, store, max_pages=max_pages)
        with Store(store) as opened:
            return sync(self.feed, opened, max_pages=max_pages)

    def releases(self) -> tuple[Release, ...]:
        """The releases of the public dataset, oldest first."""
        return self.feed.releases()

    def close(self) -> None:
        """Close the connections (not those of a session passed in)."""
        self.transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
