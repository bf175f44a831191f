"""Load the article's dataset (fixtures/article.json), each record with its first revision."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from server.diplomacy import changes, services
from server.diplomacy.models import (
    Citation,
    Contact,
    Official,
    Participant,
    Position,
    Source,
    Statement,
    Topic,
)

ARTICLE_FIXTURE = settings.BASE_DIR / "fixtures" / "article.json"
RESOURCES = (Source, Official, Contact, Statement)
PARTS = (Topic, Position, Participant, Citation)


def database_is_empty() -> bool:
    return not any(model.objects.exists() for model in RESOURCES)


def record_first_revisions() -> None:
    """loaddata writes rows raw, without history: give each loaded record its `created` revision."""
    for model in RESOURCES:
        recorded = model.history.values("id")
        for record in model.objects.exclude(pk__in=recorded):
            services.record_first_revision(record)
    topics_recorded = Topic.history.values("id")
    unrecorded_topics = list(
        Topic.objects.exclude(pk__in=topics_recorded).values_list("pk", flat=True)
    )
    for part in PARTS:
        call_command("populate_history", f"diplomacy.{part.__name__}", verbosity=0)
    # Bulk history writes no change of its own: the topics' creations go in the feed here.
    changes.record_written_history("topics", Topic.history.filter(id__in=unrecorded_topics))


class Command(BaseCommand):
    help = "Load the article's officials, contacts, statements and sources."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already holds records (used by `make run`).",
        )

    @transaction.atomic
    def handle(self, *args: Any, if_empty: bool, **options: Any) -> None:
        if if_empty and not database_is_empty():
            self.stdout.write("The database already holds records; nothing loaded.")
            return
        call_command("loaddata", str(ARTICLE_FIXTURE), verbosity=options.get("verbosity", 1))
        record_first_revisions()
