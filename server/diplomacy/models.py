"""The data model: officials and the posts they held, contacts between them, what they said, and
the sources (with verbatim excerpts) that every claim rests on."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from simple_history.models import HistoricalRecords

from .countries import CountryCodeValidator
from .dates import (
    PartialDateAttribute,
    ends_after_starts,
    partial_date_constraints,
    partial_date_fields,
)
from .safe_text import name_text, plain_text

country_code = CountryCodeValidator()
language_code = RegexValidator(
    r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", "Use a BCP 47 language tag, such as en or ko."
)


def country_field(verbose_name: str = "country", **options: object) -> models.CharField:
    return models.CharField(
        verbose_name,
        max_length=2,
        blank=True,
        validators=[country_code],
        help_text="ISO 3166-1 alpha-2 code.",
        **options,  # type: ignore[arg-type]
    )


class Revision(models.Model):
    """Extra columns of a resource's history rows: the whole record, nested parts included, as it
    stood after that change (see ``revisions.snapshot``), so that any version can be read back,
    compared with the one before, or restored."""

    snapshot = models.JSONField(null=True, editable=False)

    class Meta:
        abstract = True


def resource_history() -> HistoricalRecords:
    # The search document is derived from the record (and its speaker, participants or posts).
    return HistoricalRecords(bases=[Revision], excluded_fields=["search_document"])


def part_history() -> HistoricalRecords:
    return HistoricalRecords()


class Record(models.Model):
    """Common fields of every resource: a stable id, a version bumped on each change, timestamps."""

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    # The text full-text search indexes (``search.document``), kept current by the services.
    search_document = models.TextField(default="", blank=True, editable=False)

    class Meta:
        abstract = True


class ReviewState(models.TextChoices):
    DRAFT = "draft"
    REVIEWED = "reviewed"
    DISPUTED = "disputed"


class Reviewed(models.Model):
    """A claim a curator has checked against its sources: only reviewed claims are public.

    A new claim is a draft; a change to its content puts it back to draft (see ``services``).
    """

    review_state = models.CharField(
        max_length=20, choices=ReviewState.choices, default=ReviewState.DRAFT, db_index=True
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who last reviewed or disputed it.",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class Topic(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120, validators=[name_text])
    history = part_history()

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name


class Official(Record):
    slug = models.SlugField(max_length=120, unique=True)
    name = models.CharField(max_length=200, db_index=True, validators=[name_text])
    aliases = models.JSONField(
        validators=[name_text],
        default=list,
        blank=True,
        help_text="Other spellings of the name, as sources print them.",
    )
    country = country_field(db_index=True)
    notes = models.TextField(blank=True, validators=[plain_text])
    history = resource_history()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class SourceKind(models.TextChoices):
    ANALYSIS = "analysis"
    NEWS = "news"
    COLUMN = "column"
    INTERVIEW = "interview"
    OFFICIAL_RELEASE = "official release"
    SPEECH = "speech"
    OTHER = "other"


class Source(Record):
    title = models.CharField(
        validators=[name_text],
        max_length=300,
        help_text="The document's title; a [bracketed description] when it has none of its own.",
    )
    kind = models.CharField(max_length=20, choices=SourceKind.choices, db_index=True)
    author = models.CharField(max_length=200, blank=True, validators=[name_text])
    author_affiliation = models.CharField(max_length=300, blank=True, validators=[name_text])
    publisher = models.CharField(max_length=200, blank=True, validators=[name_text])
    published_earliest, published_latest, published_precision = partial_date_fields("published")
    published = PartialDateAttribute("published")
    document_url = models.URLField("URL", max_length=500, blank=True)
    language = models.CharField(max_length=20, blank=True, validators=[language_code])
    notes = models.TextField(blank=True, validators=[plain_text])
    text = models.TextField(
        validators=[plain_text],
        blank=True,
        help_text="The document's full text, if stored: every excerpt citing it must be in it.",
    )
    history = resource_history()

    class Meta:
        ordering = ["title", "id"]
        constraints = partial_date_constraints("published", "source")

    def __str__(self) -> str:
        return self.title


class Position(Reviewed):
    """A post an official held (Popolo's membership), with partial start and end dates."""

    official = models.ForeignKey(Official, on_delete=models.CASCADE, related_name="positions")
    title = models.CharField(max_length=200, validators=[name_text])
    organization = models.CharField(max_length=200, blank=True, validators=[name_text])
    country = country_field()
    start_earliest, start_latest, start_precision = partial_date_fields("start")
    start = PartialDateAttribute("start")
    end_earliest, end_latest, end_precision = partial_date_fields("end")
    end = PartialDateAttribute("end")
    history = part_history()

    class Meta:
        ordering = ["official_id", "start_earliest", "id"]
        constraints = [
            *partial_date_constraints("start", "position"),
            *partial_date_constraints("end", "position"),
            ends_after_starts("start", "end", "position"),
        ]

    def __str__(self) -> str:
        return f"{self.title}, {self.organization}" if self.organization else self.title


MAX_DURATION_MINUTES = 7 * 24 * 60


class ContactKind(models.TextChoices):
    SUMMIT = "summit"
    MEETING = "meeting"
    TALKS = "talks"
    CALL = "call"
    VISIT = "visit"
    DIALOGUE = "dialogue"
    EXCHANGE = "exchange"


class ContactStatus(models.TextChoices):
    HELD = "held"
    PLANNED = "planned"
    CANCELLED = "cancelled"


class Contact(Reviewed, Record):
    title = models.CharField(max_length=300, validators=[name_text])
    kind = models.CharField(max_length=20, choices=ContactKind.choices, db_index=True)
    status = models.CharField(
        max_length=20, choices=ContactStatus.choices, default=ContactStatus.HELD, db_index=True
    )
    date_earliest, date_latest, date_precision = partial_date_fields("date")
    date = PartialDateAttribute("date")
    end_date_earliest, end_date_latest, end_date_precision = partial_date_fields("end date")
    end_date = PartialDateAttribute("end_date")
    location = models.CharField(max_length=200, blank=True, validators=[name_text])
    country = country_field(db_index=True)
    occasion = models.CharField(max_length=300, blank=True, validators=[name_text])
    duration_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DURATION_MINUTES)],
        help_text="How long it lasted, where the source says; longer contacts have an end date.",
    )
    summary = models.TextField(blank=True, validators=[plain_text])
    topics = models.ManyToManyField(Topic, blank=True, related_name="contacts")
    history = resource_history()

    class Meta:
        ordering = ["date_earliest", "id"]
        constraints = [
            *partial_date_constraints("date", "contact"),
            *partial_date_constraints("end_date", "contact"),
            ends_after_starts("date", "end_date", "contact"),
            models.CheckConstraint(
                condition=models.Q(duration_minutes__isnull=True)
                | models.Q(duration_minutes__gte=1, duration_minutes__lte=MAX_DURATION_MINUTES),
                name="contact_duration_within_a_week",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Participant(models.Model):
    """One side of a contact: an official on record, or a label where the source names no one."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="participants")
    official = models.ForeignKey(
        Official,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="participations",
    )
    label = models.CharField(
        validators=[name_text],
        max_length=200,
        blank=True,
        help_text="Who took part, as the source puts it.",
    )
    country = country_field()
    role = models.CharField(max_length=200, blank=True, validators=[name_text])
    history = part_history()

    class Meta:
        ordering = ["contact_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(official__isnull=False) | ~models.Q(label=""),
                name="participant_official_or_label",
                violation_error_message="Name an official on record, or give a label.",
            )
        ]

    def __str__(self) -> str:
        return self.official.name if self.official else self.label


class StatementKind(models.TextChoices):
    QUOTE = "quote"
    PARAPHRASE = "paraphrase"


class Statement(Reviewed, Record):
    text = models.TextField(validators=[plain_text])
    kind = models.CharField(max_length=20, choices=StatementKind.choices, db_index=True)
    language = models.CharField(max_length=20, blank=True, validators=[language_code])
    speaker = models.ForeignKey(
        Official, on_delete=models.PROTECT, null=True, blank=True, related_name="statements"
    )
    speaker_label = models.CharField(
        validators=[name_text],
        max_length=200,
        blank=True,
        help_text="Who spoke when it is not an official on record: an office, a newspaper.",
    )
    speaker_country = country_field("speaker's country", db_index=True)
    said_earliest, said_latest, said_precision = partial_date_fields("said")
    said = PartialDateAttribute("said")
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, null=True, blank=True, related_name="statements"
    )
    origin = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="originated_statements",
        help_text="The document the words were first published in (an interview, a column).",
    )
    topics = models.ManyToManyField(Topic, blank=True, related_name="statements")
    history = resource_history()

    class Meta:
        ordering = ["said_earliest", "id"]
        # Filters and facets of the public list, which reads reviewed statements (the country
        # and date have theirs in ``ordering_indexes``).
        indexes = [
            models.Index(fields=["review_state", "kind"], name="statement_public_kind"),
            models.Index(fields=["review_state", "language"], name="statement_public_language"),
        ]
        constraints = [
            *partial_date_constraints("said", "statement"),
            models.CheckConstraint(
                condition=models.Q(speaker__isnull=False) | ~models.Q(speaker_label=""),
                name="statement_speaker_or_label",
                violation_error_message="Name the speaker: an official, or a speaker_label.",
            ),
            models.CheckConstraint(
                condition=~models.Q(text=""),
                name="statement_text_not_empty",
            ),
        ]

    def __str__(self) -> str:
        who = self.speaker.name if self.speaker else self.speaker_label
        return f"{who}: {self.text[:60]}"


class Citation(models.Model):
    """A verbatim excerpt of a source supporting exactly one position, contact or statement."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations")
    excerpt = models.TextField(help_text="The source's words, verbatim.", validators=[plain_text])
    locator = models.CharField(
        validators=[name_text],
        max_length=200,
        blank=True,
        help_text="Where in the source: a section, a paragraph.",
    )
    position = models.ForeignKey(
        Position, on_delete=models.CASCADE, null=True, blank=True, related_name="citations"
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, null=True, blank=True, related_name="citations"
    )
    statement = models.ForeignKey(
        Statement, on_delete=models.CASCADE, null=True, blank=True, related_name="citations"
    )
    history = part_history()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    position__isnull=False, contact__isnull=True, statement__isnull=True
                )
                | models.Q(position__isnull=True, contact__isnull=False, statement__isnull=True)
                | models.Q(position__isnull=True, contact__isnull=True, statement__isnull=False),
                name="citation_cites_exactly_one_record",
            ),
            models.CheckConstraint(
                condition=~models.Q(excerpt=""),
                name="citation_excerpt_not_empty",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}: “{self.excerpt[:60]}”"


