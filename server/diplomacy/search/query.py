"""The search language of ``q``, parsed once and written out for each database's full-text engine.

    peninsula denuclearization     both words (in any order, anywhere in the record)
    "strategic partnership"        the phrase
    denuclear*                     a word starting with "denuclear"
    Xi OR Wang                     either
    peninsula -nuclear             the first without the second

Anything else that could be read two ways (an unclosed quote, a dangling OR or -, a lone *) is a
``SearchSyntaxError``: the API answers 400 rather than guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_TERMS = 16
_TOKEN = re.compile(r'\s*(?:(?P<minus>-)?(?:"(?P<phrase>[^"]*)"|(?P<word>[^\s"]+))|(?P<open>"))')
_SEARCHABLE = re.compile(r"[^\W_]")


class SearchSyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class Term:
    words: str
    prefix: bool = False
    excluded: bool = False
    phrase: bool = False


@dataclass(frozen=True)
class Query:
    """Alternatives (OR), each a conjunction of terms (AND), some of them excluded (NOT)."""

    alternatives: tuple[tuple[Term, ...], ...]

    def fts5(self) -> str:
        """The query in SQLite FTS5's MATCH syntax, each term quoted (so none is an operator)."""
        return " OR ".join(f"({_fts5_conjunction(terms)})" for terms in self.alternatives)

    def tsquery(self) -> str:
        """The query in PostgreSQL's ``to_tsquery`` syntax (each term quoted, then normalised)."""
        return " | ".join(f"({_tsquery_conjunction(terms)})" for terms in self.alternatives)


def _fts5_term(term: Term) -> str:
    return f'"{term.words}"' + ("*" if term.prefix else "")


def _fts5_conjunction(terms: tuple[Term, ...]) -> str:
    found = " AND ".join(_fts5_term(term) for term in terms if not term.excluded)
    excluded = "".join(f" NOT {_fts5_term(term)}" for term in terms if term.excluded)
    return f"({found}){excluded}" if excluded else found


def _tsquery_term(term: Term) -> str:
    quoted = "'" + term.words.replace("\\", "\\\\").replace("'", "''") + "'"
    return ("!" if term.excluded else "") + quoted + (":*" if term.prefix else "")


def _tsquery_conjunction(terms: tuple[Term, ...]) -> str:
    return " & ".join(_tsquery_term(term) for term in terms)


def _term(minus: str | None, phrase: str | None, word: str | None) -> Term:
    excluded = bool(minus)
    if phrase is not None:
        if not _SEARCHABLE.search(phrase):
            raise SearchSyntaxError(
                f'The phrase "{phrase}" has no letters or digits to search for.'
            )
        return Term(" ".join(phrase.split()), excluded=excluded, phrase=True)
    assert word is not None
    prefix = word.endswith("*")
    stem = word[:-1] if prefix else word
    if "*" in stem:
        raise SearchSyntaxError(
            f'"{word}": a * ends a word to match words starting with it, such as denuclear*.'
        )
    if not _SEARCHABLE.search(stem):
        if not stem and not excluded:
            raise SearchSyntaxError("A * ends a word to match words starting with it.")
        raise SearchSyntaxError(f'"{word}" has no letters or digits to search for.')
    return Term(stem, prefix=prefix, excluded=excluded)


def parse(text: str) -> Query:
    """The query ``text`` reads as, or ``SearchSyntaxError`` saying what to fix."""
    alternatives: list[tuple[Term, ...]] = []
    current: list[Term] = []
    pending_or = False
    position = 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        assert match is not None  # every non-space character starts one of the alternatives
        position = match.end()
        if match["open"]:
            raise SearchSyntaxError('A quote mark (") opens a phrase that is never closed.')
        if match["minus"] and match["word"] is None and match["phrase"] is None:
            raise SearchSyntaxError("A - excludes the word or phrase right after it.")
        if match["word"] == "OR" and not match["minus"]:
            if not current or pending_or:
                raise SearchSyntaxError("OR stands between two words or phrases.")
            alternatives.append(_checked(current))
            current, pending_or = [], True
            continue
        if match["word"] == "-":
            raise SearchSyntaxError("A - excludes the word or phrase right after it.")
        current.append(_term(match["minus"], match["phrase"], match["word"]))
        pending_or = False
    if pending_or:
        raise SearchSyntaxError("OR stands between two words or phrases.")
    if current:
        alternatives.append(_checked(current))
    if not alternatives:
        raise SearchSyntaxError("Give a word or a phrase to search for.")
    if sum(len(terms) for terms in alternatives) > MAX_TERMS:
        raise SearchSyntaxError(f"A search has at most {MAX_TERMS} words and phrases.")
    return Query(tuple(alternatives))


def _checked(terms: list[Term]) -> tuple[Term, ...]:
    if all(term.excluded for term in terms):
        raise SearchSyntaxError(
            "Excluding (-) narrows a search: give at least one word or phrase to find."
        )
    return tuple(terms)
