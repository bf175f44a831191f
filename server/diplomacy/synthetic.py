"""Synthetic records for scale tests and benchmarks: deterministic, realistic in shape, bulk-loaded.

``synthesize`` adds officials (with posts held), sources, contacts (with participants) and
statements to the configured database. The same counts and seed, over the same starting database,
give the same rows: every value comes from ``random.Random`` streams seeded per kind of record,
and timestamps are a fixed base time plus the record's id in seconds.

Rows are written with ``executemany`` in batches, one transaction per batch, with explicit ids
(continuing after every id the table or its history has used). Each record gets its "+" history
row, its search document (``search.documents``) and, for resources, the snapshot
``revisions.snapshot`` would give, all built from the generated values without reading back.
``bulk_create`` builds a model instance per row and measured about five times slower, which puts
a million statements well past the time budget; the columns still come from the models' fields.
A thread generates the next batch while the database writes the current one.
"""

# Names, places and quotations in several scripts, with typographic dashes and quotes, on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

import bisect
import calendar
import contextlib
import datetime as dt
import functools
import itertools
import operator
import random
import threading
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from queue import Full, Queue
from typing import Any, NamedTuple, TypeVar

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils.text import slugify

from . import changes
from .dates import PartialDate
from .models import Citation, Contact, Official, Participant, Position, Source, Statement, Topic
from .search.documents import (
    contact_document,
    official_document,
    source_document,
    statement_document,
)
from .search.schema import indexing_after_inserts

BASE_TIME = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2026, 6, 30)
DEFAULT_BATCH_SIZE = 5000
REVIEWED = "reviewed"
T = TypeVar("T")

Row = dict[str, Any]
Progress = Callable[[str, int, int], None]

# -- vocabulary --------------------------------------------------------------------------------


class Country(NamedTuple):
    code: str
    name: str
    demonym: str
    capital: str
    language: str


