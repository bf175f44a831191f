"""How much one write may hold: nested lists and long texts are bounded, so that no request
causes more work than a curator's largest real record needs (a claim cites a few passages, a
contact has a few dozen participants). Each bound is in the OpenAPI schema (``maxItems``,
``maxLength``) and a body past it is a 400 naming the field, before any of it is looked up.

At the largest allowed, an official with every post cited as often as allowed, a write stores
about a thousand citations and takes a couple of seconds.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

# Nested lists, per record (posts held each have their own citations).
CITATIONS = 20
POSITIONS = 50
PARTICIPANTS = 100
ALIASES = 50
TOPICS = 20

# Texts the database stores unbounded.
ALIAS_LENGTH = 200
STATEMENT_TEXT = 20_000
EXCERPT = 5_000
SUMMARY = 20_000
NOTES = 20_000
# A source's full text (the article a claim is read in); a body is at most 1 MiB anyway.
SOURCE_TEXT = 500_000

TOO_MANY = "Ensure this field has no more than {max_length} elements."


class BoundedManyRelatedField(serializers.ManyRelatedField):
    """A list of related records (topics by slug) with at most ``max_length`` of them, checked
    before any of them is looked up."""

    default_error_messages = {"max_length": TOO_MANY}

    def __init__(self, *, max_length: int, **kwargs: Any) -> None:
        self.max_length = max_length
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, list) and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


def many(
    serializer: type[serializers.BaseSerializer[Any]], *, max_length: int, **options: Any
) -> Any:
    """``serializer(many=True)``, a list of at most ``max_length`` items (DRF hands the bound to
    the list it makes; the type stubs know it only on ListSerializer itself)."""
    return serializer(many=True, **{**options, "max_length": max_length})


def max_items(field: Any) -> int | None:
    """The bound of a nested list (``ListSerializer``, or the field above)."""
    if isinstance(field, serializers.ListSerializer | BoundedManyRelatedField):
        bound = getattr(field, "max_length", None)
        return None if bound is None else int(bound)
    return None
