"""Load a whole-dataset export into an empty database (see ``dataset`` for the format)."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from server.diplomacy import dataset


class Command(BaseCommand):
    help = (
        "Load a file written by `manage.py export` (or GET /api/v1/export/) into an empty "
        "database, all or nothing: ids, versions, timestamps and reviews as the file has them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The file to read, or - for standard input.")

    def handle(self, *args: Any, path: str, **options: Any) -> None:
        try:
            if path == "-":
                counts = dataset.load(sys.stdin.buffer)
            else:
                with open(path, "rb") as lines:
                    counts = dataset.load(lines)
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}.") from None
        except dataset.DatasetError as error:
            raise CommandError(f"{path}: {error} Nothing was loaded.") from None
        loaded = ", ".join(f"{count} {section}" for section, count in counts.items())
        self.stdout.write(f"Loaded {loaded}.")