COUNTRIES = {
    c.code: c
    for c in (
        Country("KR", "South Korea", "South Korean", "Seoul", "ko"),
        Country("CN", "China", "Chinese", "Beijing", "zh"),
        Country("KP", "North Korea", "North Korean", "Pyongyang", "ko"),
        Country("JP", "Japan", "Japanese", "Tokyo", "ja"),
        Country("US", "the United States", "American", "Washington", "en"),
        Country("RU", "Russia", "Russian", "Moscow", "ru"),
        Country("GB", "the United Kingdom", "British", "London", "en"),
        Country("DE", "Germany", "German", "Berlin", "de"),
        Country("FR", "France", "French", "Paris", "fr"),
        Country("VN", "Vietnam", "Vietnamese", "Hanoi", "vi"),
        Country("SA", "Saudi Arabia", "Saudi", "Riyadh", "ar"),
        Country("AE", "the United Arab Emirates", "Emirati", "Abu Dhabi", "ar"),
        Country("IN", "India", "Indian", "New Delhi", "hi"),
    )
}
# Officials' countries, weighted towards the two the dataset is about.
OFFICIAL_COUNTRIES = (
    ("KR",) * 30
    + ("CN",) * 30
    + ("KP",) * 5
    + ("JP",) * 8
    + ("US",) * 8
    + (
        "RU",
        "RU",
        "RU",
        "RU",
        "RU",
        "RU",
        "GB",
        "GB",
        "DE",
        "FR",
        "VN",
        "VN",
        "SA",
        "SA",
        "AE",
        "IN",
        "IN",
    )
)
VENUES = (
    ("Seoul", "KR"),
    ("Busan", "KR"),
    ("Gyeongju", "KR"),
    ("Beijing", "CN"),
    ("Shanghai", "CN"),
    ("Tokyo", "JP"),
    ("Pyongyang", "KP"),
    ("Moscow", "RU"),
    ("Washington", "US"),
    ("New York", "US"),
    ("Vientiane", "LA"),
    ("Jakarta", "ID"),
    ("Lima", "PE"),
    ("Geneva", "CH"),
    ("Hanoi", "VN"),
)
Pair = tuple[str, str]  # (as written in its script, romanized)
KOREAN_FAMILY: tuple[Pair, ...] = (
    ("김", "Kim"), ("이", "Lee"), ("박", "Park"), ("최", "Choi"), ("정", "Jung"), ("강", "Kang"),
    ("조", "Cho"), ("윤", "Yoon"), ("장", "Jang"), ("임", "Lim"), ("한", "Han"), ("서", "Seo"),
    ("신", "Shin"), ("권", "Kwon"), ("오", "Oh"),
)  # fmt: skip
KOREAN_SYLLABLES: tuple[Pair, ...] = (
    ("민", "min"), ("준", "jun"), ("서", "seo"), ("연", "yeon"), ("지", "ji"), ("현", "hyun"),
    ("우", "woo"), ("영", "young"), ("수", "soo"), ("호", "ho"), ("재", "jae"), ("성", "sung"),
    ("동", "dong"), ("혜", "hye"), ("진", "jin"), ("은", "eun"), ("태", "tae"), ("상", "sang"),
)  # fmt: skip
CHINESE_FAMILY: tuple[Pair, ...] = (
    ("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"), ("杨", "Yang"),
    ("赵", "Zhao"), ("黄", "Huang"), ("周", "Zhou"), ("吴", "Wu"), ("徐", "Xu"), ("孙", "Sun"),
)  # fmt: skip
CHINESE_GIVEN: tuple[Pair, ...] = (
    ("伟", "wei"), ("芳", "fang"), ("敏", "min"), ("静", "jing"), ("强", "qiang"), ("磊", "lei"),
    ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("杰", "jie"), ("涛", "tao"), ("明", "ming"),
    ("超", "chao"), ("华", "hua"), ("平", "ping"), ("海", "hai"), ("晓", "xiao"), ("国", "guo"),
)  # fmt: skip
JAPANESE_FAMILY: tuple[Pair, ...] = (
    ("佐藤", "Sato"), ("鈴木", "Suzuki"), ("高橋", "Takahashi"), ("田中", "Tanaka"),
    ("渡辺", "Watanabe"), ("伊藤", "Ito"), ("山本", "Yamamoto"), ("中村", "Nakamura"),
)  # fmt: skip
JAPANESE_GIVEN: tuple[Pair, ...] = (
    ("健太", "Kenta"), ("翔", "Sho"), ("美咲", "Misaki"), ("大輔", "Daisuke"), ("陽子", "Yoko"),
    ("誠", "Makoto"), ("裕子", "Yuko"), ("拓也", "Takuya"),
)  # fmt: skip
RUSSIAN_FAMILY: tuple[Pair, ...] = (
    ("Иванов", "Ivanov"), ("Смирнов", "Smirnov"), ("Кузнецов", "Kuznetsov"), ("Попов", "Popov"),
    ("Соколов", "Sokolov"), ("Морозов", "Morozov"), ("Волков", "Volkov"), ("Орлов", "Orlov"),
)  # fmt: skip
RUSSIAN_GIVEN_MALE: tuple[Pair, ...] = (
    ("Сергей", "Sergei"), ("Андрей", "Andrei"), ("Дмитрий", "Dmitry"), ("Алексей", "Alexei"),
    ("Михаил", "Mikhail"), ("Николай", "Nikolai"),
)  # fmt: skip
RUSSIAN_GIVEN_FEMALE: tuple[Pair, ...] = (
    ("Ольга", "Olga"), ("Мария", "Maria"), ("Анна", "Anna"), ("Елена", "Yelena"),
)  # fmt: skip
ARABIC_GIVEN: tuple[Pair, ...] = (
    ("محمد", "Mohammed"), ("أحمد", "Ahmed"), ("علي", "Ali"), ("خالد", "Khalid"),
    ("فيصل", "Faisal"), ("عبد الله", "Abdullah"), ("سارة", "Sara"), ("نورة", "Noura"),
)  # fmt: skip
ARABIC_FAMILY: tuple[Pair, ...] = (
    ("العتيبي", "Al-Otaibi"), ("الشمري", "Al-Shammari"), ("القحطاني", "Al-Qahtani"),
    ("الحربي", "Al-Harbi"), ("المنصوري", "Al-Mansouri"), ("الكعبي", "Al-Kaabi"),
)  # fmt: skip
HINDI_GIVEN: tuple[Pair, ...] = (
    ("राहुल", "Rahul"), ("अनिल", "Anil"), ("प्रिया", "Priya"), ("सुनीता", "Sunita"),
    ("विक्रम", "Vikram"), ("अजय", "Ajay"),
)  # fmt: skip
HINDI_FAMILY: tuple[Pair, ...] = (
    ("शर्मा", "Sharma"), ("वर्मा", "Verma"), ("गुप्ता", "Gupta"), ("सिंह", "Singh"),
    ("पटेल", "Patel"), ("मेहता", "Mehta"),
)  # fmt: skip
LATIN_NAMES = {
    "en": (
        ("John", "Mary", "James", "Linda", "Robert", "Susan", "Michael", "Emily", "David"),
        ("Smith", "Johnson", "Brown", "Miller", "Davis", "Wilson", "Taylor", "Clarke", "Hughes"),
    ),
    "de": (("Jürgen", "Katrin", "Stefan", "Anja"), ("Müller", "Schröder", "Weiß", "Köhler")),
    "fr": (("François", "Hélène", "Jérôme", "Cécile"), ("Lefèvre", "Dubois", "Girard", "Mercier")),
    "vi": (
        ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ"),
        ("Văn An", "Thị Lan", "Đức Hùng", "Minh Tuấn", "Quốc Bình", "Thị Hương"),
    ),
}
POSTS = (
    ("Minister of Foreign Affairs", "Ministry of Foreign Affairs"),
    ("Vice Minister of Foreign Affairs", "Ministry of Foreign Affairs"),
    ("Director-General for Asian Affairs", "Ministry of Foreign Affairs"),
    ("Spokesperson", "Ministry of Foreign Affairs"),
    ("Minister of National Defense", "Ministry of National Defense"),
    ("Minister of Trade", "Ministry of Trade and Industry"),
    ("National Security Adviser", "Office of the President"),
    ("Chief of Staff", "Office of the President"),
    ("Member of Parliament", "National Assembly"),
    ("Chair of the Foreign Affairs Committee", "National Assembly"),
    ("Special Representative for Korean Peninsula Affairs", "Ministry of Foreign Affairs"),
    ("Head of Public Security", "Ministry of Public Security"),
    ("Deputy Permanent Representative to the United Nations", "Permanent Mission to the UN"),
    ("Prime Minister", ""),
    ("President", ""),
)
TOPICS = (  # (slug, name, how a sentence speaks of it)
    ("bilateral-relations", "China–South Korea bilateral relations", "bilateral relations"),
    ("regional-situation", "International and regional situation", "the regional situation"),
    ("korean-peninsula-security", "Peace, stability and security on the Korean Peninsula",
     "security on the Korean Peninsula"),
    ("north-korea", "North Korea, its nuclear and missile programs and pressure on Pyongyang",
     "North Korea’s nuclear and missile programs"),
    ("russia-north-korea-cooperation", "Russia–North Korea cooperation",
     "Russia–North Korea cooperation"),
    ("us-china-rivalry", "US–China rivalry and South Korea’s place between them",
     "the US–China rivalry"),
    ("south-korea-us-alliance", "South Korea–US alliance", "the South Korea–US alliance"),
    ("one-china-policy", "“One China” doctrine", "the “One China” doctrine"),
    ("transnational-crime", "Transnational crime (drug trafficking, voice phishing)",
     "transnational crime"),
    ("supply-chains", "Supply chains for critical minerals and key industrial goods",
     "supply chains for critical minerals"),
    ("people-to-people-exchange", "Youth and people-to-people exchange",
     "people-to-people exchange"),
    ("diplomatic-appointments", "Ambassadors and diplomatic appointments",
     "diplomatic appointments"),
    ("trade-and-investment", "Trade and investment", "trade and investment"),
    ("visa-free-travel", "Visas and visa-free travel", "visa-free travel"),
    ("climate-and-environment", "Climate change, fine dust and the environment",
     "fine dust and the environment"),
    ("energy-security", "Energy security", "energy security"),
    ("maritime-boundaries", "Maritime boundaries and fisheries", "maritime boundaries"),
    ("cyber-security", "Cyber security", "cyber security"),
    ("public-health", "Public health", "public health"),
    ("japan-relations", "Relations with Japan", "relations with Japan"),
)  # fmt: skip
TOPIC_PHRASES = {slug: phrase for slug, _, phrase in TOPICS}
PUBLISHERS = (
    ("Yonhap News Agency", "ko"),
    ("The Korea Times", "en"),
    ("The Korea Herald", "en"),
    ("Xinhua", "zh"),
    ("Global Times", "en"),
    ("NK News", "en"),
    ("The Diplomat", "en"),
    ("Kommersant", "ru"),
    ("Asahi Shimbun", "ja"),
    ("Reuters", "en"),
    ("Al Jazeera", "ar"),
    ("New Eastern Outlook", "en"),
    ("38 North", "en"),
    ("Ministry of Foreign Affairs of the Republic of Korea", "ko"),
    ("Ministry of Foreign Affairs of the People’s Republic of China", "zh"),
)
SOURCE_KINDS = ("analysis", "news", "column", "interview", "official release", "speech", "other")
SOURCE_TITLES = (
    "{a} and {b} agree to deepen cooperation on {topic}",
    "What {topic} means for {a} and {b}",
    "{a} urges {b} to play a constructive role",
    "Talks between {a} and {b} end without a joint statement",
    "A new chapter for {topic}?",
    "Readout: {a} and {b} on {topic}",
    "[Remarks on {topic}]",
)
OCCASIONS = ("APEC summit", "ASEAN Regional Forum", "G20 summit", "UN General Assembly",
             "Northeast Asia Cooperation Dialogue", "trilateral summit of China, Japan and Korea",
             "East Asia Summit", "Munich Security Conference", "Boao Forum for Asia")  # fmt: skip
