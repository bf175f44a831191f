"""The contact network: officials as nodes, linked by the contacts they took part in together.

Two queries whatever the size: the (contact, official) pairs of the contacts kept, then the
officials named in them; the pairs are counted here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from itertools import combinations

from django.db.models import QuerySet

from . import selectors
from .dates import PartialDate
from .models import Contact, Official, Participant
from .visibility import PUBLIC, Audience


@dataclass(frozen=True, kw_only=True)
class NetworkFilters:
    """Which contacts count and which officials are shown; an empty collection does not filter."""

    countries: Collection[str] = ()
    kinds: Collection[str] = ()
    statuses: Collection[str] = ()
    after: PartialDate | None = None
    before: PartialDate | None = None


@dataclass(frozen=True)
class Node:
    official: Official
    contacts: int


@dataclass(frozen=True)
class Edge:
    source: int
    target: int
    contacts: tuple[int, ...]

    @property
    def weight(self) -> int:
        return len(self.contacts)


@dataclass(frozen=True)
class Network:
    nodes: list[Node]
    edges: list[Edge]


def contact_network(filters: NetworkFilters, review_states: Audience = PUBLIC) -> Network:
    """Every official on record taking part in a contact kept (of the countries asked, if any),
    with the number of those contacts; an edge for each pair of them who took part in the same
    contacts, weighted by how many. Nodes and edges are ordered by official id."""
    contacts = _filter_contacts(
        selectors.in_review_states(Contact.objects.all(), review_states), filters
    )
    participations = Participant.objects.filter(contact__in=contacts, official__isnull=False)
    if filters.countries:
        participations = participations.filter(official__country__in=filters.countries)
    members: dict[int, set[int]] = defaultdict(set)
    for contact_id, official_id in participations.values_list("contact_id", "official_id"):
        members[contact_id].add(official_id)

    contacts_of: dict[int, set[int]] = defaultdict(set)
    shared: dict[tuple[int, int], list[int]] = defaultdict(list)
    for contact_id, member_ids in sorted(members.items()):
        for official_id in member_ids:
            contacts_of[official_id].add(contact_id)
        for pair in combinations(sorted(member_ids), 2):
            shared[pair].append(contact_id)

    officials = (
        Official.objects.filter(pk__in=contacts_of).only("slug", "name", "country").order_by("id")
    )
    return Network(
        nodes=[Node(official, len(contacts_of[official.pk])) for official in officials],
        edges=[
            Edge(source, target, tuple(contact_ids))
            for (source, target), contact_ids in sorted(shared.items())
        ],
    )


def _filter_contacts(contacts: QuerySet[Contact], filters: NetworkFilters) -> QuerySet[Contact]:
    if filters.kinds:
        contacts = contacts.filter(kind__in=filters.kinds)
    if filters.statuses:
        contacts = contacts.filter(status__in=filters.statuses)
    return selectors.dated_between(contacts, "date", filters.after, filters.before)
