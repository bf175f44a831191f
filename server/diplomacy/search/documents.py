"""The text full-text search indexes for each resource: its own words and the names it is found by.

A statement is found by its speaker's name, a contact by its participants', an official by the
posts held; so a change to an official changes the documents of its statements and contacts too
(``refresh``). Bulk loaders build documents with these same functions.
"""

from __future__ import annotations

from collections.abc import Iterable


def _joined(parts: Iterable[str | None]) -> str:
    return "\n".join(part.strip() for part in parts if part and part.strip())


def official_document(name: str, aliases: Iterable[str], posts: Iterable[tuple[str, str]]) -> str:
    """``posts``: (title, organization) of each post held."""
    return _joined([name, *aliases, *(_joined(post) for post in posts)])


def source_document(title: str, author: str, publisher: str) -> str:
    return _joined([title, author, publisher])


def contact_document(
    title: str,
    summary: str,
    occasion: str,
    location: str,
    participants: Iterable[tuple[str, str | None]],
) -> str:
    """``participants``: (label, official's name or None) of each participant."""
    names = [_joined(participant) for participant in participants]
    return _joined([title, summary, occasion, location, *names])


def statement_document(text: str, speaker_name: str | None, speaker_label: str) -> str:
    return _joined([text, speaker_name, speaker_label])