CONTACT_KINDS = ("summit", "meeting", "talks", "call", "visit", "dialogue", "exchange")
CONTACT_TITLES = {
    "summit": "{da}–{db} summit",
    "meeting": "Meeting of {a} and {b}",
    "talks": "Talks between {a} and {b}",
    "call": "Phone call between {a} and {b}",
    "visit": "Visit of {a} to {cb}",
    "dialogue": "{da}–{db} strategic dialogue",
    "exchange": "Exchange of delegations between {ca} and {cb}",
}
SUMMARY_CLOSINGS = (
    "They agreed to maintain close communication.",
    "The two sides agreed to hold the next round next year.",
    "No joint statement was issued.",
    "Details of the conversation were not disclosed.",
    "Both sides called the talks candid and constructive.",
)
ROLES = ("host", "guest", "head of delegation", "envoy", "", "")
LABELS = (
    "{d} Ministry of Foreign Affairs",
    "{d} presidential office",
    "{d} delegation",
    "{d} embassy",
    "{d} government",
)
QUOTES = (
    "We will continue to maintain close communication with {other} on {topic}.",
    "{Other} should play a constructive role on {topic}.",
    "Our position on {topic} has not changed.",
    "We hope to see concrete progress on {topic} before the end of {year}.",
    "Dialogue on {topic} must go beyond the bilateral agenda.",
    "It is in the interest of both {own} and {other} to cooperate on {topic}.",
    "We urge all parties to exercise restraint.",
)
NATIVE_QUOTES = {
    "ko": ("한반도의 평화와 안정을 위해 긴밀히 소통해 나가겠습니다.",
           "양국 관계의 발전을 위해 계속 노력하겠습니다.",
           "대화와 협력을 통해 문제를 해결해야 합니다."),
    "zh": ("双方应继续保持密切沟通。", "中方愿同各方一道推动两国关系健康稳定发展。",
           "我们希望有关各方保持克制。"),
    "ru": ("Мы продолжим тесный диалог с нашими партнёрами.",
           "Ситуация на Корейском полуострове требует сдержанности."),
    "ja": ("日中韓の協力を一層強化していきたい。", "対話を通じて問題を解決すべきだ。"),
    "ar": ("نحن ملتزمون بتعزيز التعاون مع شركائنا في آسيا.",),
}  # fmt: skip
PARAPHRASES = (
    "{speaker} said that {own} was committed to developing cooperation with {other} on {topic}.",
    "{speaker} urged {other} to play a constructive role on {topic}.",
    "{speaker} stated that the position on {topic} remained unchanged.",
    "{speaker} expressed willingness to resume talks with {other} on {topic}.",
    "{speaker} warned that {topic} should not become a source of tension with {other}.",
)
LOCATORS = ("paragraph {n}", "p. {n}", "section {n}", "")


# -- values ------------------------------------------------------------------------------------


class Weighted:
    """A weighted choice, faster than ``Random.choices`` re-reading its weights on every call."""

    def __init__(self, weights: dict[Any, int]) -> None:
        self.options = list(weights)
        self.bounds = list(itertools.accumulate(weights.values()))
        self.total = self.bounds[-1]

    def __call__(self, rng: random.Random) -> Any:
        return self.options[bisect.bisect(self.bounds, rng.random() * self.total)]


PRECISIONS = Weighted({"year": 15, "month": 25, "day": 60})
CITATIONS_PER_CLAIM = Weighted({1: 75, 2: 25})
POSTS_PER_OFFICIAL = Weighted({1: 50, 2: 35, 3: 15})
CONTACT_STATUSES = Weighted({"held": 80, "planned": 12, "cancelled": 8})
PARTICIPANTS_PER_CONTACT = Weighted({2: 70, 3: 20, 4: 10})
TOPICS_PER_CONTACT = Weighted({1: 50, 2: 35, 3: 15})
TOPICS_PER_STATEMENT = Weighted({0: 15, 1: 45, 2: 30, 3: 10})


