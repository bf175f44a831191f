"""Load the article's dataset (fixtures/article.json)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from server.diplomacy.models import Contact, Official, Source, Statement

ARTICLE_FIXTURE = settings.BASE_DIR / "fixtures" / "article.json"


def database_is_empty() -> bool:
    return not any(model.objects.exists() for model in (Official, Source, Contact, Statement))


class Command(BaseCommand):
    help = "Load the article's officials, contacts, statements and sources."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already holds records (used by `make run`).",
        )

    def handle(self, *args: Any, if_empty: bool, **options: Any) -> None:
        if if_empty and not database_is_empty():
            self.stdout.write("The database already holds records; nothing loaded.")
            return
        call_command("loaddata", str(ARTICLE_FIXTURE), verbosity=options.get("verbosity", 1))
