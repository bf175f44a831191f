"""What characters stored text may hold, checked by the models' validators (so by the services,
the admin and imports) and by the API's text fields, before anything is written.

Any text: no character that XML 1.0 forbids (the C0 controls but tab, line feed and carriage
return; U+FFFE, U+FFFF), no lone surrogate, and none of the private characters search snippets
mark matches with (U+E000, U+E001). Such text would make a GraphML export ill-formed, or a
snippet's ``<mark>`` tags unbalanced.

Names, titles and labels, besides: nothing invisible (control and format characters: zero-width
spaces and joiners, bidirectional embeddings, overrides and isolates, the byte order mark; private
use characters; line and paragraph separators), and no word that mixes scripts, as a Cyrillic "a"
(U+0430) inside a Latin name does (Unicode's mixed-script detection, UTS #39 section 5.1, where
Han goes with Hiragana and Katakana, with Hangul, or with Bopomofo). A name may be wholly in one
script, or hold words of several (a Latin name and its Chinese form); but a Cyrillic or Greek
word made only of letters that look Latin (a Cyrillic "Xi", U+0425 U+0456) does not stand beside
Latin words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from fontTools import unicodedata as scripts

# Search snippets mark each match with these (``search.engine``); no stored text holds them.
SNIPPET_MARKERS = "\ue000\ue001"
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_REFUSED_IN_TEXT = re.compile(f"{XML_INVALID.pattern[:-1]}{SNIPPET_MARKERS}]")
_ASCII_CONTROL = re.compile("[\x00-\x1f\x7f]")
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Zl", "Zp"})
_COMMON = frozenset({"Zyyy", "Zinh", "Zzzz"})
# Han is written with kana in Japanese, with Hangul in Korean, with Bopomofo in Chinese (UTS #39).
_ALSO_WRITTEN_AS = {
    "Hani": {"Hanb", "Jpan", "Kore"},
    "Hira": {"Jpan"},
    "Kana": {"Jpan"},
    "Hang": {"Kore"},
    "Bopo": {"Hanb"},
}
_CJK = frozenset({"Hanb", "Jpan", "Kore"})
# Cyrillic and Greek letters that, in common fonts, cannot be told from a Latin letter.
LATIN_LOOKALIKES = frozenset(
    # Cyrillic: A B E S I J K M H O P C T X Y, a e s i j o p c x y d q w h l
    "\u0410\u0412\u0415\u0405\u0406\u0408\u041a\u041c"
    "\u041d\u041e\u0420\u0421\u0422\u0425\u0423\u0430"
    "\u0435\u0455\u0456\u0458\u043e\u0440\u0441\u0445"
    "\u0443\u0501\u051b\u051d\u04bb\u04cf"
    # Greek: A B E Z H I K M N O P T Y X, o i v p u
    "\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c"
    "\u039d\u039f\u03a1\u03a4\u03a5\u03a7\u03bf\u03b9"
    "\u03bd\u03c1\u03c5"
)


def _describe(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" ({name.lower()})" if name else "")


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored, or None."""
    found = _REFUSED_IN_TEXT.search(text)
    if found is None:
        return None
    char, where = found.group(), found.start() + 1
    if char in SNIPPET_MARKERS:
        reason = "a private character search snippets mark matches with"
    elif "\ud800" <= char <= "\udfff":
        reason = "half of a surrogate pair, which is no character"
    elif char in "\ufffe\uffff":
        reason = "a noncharacter, which XML cannot hold"
    else:
        reason = "a control character; text holds no control characters but tab and line breaks"
    return f"Remove {_describe(char)} at character {where}: {reason}."


def name_problem(text: str) -> str | None:
    """Why ``text`` cannot be a name, title or label, or None."""
    problem = text_problem(text)
    if problem is not None:
        return problem
    if text.isascii():  # Latin letters and common signs: only a control can be wrong
        control = _ASCII_CONTROL.search(text)
        return None if control is None else _invisible(control.group(), control.start() + 1)
    for where, char in enumerate(text, start=1):
        if _char(char)[0]:
            return _invisible(char, where)
    word_scripts = [(word, _scripts_of(word)) for word in dict.fromkeys(_words(text))]
    for word, found in word_scripts:
        if not _single_script(found):
            return (
                f'"{word}" mixes letters of different scripts ({", ".join(sorted(_named(found)))}),'
                " as a look-alike spelling does: write each word in one script."
            )
    has_latin = any(_only(found) == {"Latn"} for _word, found in word_scripts)
    for word, found in word_scripts:
        if has_latin and _only(found) in ({"Cyrl"}, {"Grek"}) and set(word) <= LATIN_LOOKALIKES:
            return (
                f'"{word}" is written in {_named(found)[0]} letters that look Latin, beside Latin '
                "words: write it in Latin letters."
            )
    return None


def _invisible(char: str, where: int) -> str:
    return (
        f"Remove {_describe(char)} at character {where}: names, titles and labels hold no "
        "invisible characters."
    )


@lru_cache(maxsize=8192)
def _char(char: str) -> tuple[bool, bool, frozenset[str]]:
    """Whether the character is invisible, whether it belongs to a word (a letter, a mark, a
    digit), and the scripts it is written in (none for common signs)."""
    category = unicodedata.category(char)
    found = set(scripts.script_extension(char)) - _COMMON
    for script in list(found):
        found |= _ALSO_WRITTEN_AS.get(script, set())
    return category in _INVISIBLE_CATEGORIES, category[0] in "LMN", frozenset(found)


def _words(text: str) -> list[str]:
    """Runs of letters, marks and digits: what spaces and punctuation separate."""
    words, start = [], None
    for index, char in enumerate(text):
        if _char(char)[1]:
            start = index if start is None else start
        elif start is not None:
            words.append(text[start:index])
            start = None
    return [*words, text[start:]] if start is not None else words


def _scripts_of(word: str) -> list[frozenset[str]]:
    """The distinct script sets of the word's characters that belong to a script."""
    return [found for found in {_char(char)[2] for char in word} if found]


def _single_script(sets: list[frozenset[str]]) -> bool:
    if not sets or frozenset.intersection(*sets):
        return True
    # Latin goes with Chinese, Japanese or Korean writing in one word ("K팝"), as UTS #39 allows.
    others = [found for found in sets if "Latn" not in found]
    return bool(others) and bool(frozenset.intersection(*others) & _CJK)


def _only(sets: list[frozenset[str]]) -> frozenset[str]:
    return frozenset.intersection(*sets) if sets else frozenset()


def _named(sets: list[frozenset[str]] | frozenset[str]) -> list[str]:
    found = frozenset().union(*sets) if isinstance(sets, list) else sets
    return sorted(
        {scripts.script_name(code, default=code) for code in found if code not in _CJK} or found
    )


@deconstructible
class PlainText:
    """A model field's validator: text as ``text_problem`` allows it."""

    check = staticmethod(text_problem)

    def __call__(self, value: Any) -> None:
        for text in _texts(value):
            problem = self.check(text)
            if problem is not None:
                raise ValidationError(problem, code="unsafe_text")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))


@deconstructible
class NameText(PlainText):
    """A model field's validator: a name, title or label as ``name_problem`` allows it (a list
    of names, such as aliases, each)."""

    check = staticmethod(name_problem)


def _texts(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [item for item in value if isinstance(item, str)]
    return []


plain_text = PlainText()
name_text = NameText()