class Day(NamedTuple):
    """A partial date as its three stored columns and its text."""

    earliest: dt.date
    latest: dt.date
    precision: str
    text: str


def partial_day(day: dt.date, precision: str) -> Day:
    if precision == "year":
        return Day(dt.date(day.year, 1, 1), dt.date(day.year, 12, 31), precision, f"{day.year:04d}")
    if precision == "month":
        last = calendar.monthrange(day.year, day.month)[1]
        text = f"{day.year:04d}-{day.month:02d}"
        return Day(day.replace(day=1), day.replace(day=last), precision, text)
    return Day(day, day, "day", day.isoformat())


def random_day(rng: random.Random, first: dt.date = FIRST_DAY, last: dt.date = LAST_DAY) -> dt.date:
    # Skewed towards the recent end: the record grows denser with time, as real ones do.
    span = (last - first).days
    return last - dt.timedelta(days=int(span * rng.random() ** 1.5))


def random_partial(rng: random.Random, day: dt.date) -> Day:
    return partial_day(day, PRECISIONS(rng))


def date_columns(prefix: str, value: Day | None) -> Row:
    if value is None:
        return {f"{prefix}_earliest": None, f"{prefix}_latest": None, f"{prefix}_precision": ""}
    return {
        f"{prefix}_earliest": value.earliest,
        f"{prefix}_latest": value.latest,
        f"{prefix}_precision": value.precision,
    }


def moment(record_id: int) -> dt.datetime:
    return BASE_TIME + dt.timedelta(seconds=record_id)


def ascii_name(text: str) -> str:
    text = text.replace("Đ", "D").replace("đ", "d")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


class PersonName(NamedTuple):
    name: str  # as sources print it
    aliases: list[str]  # other spellings: its script's, a romanization, a variant
    roman: str  # for the slug


def person_name(rng: random.Random, country: str) -> PersonName:
    native, roman, variant = _name_forms(rng, country)
    if native == roman:
        aliases = [variant] if variant and rng.random() < 0.3 else []
        return PersonName(native, aliases, roman)
    if rng.random() < 0.6:
        name, aliases = roman, [native]
    else:
        name, aliases = native, [roman]
    if variant and rng.random() < 0.3:
        aliases.append(variant)
    return PersonName(name, aliases, roman)


def _name_forms(rng: random.Random, country: str) -> tuple[str, str, str]:
    """(in its own script, romanized, a variant spelling or "")."""
    language = COUNTRIES[country].language
    if language == "ko":
        family, first, second = (rng.choice(p) for p in (KOREAN_FAMILY, *[KOREAN_SYLLABLES] * 2))
        given = f"{first[1].capitalize()}-{second[1]}"
        native = family[0] + first[0] + second[0]
        return native, f"{family[1]} {given}", f"{given} {family[1]}"
    if language == "zh":
        family = rng.choice(CHINESE_FAMILY)
        given_parts = [rng.choice(CHINESE_GIVEN) for _ in range(rng.choice((1, 2, 2)))]
        given = "".join(p[1] for p in given_parts).capitalize()
        native = family[0] + "".join(p[0] for p in given_parts)
        return native, f"{family[1]} {given}", f"{given} {family[1]}"
    if language == "ja":
        family, given_pair = rng.choice(JAPANESE_FAMILY), rng.choice(JAPANESE_GIVEN)
        roman = f"{given_pair[1]} {family[1]}"
        return family[0] + given_pair[0], roman, f"{family[1]} {given_pair[1]}"
    if language == "ru":
        female = rng.random() < 0.3
        given_pair = rng.choice(RUSSIAN_GIVEN_FEMALE if female else RUSSIAN_GIVEN_MALE)
        family = rng.choice(RUSSIAN_FAMILY)
        suffix = ("а", "a") if female else ("", "")
        roman_family = family[1] + suffix[1]
        native = f"{given_pair[0]} {family[0]}{suffix[0]}"
        return native, f"{given_pair[1]} {roman_family}", f"{given_pair[1][0]}. {roman_family}"
    if language in ("ar", "hi"):
        given_list, family_list = (
            (ARABIC_GIVEN, ARABIC_FAMILY) if language == "ar" else (HINDI_GIVEN, HINDI_FAMILY)
        )
        given_pair, family = rng.choice(given_list), rng.choice(family_list)
        return f"{given_pair[0]} {family[0]}", f"{given_pair[1]} {family[1]}", ""
    given_names, family_names = LATIN_NAMES[language if language in LATIN_NAMES else "en"]
    given, family_name = rng.choice(given_names), rng.choice(family_names)
    if language == "vi":  # family name first
        name = f"{given} {family_name}"
        return name, name, ascii_name(name) if ascii_name(name) != name else ""
    return f"{given} {family_name}", f"{given} {family_name}", f"{given[0]}. {family_name}"


def other_country(rng: random.Random, country: str) -> Country:
    # Mostly the other side of the relation the dataset is about.
    if country in ("KR", "CN") and rng.random() < 0.7:
        return COUNTRIES["CN" if country == "KR" else "KR"]
    return COUNTRIES[rng.choice([c for c in ("KR", "CN", "US", "JP", "RU") if c != country])]