class ChangeType(models.TextChoices):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"


class Change(models.Model):
    """One entry of the change feed (``changes``): a record created, updated or deleted, as
    curators see it (``type``) and as the public sees it (``public_type``); either is blank when
    that audience sees nothing of it (a draft's edit; a contact withdrawn, for curators, changes
    no statement). ``seq`` is taken at commit order from ``ChangeSequence``."""

    seq = models.BigIntegerField(primary_key=True)
    at = models.DateTimeField()
    resource = models.CharField(max_length=20)
    record_id = models.BigIntegerField()
    version = models.PositiveIntegerField(null=True)
    type = models.CharField(max_length=10, choices=ChangeType.choices, blank=True)
    public_type = models.CharField(max_length=10, choices=ChangeType.choices, blank=True)

    class Meta:
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["resource", "seq"], name="change_resource_seq"),
            # Each audience's page reads its own changes in order, skipping none it cannot see.
            models.Index(fields=["seq"], condition=~models.Q(type=""), name="change_curated_seq"),
            models.Index(
                fields=["seq"], condition=~models.Q(public_type=""), name="change_public_seq"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.seq}: {self.resource} {self.record_id} {self.type or self.public_type}"


class ChangeSequence(models.Model):
    """The last ``seq`` given. A writer increments it when it records a change and holds the row's
    lock until it commits: no other writer takes a number meanwhile, so numbers are given in
    commit order, without gaps (a rolled-back write gives its number back)."""

    last = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.last)
