"""The read scenarios and, for each server variant, the address that asks it the same question.

Templates are ``str.format`` strings; the fields they may use are those of ``Context``. A variant
without a template for a scenario is reported "n/a (not offered)"; one that answers 4xx is
reported "n/a (status …)", so a template may name an API feature before it exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FILTER_FROM = "2010-01-01"
FILTER_TO = "2015-12-31"
# Ten thousand pages of fifty, or the last full page of a smaller table.
DEEP_POSITION = 500_000
PAGE = 50


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    templates: dict[str, str]
    # Streamed whole and measured in rows per second, not driven by wrk.
    streamed: bool = False
    # Detail reads rotate over these many ids.
    per_id: bool = False


@dataclass
class Context:
    """What the templates are filled with, found once per data set (see ``run.discover``)."""

    database: str = "detente"
    position: int = DEEP_POSITION
    api_cursor: str | None = None
    handwritten_after: str | None = None
    datasette_next: str | None = None
    ids: list[int] = field(default_factory=list)


_FILTER_API = f"country=CN&said_after={FILTER_FROM}&said_before={FILTER_TO}"
# Datasette's filters with the API's overlap semantics (latest day after, earliest day before).
_FILTER_DATASETTE = (
    f"speaker_country__exact=CN&said_latest__gte={FILTER_FROM}&said_earliest__lte={FILTER_TO}"
)
_DATASETTE_LIST = (
    "/{database}/diplomacy_statement.json?_size=50&_sort_desc=said_earliest&_labels=on"
)

SCENARIOS = [
    Scenario(
        "first",
        "first page",
        {
            "api": f"/api/v1/statements/?limit={PAGE}&ordering=-said",
            "handwritten": f"/statements/?limit={PAGE}",
            "datasette": _DATASETTE_LIST,
        },
    ),
    Scenario(
        "filtered",
        "filtered page",
        {
            "api": f"/api/v1/statements/?limit={PAGE}&ordering=-said&{_FILTER_API}",
            "handwritten": f"/statements/?limit={PAGE}&{_FILTER_API}",
            "datasette": f"{_DATASETTE_LIST}&{_FILTER_DATASETTE}",
        },
    ),
    Scenario(
        "deep_offset",
        "deep page, offset",
        {
            "api": f"/api/v1/statements/?limit={PAGE}&ordering=-said&offset={{position}}",
            "handwritten": f"/statements/?limit={PAGE}&offset={{position}}",
        },
    ),
    Scenario(
        "deep_keyset",
        "deep page, keyset",
        {
            "api": f"/api/v1/statements/?limit={PAGE}&ordering=-said&cursor={{api_cursor}}",
            "handwritten": f"/statements/?limit={PAGE}&after={{handwritten_after}}",
            "datasette": f"{_DATASETTE_LIST}&_next={{datasette_next}}",
        },
    ),
    Scenario(
        "detail",
        "detail",
        {
            "api": "/api/v1/statements/{id}/",
            "handwritten": "/statements/{id}/",
            "datasette": "/{database}/diplomacy_statement/{id}.json?_labels=on",
        },
        per_id=True,
    ),
    Scenario(
        "search",
        "full-text search",
        {
            "api": f"/api/v1/statements/?q=peninsula&limit={PAGE}",
            "handwritten": f"/statements/?q=peninsula&limit={PAGE}",
            # No FTS table is configured for Datasette: this is its LIKE scan.
            "datasette": f"{_DATASETTE_LIST}&text__contains=peninsula",
        },
    ),
    Scenario(
        "facets",
        "facets",
        {
            "api": f"/api/v1/statements/?limit={PAGE}&facet=country,kind,year",
            "handwritten": f"/statements/?limit={PAGE}&facet=country,kind,year",
            "datasette": f"{_DATASETTE_LIST}&_facet=kind&_facet=speaker_country",
        },
    ),
    Scenario(
        "csv",
        "CSV export (rows/s)",
        {
            "api": f"/api/v1/statements/?format=csv&{_FILTER_API}",
            "handwritten": f"/statements/export.csv?{_FILTER_API}",
            "datasette": (
                "/{database}/diplomacy_statement.csv?_stream=on&_size=max"
                f"&_sort_desc=said_earliest&{_FILTER_DATASETTE}"
            ),
        },
        streamed=True,
    ),
]

SCENARIO_NAMES = [scenario.name for scenario in SCENARIOS]


def paths(scenario: Scenario, variant: str, context: Context) -> list[str] | str:
    """The addresses to request, or why there are none ("n/a (…)")."""
    template = scenario.templates.get(variant)
    if template is None:
        return "n/a (not offered)"
    values = {
        "database": context.database,
        "position": context.position,
        "api_cursor": context.api_cursor,
        "handwritten_after": context.handwritten_after,
        "datasette_next": context.datasette_next,
    }
    missing = [
        name for name, value in values.items() if value is None and f"{{{name}}}" in template
    ]
    if missing:
        return f"n/a (no {missing[0].replace('_', ' ')})"
    if scenario.per_id:
        return [template.format(id=identifier, **values) for identifier in context.ids]
    return [template.format(**values)]