def posts_by_start(posts: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    """(title, organization) of each post, in the order the stored records give them."""
    ordered = sorted(posts, key=lambda post: PartialDate.parse(post["start"]).earliest)
    return [(post["title"], post["organization"]) for post in ordered]


def excerpt_locator(rng: random.Random) -> str:
    return rng.choice(LOCATORS).format(n=rng.randint(1, 40))


# -- writing -----------------------------------------------------------------------------------


class Table:
    """INSERTs of one model's rows given as dicts of column values, adapted for the database."""

    def __init__(
        self, model: type[models.Model], adapters: Adapters, *, omit: Sequence[str] = ()
    ) -> None:
        fields = [f for f in model._meta.concrete_fields if f.column and f.column not in omit]
        self.model = model
        self.columns = [str(f.column) for f in fields]
        self.values = operator.itemgetter(*self.columns)
        self.adapters = [
            (index, adapter)
            for index, field in enumerate(fields)
            if (adapter := adapters.for_field(field)) is not None
        ]
        quote = connection.ops.quote_name
        self.sql = "INSERT INTO {} ({}) VALUES ({})".format(
            quote(str(model._meta.db_table)),
            ", ".join(quote(c) for c in self.columns),
            ", ".join(["%s"] * len(self.columns)),
        )

    def parameters(self, rows: Sequence[Row]) -> list[list[Any]]:
        """The rows' values in column order, as the database takes them (touches no database)."""
        adapters = self.adapters
        params = []
        for row in rows:
            values = list(self.values(row))
            for index, adapt in adapters:
                values[index] = adapt(values[index])
            params.append(values)
        return params

    def insert(self, parameters: list[list[Any]]) -> None:
        if parameters:
            with connection.cursor() as cursor:
                cursor.executemany(self.sql, parameters)


class Adapters:
    """Python values to the database's, computed once per value across all tables: a record's
    time is in its row, its history row and its parts' rows."""

    def __init__(self) -> None:
        ops = connection.ops
        self.moment = functools.lru_cache(maxsize=1 << 16)(ops.adapt_datetimefield_value)
        self.day = functools.lru_cache(maxsize=1 << 16)(ops.adapt_datefield_value)
        self.json = ops.adapt_json_value

    def for_field(self, field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
        if isinstance(field, models.DateTimeField):
            return self.moment
        if isinstance(field, models.DateField):
            return self.day
        if isinstance(field, models.JSONField):
            encoder, adapt = field.encoder, self.json
            return lambda value: adapt(value, encoder)
        return None


def history_model(model: type[models.Model]) -> type[models.Model]:
    return model.history.model  # type: ignore[attr-defined]


def history_extras(when: dt.datetime) -> Row:
    return {
        "history_date": when,
        "history_change_reason": None,
        "history_type": "+",
        "history_user_id": None,
    }


class Tables:
    """Each model's table and its history table."""

    def __init__(self, *record_models: type[models.Model]) -> None:
        adapters = Adapters()
        self.rows = {model: Table(model, adapters) for model in record_models}
        self.history = {
            model: Table(history_model(model), adapters, omit=("history_id",))
            for model in record_models
        }
        self.topic_links = {
            model: Table(model.topics.through, adapters, omit=("id",))
            for model in (Contact, Statement)
        }


class Batch:
    """Rows waiting to be written: records, their history rows and topic links."""

    def __init__(self) -> None:
        self.rows: dict[type[models.Model], list[Row]] = {}
        self.history: dict[type[models.Model], list[Row]] = {}
        self.links: dict[type[models.Model], list[Row]] = {}

    def add(self, model: type[models.Model], row: Row, snapshot: Any = None) -> None:
        self.rows.setdefault(model, []).append(row)
        history = {**row, **history_extras(row["_when"])}
        if snapshot is not None:
            history["snapshot"] = snapshot
        self.history.setdefault(model, []).append(history)

    def link(self, model: type[models.Model], owner_id: int, topic_ids: Sequence[int]) -> None:
        owner = f"{model._meta.model_name}_id"
        self.links.setdefault(model, []).extend(
            {owner: owner_id, "topic_id": topic_id} for topic_id in topic_ids
        )

    def prepare(self, tables: Tables, phase: str, done: int, total: int) -> Prepared:
        inserts = []
        for model in WRITE_ORDER:
            inserts.append(
                (tables.rows[model], tables.rows[model].parameters(self.rows.get(model, [])))
            )
            history = tables.history[model]
            inserts.append((history, history.parameters(self.history.get(model, []))))
            if model in tables.topic_links:
                links = tables.topic_links[model]
                inserts.append((links, links.parameters(self.links.get(model, []))))
        written = {model.__name__: len(self.rows.get(model, [])) for model in WRITE_ORDER}
        return Prepared(phase, done, total, inserts, written)


@dataclass
class Prepared:
    """A batch ready to write: each table's parameters, in an order the foreign keys accept."""

    phase: str
    done: int
    total: int
    inserts: list[tuple[Table, list[list[Any]]]]
    written: dict[str, int]

    def write(self) -> None:
        with transaction.atomic():
            for table, parameters in self.inserts:
                table.insert(parameters)


def in_background(items: Iterator[T], ahead: int = 2) -> Iterator[T]:
    """``items``, produced by a thread up to ``ahead`` in advance. SQLite and psycopg release the
    interpreter while the database works, so the next batch is generated as this one is written."""
    queue: Queue[tuple[str, Any]] = Queue(maxsize=ahead)
    stop = threading.Event()

    def put(message: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                queue.put(message, timeout=0.1)
                return True
            except Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(("item", item)):
                    return
        except BaseException as error:  # handed to the consumer, raised there
            put(("error", error))
        else:
            put(("end", None))

    thread = threading.Thread(target=produce, name="synthetic-data", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = queue.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        thread.join()


# -- generation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    officials: int = 0
    sources: int = 0
    contacts: int = 0
    statements: int = 0

    def problems(self) -> list[str]:
        found = [f"--{name} cannot be negative." for name, n in vars(self).items() if n < 0]
        needs_sources = self.officials > 0 or self.contacts > 0 or self.statements > 0
        if needs_sources and self.sources <= 0:
            found.append(
                "Posts held, contacts and statements all cite sources: give --sources 1 or more."
            )
        return found


@dataclass
class OfficialRef:
    name: str
    country: str


@dataclass
class ContactRef:
    said: Day | None  # the contact's date, when it was held
    speakers: tuple[tuple[int | None, str, str], ...]  # (official id, label, country)


class Generator:
    """The records of one run; ``seed`` and the starting ids fix every value."""

    def __init__(self, counts: Counts, seed: int, topics: Sequence[tuple[int, str, str]]) -> None:
        self.counts = counts
        self.seed = seed
        self.topics = list(topics)  # (id, slug, phrase)
        self.first_id = {model: next_id(model) for model in RECORD_MODELS}
        self.next_part_id: dict[type[models.Model], int] = {
            model: self.first_id[model] for model in PART_MODELS
        }
        self.officials: list[OfficialRef] = []
        self.contacts: list[ContactRef] = []

    def rng(self, stream: str) -> random.Random:
        return random.Random(f"{self.seed}/{stream}")

    def part_id(self, model: type[models.Model]) -> int:
        value = self.next_part_id[model]
        self.next_part_id[model] = value + 1
        return value

    def random_source_id(self, rng: random.Random) -> int:
        return self.first_id[Source] + rng.randrange(self.counts.sources)

    def pick_topics(self, rng: random.Random, weights: Weighted) -> list[tuple[int, str, str]]:
        how_many = weights(rng)
        return rng.sample(self.topics, how_many)

    def citations(
        self, rng: random.Random, batch: Batch, owner: str, owner_id: int, excerpt: str, when: Any
    ) -> list[dict[str, Any]]:
        documents = []
        for _ in range(CITATIONS_PER_CLAIM(rng)):
            row = {
                "id": self.part_id(Citation),
                "source_id": self.random_source_id(rng),
                "excerpt": excerpt,
                "locator": excerpt_locator(rng),
                "position_id": None,
                "contact_id": None,
                "statement_id": None,
                "_when": when,
            }
            row[f"{owner}_id"] = owner_id
            batch.add(Citation, row)
            documents.append(
                {"source": row["source_id"], "excerpt": excerpt, "locator": row["locator"]}
            )
        return documents

    # Sources ----------------------------------------------------------------------------------

    def source(self, rng: random.Random, source_id: int, batch: Batch) -> None:
        kind = rng.choice(SOURCE_KINDS)
        publisher, language = rng.choice(PUBLISHERS)
        a = COUNTRIES[rng.choice(OFFICIAL_COUNTRIES)]
        b = other_country(rng, a.code)
        title = rng.choice(SOURCE_TITLES).format(
            a=a.name.removeprefix("the "), b=b.name, topic=rng.choice(self.topics)[2]
        )
        title = title[0].upper() + title[1:]
        writer = person_name(rng, rng.choice(("US", "KR"))).name
        author = "" if kind == "official release" else writer
        published = (
            random_partial(rng, random_day(rng)) if rng.random() < 0.95 else None
        )  # some sources print no date
        when = moment(source_id)
        row = {
            "id": source_id,
            "version": 1,
            "created_at": when,
            "updated_at": when,
            "search_document": source_document(title, author, publisher),
            "title": title,
            "kind": kind,
            "author": author,
            "author_affiliation": "",
            "publisher": publisher,
            **date_columns("published", published),
            "document_url": f"https://news.example.org/{slugify(publisher)}/{source_id}",
            "language": language if rng.random() < 0.5 else "en",
            "notes": "",
            "text": "",
            "_when": when,
        }
        snapshot = {
            "version": 1,
            **{
                name: row[name]
                for name in (
                    "title",
                    "kind",
                    "author",
                    "author_affiliation",
                    "publisher",
                    "document_url",
                    "language",
                    "notes",
                    "text",
                )
            },
            "published": published.text if published else None,
        }
        batch.add(Source, row, snapshot)

    # Officials --------------------------------------------------------------------------------

    def official(self, rng: random.Random, official_id: int, batch: Batch) -> None:
        country = rng.choice(OFFICIAL_COUNTRIES)
        name, aliases, roman = person_name(rng, country)
        when = moment(official_id)
        posts = self.positions(rng, official_id, name, country, when, batch)
        row = {
            "id": official_id,
            "version": 1,
            "created_at": when,
            "updated_at": when,
            "search_document": official_document(name, aliases, posts_by_start(posts)),
            "slug": f"{slugify(ascii_name(roman)) or 'official'}-{official_id}",
            "name": name,
            "aliases": aliases,
            "country": country,
            "notes": "",
            "_when": when,
        }
        snapshot = {
            "version": 1,
            "slug": row["slug"],
            "name": name,
            "aliases": aliases,
            "country": country,
            "notes": "",
            "positions": posts,
        }
        batch.add(Official, row, snapshot)
        self.officials.append(OfficialRef(name, country))

    def positions(
        self,
        rng: random.Random,
        official_id: int,
        name: str,
        country: str,
        when: dt.datetime,
        batch: Batch,
    ) -> list[dict[str, Any]]:
        documents = []
        start = random_day(rng, FIRST_DAY, dt.date(2023, 12, 31))
        for number in range(POSTS_PER_OFFICIAL(rng)):
            if rng.random() < 0.15:
                other = other_country(rng, country)
                title, organization = f"Ambassador to {other.name}", f"Embassy in {other.capital}"
            else:
                title, organization = rng.choice(POSTS)
            end_day = start + dt.timedelta(days=rng.randint(300, 2200))
            start_date = random_partial(rng, start)
            ends = end_day <= LAST_DAY and (number < 2 or rng.random() < 0.5)
            end_date = random_partial(rng, end_day) if ends else None
            row = {
                "id": self.part_id(Position),
                "official_id": official_id,
                "review_state": REVIEWED,
                "reviewed_by_id": None,
                "reviewed_at": when,
                "title": title,
                "organization": organization,
                "country": country,
                **date_columns("start", start_date),
                **date_columns("end", end_date),
                "_when": when,
            }
            batch.add(Position, row)
            excerpt = f"{name}, {title}" + (f" ({organization})" if organization else "")
            documents.append(
                {
                    "title": title,
                    "organization": organization,
                    "country": country,
                    "start": start_date.text,
                    "end": end_date.text if end_date else None,
                    "review_state": REVIEWED,
                    "reviewed_by": None,
                    "reviewed_at": when.isoformat(),
                    "citations": self.citations(rng, batch, "position", row["id"], excerpt, when),
                }
            )
            if not ends:
                break
            start = end_day + dt.timedelta(days=rng.randint(1, 120))
        return documents

    # Contacts ---------------------------------------------------------------------------------

    def participant(self, rng: random.Random) -> tuple[int | None, str, str, str]:
        """(official id, label, country, the name it is shown by)."""
        if self.officials and rng.random() < 0.85:
            index = rng.randrange(len(self.officials))
            found = self.officials[index]
            return self.first_id[Official] + index, "", found.country, found.name
        country = COUNTRIES[rng.choice(OFFICIAL_COUNTRIES)]
        label = rng.choice(LABELS).format(d=country.demonym)
        return None, label, country.code, label

    def contact(self, rng: random.Random, contact_id: int, batch: Batch) -> None:
        when = moment(contact_id)
        kind = rng.choice(CONTACT_KINDS)
        status = CONTACT_STATUSES(rng)
        date: Day | None
        if status == "planned":
            date = partial_day(
                random_day(rng, dt.date(2025, 6, 1), dt.date(2027, 12, 31)),
                rng.choice(("year", "month", "month", "day")),
            )
        else:
            date = random_partial(rng, random_day(rng)) if rng.random() < 0.97 else None
        end_date = None
        lasts_days = date and date.precision == "day" and kind in ("visit", "summit", "dialogue")
        if date and lasts_days and rng.random() < 0.3:
            end_date = partial_day(date.earliest + dt.timedelta(days=rng.randint(1, 3)), "day")
        duration = None
        if kind in ("talks", "call", "meeting") and rng.random() < 0.4:
            duration = rng.choice((20, 30, 40, 45, 60, 90, 120, 180))
        sides = [self.participant(rng) for _ in range(PARTICIPANTS_PER_CONTACT(rng))]
        first, second = sides[0], sides[1]
        occasion = rng.choice(OCCASIONS) if rng.random() < 0.3 else ""
        location, country = ("", "") if kind == "call" else rng.choice(VENUES)
        at_home = [venue for venue in VENUES if venue[1] == first[2]]
        if location and at_home and rng.random() < 0.5:  # often on the first side's ground
            location, country = rng.choice(at_home)
        topics = self.pick_topics(rng, TOPICS_PER_CONTACT)
        ca, cb = COUNTRIES[first[2]], COUNTRIES[second[2]]
        title = CONTACT_TITLES[kind].format(
            a=first[3],
            b=second[3],
            da=ca.demonym,
            db=cb.demonym,
            ca=ca.name.removeprefix("the "),
            cb=cb.name,
        )
        title = title[0].upper() + title[1:]
        subjects = " and ".join(t[2] for t in topics)
        summary = f"{first[3]} and {second[3]} discussed {subjects}. {rng.choice(SUMMARY_CLOSINGS)}"
        row = {
            "id": contact_id,
            "version": 1,
            "created_at": when,
            "updated_at": when,
            "search_document": contact_document(
                title, summary, occasion, location, [(s[1], s[3] if s[0] else None) for s in sides]
            ),
            "review_state": REVIEWED,
            "reviewed_by_id": None,
            "reviewed_at": when,
            "title": title,
            "kind": kind,
            "status": status,
            **date_columns("date", date),
            **date_columns("end_date", end_date),
            "location": location,
            "country": country,
            "occasion": occasion,
            "duration_minutes": duration,
            "summary": summary,
            "_when": when,
        }
        participants = []
        for official_id, label, side_country, _ in sides:
            part = {
                "id": self.part_id(Participant),
                "contact_id": contact_id,
                "official_id": official_id,
                "label": label,
                "country": side_country,
                "role": rng.choice(ROLES),
                "_when": when,
            }
            batch.add(Participant, part)
            participants.append(
                {k: part[k] for k in ("label", "country", "role")} | {"official": official_id}
            )
        citations = self.citations(rng, batch, "contact", contact_id, summary, when)
        snapshot = {
            "version": 1,
            **{
                name: row[name]
                for name in (
                    "title",
                    "kind",
                    "status",
                    "location",
                    "country",
                    "occasion",
                    "summary",
                    "review_state",
                )
            },
            "date": date.text if date else None,
            "end_date": end_date.text if end_date else None,
            "duration_minutes": duration,
            "reviewed_by": None,
            "reviewed_at": when.isoformat(),
            "participants": participants,
            "topics": sorted(t[1] for t in topics),
            "citations": citations,
        }
        batch.add(Contact, row, snapshot)
        batch.link(Contact, contact_id, [t[0] for t in topics])
        self.contacts.append(
            ContactRef(
                date if status == "held" else None,
                tuple((s[0], s[1], s[2]) for s in sides),
            )
        )

    # Statements -------------------------------------------------------------------------------

    def speaker(self, rng: random.Random) -> tuple[int | None, str, str, int | None, Day | None]:
        """(official id, label, country, contact id, the contact's date)."""
        if self.contacts and rng.random() < 0.4:
            index = rng.randrange(len(self.contacts))
            contact = self.contacts[index]
            official_id, label, country = rng.choice(contact.speakers)
            return official_id, label, country, self.first_id[Contact] + index, contact.said
        official_id, label, country, _ = self.participant(rng)
        return official_id, label, country, None, None

    def statement(self, rng: random.Random, statement_id: int, batch: Batch) -> None:
        when = moment(statement_id)
        official_id, label, country, contact_id, contact_date = self.speaker(rng)
        speaker_name = (
            self.officials[official_id - self.first_id[Official]].name if official_id else None
        )
        said = contact_date or random_partial(rng, random_day(rng))
        topics = self.pick_topics(rng, TOPICS_PER_STATEMENT)
        topic = rng.choice(topics or self.topics)[2]
        own, other = COUNTRIES[country], other_country(rng, country)
        kind = "quote" if rng.random() < 0.6 else "paraphrase"
        language = "en"
        if kind == "quote":
            native = NATIVE_QUOTES.get(own.language, ())
            if native and rng.random() < 0.3:
                text, language = rng.choice(native), own.language
            else:
                text = " ".join(
                    rng.choice(QUOTES).format(
                        own=own.name,
                        other=other.name,
                        Other=other.name[0].upper() + other.name[1:],
                        topic=topic,
                        year=said.earliest.year,
                    )
                    for _ in range(rng.choice((1, 1, 2)))
                )
            excerpt = f"{speaker_name or label} said: “{text}”"
        else:
            who = speaker_name or "The " + label
            text = rng.choice(PARAPHRASES).format(
                speaker=who, own=own.name, other=other.name, topic=topic
            )
            excerpt = text
        citations = self.citations(rng, batch, "statement", statement_id, excerpt, when)
        origin = citations[0]["source"] if rng.random() < 0.05 else None
        row = {
            "id": statement_id,
            "version": 1,
            "created_at": when,
            "updated_at": when,
            "search_document": statement_document(text, speaker_name, label),
            "review_state": REVIEWED,
            "reviewed_by_id": None,
            "reviewed_at": when,
            "text": text,
            "kind": kind,
            "language": language,
            "speaker_id": official_id,
            "speaker_label": label,
            "speaker_country": country,
            **date_columns("said", said),
            "contact_id": contact_id,
            "origin_id": origin,
            "_when": when,
        }
        snapshot = {
            "version": 1,
            "text": text,
            "kind": kind,
            "language": language,
            "speaker": official_id,
            "speaker_label": label,
            "speaker_country": country,
            "said": said.text,
            "contact": contact_id,
            "origin": origin,
            "review_state": REVIEWED,
            "reviewed_by": None,
            "reviewed_at": when.isoformat(),
            "topics": sorted(t[1] for t in topics),
            "citations": citations,
        }
        batch.add(Statement, row, snapshot)
        batch.link(Statement, statement_id, [t[0] for t in topics])

    def batches(self, tables: Tables, batch_size: int) -> Iterator[Prepared]:
        """Every record, batch by batch; officials before the contacts and statements naming them.
        Each kind of record has its own random stream, so one count does not shift another's
        values, and the batch size shifts none."""
        phases: list[tuple[str, int, Callable[[random.Random, int, Batch], None]]] = [
            ("sources", self.counts.sources, self.source),
            ("officials", self.counts.officials, self.official),
            ("contacts", self.counts.contacts, self.contact),
            ("statements", self.counts.statements, self.statement),
        ]
        for phase, total, generate in phases:
            rng = self.rng(phase)
            first_id = self.first_id[PHASE_MODELS[phase]]
            for start in range(0, total, batch_size):
                stop = min(start + batch_size, total)
                batch = Batch()
                for index in range(start, stop):
                    generate(rng, first_id + index, batch)
                yield batch.prepare(tables, phase, stop, total)


RECORD_MODELS: tuple[type[models.Model], ...] = (
    Source,
    Official,
    Position,
    Contact,
    Participant,
    Statement,
    Citation,
)
# Referenced rows first; citations last, as they point at posts, contacts or statements.
WRITE_ORDER = RECORD_MODELS
PART_MODELS = (Position, Participant, Citation)
PHASE_MODELS: dict[str, type[models.Model]] = {
    "sources": Source,
    "officials": Official,
    "contacts": Contact,
    "statements": Statement,
}


def next_id(model: type[models.Model]) -> int:
    """The first id no row of the table nor of its history has used (a deleted record's id is
    still its history's)."""
    history = history_model(model)
    used = [
        model._default_manager.aggregate(top=Max("id"))["top"],
        history._default_manager.aggregate(top=Max("id"))["top"],
    ]
    return max((value for value in used if value is not None), default=0) + 1


def ensure_topics() -> list[tuple[int, str, str]]:
    """The fixed topic list, reusing topics already stored under the same slugs."""
    found = []
    for slug, name, _ in TOPICS:
        topic, _ = Topic.objects.get_or_create(slug=slug, defaults={"name": name})
        found.append((topic.pk, topic.slug, TOPIC_PHRASES[slug]))
    return found


@contextlib.contextmanager
def fast_sqlite_writes() -> Iterator[None]:
    """Skip fsync and keep more pages in memory while loading, on this connection only, and put
    the settings back afterwards. A crash mid-load may lose the load, never earlier data's
    consistency in WAL mode. Inside a caller's transaction (a test) nothing is changed."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    pragmas = ("synchronous", "cache_size", "temp_store")
    with connection.cursor() as cursor:
        before = {}
        for pragma in pragmas:
            cursor.execute(f"PRAGMA {pragma}")
            before[pragma] = cursor.fetchone()[0]
        cursor.execute("PRAGMA synchronous = OFF")
        cursor.execute("PRAGMA cache_size = -262144")  # 256 MiB
        cursor.execute("PRAGMA temp_store = MEMORY")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for pragma, value in before.items():
                cursor.execute(f"PRAGMA {pragma} = {int(value)}")
            cursor.execute("PRAGMA optimize")


def reset_sequences() -> None:
    """Ids were given explicitly: move PostgreSQL's sequences past them (SQLite needs nothing)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(RECORD_MODELS))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def synthesize(
    counts: Counts,
    *,
    seed: int,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Add ``counts`` synthetic records (and their parts) to the database; rows written by model."""
    problems = counts.problems() + (["--batch-size must be 1 or more."] if batch_size < 1 else [])
    if problems:
        raise ValueError(" ".join(problems))
    written: dict[str, int] = {}
    # The history rows written past these go into the change feed at the end, in one statement.
    history_before = {
        model: history_model(model)._default_manager.aggregate(last=Max("history_id"))["last"] or 0
        for model in RECORD_MODELS
    }
    with fast_sqlite_writes(), indexing_after_inserts(connection):
        # Everything that reads the database happens here, before the generating thread starts.
        generator = Generator(counts, seed, ensure_topics())
        tables = Tables(*RECORD_MODELS)
        for prepared in in_background(generator.batches(tables, batch_size)):
            prepared.write()
            for name, n in prepared.written.items():
                written[name] = written.get(name, 0) + n
            if progress:
                progress(prepared.phase, prepared.done, prepared.total)
        reset_sequences()
        for model, last in history_before.items():
            if model in changes.RESOURCE_OF_MODEL:
                changes.record_bulk_creations(model, last)
    return {name: n for name, n in written.items() if n}
